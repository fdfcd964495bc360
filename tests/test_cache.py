"""helpers.encode.cache and helpers.course.files: cached vectors equal fresh ones; writes are atomic."""
import numpy as np
import pytest

from helpers.course.files import atomic_write_bytes, atomic_write_json
from helpers.encode import cache


def test_cached_encode_equals_encode_and_reuses_the_file(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark"]
    first = cache.cached_encode(encoder, texts)
    files = sorted(p.name for p in tmp_path.glob("*.npy"))  # the unit vectors and the pooled ones
    assert files == sorted(f"{cache.cache_key(encoder, texts, 32, flag)}.npy" for flag in (True, False))
    np.testing.assert_allclose(first, encoder.encode(texts), atol=1e-7)
    np.testing.assert_array_equal(cache.cached_encode(encoder, texts), first)


def test_a_damaged_cache_file_is_recomputed(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat"]
    good = cache.cached_encode(encoder, texts)
    path = tmp_path / f"{cache.cache_key(encoder, texts, 32, True)}.npy"
    path.write_bytes(b"not a numpy file")
    np.testing.assert_array_equal(cache.cached_encode(encoder, texts), good)


def test_key_depends_on_texts_and_settings(encoder):
    key = cache.cache_key(encoder, ["a"], 32, True)
    assert key != cache.cache_key(encoder, ["b"], 32, True)
    assert key != cache.cache_key(encoder, ["a"], 16, True)
    assert key != cache.cache_key(encoder, ["a"], 32, False)
    assert key != cache.cache_key(encoder, ["a"], 32, True, sort_by_length=False)
    assert key == cache.cache_key(encoder, ["a"], 32, True, sort_by_length=True)


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "saved.json"
    atomic_write_json(target, {"kept": True})
    with pytest.raises(ValueError):
        atomic_write_json(target, {"bad": float("nan")})  # NaN is not JSON
    assert target.read_text().strip().startswith("{") and "kept" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["saved.json"]  # no temporary left behind


def test_atomic_write_bytes_creates_folders(tmp_path):
    atomic_write_bytes(tmp_path / "a" / "b.bin", b"xyz")
    assert (tmp_path / "a" / "b.bin").read_bytes() == b"xyz"


def test_atomic_write_keeps_permissions(tmp_path):
    """mkstemp creates 0600 files; an atomic write must not make a user's file private or public."""
    import os
    target = tmp_path / "shared.json"
    atomic_write_json(target, {"v": 1})
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o640)
    atomic_write_json(target, {"v": 2})
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_cache_hit_warns_about_truncation_as_encoding_does(encoder, tmp_path, monkeypatch):
    from helpers.encode.embed import TruncationWarning
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["short", " ".join(["word"] * 300)]
    for _ in range(2):  # a miss, then a hit: the same warning both times
        with pytest.warns(TruncationWarning, match="1 of 2 texts are longer than max_length=256"):
            cache.cached_encode(encoder, texts)


# --- faults: an unreadable cache is a miss, an unwritable one a warning ---------------------------

@pytest.mark.parametrize("damage", [b"", b"\x93NUMPY", None])
def test_an_empty_truncated_or_wrong_shape_cache_file_is_a_miss_and_replaced(encoder, tmp_path, monkeypatch, damage):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark"]
    good = cache.cached_encode(encoder, texts)
    path = tmp_path / f"{cache.cache_key(encoder, texts, 32, True)}.npy"
    (tmp_path / f"{cache.cache_key(encoder, texts, 32, False)}.npy").unlink()  # no other file to derive it from
    if damage is None:  # a complete .npy file of the wrong shape
        np.save(path, np.zeros((1, 3), np.float32))
    else:
        path.write_bytes(damage if damage else b"")
    np.testing.assert_array_equal(cache.cached_encode(encoder, texts), good)
    np.testing.assert_array_equal(np.load(path), good)  # the damaged file was replaced


def test_a_failed_cache_write_warns_and_still_returns_the_vectors(encoder, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(blocker))
    with pytest.warns(cache.CacheWarning, match="could not write the embedding cache.*vectors were computed"):
        vectors = cache.cached_encode(encoder, ["a cat"])
    np.testing.assert_allclose(vectors, encoder.encode(["a cat"]), atol=1e-7)


def test_a_disk_full_cache_write_warns_and_leaves_no_temporary(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))

    def full(path, data):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(cache, "atomic_write_bytes", full)
    with pytest.warns(cache.CacheWarning, match="No space left"):
        assert cache.cached_encode(encoder, ["a cat"]).shape == (1, 384)
    assert list(tmp_path.iterdir()) == []


# --- keys: collision-free by construction ---------------------------------------------------------

