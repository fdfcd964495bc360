"""Two-stage search: candidates from compressed codes in RAM, re-scored with full vectors read from disk.

Introduced in notebooks/08_compression_graphs.ipynb (binary and int8 embeddings as sentence-transformers
calls them, rescoring from an np.memmap); benchmarks/ann.py uses it for IVF-PQ with rescoring from disk.

Stage 1 searches whatever is small enough for RAM (binary codes in a faiss.IndexBinaryFlat, PQ codes in
an IVF index) for `depth` candidates per query. Stage 2 reads only those candidates' vectors from a file
(`open_store`, an np.memmap: the operating system reads the pages that are touched) and ranks them by
their exact inner product with the float32 query.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from helpers.course.files import atomic_write_bytes


def save_store(vectors: Any, path: str | os.PathLike) -> Path:
    """Write vectors (float32, or int8 codes) as a .npy file that open_store can map without reading it all."""
    arr = np.asarray(vectors)
    if arr.ndim != 2 or arr.dtype not in (np.float32, np.int8, np.uint8):
        raise ValueError(f"vectors must be a 2-d float32, int8 or uint8 array, got {arr.dtype} {arr.shape}")
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(arr), allow_pickle=False)
    atomic_write_bytes(Path(path), buffer.getvalue())
    return Path(path)


def open_store(path: str | os.PathLike) -> np.memmap:
    """The vectors saved by save_store, memory-mapped read-only: nothing is read until rows are indexed."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: write it with save_store(vectors, path) first")
    return np.load(path, mmap_mode="r", allow_pickle=False)


def binary_index(codes: Any) -> faiss.IndexBinaryFlat:
    """An exact Hamming-distance index over packed binary codes (uint8, d/8 bytes a row, as 'ubinary' gives)."""
    codes = np.ascontiguousarray(codes)
    if codes.ndim != 2 or codes.dtype != np.uint8:
        raise ValueError(f"codes must be packed bits as a 2-d uint8 array (quantize_embeddings(x, 'ubinary')), "
                         f"got {codes.dtype} {codes.shape}")
    index = faiss.IndexBinaryFlat(codes.shape[1] * 8)
    index.add(codes)
    return index


def rescore(Q: Any, candidates: Any, store: Any, k: int = 10, ranges: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Re-rank each query's candidate ids by inner product with the stored vectors; (scores, ids) of the best k.

    `store` rows are float32 vectors, or int8 codes from sentence-transformers' quantize_embeddings with the
    `ranges` (2, d) it used (then the codes are mapped back to floats first). Candidate id -1 (a slot stage 1
    could not fill) and a repeat of an id already listed for the query are skipped: a top k never holds an
    id twice, and a slot no candidate fills has id -1 and score -inf.
    """
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    candidates = np.asarray(candidates)
    if Q.ndim != 2 or candidates.ndim != 2 or len(Q) != len(candidates):
        raise ValueError(f"Q (nq, d) and candidates (nq, depth) must have one row per query, got {Q.shape} and "
                         f"{candidates.shape}")
    if not np.isfinite(Q).all():
        raise ValueError(f"Q rows {np.flatnonzero(~np.isfinite(Q).all(axis=1))[:5].tolist()} contain NaN or inf: "
                         "re-encode those queries (every score would be NaN)")
    if candidates.dtype == bool or not np.issubdtype(candidates.dtype, np.integer):
        raise TypeError(f"candidates must be integer ids from stage 1 (-1 for an empty slot), got {candidates.dtype}")
    if getattr(store, "ndim", None) != 2:
        raise TypeError("store must be a 2-d array of stored rows (open_store(path) gives one)")
    if store.dtype == np.uint8:
        raise ValueError("the store holds uint8 rows, which are packed binary codes: rescoring needs the full "
                         "float32 vectors (or int8 codes with their ranges); save those with save_store")
    if candidates.size and candidates.max() >= len(store):
        raise ValueError(f"candidate id {int(candidates.max())} is beyond the store's {len(store)} rows: stage 1 "
                         "and the store must index the same vectors in the same order")
    if candidates.size and candidates.min() < -1:
        raise ValueError(f"candidate id {int(candidates.min())} is negative; only -1 marks an empty slot")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= candidates.shape[1]:
        raise ValueError(f"k must be an int between 1 and the depth {candidates.shape[1]}, got {k!r}: "
                         "fetch more candidates in stage 1")
    if store.shape[1] != Q.shape[1]:
        raise ValueError(f"the store holds {store.shape[1]}-d rows but the queries are {Q.shape[1]}-d")
    valid = candidates >= 0
    # a candidate listed twice for one query (two stage-1 lists, a merge) counts once: keep its first slot
    first = np.zeros_like(valid)
    order_ids = np.argsort(candidates, axis=1, kind="stable")
    sorted_ids = np.take_along_axis(candidates, order_ids, axis=1)
    new_id = np.ones_like(sorted_ids, dtype=bool)
    new_id[:, 1:] = sorted_ids[:, 1:] != sorted_ids[:, :-1]
    np.put_along_axis(first, order_ids, new_id, axis=1)
    valid &= first
    safe = np.where(valid, candidates, 0)
    unique, inverse = np.unique(safe, return_inverse=True)  # read each row once, in file order
    rows = np.asarray(store[unique])
    if rows.dtype == np.int8:
        if ranges is None:
            raise ValueError("int8 rows need the `ranges` (2, d) that quantize_embeddings used, to map them back")
        ranges = np.asarray(ranges, dtype=np.float32)
        steps = (ranges[1] - ranges[0]) / 255
        steps = np.where(steps == 0, 1, steps)  # as quantize_embeddings does; a code is the floor of its bucket,
        rows = (rows.astype(np.float32) + 128.5) * steps + ranges[0]  # so decode to the bucket's middle
    vectors = rows.astype(np.float32, copy=False)[inverse.reshape(safe.shape)]
    scores = np.einsum("qd,qcd->qc", Q, vectors)
    scores[~valid] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    ids = np.where(valid, candidates, -1)  # a skipped slot (empty or repeated) that reaches the top k says -1
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1).astype(np.int64)
