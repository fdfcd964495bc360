"""Cache sentence embeddings on disk so that later notebooks need not re-encode a corpus.

Introduced in notebooks/01_pooling.ipynb.

The cache never loses work and never returns wrong vectors:
- a cache file that cannot be read (0 bytes, truncated, wrong shape, unreadable) is a miss: the
  texts are encoded again and the file replaced;
- a cache file that cannot be written (read-only folder, full disk) gives a CacheWarning and the
  freshly computed vectors are still returned;
- the key is collision-free by construction: every text enters the hash with its length in front,
  so no two different lists of texts hash the same input (only a SHA-256 collision could clash);
- a custom pooling function is keyed by its module, qualified name and a hash of its code, so that
  editing its body makes a new key. A pooling without a stable identity (a lambda, a function
  defined inside another function, a functools.partial or any other callable object) is refused:
  two different lambdas would otherwise look alike. Define it with `def` at the top level of a
  module or notebook, or call `encoder.encode` directly, which does not cache.
- files written under the previous key scheme (helpers.cache/1) are still read where their key was
  unambiguous (see legacy_key), so a course checkout's warm cache stays warm.

Two ways it saves forward passes, the cost of encoding (pooling and normalising take microseconds):
- a miss stores the vectors both as pooled and as unit vectors, so asking later for the other
  `normalize` reads the file instead of running the model again;
- `cached_encode_many` serves several encoders that differ only in pooling (mean, CLS, max...)
  from one forward pass: the transformer's token vectors are the same, only the pooling differs.
"""
from __future__ import annotations

import hashlib
import io
import json
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from helpers.course.files import atomic_write_bytes
from helpers.course.paths import cache_dir
from helpers.encode.embed import TextEncoder, check_texts

KEY_VERSION = "helpers.cache/2"  # part of every cache key: renaming it would empty every warm cache


class CacheWarning(UserWarning):
    """The embedding cache could not be written; the vectors were computed and returned anyway."""


def _code_digest(code: Any) -> str:
    """A hash of a code object's bytecode, constants and names (nested functions included)."""
    h = hashlib.sha256(code.co_code)
    for const in code.co_consts:
        h.update(_code_digest(const).encode() if hasattr(const, "co_code") else repr(const).encode())
    h.update(repr(code.co_names).encode())
    return h.hexdigest()[:16]


def pooling_identity(pooling: Any) -> str:
    """A stable name for a pooling: its name if a str, else module.qualname plus a hash of its code."""
    if isinstance(pooling, str):
        return pooling
    qualname, module = getattr(pooling, "__qualname__", None), getattr(pooling, "__module__", None)
    code = getattr(pooling, "__code__", None)
    if not isinstance(qualname, str) or module is None or code is None or "<" in qualname:
        what = (f"a {qualname!r} function" if isinstance(qualname, str) and "<" in qualname
                else f"a {type(pooling).__name__} object")
        raise ValueError(f"cached_encode cannot key pooling={pooling!r}: {what} has no stable identity, so "
                         "two different ones would share cached vectors. Define the pooling with `def` at the "
                         "top level of a module or notebook, or call encoder.encode(texts) (not cached)")
    return f"{module}.{qualname}#{_code_digest(code)}"


def cache_key(encoder: TextEncoder, texts: Sequence[str], batch_size: int, normalize: bool,
              sort_by_length: bool = True) -> str:
    """A hash of everything that changes the vectors: model, pooling, length, batching, texts.

    Every text is hashed as its byte length then its UTF-8 bytes, so the encoding of a list is
    unambiguous: ["a\\0b"] and ["a", "b"] (or any split of the same characters) differ.
    """
    texts = check_texts(texts)
    settings = [KEY_VERSION, encoder.model_id, pooling_identity(encoder.pooling), encoder.max_length,
                batch_size, normalize, "by length" if sort_by_length else "input order", len(texts)]
    if getattr(encoder, "onnx", None) is not None:  # notebook 09: the exported file's name hashes its settings
        settings.append(encoder.onnx.path.name)
    h = hashlib.sha256(json.dumps(settings).encode())
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()[:32]