def test_keys_of_lists_that_join_to_the_same_characters_differ(encoder):
    pairs = [(["a\0b"], ["a", "b"]), (["a", "b c"], ["a b", "c"]), (["ab", "c"], ["a", "bc"]), (["a\0", "b"], ["a", "\0b"])]
    for one, other in pairs:
        assert cache.cache_key(encoder, one, 32, True) != cache.cache_key(encoder, other, 32, True)


def _first_token(hidden, mask):
    return hidden[:, 0]


def _first_token_too(hidden, mask):
    return hidden[:, 0]


def _last_token(hidden, mask):
    return hidden[:, -1]


def test_pooling_functions_are_keyed_by_name_and_code(encoder):
    from helpers.encode.embed import TextEncoder
    enc = object.__new__(TextEncoder)
    enc.__dict__.update(encoder.__dict__)
    keys = {}
    for pooling in (_first_token, _first_token_too, _last_token, "cls"):
        enc.pooling = pooling
        keys[pooling if isinstance(pooling, str) else pooling.__name__] = cache.cache_key(enc, ["a"], 32, True)
    assert len(set(keys.values())) == 4
    enc.pooling = _first_token
    assert cache.cache_key(enc, ["a"], 32, True) == keys["_first_token"]  # stable across calls


@pytest.mark.parametrize("make", [lambda: (lambda h, m: h[:, 0]),
                                  lambda: __import__("functools").partial(_first_token),
                                  lambda: type("Pool", (), {"__call__": lambda self, h, m: h[:, 0]})()])
def test_a_pooling_without_a_stable_identity_is_refused_for_caching(encoder, make, tmp_path, monkeypatch):
    from helpers.encode.embed import TextEncoder
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    enc = object.__new__(TextEncoder)
    enc.__dict__.update(encoder.__dict__)
    enc.pooling = make()
    with pytest.raises(ValueError, match="no stable identity.*Define the pooling with `def` at the top level"):
        cache.cached_encode(enc, ["a"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs,error,match", [
    ({"batch_size": 0}, ValueError, "batch_size must be a positive int"),
    ({"batch_size": 1.5}, ValueError, "batch_size must be a positive int"),
    ({"normalize": "yes"}, TypeError, "normalize must be True or False"),
    ({"sort_by_length": None}, TypeError, "sort_by_length must be True or False"),
])
def test_cached_encode_refuses_bad_options_before_reading_the_cache(encoder, kwargs, error, match):
    with pytest.raises(error, match=match):
        cache.cached_encode(encoder, ["a"], **kwargs)


def test_cached_encode_refuses_a_model_id_in_place_of_an_encoder():
    with pytest.raises(TypeError, match="takes a TextEncoder first"):
        cache.cached_encode("sentence-transformers/all-MiniLM-L6-v2", ["a"])


def test_a_cache_hit_warns_about_unknown_tokens_as_encoding_does(encoder, tmp_path, monkeypatch):
    from helpers.encode.embed import UnknownTokensWarning
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    for _ in range(2):
        with pytest.warns(UnknownTokensWarning, match="1 of 2 texts"):
            cache.cached_encode(encoder, ["a dog", "🐶"])


