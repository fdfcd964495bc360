"""Build, search, save and load FAISS indexes that remember their metric.

Introduced in notebooks/03_flat_index.ipynb (flat) and notebooks/04_ivf_index.ipynb (IVF).

How the index knows its metric: `build_index` returns a `VectorIndex`, a small dataclass that
holds the faiss index together with its metric ("cosine" | "ip" | "l2"), its kind ("flat" | "ivf")
and the id of the model that made the vectors. `search` reads the metric to normalise queries for
cosine and to say whether scores are similarities (cosine, ip: higher is better) or squared L2
distances (l2: lower is better); `save_index` records all three beside the faiss file.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from helpers import ann  # ch08: factory-string indexes
from helpers.files import atomic_write_bytes

METRICS = ("cosine", "ip", "l2")
KINDS = ("flat", "ivf")
MIN_POINTS_PER_LIST = 39  # faiss's k-means warns below this many training points per list
FORMAT = "helpers.index/1"
INDEX_FILE, META_FILE = "index.faiss", "index.json"


@dataclass
class VectorIndex:
    """A faiss index plus what it needs to be searched and saved correctly: metric, kind, model id."""

    faiss_index: faiss.Index
    metric: str
    kind: str
    model_id: str | None = None

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

    @property
    def nlist(self) -> int | None:
        return int(self.faiss_index.nlist) if self.kind == "ivf" else None

    @property
    def nprobe(self) -> int | None:
        return int(self.faiss_index.nprobe) if self.kind == "ivf" else None

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        self.faiss_index.nprobe = _check_nprobe(value, self.nlist)

    def __repr__(self) -> str:
        ivf = f", nlist={self.nlist}, nprobe={self.nprobe}" if self.kind == "ivf" else ""
        return (f"VectorIndex(kind={self.kind!r}, metric={self.metric!r}, dim={self.dim}, "
                f"ntotal={self.ntotal}{ivf}, model_id={self.model_id!r})")


def _check_int(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _check_nprobe(nprobe: Any, nlist: int | None) -> int:
    if nlist is None:
        raise ValueError("nprobe only applies to kind='ivf'; a flat index always compares every vector")
    nprobe = _check_int(nprobe, "nprobe")
    if nprobe > nlist:
        raise ValueError(f"nprobe={nprobe} is more than the index's nlist={nlist} lists; use 1..{nlist}")
    return nprobe


def as_vectors(x: Any, name: str = "X", dim: int | None = None, metric: str = "ip",
               allow_1d: bool = False) -> np.ndarray:
    """`x` as a C-contiguous float32 (n, d) array, a copy unit-normalised for cosine; bad input refused."""
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a numeric array of shape (n, d), got dtype {arr.dtype}")
    if arr.ndim == 1 and allow_1d:
        arr = arr[None, :]
    if arr.ndim != 2:
        hint = " (one vector? pass x[None, :])" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must have shape (n, d), got {arr.shape}{hint}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} has dimension {arr.shape[1]} but the index holds {dim}-d vectors: "
                         "encode queries with the same model as the corpus")
    if arr.dtype != np.float32:
        warnings.warn(f"{name} is {arr.dtype}; faiss works in float32, so it was cast to float32 "
                      "(pass float32 to skip this copy)", stacklevel=3)
    # cosine normalises in place, so it works on a copy: the caller's array is never changed
    arr = np.array(arr, dtype=np.float32, order="C") if metric == "cosine" else np.ascontiguousarray(arr, np.float32)
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise ValueError(f"{name} rows {np.flatnonzero(bad)[:5].tolist()} contain NaN or inf; "
                         "re-encode or drop those rows first")
    if metric == "cosine" and len(arr):
        zero = np.linalg.norm(arr, axis=1) == 0
        if zero.any():
            raise ValueError(f"{name} rows {np.flatnonzero(zero)[:5].tolist()} are all zeros; "
                             "cosine is undefined for a zero vector")
        faiss.normalize_L2(arr)
    return arr


def _ivf(X: np.ndarray, metric: str, nlist: Any, nprobe: Any, seed: int) -> faiss.Index:
    n, d = X.shape
    if nlist is None:
        raise ValueError(f"kind='ivf' needs nlist; about sqrt(n) = {int(n ** 0.5)} suits {n:,} vectors "
                         f"(at most n // {MIN_POINTS_PER_LIST} = {n // MIN_POINTS_PER_LIST})")
    nlist = _check_int(nlist, "nlist")
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
                nprobe: int = 1, seed: int = 0, model_id: str | None = None, **factory_options: Any) -> VectorIndex:
    """Index the rows of X: kind "flat" (exact), "ivf" (nlist k-means lists, nprobe searched) or a faiss factory string."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    # --- ch08 (notebook 08): any other kind is a faiss factory string, built by helpers.ann ---
    if kind not in KINDS:
        return _build_factory(X, kind, metric, seed, model_id, factory_options)
    if factory_options:
        raise TypeError(f"{sorted(factory_options)} apply only to factory-string kinds such as 'HNSW32,Flat'")
    # --- end ch08 ---
    X = as_vectors(X, "X", metric=metric)
    if len(X) == 0:
        raise ValueError("X is empty (0 vectors): there is nothing to index")
    if kind == "flat":
        index = faiss.IndexFlatL2(X.shape[1]) if metric == "l2" else faiss.IndexFlatIP(X.shape[1])
    else:
        index = _ivf(X, metric, nlist, nprobe, seed)
    index.add(X)
    return VectorIndex(index, metric, kind, model_id)


