"""helpers.cache and helpers.files: cached vectors equal fresh ones; writes are atomic."""
import numpy as np
import pytest

from helpers import cache
from helpers.files import atomic_write_bytes, atomic_write_json


def test_cached_encode_equals_encode_and_reuses_the_file(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat", "dogs bark"]
    first = cache.cached_encode(encoder, texts)
    files = list(tmp_path.glob("*.npy"))
    assert len(files) == 1
    np.testing.assert_array_equal(first, encoder.encode(texts))
    np.testing.assert_array_equal(cache.cached_encode(encoder, texts), first)


def test_a_damaged_cache_file_is_recomputed(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["a cat sat on the mat"]
    good = cache.cached_encode(encoder, texts)
    path = next(tmp_path.glob("*.npy"))
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
    from helpers.embed import TruncationWarning
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["short", " ".join(["word"] * 300)]
    for _ in range(2):  # a miss, then a hit: the same warning both times
        with pytest.warns(TruncationWarning, match="1 of 2 texts are longer than max_length=256"):
            cache.cached_encode(encoder, texts)
