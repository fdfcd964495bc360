"""helpers.encode.conse: preprocessing, softmax, the ConSE mixture and their input checks (no model loaded)."""
import numpy as np
import pytest
from PIL import Image

from helpers.encode import conse


def test_softmax_rows_sum_to_one_and_temperature_flattens():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    p1, p2 = conse.softmax(logits, 1.0), conse.softmax(logits, 2.0)
    np.testing.assert_allclose(p1.sum(1), 1.0, atol=1e-12)
    np.testing.assert_allclose(p1[1], 1 / 3, atol=1e-12)
    assert p2[0, 0] < p1[0, 0]  # a higher temperature spreads probability


def test_softmax_rejects_bad_temperature():
    with pytest.raises(ValueError, match="temperature"):
        conse.softmax(np.zeros((1, 3)), 0.0)


def test_conse_top1_is_the_top_class_embedding():
    emb = np.eye(3, 4)
    probs = np.array([[0.2, 0.7, 0.1]])
    np.testing.assert_allclose(conse.conse_vectors(probs, emb, top_k=1), [[0, 1, 0, 0]], atol=1e-7)


def test_conse_mixes_top_k_by_probability_then_normalises():
    emb = np.eye(3)
    out = conse.conse_vectors(np.array([[0.6, 0.3, 0.1]]), emb, top_k=2)
    expected = np.array([0.6, 0.3, 0.0]) / np.linalg.norm([0.6, 0.3])
    np.testing.assert_allclose(out[0], expected, atol=1e-6)
    assert out.dtype == np.float32


@pytest.mark.parametrize("probs, emb, top_k, match", [
    (np.ones((1, 3)), np.ones((4, 2)), 1, "same C"),
    (np.ones((1, 3)), np.ones((3, 2)), 0, "top_k"),
    (np.ones((1, 3)), np.ones((3, 2)), 4, "top_k"),
])
def test_conse_rejects_bad_shapes_and_top_k(probs, emb, top_k, match):
    with pytest.raises(ValueError, match=match):
        conse.conse_vectors(probs, emb, top_k)


def test_class_texts_first_and_all_lemmas():
    classes = ["tench, Tinca tinca", "goldfish"]
    assert conse.class_texts(classes, "a photo of a {}.", "first") == ["a photo of a tench.", "a photo of a goldfish."]
    assert conse.class_texts(classes, "{}", "all") == classes


@pytest.mark.parametrize("prompt, names", [("no slot", "all"), ("{} {}", "all"), ("{}", "last")])
def test_class_texts_rejects_bad_prompt_or_names(prompt, names):
    with pytest.raises(ValueError):
        conse.class_texts(["tench"], prompt, names)


def test_rgba_is_composited_on_white():
    clear = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert conse.to_rgb(clear).getpixel((0, 0)) == (255, 255, 255)


def test_preprocess_shape_and_scale():
    x = conse.preprocess([Image.new("RGB", (300, 200), (255, 255, 255)), Image.new("L", (50, 80), 0)])
    assert x.shape == (2, 3, conse.IMAGE_SIZE, conse.IMAGE_SIZE)
    assert float(x[0].min()) == pytest.approx((255 - 127) / 128)
    assert float(x[1].max()) == pytest.approx(-127 / 128)


@pytest.mark.parametrize("images, error, match", [
    (Image.new("RGB", (4, 4)), TypeError, "wrap a single one"),
    ("photo.jpg", TypeError, "not paths"),
    ([np.zeros((4, 4, 3))], TypeError, r"images\[0\] is ndarray"),
    ([], ValueError, "empty"),
    (None, TypeError, "list of PIL images"),
])
def test_check_images_rejects_bad_input(images, error, match):
    with pytest.raises(error, match=match):
        conse.check_images(images)


@pytest.mark.parametrize("texts, error, match", [
    ([], ValueError, "empty"), ("a dog", TypeError, "list of strings"), ([3], TypeError, "must be a str"),
])
def test_check_text_list_rejects_bad_input(texts, error, match):
    with pytest.raises(error, match=match):
        conse.check_text_list(texts)


@pytest.mark.parametrize("call,match", [
    (lambda: conse.softmax(np.ones(3)), r"\(n, classes\)"),
    (lambda: conse.softmax(np.array([[np.nan, 1.0]])), "finite"),
    (lambda: conse.softmax(np.ones((1, 3)), "2"), "temperature must be a finite number > 0"),
    (lambda: conse.conse_vectors(np.zeros((1, 3)), np.eye(3), 2), "put no weight"),
    (lambda: conse.conse_vectors(np.full((1, 3), np.nan), np.eye(3), 2), "finite"),
    (lambda: conse.conse_vectors(np.ones((1, 3)) / 3, np.eye(3), True), "top_k must be an int"),
    (lambda: conse.preprocess([Image.new("RGB", (4, 4))], size=0), "size must be a positive int"),
])
def test_hostile_conse_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_class_texts_refuses_a_string():
    with pytest.raises(TypeError, match="list of class-name strings"):
        conse.class_texts("dog")