# --- ch08 (notebook 08): factory strings and per-family search parameters, delegated to helpers.ann ---
def _build_factory(X: Any, factory: Any, metric: str, seed: int, model_id: str | None,
                   options: dict) -> VectorIndex:
    """build_index for a faiss factory string: options are helpers.ann.build's train, efConstruction, deterministic."""
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
    """faiss SearchParameters for flat/ivf (nprobe only) or, via helpers.ann, any factory-string index."""
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
    k = _check_int(k, "k")
    Q = as_vectors(Q, "Q", dim=index.dim, metric=index.metric, allow_1d=True)
    if k > index.ntotal:
        warnings.warn(f"k={k} but the index holds {index.ntotal} vectors: returning {index.ntotal} "
                      "columns per query", stacklevel=2)
        k = index.ntotal
    params = _search_params(index, nprobe, efSearch, k_factor)  # ch08: was IVF's nprobe only
    scores, ids = index.faiss_index.search(Q, k, params=params)
    missing = ids < 0
    if missing.any():
        scores[missing] = -np.inf if index.higher_is_better else np.inf
        warnings.warn(f"{int(missing.any(axis=1).sum())} of {len(Q)} queries found fewer than k={k} "
                      f"vectors in the nprobe={nprobe or index.nprobe} lists searched; their empty slots "
                      "have id -1: raise nprobe", stacklevel=2)
    return scores.astype(np.float32, copy=False), ids.astype(np.int64, copy=False)


def time_search(index: VectorIndex, Q: Any, k: int = 10, nprobe: int | None = None,
                repeats: int = 3, efSearch: int | None = None, k_factor: float | None = None) -> tuple[float, np.ndarray]:
    """Best-of-`repeats` time of one batched faiss search, in ms per query (queries prepared first); and its ids."""
    index = _as_vector_index(index)
    Q = as_vectors(Q, "Q", dim=index.dim, metric=index.metric)
    params = _search_params(index, nprobe, efSearch, k_factor)  # ch08: was IVF's nprobe only
    k, best = min(_check_int(k, "k"), index.ntotal), float("inf")
    for _ in range(_check_int(repeats, "repeats")):
        start = time.perf_counter()
        _, ids = index.faiss_index.search(Q, k, params=params)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / max(len(Q), 1), ids.astype(np.int64, copy=False)


