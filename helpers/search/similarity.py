"""Cosine similarity, dot product, L2 distance, and brute-force top-k search in numpy.

Introduced in notebooks/02_cosine_similarity.ipynb.
"""
from __future__ import annotations

import numpy as np


def as_matrix(x, name: str = "x", dim: int | None = None) -> np.ndarray:
    """Return `x` as a 2-D float32 array (a 1-D vector becomes one row); refuse NaN, inf, wrong dim."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a rectangular (n, d) array of numbers; its rows have different "
                         "lengths") from None
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} is complex ({arr.dtype}); embeddings are real vectors: pass x.real explicitly "
                        "if the imaginary part carries nothing")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array of shape (n, d), got {type(x).__name__} of dtype {arr.dtype}")
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (n, d) or (d,) with d >= 1, got {arr.shape}")
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, refused below
        arr = np.atleast_2d(arr).astype(np.float32, copy=False)
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} has dimension {arr.shape[1]} but {dim} was expected: were both "
                         "encoded with the same model?")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf (or values beyond float32's range, about 3.4e38); "
                         "re-encode those rows or drop them first")
    return arr


def _finite(scores: np.ndarray, what: str) -> np.ndarray:
    if not np.isfinite(scores).all():
        raise ValueError(f"{what} overflowed float32 (inf): the vectors are too large; scale them down "
                         "(divide by a constant) or compare unit vectors with cosine_scores")
    return scores


def normalize(x) -> np.ndarray:
    """Rows scaled to unit L2 length (a copy); an all-zero row is refused, it has no direction."""
    arr = as_matrix(x)
    with np.errstate(over="ignore"):
        norms = np.linalg.norm(arr, axis=1, keepdims=True)
    odd = ~np.isfinite(norms[:, 0]) | ((norms[:, 0] == 0) & arr.any(axis=1))
    if odd.any():  # squares that over- or underflow float32: those rows are scaled in float64
        wide = arr[odd].astype(np.float64)
        out = arr / np.where(odd[:, None], 1, norms)
        out[odd] = (wide / np.linalg.norm(wide, axis=1, keepdims=True)).astype(np.float32)
        return out
    if (norms == 0).any():
        raise ValueError(f"row(s) {np.flatnonzero(norms[:, 0] == 0)[:5].tolist()} are all zeros; "
                         "cosine is undefined for a zero vector")
    return arr / norms


def dot_scores(a, b) -> np.ndarray:
    """Inner products of every row of `a` with every row of `b`: shape (len(a), len(b))."""
    a = as_matrix(a, "a")
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite(a @ as_matrix(b, "b", dim=a.shape[1]).T, "the dot products")


def cosine_scores(a, b) -> np.ndarray:
    """Cosine similarities, in [-1, 1], higher is more similar: one matrix product of unit rows."""
    a = as_matrix(a, "a")
    return normalize(a) @ normalize(as_matrix(b, "b", dim=a.shape[1])).T


def l2_distances(a, b, squared: bool = False) -> np.ndarray:
    """Euclidean distances (lower is more similar), via ||a||^2 + ||b||^2 - 2ab, clipped at 0."""
    if not isinstance(squared, (bool, np.bool_)):
        raise TypeError(f"squared must be True or False, got {squared!r}")
    a = as_matrix(a, "a").astype(np.float64)
    b = as_matrix(b, "b", dim=a.shape[1]).astype(np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    d2 = np.maximum(d2, 0)
    with np.errstate(over="ignore"):
        return _finite((d2 if squared else np.sqrt(d2)).astype(np.float32), "the distances")


def top_k(scores, k: int, largest: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Best `k` columns per row of a score matrix, best first: (scores, ids), like faiss.search."""
    if not isinstance(largest, (bool, np.bool_)):
        raise TypeError(f"largest must be True (similarities) or False (distances), got {largest!r}")
    scores = as_matrix(scores, "scores")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    k = min(int(k), scores.shape[1])
    keyed = -scores if largest else scores
    ids = np.argpartition(keyed, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(keyed, ids, axis=1), axis=1, kind="stable")
    ids = np.take_along_axis(ids, order, axis=1).astype(np.int64)
    return np.take_along_axis(scores, ids, axis=1), ids
