"""helpers.encode.onnx_backend: ONNX fp32 equals torch, int8 keeps STS-B quality, the export is cached,
re-used, checked, and rebuilt when damaged."""
import numpy as np
import pytest
from scipy.stats import spearmanr

from helpers.course.data import load_stsb
from helpers.encode import onnx_backend
from helpers.encode.embed import TextEncoder
from helpers.encode.models import resolve_model


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    """A private cache for this module: exports land in <tmp>/onnx, beside <tmp>/embeddings."""
    root = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_CACHE_DIR", str(root / "embeddings"))
        yield root / "onnx"


@pytest.fixture(scope="module")
def stsb_texts():
    pairs = load_stsb("test")
    return pairs, pairs.sentence1.tolist() + pairs.sentence2.tolist()


@pytest.fixture(scope="module")
def torch_encoder():
    return TextEncoder()


@pytest.fixture(scope="module")
def fp32(onnx_cache):
    return TextEncoder(backend="onnx")


@pytest.fixture(scope="module")
def int8(onnx_cache):
    return TextEncoder(backend="onnx", quantize="int8")


def test_files_live_beside_the_embedding_cache(onnx_cache, fp32, int8):
    assert fp32.onnx.path.parent == onnx_cache and int8.onnx.path.parent == onnx_cache
    assert onnx_backend.is_intact(fp32.onnx.path) and onnx_backend.is_intact(int8.onnx.path)
    assert int8.onnx.path.stat().st_size < fp32.onnx.path.stat().st_size / 3  # 8-bit weights
    # the cold chain export -> fused -> int8 was built in this fresh folder without a deadlock, and the
    # builds left nothing else in the shared folder (quantize_dynamic's "-inferred.onnx" included)
    assert sorted({p.suffix for p in onnx_cache.iterdir()}) == [".json", ".onnx"]
    assert not [p for p in onnx_cache.iterdir() if "inferred" in p.name or p.name.startswith(".build-")]


def test_fp32_onnx_equals_torch(stsb_texts, torch_encoder, fp32):
    texts = stsb_texts[1][:300]
    for sort in (True, False):  # length-sorted and input-order batches (more padding)
        a = fp32.encode(texts, sort_by_length=sort)
        b = torch_encoder.encode(texts, sort_by_length=sort)
        assert np.abs(a - b).max() < 1e-5


def test_int8_keeps_stsb_quality(stsb_texts, int8):
    pairs, texts = stsb_texts
    x = int8.encode(texts)
    a, b = x[:len(pairs)], x[len(pairs):]
    assert spearmanr((a * b).sum(axis=1), pairs.score).statistic >= 0.815
    assert np.allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("weight_type", ["QInt8", "QUInt8"])
def test_both_int8_weight_types_keep_stsb_quality(stsb_texts, torch_encoder, onnx_cache, weight_type):
    """Both weight types run on any CPU (notebook 09, section 4); each keeps notebook 09's bar (0.815)."""
    pairs, texts = stsb_texts
    path = onnx_backend.build_onnx_model(resolve_model(torch_encoder.model_id), torch_encoder.model,
                                         torch_encoder.tokenizer, quantize="int8", weight_type=weight_type)
    encoder = TextEncoder(backend="onnx")
    encoder.onnx = onnx_backend.OnnxModel(path)
    x = encoder.encode(texts)
    a, b = x[:len(pairs)], x[len(pairs):]
    assert spearmanr((a * b).sum(axis=1), pairs.score).statistic >= 0.815


def test_default_int8_file_is_signed_per_tensor_on_every_cpu(int8):
    """No CPU-dependent choice: the default file is quantize_dynamic's defaults (QInt8, per tensor)."""
    import json
    settings = json.loads(int8.onnx.path.with_suffix(".json").read_text())["settings"]
    assert settings["int8"] == "QInt8" and "per_channel" not in settings