def size_bytes(index: VectorIndex) -> int:
    """Bytes of the serialised faiss index (vectors, lists and centroids): its memory footprint."""
    return int(faiss.serialize_index(_as_vector_index(index).faiss_index).size)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _records_json(metadata: Any, ntotal: int) -> list[dict] | None:
    if metadata is None:
        return None
    if isinstance(metadata, (str, bytes, dict)) or not hasattr(metadata, "__len__"):
        raise TypeError(f"metadata must be a list of dicts, one per vector, got {type(metadata).__name__}")
    if len(metadata) != ntotal:
        raise ValueError(f"metadata has {len(metadata)} records but the index holds {ntotal} vectors: "
                         "give one record per vector, in the order they were added")
    for i, record in enumerate(metadata):
        if not isinstance(record, dict):
            raise TypeError(f"metadata[{i}] is {type(record).__name__}; each record must be a dict")
        try:
            json.dumps(record, default=_json_default, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise TypeError(f"metadata[{i}] cannot be saved as JSON ({err}); use str, int, float, "
                            "bool, None, lists and dicts") from None
    return json.loads(json.dumps(list(metadata), default=_json_default))


def save_index(index: VectorIndex, path: str | os.PathLike, metadata: list[dict] | None = None,
               model_id: str | None = None) -> Path:
    """Write index.faiss, then index.json (metric, dim, model id, counts, checksum, records) into `path`."""
    index = _as_vector_index(index)
    if model_id is not None and index.model_id is not None and model_id != index.model_id:
        raise ValueError(f"model_id={model_id!r} differs from the index's {index.model_id!r}")
    records = _records_json(metadata, index.ntotal)
    blob = faiss.serialize_index(index.faiss_index).tobytes()
    manifest = {"format": FORMAT, "kind": index.kind, "metric": index.metric, "dim": index.dim,
                "ntotal": index.ntotal, "nlist": index.nlist, "nprobe": index.nprobe,
                "model_id": model_id or index.model_id, "n_records": None if records is None else len(records),
                "faiss_file": INDEX_FILE, "faiss_sha256": hashlib.sha256(blob).hexdigest(),
                "faiss_version": faiss.__version__, "records": records}
    path = Path(path)
    atomic_write_bytes(path / INDEX_FILE, blob)  # the JSON, written last, commits the pair
    text = json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=False)
    atomic_write_bytes(path / META_FILE, (text + "\n").encode("utf-8"))
    return path


def _read_manifest(path: Path) -> dict:
    for name in (META_FILE, INDEX_FILE):
        if not (path / name).is_file():
            raise FileNotFoundError(f"{path / name} is missing; save_index writes {INDEX_FILE} and {META_FILE}")
    try:
        manifest = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path / META_FILE} is corrupt ({err}); save the index again") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path / META_FILE} is not a {FORMAT} file; was it written by save_index?")
    return manifest


def _check_pair(manifest: dict, faiss_index: faiss.Index, path: Path) -> str:
    """Compare what index.json says with the faiss index itself; return the index's kind."""
    kind = "ivf" if isinstance(faiss_index, faiss.IndexIVF) else "flat"
    if isinstance(manifest.get("kind"), str) and manifest["kind"] not in KINDS:  # ch08: a factory string
        ann.check_loaded(manifest["kind"], faiss_index)
        kind = manifest["kind"]
    is_l2 = faiss_index.metric_type == faiss.METRIC_L2
    metric = manifest.get("metric")
    if metric not in METRICS or (metric == "l2") != is_l2:
        metric = "l2" if is_l2 else "'ip' or 'cosine'"
    records = manifest.get("records")
    found = {"kind": kind, "dim": int(faiss_index.d), "ntotal": int(faiss_index.ntotal), "metric": metric,
             "n_records": None if records is None else len(records)}
    for key, value in found.items():
        wanted = found["ntotal"] if key == "n_records" and records is not None else value
        if manifest.get(key) != value or value != wanted:
            raise ValueError(f"{path}: {META_FILE} says {key}={manifest.get(key)!r} but the saved data has "
                             f"{value!r} (and {found['ntotal']} vectors); the pair is inconsistent: save it again")
    return kind


def load_index(path: str | os.PathLike, model_id: str | None = None, metric: str | None = None,
               dim: int | None = None) -> tuple[VectorIndex, list[dict] | None]:
    """Read a save_index folder, check the pair (and any expected model_id/metric/dim); return (index, records)."""
    path = Path(path)
    manifest = _read_manifest(path)
    blob = (path / INDEX_FILE).read_bytes()
    if hashlib.sha256(blob).hexdigest() != manifest.get("faiss_sha256"):
        raise ValueError(f"{path / INDEX_FILE} does not match {META_FILE} (checksum differs): the two were "
                         "not saved together or one is corrupt; save the index again")
    faiss_index = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
    kind = _check_pair(manifest, faiss_index, path)
    for key, wanted in (("model_id", model_id), ("metric", metric), ("dim", dim)):
        if wanted is not None and manifest.get(key) != wanted:
            raise ValueError(f"{path} holds an index with {key}={manifest.get(key)!r}, not {wanted!r}: "
                             "load the index built for this model and metric, or rebuild it")
    index = VectorIndex(faiss_index, manifest["metric"], kind, manifest.get("model_id"))
    return index, manifest.get("records")
