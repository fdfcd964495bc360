"""Cache sentence embeddings on disk so that later notebooks need not re-encode a corpus.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from helpers.data import REPO_ROOT
from helpers.embed import TextEncoder, check_texts
from helpers.files import atomic_write_bytes


def cache_dir() -> Path:
    """$COURSE_CACHE_DIR if set, else .cache/embeddings in the repository (git ignores it)."""
    return Path(os.environ.get("COURSE_CACHE_DIR", REPO_ROOT / ".cache" / "embeddings"))


def cache_key(encoder: TextEncoder, texts: Sequence[str], batch_size: int, normalize: bool,
              sort_by_length: bool = True) -> str:
    """A hash of everything that changes the vectors: model, pooling, length, batching, texts."""
    h = hashlib.sha256()
    pooling = getattr(encoder.pooling, "__name__", encoder.pooling)
    settings = [encoder.model_id, pooling, encoder.max_length, batch_size, normalize]
    if not sort_by_length:  # appended only when off, so the keys of default calls stay stable
        settings.append("input order")
    if getattr(encoder, "onnx", None) is not None:  # notebook 09: the exported file's name hashes its settings
        settings.append(encoder.onnx.path.name)
    h.update(json.dumps(settings).encode())
    for text in texts:
        h.update(text.encode("utf-8") + b"\0")
    return h.hexdigest()[:24]


def cached_encode(encoder: TextEncoder, texts: Sequence[str], batch_size: int = 32,
                  normalize: bool = True, sort_by_length: bool = True) -> np.ndarray:
    """`encoder.encode(texts, ...)`, read from the cache when the same call was made before.

    A cache hit gives the same TruncationWarning as encoding would, so that what a notebook shows
    does not depend on whether its cache was warm.
    """
    texts = check_texts(texts)
    path = cache_dir() / f"{cache_key(encoder, texts, batch_size, normalize, sort_by_length)}.npy"
    if path.is_file():
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape == (len(texts), encoder.dim) and vectors.dtype == np.float32:
                encoder.warn_if_truncated(texts)
                return vectors
        except (ValueError, OSError):
            pass  # a damaged cache file is recomputed and replaced below
    vectors = encoder.encode(texts, batch_size=batch_size, normalize=normalize, sort_by_length=sort_by_length)
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())
    return vectors