@pytest.mark.parametrize("call,error,match", [
    (lambda p: atomic_write_bytes(p / "a", "text"), TypeError, "data must be bytes.*encode"),
    (lambda p: atomic_write_bytes(p, b"x"), IsADirectoryError, "is a folder; pass the path of the file"),
    (lambda p: atomic_write_bytes(None, b"x"), TypeError, "path must be a file path"),
    (lambda p: atomic_write_json(p / "b.json", {1, 2}), TypeError, "cannot save this object as JSON to .*b.json"),
    (lambda p: atomic_write_json(p / "b.json", [float("nan")]), ValueError, "finite float"),
])
def test_atomic_writes_refuse_bad_input_and_leave_nothing(tmp_path, call, error, match):
    with pytest.raises(error, match=match):
        call(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cache_key_refuses_a_single_string(encoder):
    with pytest.raises(TypeError, match="wrap a single sentence"):
        cache.cache_key(encoder, "a text", 32, True)


def test_a_file_under_the_previous_unambiguous_key_is_reused_not_re_encoded(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark"]
    want = encoder.encode(texts)
    old = cache.legacy_key(encoder, texts, 32, True, True)
    np.save(tmp_path / f"{old}.npy", want)
    with monkeypatch.context() as m:
        m.setattr(encoder, "encode", lambda *a, **k: pytest.fail("re-encoded despite a valid /1 file"))
        np.testing.assert_array_equal(cache.cached_encode(encoder, texts), want)
    new = cache.cache_key(encoder, texts, 32, True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{old}.npy", f"{new}.npy"])


def test_the_previous_key_is_never_used_where_it_was_ambiguous(encoder):
    assert cache.legacy_key(encoder, ["a\0b"], 32, True, True) is None  # a NUL inside a text
    from helpers.encode.embed import TextEncoder
    enc = object.__new__(TextEncoder)
    enc.__dict__.update(encoder.__dict__)
    enc.pooling = _first_token  # a callable was keyed by its bare name
    assert cache.legacy_key(enc, ["a"], 32, True, True) is None
    # the /1 scheme, written out by hand for this call
    import hashlib
    import json
    h = hashlib.sha256(json.dumps([encoder.model_id, "mean", 256, 32, True]).encode())
    h.update(b"a\0")
    assert cache.legacy_key(encoder, ["a"], 32, True, True) == h.hexdigest()[:24]


# --- fewer forward passes: both normalize settings per miss, several poolings per pass ------------

def _count_forward_passes(encoder, monkeypatch):
    calls = []
    model = encoder.model
    original = type(model).__call__

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(type(model), "__call__", counting)
    return calls


def test_a_miss_stores_both_normalize_settings_so_the_other_is_a_hit(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark", "the stock market fell"]
    unit = cache.cached_encode(encoder, texts)
    calls = _count_forward_passes(encoder, monkeypatch)
    raw = cache.cached_encode(encoder, texts, normalize=False)
    assert calls == []  # read from the file the first call wrote
    np.testing.assert_allclose(raw, encoder.encode(texts, normalize=False), atol=1e-6)
    np.testing.assert_allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), unit, atol=1e-7)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)  # really the pooled vectors, not unit ones


def test_cached_encode_many_runs_one_forward_pass_per_batch_for_all_poolings(encoder, tmp_path, monkeypatch):
    from helpers.encode.embed import TextEncoder
    from helpers.encode.pooling import naive_mean_pool
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark", "a much longer sentence about the weather today", "hi"]
    encoders = [encoder, TextEncoder(encoder.model_id, pooling="cls"), TextEncoder(encoder.model_id, pooling="max"),
                TextEncoder(encoder.model_id, pooling=naive_mean_pool)]
    want = [e.encode(texts, batch_size=2, sort_by_length=False) for e in encoders]
    calls = _count_forward_passes(encoder, monkeypatch)  # patched on the class: counts every encoder's model
    got = cache.cached_encode_many(encoders, texts, batch_size=2, sort_by_length=False)
    assert len(calls) == 2  # two batches of 2, one pass each, for four poolings
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-6)
    calls.clear()
    for e, g in zip(encoders, got):  # cached under cached_encode's keys, both normalize settings
        np.testing.assert_array_equal(cache.cached_encode(e, texts, batch_size=2, sort_by_length=False), g)
        cache.cached_encode(e, texts, batch_size=2, sort_by_length=False, normalize=False)
    assert calls == []


def test_cached_encode_many_encodes_only_the_misses(encoder, tmp_path, monkeypatch):
    from helpers.encode.embed import TextEncoder
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark"]
    cls = TextEncoder(encoder.model_id, pooling="cls")
    mean = cache.cached_encode(encoder, texts)
    path = tmp_path / f"{cache.cache_key(encoder, texts, 32, True)}.npy"
    before = path.stat().st_mtime_ns
    got_mean, got_cls = cache.cached_encode_many([encoder, cls], texts)
    np.testing.assert_array_equal(got_mean, mean)
    np.testing.assert_allclose(got_cls, cls.encode(texts), atol=1e-6)
    assert path.stat().st_mtime_ns == before  # the hit was not rewritten


def test_cached_encode_many_refuses_encoders_of_different_models_or_lengths(encoder):
    from helpers.encode.embed import TextEncoder
    short = TextEncoder(encoder.model_id, max_length=64)
    with pytest.raises(ValueError, match=r"encoders\[1\].*same model, max_length and backend"):
        cache.cached_encode_many([encoder, short], ["a cat"])
    with pytest.raises(ValueError, match="at least one TextEncoder"):
        cache.cached_encode_many([], ["a cat"])
    with pytest.raises(TypeError, match="takes a TextEncoder"):
        cache.cached_encode_many([encoder, "sentence-transformers/all-MiniLM-L6-v2"], ["a cat"])


def test_cached_encode_many_gives_the_warnings_of_encoding_on_a_hit_too(encoder, tmp_path, monkeypatch):
    from helpers.encode.embed import TextEncoder, TruncationWarning
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["short", " ".join(["word"] * 300)]
    encoders = [encoder, TextEncoder(encoder.model_id, pooling="cls")]
    for _ in range(2):  # a miss, then a hit
        with pytest.warns(TruncationWarning, match="1 of 2 texts are longer than max_length=256"):
            cache.cached_encode_many(encoders, texts)
