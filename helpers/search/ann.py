"""Approximate indexes from faiss factory strings: build with the metric kept, search with each family's knob.

Introduced in notebooks/08_compression_graphs.ipynb (product quantization, HNSW, scalar quantization,
refinement); `helpers.search.index.build_index(X, kind="IVF1024,PQ48x4fs")` and `helpers.search.index.search(...,
efSearch=64)` delegate here.

A factory string such as "IVF1024,PQ48x4fs,RFlat" is faiss's own short name for an index
(https://github.com/facebookresearch/faiss/wiki/The-index-factory). `build` checks what faiss would
otherwise reject with a C++ message or accept silently and badly: a string faiss cannot parse, a
training set too small for the k-means of the coarse quantizer (39 points per list) or of the PQ
codebooks (2**nbits centroids per sub-space), and `search_parameters` refuses a knob that the index
does not have (efSearch on an IVF index, nprobe on HNSW, k_factor without a refinement stage).
"""
from __future__ import annotations

import warnings
from typing import Any

import faiss
import numpy as np

from helpers.search._validate import check_int

MIN_POINTS_PER_CENTROID = 39  # faiss's k-means warns below this many training points per centroid
MAX_TRAIN_POINTS_PER_CENTROID = 256  # faiss's k-means samples at most this many per centroid


def metric_type(metric: str) -> int:
    """faiss's metric constant for the course's metric name: cosine and ip search by inner product."""
    if metric not in ("cosine", "ip", "l2"):
        raise ValueError(f"metric must be one of ('cosine', 'ip', 'l2'), got {metric!r}")
    return faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT


def parse(factory: Any, d: int, metric: str = "cosine") -> faiss.Index:
    """faiss.index_factory(d, factory, metric), with faiss's refusal turned into a ValueError that says why."""
    if not isinstance(factory, str) or not factory.strip():
        raise TypeError(f"factory must be a faiss factory string such as 'HNSW32,Flat' or 'IVF1024,PQ48x4fs', "
                        f"got {factory!r}")
    d = check_int(d, "d")
    try:
        return faiss.index_factory(d, factory, metric_type(metric))
    except RuntimeError as err:
        reason = str(err).strip().splitlines()[-1]
        reason = reason.split("failed: ")[-1] if "failed: " in reason else reason.split(": ", 1)[-1]
        raise ValueError(f"faiss cannot build {factory!r} for {d}-d vectors: {reason}. Examples that work at "
                         "d=384: 'Flat', 'HNSW32,Flat', 'IVF1024,SQ8', 'IVF1024,PQ48x4fs', "
                         "'IVF1024,PQ48x4fs,RFlat' (PQm needs d divisible by m)") from None


def parts(index: faiss.Index) -> list[faiss.Index]:
    """The index and the indexes it wraps, outermost first (refine -> base, pre-transform -> inner)."""
    out, current = [], faiss.downcast_index(index)
    while current is not None:
        out.append(current)
        if isinstance(current, faiss.IndexRefine):
            current = faiss.downcast_index(current.base_index)
        elif isinstance(current, faiss.IndexPreTransform):
            current = faiss.downcast_index(current.index)
        else:
            current = None
    return out


def family(index: faiss.Index) -> str:
    """A short description, e.g. 'IVF + PQ (fast-scan) + refine': which knobs the index has."""
    layers = []  # one list of names per part, outermost part first
    for part in parts(index):
        names = []
        if isinstance(part, faiss.IndexRefine):
            names.append("refine")
        elif isinstance(part, faiss.IndexPreTransform):
            names.append("transform")
        elif isinstance(part, faiss.IndexHNSW):
            names.append("HNSW")
        elif isinstance(part, faiss.IndexIVF):
            names.append("IVF")
        if isinstance(part, (faiss.IndexPQFastScan, faiss.IndexIVFPQFastScan)):
            names.append("PQ (fast-scan)")
        elif isinstance(part, (faiss.IndexPQ, faiss.IndexIVFPQ)):
            names.append("PQ")
        elif isinstance(part, (faiss.IndexScalarQuantizer, faiss.IndexIVFScalarQuantizer)):
            names.append("SQ")
        elif isinstance(part, (faiss.IndexFlat, faiss.IndexIVFFlat)) and not names:
            names.append("flat")
        layers.append(names)
    transform = [names for names in layers if names == ["transform"]]
    others = [names for names in reversed(layers) if names != ["transform"]]
    return " + ".join(name for names in transform + others for name in names) or type(index).__name__


