"""helpers.encode.multimodal: the three encoders share one interface; CLIP is tested with a tiny random model."""
import string

import numpy as np
import pytest
import torch
from PIL import Image

from helpers.encode.models import ModelNotFoundError
from helpers.encode.multimodal import RandomEncoder, load_image_text_encoder

IMAGES = [Image.new("RGB", (40, 50), (255, 0, 0)), Image.new("RGB", (64, 64), (0, 0, 255)),
          Image.new("RGBA", (30, 30), (0, 255, 0, 128))]
TEXTS = ["a dog on a beach", "a red square", "two cats"]


@pytest.fixture(scope="module")
def tiny_clip_dir(tmp_path_factory):
    """A randomly initialised CLIP (8-d space) with a letters-only tokenizer, saved like a hub model."""
    from transformers import CLIPConfig, CLIPModel, CLIPProcessor, CLIPTokenizer
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in string.ascii_lowercase + string.digits + ".,!?'-":
        vocab[c], vocab[c + "</w>"] = len(vocab), len(vocab) + 1
    torch.manual_seed(0)
    tower = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2)
    config = CLIPConfig(text_config=dict(vocab_size=len(vocab), max_position_embeddings=32, bos_token_id=0,
                                         eos_token_id=1, pad_token_id=1, **tower),
                        vision_config=dict(image_size=32, patch_size=8, **tower), projection_dim=8)
    processor = CLIPProcessor(tokenizer=CLIPTokenizer(vocab=vocab, merges=[]),
                              image_processor=CLIPImageProcessorPil(size={"shortest_edge": 32},
                                                                    crop_size={"height": 32, "width": 32}))
    folder = tmp_path_factory.mktemp("tiny-clip")
    CLIPModel(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_clip(tiny_clip_dir):
    return load_image_text_encoder(tiny_clip_dir)


@pytest.fixture(scope="module")
def offline():
    return load_image_text_encoder("course-offline")


@pytest.fixture(params=["random", "tiny_clip"])
def any_encoder(request):
    return RandomEncoder(dim=8) if request.param == "random" else request.getfixturevalue("tiny_clip")


def _assert_unit_rows(x: np.ndarray, n: int, d: int) -> None:
    assert x.shape == (n, d) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


def test_both_towers_give_unit_vectors_of_one_dimension(any_encoder):
    _assert_unit_rows(any_encoder.encode_text(TEXTS), 3, any_encoder.dim)
    _assert_unit_rows(any_encoder.encode_images(IMAGES), 3, any_encoder.dim)


def test_batching_does_not_change_vectors(any_encoder):
    np.testing.assert_allclose(any_encoder.encode_text(TEXTS, batch_size=1), any_encoder.encode_text(TEXTS),
                               atol=1e-5)
    np.testing.assert_allclose(any_encoder.encode_images(IMAGES, batch_size=2), any_encoder.encode_images(IMAGES),
                               atol=1e-5)


def test_tiny_clip_loads_back_with_its_dimension_and_logit_scale(tiny_clip):
    assert tiny_clip.dim == 8
    assert tiny_clip.logit_scale == pytest.approx(np.exp(np.log(1 / 0.07)), rel=1e-4)  # CLIP's initial value


def test_random_encoder_is_seeded_by_content():
    a, b = RandomEncoder(dim=16, seed=0), RandomEncoder(dim=16, seed=1)
    np.testing.assert_array_equal(a.encode_text(["x", "y"])[0], a.encode_text(["x"])[0])
    assert not np.allclose(a.encode_text(["x"]), b.encode_text(["x"]))
    assert not np.allclose(a.encode_images(IMAGES[:1]), a.encode_images(IMAGES[1:2]))


@pytest.mark.parametrize("call, error, match", [
    (lambda e: e.encode_images([np.zeros((4, 4, 3))]), TypeError, "PIL.Image.Image"),
    (lambda e: e.encode_images(IMAGES[0]), TypeError, "wrap a single one"),
    (lambda e: e.encode_images([]), ValueError, "empty"),
    (lambda e: e.encode_text([]), ValueError, "empty"),
    (lambda e: e.encode_text(["a dog", 7]), TypeError, "must be a str"),
    (lambda e: e.encode_text("a dog"), TypeError, "list of strings"),
    (lambda e: e.encode_text(["a dog"], batch_size=0), ValueError, "batch_size"),
])
def test_bad_input_is_refused_clearly(any_encoder, call, error, match):
    with pytest.raises(error, match=match):
        call(any_encoder)


def test_missing_hub_model_names_the_id_and_the_fix():
    with pytest.raises(ModelNotFoundError, match=r"(?s)nobody/no-such-clip.*Looked in.*Fix.*course-offline"):
        load_image_text_encoder("nobody/no-such-clip", allow_download=False)


@pytest.mark.parametrize("name", [None, "", 3])
def test_bad_encoder_name_is_refused(name):
    with pytest.raises(TypeError, match="course-offline"):
        load_image_text_encoder(name)


def test_options_only_for_offline_encoders(tiny_clip_dir):
    with pytest.raises(TypeError, match="offline encoders only"):
        load_image_text_encoder(tiny_clip_dir, top_k=5)


def test_offline_encoder_matches_scikit_learns_two_photos_to_their_subjects(offline):
    from sklearn.datasets import load_sample_images

    photos = [Image.fromarray(a) for a in load_sample_images().images]  # china.jpg (a temple), flower.jpg
    images = offline.encode_images(photos)
    _assert_unit_rows(images, 2, 384)
    scores = offline.encode_text(["a temple with a roof", "a flower"]) @ images.T  # cosines
    assert scores[0, 0] > scores[0, 1] and scores[1, 1] > scores[1, 0]
    assert scores[0, 0] > scores[1, 0] and scores[1, 1] > scores[0, 1]


def test_offline_encoder_rejects_bad_settings():
    with pytest.raises(ValueError, match="top_k"):
        load_image_text_encoder("course-offline", top_k=0)
    with pytest.raises(ValueError, match="temperature"):
        load_image_text_encoder("course-offline", temperature=-1.0)


def test_image_grid_draws_one_panel_per_image_and_refuses_mismatches():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.course.plots import image_grid

    fig = image_grid(IMAGES, ["a", "b", "c"], ncols=2)
    assert sum(bool(ax.images) for ax in fig.axes) == 3
    with pytest.raises(ValueError, match="same length"):
        image_grid(IMAGES, ["a"])
    with pytest.raises(ValueError, match="ncols"):
        image_grid(IMAGES, ["a", "b", "c"], ncols=0)


# --- hostile images and arguments (issue 12) ------------------------------------------------------

def _grey(mode, value, size=(8, 8)):
    dtype = {"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]
    image = Image.fromarray(np.full(size[::-1], value, dtype=dtype))
    return image if image.mode == mode else image.convert(mode)


@pytest.mark.parametrize("mode,value,want", [
    ("I;16", 65535, 255), ("I;16", 32896, 128), ("I;16", 0, 0),   # 16-bit: / 257, not clipped at 255
    ("F", 0.5, 128), ("F", 1.0, 255),                            # float fractions: x 255
    ("F", 200.0, 200), ("I", 200, 200),                          # already 8-bit levels
])
def test_wide_images_are_scaled_to_8_bits_not_clipped(mode, value, want):
    from helpers.encode.conse import to_rgb
    rgb = np.asarray(to_rgb(_grey(mode, value)))
    assert rgb.shape == (8, 8, 3) and (rgb == want).all()


def test_wide_images_with_other_ranges_are_stretched_and_differ():
    from helpers.encode.conse import to_rgb
    ramp = Image.fromarray(np.arange(64, dtype=np.int32).reshape(8, 8) * 1000)  # mode I, 0..63,000
    rgb = np.asarray(to_rgb(ramp))[..., 0].ravel()
    assert rgb.min() == 0 and rgb.max() == 255 and (np.diff(rgb.astype(int)) > 0).all()  # stretched, in order
    enc = RandomEncoder(dim=8)
    a, b = enc.encode_images([_grey("I;16", 1000), _grey("I;16", 2000)])
    assert not np.allclose(a, b)  # both were white (clipped) before


def test_nan_pixels_are_refused_naming_the_image():
    with pytest.raises(ValueError, match=r"images\[1\] \(mode F\) holds NaN or inf pixels"):
        RandomEncoder(dim=8).encode_images([IMAGES[0], _grey("F", np.nan)])


def test_a_truncated_image_file_is_named_by_index_and_path(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:2000])
    truncated = Image.open(path)
    with pytest.raises(ValueError, match=r"images\[2\] \(.*photo.png\) cannot be read .*truncated or damaged"):
        RandomEncoder(dim=8).encode_images([IMAGES[0], IMAGES[1], truncated])


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True, "8"])
def test_bad_batch_sizes_are_refused_naming_the_argument(any_encoder, batch_size):
    for call in (any_encoder.encode_images, any_encoder.encode_text):
        with pytest.raises(ValueError, match="batch_size must be a positive int such as 32"):
            call(IMAGES if call == any_encoder.encode_images else TEXTS, batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [0, -1, 1.5])
def test_the_offline_encoder_refuses_bad_batch_sizes_too(offline, batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        offline.encode_images(IMAGES, batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        offline.encode_text(TEXTS, batch_size=batch_size)


def test_numpy_arrays_get_a_fromarray_hint():
    with pytest.raises(TypeError, match="fromarray"):
        RandomEncoder(dim=8).encode_images(np.zeros((2, 4, 4, 3), np.uint8))


@pytest.mark.parametrize("kwargs,match", [({"dim": True}, "dim must be a positive int"),
                                          ({"seed": -1}, "seed must be an int >= 0"),
                                          ({"seed": 1.5}, "seed must be an int >= 0")])
def test_random_encoder_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomEncoder(**kwargs)
