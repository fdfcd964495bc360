"""Look-alike corpora: synthetic clustered vectors shaped like real embeddings, for measuring IVF at a size where it pays.

Introduced in notebooks/04_ivf_index.ipynb (section 9); benchmarks/ivf.py uses the same generator.

Each synthetic vector is a randomly chosen real embedding plus Gaussian noise drawn with the real
embeddings' covariance (times `spread`), then normalised to unit length. The result is clustered the
way the real corpus is, so nearest-neighbour search behaves alike, but it is NOT a corpus of real
sentences: say so wherever a figure measured on it is quoted.
"""
from __future__ import annotations

from typing import Any

import faiss
import numpy as np

BLOCK = 20_000  # rows generated at a time, to keep the temporary arrays small


def synthesize(real: Any, n: int, spread: float = 1.0, rng: np.random.Generator | None = None) -> np.ndarray:
    """n unit float32 vectors: random rows of `real` plus noise with `real`'s covariance times `spread`."""
    real = np.asarray(real)
    if real.ndim != 2 or len(real) < 2 or not np.issubdtype(real.dtype, np.floating):
        raise ValueError(f"real must be a float array of shape (m, d) with m >= 2 rows, got "
                         f"{real.dtype} {real.shape}: pass the real embeddings to imitate")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an int >= 1 (how many vectors to make), got {n!r}")
    if not np.isfinite(spread) or spread < 0:
        raise ValueError(f"spread must be a finite number >= 0 (the noise scale), got {spread!r}")
    if rng is None:
        rng = np.random.default_rng(0)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    eigval, eigvec = np.linalg.eigh(np.cov(real.T.astype(np.float64)))
    scale = np.sqrt(np.clip(eigval, 0, None)).astype(np.float32) * np.float32(spread)
    basis = eigvec.T.astype(np.float32)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, BLOCK):
        rows = min(BLOCK, n - start)
        noise = (rng.standard_normal((rows, real.shape[1]), dtype=np.float32) * scale) @ basis
        out[start:start + rows] = real[rng.integers(0, len(real), rows)] + noise
    faiss.normalize_L2(out)
    return out


def nearest_neighbour_cosine(sample: Any, corpus: Any, skip_self: bool = False) -> float:
    """Median cosine between each row of `sample` and its nearest row of `corpus` (unit vectors).

    With skip_self, row i of `sample` must be row i of `corpus`, and that pair is not counted.
    """
    sample, corpus = np.asarray(sample, dtype=np.float32), np.asarray(corpus, dtype=np.float32)
    if sample.ndim != 2 or corpus.ndim != 2 or sample.shape[1] != corpus.shape[1]:
        raise ValueError(f"sample and corpus must be (n, d) arrays of the same d, got {sample.shape} and {corpus.shape}")
    if skip_self and len(sample) > len(corpus):
        raise ValueError("skip_self needs sample to be the first rows of corpus (len(sample) <= len(corpus))")
    scores = sample @ corpus.T
    if skip_self:
        scores[np.arange(len(sample)), np.arange(len(sample))] = -np.inf
    return float(np.median(scores.max(axis=1)))