def _pq(part: faiss.Index) -> Any:
    pq = getattr(part, "pq", None)
    return pq if isinstance(pq, faiss.ProductQuantizer) else None


def training_needs(index: faiss.Index) -> list[tuple[str, int, int, str]]:
    """(what, fewest training vectors faiss accepts, vectors k-means wants, the remedy that fits this component)
    for each trained component."""
    needs = []
    for part in parts(index):
        if isinstance(part, faiss.IndexIVF):
            nlist = int(part.nlist)
            needs.append((f"IVF coarse quantizer with nlist={nlist}", nlist, MIN_POINTS_PER_CENTROID * nlist,
                          "train on more vectors or use a smaller nlist"))
        pq = _pq(part)
        if pq is not None:
            ksub = int(pq.ksub)
            needs.append((f"PQ codebooks of {ksub} centroids per sub-space ({pq.M} sub-spaces of {pq.dsub} dims)",
                          ksub, MIN_POINTS_PER_CENTROID * ksub,
                          "train on more vectors or use fewer bits per code (e.g. 'x4fs': 16 centroids)"))
    return needs


def check_training_set(index: faiss.Index, n_train: int) -> None:
    """Raise if n_train is below what faiss accepts; warn (Python warning, not C++ stderr) below what k-means wants."""
    for what, minimum, wanted, remedy in training_needs(index):
        if n_train < minimum:
            raise ValueError(f"{n_train:,} training vectors cannot train the {what}: it needs at least {minimum:,} "
                             f"(k-means wants {wanted:,}); {remedy}")
        if n_train < wanted:
            warnings.warn(f"{n_train:,} training vectors for the {what}: k-means wants at least "
                          f"{MIN_POINTS_PER_CENTROID} per centroid ({wanted:,}); its centroids will be poor",
                          stacklevel=3)


def _quiet_and_seeded(index: faiss.Index, seed: int) -> None:
    """Seed every k-means inside `index` and stop faiss printing its own too-few-points warning to stderr."""
    for part in parts(index):
        clusterings = []
        if isinstance(part, faiss.IndexIVF):
            clusterings.append(part.cp)
        pq = _pq(part)
        if pq is not None:
            clusterings.append(pq.cp)
        for cp in clusterings:
            cp.seed = int(seed)
            cp.min_points_per_centroid = 1  # check_training_set warns instead


def build(X: np.ndarray, factory: str, metric: str = "cosine", seed: int = 0, train: np.ndarray | None = None,
          efConstruction: int | None = None, deterministic: bool = True) -> faiss.Index:
    """Build, train (on `train` or X) and fill the index named by `factory`; X prepared by helpers.search.index.as_vectors.

    faiss inserts into an HNSW graph from several threads at once, so the links can depend on thread timing;
    `deterministic` (the default) adds HNSW vectors on one thread, so a notebook's recall repeats exactly.
    """
    if getattr(X, "ndim", None) != 2:
        raise ValueError(f"X must be an (n, d) float32 array (helpers.search.index.as_vectors prepares one), got "
                         f"shape {getattr(X, 'shape', None)}")
    index = parse(factory, X.shape[1], metric)
    train = X if train is None else train
    if getattr(train, "ndim", None) != 2 or train.shape[1] != X.shape[1]:
        raise ValueError(f"train must be an (n, {X.shape[1]}) array like X, got shape {getattr(train, 'shape', None)}")
    for name, arr in (("X", X), ("train", train)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} holds NaN or inf: faiss would index or train on them; drop or fix those rows")
    check_training_set(index, len(train))
    _quiet_and_seeded(index, seed)
    hnsw = [p for p in parts(index) if isinstance(p, faiss.IndexHNSW)]
    if efConstruction is not None:
        if not hnsw:
            raise ValueError(f"efConstruction applies to HNSW indexes; {factory!r} ({family(index)}) has no graph")
        hnsw[0].hnsw.efConstruction = check_int(efConstruction, "efConstruction")
    if not index.is_trained:
        index.train(train)
    threads = faiss.omp_get_max_threads()
    if hnsw and deterministic:
        faiss.omp_set_num_threads(1)
    try:
        index.add(X)
    finally:
        faiss.omp_set_num_threads(threads)
    return index


