"""Build and search FAISS indexes that remember their metric (saving them: helpers.search.store).

Introduced in notebooks/03_flat_index.ipynb (flat) and notebooks/04_ivf_index.ipynb (IVF).

How the index knows its metric: `build_index` returns a `VectorIndex`, a small dataclass that
holds the faiss index together with its metric ("cosine" | "ip" | "l2"), its kind ("flat" | "ivf")
and the id of the model that made the vectors. `search` reads the metric to normalise queries for
cosine and to say whether scores are similarities (cosine, ip: higher is better) or squared L2
distances (l2: lower is better); `save_index` in helpers.search.store records all three
beside the faiss file. This module never imports helpers.search.store (store builds on it), so
import save_index and load_index from there.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from helpers.search import ann  # ch08: factory-string indexes
from helpers.search._validate import check_int

METRICS = ("cosine", "ip", "l2")
KINDS = ("flat", "ivf")
MIN_POINTS_PER_LIST = 39  # faiss's k-means warns below this many training points per list
# the largest squared norm for which no inner product or squared L2 distance overflows float32
MAX_SQUARED_NORM = float(np.finfo(np.float32).max) / 4


@dataclass
class VectorIndex:
    """A faiss index plus what it needs to be searched and saved correctly: metric, kind, model id."""

    faiss_index: faiss.Index
    metric: str
    kind: str
    model_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.faiss_index, faiss.Index):
            raise TypeError(f"faiss_index must be a faiss index, got {type(self.faiss_index).__name__}: "
                            "build one with build_index(X)")
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")
        if (self.metric == "l2") != (self.faiss_index.metric_type == faiss.METRIC_L2):
            raise ValueError(f"metric={self.metric!r} does not match the faiss index, which measures "
                             f"{'l2' if self.faiss_index.metric_type == faiss.METRIC_L2 else 'inner products'}")
        if not isinstance(self.kind, str) or not self.kind:
            raise TypeError(f"kind must be a str such as 'flat' or 'ivf', got {self.kind!r}")
        if self.model_id is not None and not isinstance(self.model_id, str):
            raise TypeError(f"model_id must be a str or None, got {self.model_id!r}")

    @property
    def dim(self) -> int:
        return int(self.faiss_index.d)

    @property
    def ntotal(self) -> int:
        return int(self.faiss_index.ntotal)

    @property
    def higher_is_better(self) -> bool:
        """True for similarities (cosine, ip); False for squared L2 distances."""
        return self.metric != "l2"

    def _ivf_part(self) -> faiss.IndexIVF | None:
        """The IVF stage: the index itself for kind 'ivf', the IVF inside a factory string's wrappers, or None."""
        if self.kind == "ivf":
            return self.faiss_index
        if self.kind == "flat":
            return None
        return next((p for p in ann.parts(self.faiss_index) if isinstance(p, faiss.IndexIVF)), None)

    @property
    def nlist(self) -> int | None:
        ivf = self._ivf_part()
        return None if ivf is None else int(ivf.nlist)

    @property
    def nprobe(self) -> int | None:
        ivf = self._ivf_part()
        return None if ivf is None else int(ivf.nprobe)

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        ivf = self._ivf_part()
        if ivf is None:
            raise ValueError(f"nprobe applies to IVF indexes; this one is {self.kind!r}, which has no lists "
                             "(for HNSW pass efSearch= to search)")
        ivf.nprobe = _check_nprobe(value, int(ivf.nlist))

    def __repr__(self) -> str:
        ivf = f", nlist={self.nlist}, nprobe={self.nprobe}" if self.kind == "ivf" else ""
        return (f"VectorIndex(kind={self.kind!r}, metric={self.metric!r}, dim={self.dim}, "
                f"ntotal={self.ntotal}{ivf}, model_id={self.model_id!r})")


def _check_nprobe(nprobe: Any, nlist: int | None) -> int:
    if nlist is None:
        raise ValueError("nprobe only applies to kind='ivf'; a flat index always compares every vector")
    nprobe = check_int(nprobe, "nprobe")
    if nprobe > nlist:
        raise ValueError(f"nprobe={nprobe} is more than the index's nlist={nlist} lists; use 1..{nlist}")
    return nprobe