def legacy_key(encoder: TextEncoder, texts: list[str], batch_size: int, normalize: bool,
               sort_by_length: bool) -> str | None:
    """The key that helpers.cache/1 gave this call, where that key was unambiguous; else None.

    /1 hashed the settings' JSON then each text followed by a NUL byte. With a pooling given by
    name and no NUL inside any text, that byte stream splits back into one list only, so a /1
    file holds exactly these vectors: it is reused (and copied under the /2 key), not re-encoded.
    A callable pooling (keyed by its bare __name__ in /1), an ONNX encoder (notebook 09, newer than /1)
    or a text holding NUL never uses it.
    """
    if (not isinstance(encoder.pooling, str) or getattr(encoder, "onnx", None) is not None
            or any("\0" in text for text in texts)):
        return None
    settings = [encoder.model_id, encoder.pooling, encoder.max_length, batch_size, normalize]
    if not sort_by_length:
        settings.append("input order")
    h = hashlib.sha256(json.dumps(settings).encode())
    for text in texts:
        h.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()[:24]


def _read(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """The cached vectors if the file is complete and has the expected shape; else None (a miss)."""
    try:
        vectors = np.load(path, allow_pickle=False)
    except Exception:  # noqa: BLE001 - 0 bytes, truncated, not .npy, unreadable: all are a miss
        return None
    if vectors.shape != shape or vectors.dtype != np.float32 or not np.isfinite(vectors).all():
        return None
    return vectors


def _check_options(encoder: Any, batch_size: Any, normalize: Any, sort_by_length: Any) -> None:
    if not isinstance(encoder, TextEncoder):
        raise TypeError(f"cached_encode takes a TextEncoder first, got {type(encoder).__name__}: "
                        "cached_encode(TextEncoder('sentence-transformers/all-MiniLM-L6-v2'), texts)")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int such as 32, got {batch_size!r}")
    for name, value in (("normalize", normalize), ("sort_by_length", sort_by_length)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")


def _lookup(encoder: TextEncoder, texts: list[str], batch_size: int, normalize: bool,
            sort_by_length: bool) -> np.ndarray | None:
    """The cached vectors of this call, or None on a miss (no warning either way)."""
    path = cache_dir() / f"{cache_key(encoder, texts, batch_size, normalize, sort_by_length)}.npy"
    vectors = _read(path, (len(texts), encoder.dim)) if path.is_file() else None
    old = legacy_key(encoder, texts, batch_size, normalize, sort_by_length) if vectors is None else None
    if old is not None and (path.parent / f"{old}.npy").is_file():
        vectors = _read(path.parent / f"{old}.npy", (len(texts), encoder.dim))
        if vectors is not None:
            _write(path, vectors)  # under the /2 key from now on; the /1 file stays for older checkouts
    return vectors


def _store(encoder: TextEncoder, texts: list[str], batch_size: int, sort_by_length: bool,
           pooled: np.ndarray, normalize: bool) -> np.ndarray:
    """Write pooled vectors under the normalize=False key and unit vectors under normalize=True; return one."""
    unit = torch.nn.functional.normalize(torch.from_numpy(pooled), p=2, dim=1).numpy()
    for flag, vectors in ((False, pooled), (True, unit)):
        path = cache_dir() / f"{cache_key(encoder, texts, batch_size, flag, sort_by_length)}.npy"
        if _read(path, vectors.shape) is None:
            _write(path, vectors)
    return unit if normalize else pooled


def cached_encode(encoder: TextEncoder, texts: Sequence[str], batch_size: int = 32,
                  normalize: bool = True, sort_by_length: bool = True) -> np.ndarray:
    """`encoder.encode(texts, ...)`, read from the cache when the same call was made before.

    A cache hit gives the same TruncationWarning as encoding would, so that what a notebook shows
    does not depend on whether its cache was warm. A miss stores both the pooled and the unit
    vectors, so the other `normalize` is a hit later.
    """
    _check_options(encoder, batch_size, normalize, sort_by_length)
    texts = check_texts(texts)
    batch_size, normalize, sort_by_length = int(batch_size), bool(normalize), bool(sort_by_length)
    vectors = _lookup(encoder, texts, batch_size, normalize, sort_by_length)
    if vectors is not None:
        encoder.checked_ids(texts, stacklevel=3)  # the warnings encoding gives: outputs do not depend on the cache
        return vectors
    pooled = encoder.encode(texts, batch_size=batch_size, normalize=False, sort_by_length=sort_by_length)
    return _store(encoder, texts, batch_size, sort_by_length, pooled, normalize)


def _forward_identity(encoder: TextEncoder) -> tuple:
    """What decides the token vectors: the model, the length cut and, for notebook 09's ONNX backend, its file."""
    onnx = getattr(encoder, "onnx", None)
    return encoder.model_id, encoder.max_length, None if onnx is None else onnx.path.name


def cached_encode_many(encoders: Sequence[TextEncoder], texts: Sequence[str], batch_size: int = 32,
                       normalize: bool = True, sort_by_length: bool = True) -> list[np.ndarray]:
    """`[cached_encode(e, texts, ...) for e in encoders]`, with one forward pass for all the misses.

    The encoders must share the model, max_length and backend and differ only in pooling (e.g. mean, CLS, max):
    the transformer's token vectors are then the same for all of them, and a forward pass is nearly all
    of the cost. Each encoder's vectors are cached under the key `cached_encode` uses, so a later
    `cached_encode(encoder, texts)` with the same settings is a hit.
    """
    encoders = list(encoders) if not isinstance(encoders, TextEncoder) else [encoders]
    if not encoders:
        raise ValueError("cached_encode_many needs at least one TextEncoder, e.g. "
                         "cached_encode_many([TextEncoder(m), TextEncoder(m, pooling='cls')], texts)")
    for encoder in encoders:
        _check_options(encoder, batch_size, normalize, sort_by_length)
    first = encoders[0]
    for i, encoder in enumerate(encoders[1:], start=1):
        if _forward_identity(encoder) != _forward_identity(first):
            raise ValueError(f"encoders[{i}] is {encoder!r} but encoders[0] is {first!r}: one forward pass serves "
                             "only encoders of the same model, max_length and backend (they may differ in pooling). Call "
                             "cached_encode_many once per model, or cached_encode for each encoder")
    texts = check_texts(texts)
    batch_size, normalize, sort_by_length = int(batch_size), bool(normalize), bool(sort_by_length)
    found = [_lookup(encoder, texts, batch_size, normalize, sort_by_length) for encoder in encoders]
    missing = [i for i, vectors in enumerate(found) if vectors is None]
    if not missing:
        first.checked_ids(texts, stacklevel=3)  # the warnings encoding gives
        return found
    pooled = {i: np.empty((len(texts), encoders[i].dim), dtype=np.float32) for i in missing}
    if texts:
        for rows, batch, hidden in encoders[missing[0]].batches(texts, batch_size, sort_by_length):
            for i in missing:
                pooled[i][rows] = encoders[i].pooler(hidden, batch["attention_mask"]).float().numpy()
    for i in missing:
        found[i] = _store(encoders[i], texts, batch_size, sort_by_length, pooled[i], normalize)
    return found


def _write(path: Path, vectors: np.ndarray) -> None:
    """Write the cache file atomically; a failure is a CacheWarning, never an error."""
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as err:
        warnings.warn(f"could not write the embedding cache file {path} ({err}); the vectors were computed "
                      "and are returned, but the next call will encode again. Make $COURSE_CACHE_DIR (or "
                      ".cache/embeddings) a writable folder with free space", CacheWarning, stacklevel=3)