def test_per_channel_int8_equals_quantize_dynamic_by_hand_and_stays_closer_to_fp32(
        stsb_texts, torch_encoder, fp32, int8, tmp_path):
    """per_channel=True: the helper's file gives what onnxruntime's own call gives, and it is closer to fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    pairs, texts = stsb_texts
    path = onnx_backend.build_onnx_model(resolve_model(torch_encoder.model_id), torch_encoder.model,
                                         torch_encoder.tokenizer, quantize="int8", per_channel=True)
    assert path != int8.onnx.path
    by_hand = tmp_path / "per_channel.onnx"
    quantize_dynamic(str(fp32.onnx.path), str(by_hand), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    per_channel, hand = TextEncoder(backend="onnx"), TextEncoder(backend="onnx")
    per_channel.onnx, hand.onnx = onnx_backend.OnnxModel(path), onnx_backend.OnnxModel(by_hand)
    sample = texts[:200]
    x = per_channel.encode(sample)
    assert np.allclose(x, hand.encode(sample), atol=1e-5)
    exact = torch_encoder.encode(sample)
    assert np.median((x * exact).sum(axis=1)) > np.median((int8.encode(sample) * exact).sum(axis=1))
    x = per_channel.encode(texts)
    a, b = x[:len(pairs)], x[len(pairs):]
    assert spearmanr((a * b).sum(axis=1), pairs.score).statistic >= 0.815


def test_second_encoder_reuses_the_export(monkeypatch, int8):
    calls = []
    for name in ("_export", "_fuse", "_quantize"):
        real = getattr(onnx_backend, name)
        monkeypatch.setattr(onnx_backend, name, lambda *a, real=real, name=name: calls.append(name) or real(*a))
    again = TextEncoder(backend="onnx", quantize="int8")
    assert calls == [] and again.onnx.path == int8.onnx.path


@pytest.mark.parametrize("damage", ["truncate", "flip a byte", "no manifest"])
def test_damaged_file_is_detected_and_rebuilt(onnx_cache, int8, damage):
    path = int8.onnx.path
    good = path.read_bytes()
    if damage == "truncate":  # a partial write, e.g. a killed process without atomic rename
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flip a byte":  # same size, different content
        path.write_bytes(good[:1000] + bytes([good[1000] ^ 0xFF]) + good[1001:])
    else:
        path.with_suffix(".json").unlink()
    assert not onnx_backend.is_intact(path)
    rebuilt = TextEncoder(backend="onnx", quantize="int8")
    assert rebuilt.onnx.path == path and onnx_backend.is_intact(path)
    texts = ["A man is playing a guitar.", "Stocks fell sharply."]
    assert np.allclose(rebuilt.encode(texts), int8.encode(texts), atol=1e-6)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="backend must be"):
        onnx_backend.check_backend("tensorrt", None)
    with pytest.raises(ValueError, match="quantize must be"):
        onnx_backend.check_backend("onnx", "int4")
    with pytest.raises(ValueError, match="pass backend='onnx'"):
        onnx_backend.check_backend("torch", "int8")
    with pytest.raises(ValueError, match="level must be"):
        onnx_backend.OnnxModel("missing.onnx", level="max")
    with pytest.raises(ValueError, match="weight_type must be"):
        onnx_backend.build_onnx_model(".", None, None, quantize="int8", weight_type="auto")
    with pytest.raises(ValueError, match="pass quantize='int8'"):
        onnx_backend.build_onnx_model(".", None, None, per_channel=True)


def test_cache_keys_differ_by_backend(torch_encoder, fp32, int8):
    from helpers.encode.cache import cache_key
    keys = {cache_key(e, ["a sentence"], 32, True) for e in (torch_encoder, fp32, int8)}
    assert len(keys) == 3


def test_cached_encode_many_refuses_to_share_a_forward_pass_across_backends(torch_encoder, fp32):
    from helpers.encode.cache import cached_encode_many
    with pytest.raises(ValueError, match="same model, max_length and backend"):
        cached_encode_many([torch_encoder, fp32], ["a cat sat on the mat"])