def search_parameters(index: faiss.Index, nprobe: int | None = None, efSearch: int | None = None,
                      k_factor: float | None = None) -> faiss.SearchParameters | None:
    """faiss SearchParameters setting each given knob on the part of `index` that has it; None if none given."""
    if nprobe is None and efSearch is None and k_factor is None:
        return None
    chain, what = parts(index), family(index)
    ivf = [p for p in chain if isinstance(p, faiss.IndexIVF)]
    hnsw = [p for p in chain if isinstance(p, faiss.IndexHNSW)]
    refine = [p for p in chain if isinstance(p, faiss.IndexRefine)]
    if nprobe is not None and not ivf:
        raise ValueError(f"nprobe applies to IVF indexes; this index is {what}" +
                         (": set efSearch instead" if hnsw else ""))
    if efSearch is not None and not hnsw:
        raise ValueError(f"efSearch applies to HNSW indexes; this index is {what}" +
                         (": set nprobe instead" if ivf else ""))
    if k_factor is not None and not refine:
        raise ValueError(f"k_factor (how many candidates per result to re-rank) needs a refinement stage, "
                         f"e.g. ',RFlat' at the end of the factory string; this index is {what}")
    if nprobe is not None:
        nlist = int(ivf[0].nlist)
        if check_int(nprobe, "nprobe") > nlist:
            raise ValueError(f"nprobe={nprobe} is more than the index's nlist={nlist} lists; use 1..{nlist}")
    if k_factor is not None and (isinstance(k_factor, bool) or not isinstance(k_factor, (int, float)) or k_factor < 1):
        raise ValueError(f"k_factor must be a number >= 1 (candidates = k_factor * k), got {k_factor!r}")
    keep: list = []  # faiss's parameter objects hold raw pointers: keep the Python objects alive
    params = None
    for part in reversed(chain):  # innermost first, each wrapper takes the parameters of what it wraps
        if isinstance(part, faiss.IndexIVF) and nprobe is not None:
            params = faiss.SearchParametersIVF(nprobe=int(nprobe))
        elif isinstance(part, faiss.IndexHNSW) and efSearch is not None:
            params = faiss.SearchParametersHNSW(efSearch=check_int(efSearch, "efSearch"))
        elif isinstance(part, faiss.IndexPreTransform) and params is not None:
            keep.append(params)
            params = faiss.SearchParametersPreTransform(index_params=params)
        elif isinstance(part, faiss.IndexRefine) and (params is not None or k_factor is not None):
            keep.append(params)
            params = faiss.IndexRefineSearchParameters(k_factor=float(k_factor or part.k_factor))
            if keep[-1] is not None:
                params.base_index_params = keep[-1]
    if params is not None:
        params.referenced_objects = keep
    return params


def bytes_per_vector(index: faiss.Index) -> float:
    """Serialised bytes of the whole index divided by its vectors: codes, ids, graph links, centroids."""
    if index.ntotal == 0:
        raise ValueError("the index is empty: add vectors before measuring bytes per vector")
    return faiss.serialize_index(index).size / index.ntotal


def _shape(index: faiss.Index) -> list[tuple]:
    """What a factory string fixes, part by part: class, and the lists, graph degree, PQ layout or SQ type."""
    out = []
    for part in parts(index):
        # a deserialised flat index comes back as IndexFlatIP / IndexFlatL2 (the metric is checked elsewhere)
        facts: tuple = ("IndexFlat" if isinstance(part, faiss.IndexFlat) else type(part).__name__,)
        if isinstance(part, faiss.IndexIVF):
            facts += (("nlist", int(part.nlist)),)
        if isinstance(part, faiss.IndexHNSW):
            facts += (("M", int(part.hnsw.nb_neighbors(1))),)
        pq = _pq(part)
        if pq is not None:
            facts += (("pq", int(pq.M), int(pq.nbits)),)
        if hasattr(part, "sq"):
            facts += (("sq", int(part.sq.qtype)),)
        out.append(facts)
    return out


def check_loaded(factory: str, faiss_index: faiss.Index) -> None:
    """Raise if a loaded faiss index is not what `factory` builds (a saved pair gone inconsistent): the class of
    each part, and its nlist, HNSW degree, PQ layout and SQ type, must match."""
    expected, found = _shape(parse(factory, faiss_index.d)), _shape(faiss_index)
    if expected != found:
        raise ValueError(f"the metadata says the index was built from {factory!r} ({expected}) but the faiss "
                         f"file holds {found}: the pair is inconsistent; save it again")