def _unit_rows(arr: np.ndarray, name: str) -> None:
    """Normalise the rows of a float32 array in place; rows whose squared norm over- or underflows
    float32 are scaled in float64 instead (faiss would turn them into zeros or NaN)."""
    sq = np.einsum("ij,ij->i", arr, arr)
    odd = ~np.isfinite(sq) | (sq < np.finfo(np.float32).tiny)
    if not odd.any():
        faiss.normalize_L2(arr)
        return
    wide = arr[odd].astype(np.float64)  # float32's extremes square without trouble in float64
    norms = np.linalg.norm(wide, axis=1)
    good = np.flatnonzero(~odd)
    if len(good):
        rest = np.ascontiguousarray(arr[good])
        faiss.normalize_L2(rest)
        arr[good] = rest
    arr[odd] = (wide / norms[:, None]).astype(np.float32)


def as_vectors(x: Any, name: str = "X", dim: int | None = None, metric: str = "ip",
               allow_1d: bool = False) -> np.ndarray:
    """`x` as a C-contiguous float32 (n, d) array, a copy unit-normalised for cosine; bad input refused."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged lists: "inhomogeneous shape"
        raise ValueError(f"{name} must be a rectangular (n, d) array of numbers; every row needs the same "
                         f"length ({str(err)[:120]})") from None
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} is complex ({arr.dtype}); faiss indexes real vectors: pass x.real (or "
                        "np.abs(x)) explicitly if the imaginary part carries nothing")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a numeric array of shape (n, d), got {type(x).__name__} of dtype "
                        f"{arr.dtype}")
    if arr.ndim == 1 and allow_1d:
        arr = arr[None, :]
    if arr.ndim != 2:
        hint = " (one vector? pass x[None, :])" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must have shape (n, d), got {arr.shape}{hint}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has shape {arr.shape}: vectors of dimension 0 hold nothing to compare; "
                         "pass (n, d) with d >= 1")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} has dimension {arr.shape[1]} but the index holds {dim}-d vectors: "
                         "encode queries with the same model as the corpus")
    if arr.dtype != np.float32:
        warnings.warn(f"{name} is {arr.dtype}; faiss works in float32, so it was cast to float32 "
                      "(pass float32 to skip this copy)", stacklevel=3)
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf, refused just below
        # cosine normalises in place, so it works on a copy: the caller's array is never changed
        arr = np.array(arr, dtype=np.float32, order="C") if metric == "cosine" else np.ascontiguousarray(arr, np.float32)
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise ValueError(f"{name} rows {np.flatnonzero(bad)[:5].tolist()} contain NaN or inf (or values beyond "
                         "float32's range, about 3.4e38); re-encode or drop those rows first")
    if metric == "cosine" and len(arr):
        zero = ~arr.any(axis=1)
        if zero.any():
            raise ValueError(f"{name} rows {np.flatnonzero(zero)[:5].tolist()} are all zeros; "
                             "cosine is undefined for a zero vector")
        _unit_rows(arr, name)
    elif len(arr):
        with np.errstate(over="ignore"):  # a float32 square beyond range is inf: too big as well
            sq = np.einsum("ij,ij->i", arr, arr)
        big = ~(sq <= MAX_SQUARED_NORM)
        if big.any():
            raise ValueError(f"{name} rows {np.flatnonzero(big)[:5].tolist()} have norms above "
                             f"{MAX_SQUARED_NORM ** 0.5:.3g}: "
                             f"their {'squared distances' if metric == 'l2' else 'inner products'} would overflow "
                             f"float32 (inf scores). Scale the vectors down (divide by a constant) or use "
                             "metric='cosine'")
    return arr


def _ivf(X: np.ndarray, metric: str, nlist: Any, nprobe: Any, seed: int) -> faiss.Index:
    n, d = X.shape
    if nlist is None:
        low, high = round(4 * n ** 0.5), round(16 * n ** 0.5)
        raise ValueError(f"kind='ivf' needs nlist. The course's rule: 4·sqrt(n) to 16·sqrt(n) lists (faiss wiki, "
                         f"'Guidelines to choose an index'), here {low:,} to {high:,} for n = {n:,} vectors, and "
                         f"at most n/{MIN_POINTS_PER_LIST} = {n // MIN_POINTS_PER_LIST:,} so that k-means gets "
                         f"{MIN_POINTS_PER_LIST} training points per list; "
                         f"e.g. nlist={max(1, min(low, n // MIN_POINTS_PER_LIST))}")
    nlist, seed = check_int(nlist, "nlist"), check_int(seed, "seed", low=0)
    if nlist > n:
        raise ValueError(f"nlist={nlist} is more than the {n:,} vectors to train on: each list needs "
                         f"at least one (k-means wants {MIN_POINTS_PER_LIST}); use nlist <= {n // MIN_POINTS_PER_LIST or 1}")
    if n < MIN_POINTS_PER_LIST * nlist:
        warnings.warn(f"IVF training: {n:,} vectors for nlist={nlist} is {n / nlist:.1f} per list, but "
                      f"k-means wants at least {MIN_POINTS_PER_LIST} per list ({MIN_POINTS_PER_LIST * nlist:,} "
                      f"vectors); use nlist <= {max(n // MIN_POINTS_PER_LIST, 1)} or train on more vectors",
                      stacklevel=3)
    faiss_metric = faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT
    quantizer = faiss.IndexFlatL2(d) if metric == "l2" else faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss_metric)
    index.cp.seed = int(seed)
    index.cp.min_points_per_centroid = 1  # our warning above replaces faiss's stderr one
    index.train(X)
    index.nprobe = _check_nprobe(nprobe, nlist)
    return index  # faiss's Python wrapper keeps a reference to the quantizer


def build_index(X: Any, kind: str = "flat", metric: str = "cosine", nlist: int | None = None,
                nprobe: int | None = None, seed: int = 0, model_id: str | None = None,
                **factory_options: Any) -> VectorIndex:
    """Index the rows of X: kind "flat" (exact), "ivf" (nlist k-means lists, nprobe searched) or a faiss factory string.

    nprobe (default 1, faiss's) is the number of lists an IVF index searches, for kind "ivf" or a factory
    string with an IVF stage; a factory string sets its own nlist ("IVF1024,..."), so nlist is refused there.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if model_id is not None and not isinstance(model_id, str):
        raise TypeError(f"model_id must be a str (the id of the model that made the vectors) or None, got {model_id!r}")
    # --- ch08 (notebook 08): any other kind is a faiss factory string, built by helpers.search.ann ---
    if kind not in KINDS:
        if nlist is not None:
            raise ValueError(f"nlist={nlist!r}: a factory string sets its own number of lists (the N of 'IVFN,...'); "
                             f"write it into kind (e.g. 'IVF{nlist},Flat') and drop nlist")
        built = _build_factory(X, kind, metric, seed, model_id, factory_options)
        if nprobe is not None:
            built.nprobe = nprobe
        return built
    if factory_options:
        raise TypeError(f"{sorted(factory_options)} apply only to factory-string kinds such as 'HNSW32,Flat'")
    # --- end ch08 ---
    if kind == "flat" and (nlist is not None or nprobe is not None):
        raise ValueError(f"{'nlist' if nlist is not None else 'nprobe'}={nlist if nlist is not None else nprobe!r} "
                         "applies to kind='ivf' only; a flat index has no lists: drop it or pass kind='ivf'")
    X = as_vectors(X, "X", metric=metric)
    if len(X) == 0:
        raise ValueError("X is empty (0 vectors): there is nothing to index")
    if kind == "flat":
        index = faiss.IndexFlatL2(X.shape[1]) if metric == "l2" else faiss.IndexFlatIP(X.shape[1])
    else:
        index = _ivf(X, metric, nlist, 1 if nprobe is None else nprobe, seed)
    index.add(X)
    return VectorIndex(index, metric, kind, model_id)


# --- ch08 (notebook 08): factory strings and per-family search parameters, delegated to helpers.search.ann ---
def _build_factory(X: Any, factory: Any, metric: str, seed: int, model_id: str | None,
                   options: dict) -> VectorIndex:
    """build_index for a faiss factory string: options are helpers.search.ann.build's train, efConstruction, deterministic."""
    unknown = sorted(set(options) - {"train", "efConstruction", "deterministic"})
    if unknown:
        raise TypeError(f"build_index got unexpected options {unknown}; a factory-string kind takes train=, "
                        "efConstruction= and deterministic=")
    if not isinstance(factory, str):
        raise ValueError(f"kind must be one of {KINDS} or a faiss factory string such as 'HNSW32,Flat', got {factory!r}")
    X = as_vectors(X, "X", metric=metric)
    if len(X) == 0:
        raise ValueError("X is empty (0 vectors): there is nothing to index")
    train = options.get("train")
    if train is not None:
        train = as_vectors(train, "train", dim=X.shape[1], metric=metric)
    try:
        ann.parse(factory, X.shape[1], metric)
    except ValueError as err:
        raise ValueError(f"kind must be one of {KINDS} or a faiss factory string: {err}") from None
    index = ann.build(X, factory, metric, seed=seed, train=train, efConstruction=options.get("efConstruction"),
                      deterministic=options.get("deterministic", True))
    return VectorIndex(index, metric, factory, model_id)


def _search_params(index: VectorIndex, nprobe: Any, efSearch: Any, k_factor: Any) -> Any:
    """faiss SearchParameters for flat/ivf (nprobe only) or, via helpers.search.ann, any factory-string index."""
    if index.kind in KINDS and efSearch is None and k_factor is None:
        return None if nprobe is None else faiss.SearchParametersIVF(nprobe=_check_nprobe(nprobe, index.nlist))
    return ann.search_parameters(index.faiss_index, nprobe=nprobe, efSearch=efSearch, k_factor=k_factor)
# --- end ch08 ---


def _as_vector_index(index: Any) -> VectorIndex:
    if isinstance(index, VectorIndex):
        return index
    if isinstance(index, faiss.Index):  # a bare faiss index: its metric is ip or l2, never cosine
        metric = "l2" if index.metric_type == faiss.METRIC_L2 else "ip"
        kind = "ivf" if isinstance(faiss.try_extract_index_ivf(index), faiss.IndexIVF) else "flat"
        return VectorIndex(index, metric, kind)
    raise TypeError(f"index must come from build_index or load_index, got {type(index).__name__}")


def search(index: VectorIndex, Q: Any, k: int = 10, nprobe: int | None = None, efSearch: int | None = None,
           k_factor: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k per query, best first: (scores (nq, k) float32, ids (nq, k) int64); see index.metric.

    nprobe (IVF), efSearch (HNSW) and k_factor (a refinement stage, ",RFlat") set the family's knob for this call."""
    index = _as_vector_index(index)
    k = check_int(k, "k")
    Q = as_vectors(Q, "Q", dim=index.dim, metric=index.metric, allow_1d=True)
    if k > index.ntotal:
        warnings.warn(f"k={k} but the index holds {index.ntotal} vectors: returning {index.ntotal} "
                      "columns per query", stacklevel=2)
        k = index.ntotal
    params = _search_params(index, nprobe, efSearch, k_factor)  # ch08: was IVF's nprobe only
    scores, ids = index.faiss_index.search(Q, k, params=params)
    missing = ids < 0
    # a flat index fills every slot (k <= ntotal), so an empty slot there means overflowed scores
    if (~np.isfinite(scores[~missing])).any() or (missing.any() and index.kind == "flat"):
        raise ValueError("scores overflowed float32 (inf or NaN): the stored or query vectors are too large "
                         "for this metric. Scale them down (divide by a constant) or use metric='cosine'")
    if missing.any():
        scores[missing] = -np.inf if index.higher_is_better else np.inf
        where, knob = ((f"the nprobe={nprobe or index.nprobe} lists searched", "nprobe") if index.kind == "ivf"
                       else ("what was searched", "the search knob (nprobe, efSearch)"))
        warnings.warn(f"{int(missing.any(axis=1).sum())} of {len(Q)} queries found fewer than k={k} "
                      f"vectors in {where}; their empty slots have id -1: raise {knob}", stacklevel=2)
    return scores.astype(np.float32, copy=False), ids.astype(np.int64, copy=False)


def time_search(index: VectorIndex, Q: Any, k: int = 10, nprobe: int | None = None,
                repeats: int = 3, efSearch: int | None = None, k_factor: float | None = None) -> tuple[float, np.ndarray]:
    """Best-of-`repeats` time of one batched faiss search, in ms per query (queries prepared first); and its ids."""
    index = _as_vector_index(index)
    Q = as_vectors(Q, "Q", dim=index.dim, metric=index.metric)
    params = _search_params(index, nprobe, efSearch, k_factor)  # ch08: was IVF's nprobe only
    k, best = min(check_int(k, "k"), index.ntotal), float("inf")
    for _ in range(check_int(repeats, "repeats")):
        start = time.perf_counter()
        _, ids = index.faiss_index.search(Q, k, params=params)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / max(len(Q), 1), ids.astype(np.int64, copy=False)


def size_bytes(index: VectorIndex) -> int:
    """Bytes of the serialised faiss index (vectors, lists and centroids): its memory footprint."""
    return int(faiss.serialize_index(_as_vector_index(index).faiss_index).size)
