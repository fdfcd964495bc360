"""Every index family on the same vectors, queries and memory accounting: the rows of one Pareto picture.

Introduced in notebooks/08_compression_graphs.ipynb; benchmarks/ann.py runs the same sweep at 1,000,000 vectors.

A `Config` names a family (a faiss factory string, or "binary" for sentence-transformers' binary embeddings
in a faiss.IndexBinaryFlat) and the search-time settings to sweep. `sweep` builds each index once, runs every
setting, and reports recall@10 against exact search, queries per second (best of `repeats` batched searches),
and bytes per vector in RAM and on disk. RAM is the serialised index (codes, ids, graph links, centroids,
and the full vectors when a refinement stage such as ",RFlat" keeps them); a configuration that rescores from
disk (`rescore_from_disk`, or binary) adds the float32 vectors to its disk bytes, not its RAM.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import faiss
import numpy as np
import pandas as pd

from helpers.evaluate.metrics import neighbour_recall
from helpers.search import ann, rescore
from helpers.search.index import build_index, search


@dataclass
class Config:
    """One family: `factory` (or "binary"), the settings to sweep, and whether stage 2 reads vectors from disk."""

    label: str
    factory: str
    settings: list[dict] = field(default_factory=lambda: [{}])
    rescore_from_disk: bool = False


def _binary_codes(x: np.ndarray) -> np.ndarray:
    from sentence_transformers.util.quantization import quantize_embeddings

    return quantize_embeddings(x, precision="ubinary")


def best_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The fastest of `repeats` calls of `run` (seconds) and what the last call returned."""
    best, ids = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        ids = run()
        best = min(best, time.perf_counter() - start)
    return best, ids


def _runner(config: Config, index, Q: np.ndarray, store, setting: dict, k: int) -> Callable[[], np.ndarray]:
    """A function that answers all queries with one setting and returns the (nq, k) ids."""
    setting = dict(setting)
    depth = setting.pop("depth", None)
    if config.factory == "binary":
        def run() -> np.ndarray:
            candidates = index.search(_binary_codes(Q), depth)[1]
            return rescore.rescore(Q, candidates, store, k)[1]
    elif config.rescore_from_disk:
        def run() -> np.ndarray:
            candidates = search(index, Q, k=depth, **setting)[1]
            return rescore.rescore(Q, candidates, store, k)[1]
    else:
        def run() -> np.ndarray:
            return search(index, Q, k=k, **setting)[1]
    return run


def _describe(setting: dict) -> str:
    return ", ".join(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
                     for key, value in setting.items()) or "-"


def sweep(X: np.ndarray, Q: np.ndarray, configs: list[Config], exact: np.ndarray, k: int = 10, repeats: int = 3,
          seed: int = 0, train: np.ndarray | None = None, store_dir: str | Path | None = None,
          log: Callable[[str], None] | None = None, deterministic: bool = True) -> pd.DataFrame:
    """One row per (config, setting): recall@k vs `exact`, seconds per batch, QPS, RAM and disk bytes per vector, build s."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    if X.ndim != 2 or Q.ndim != 2 or X.shape[1] != Q.shape[1]:
        raise ValueError(f"X (n, d) and Q (nq, d) must share d, got {X.shape} and {Q.shape}")
    if len(X) < k:
        raise ValueError(f"k={k} but X holds {len(X)} vectors: no index can return {k} neighbours, and the "
                         f"missing slots would count as misses; use k <= {len(X)}")
    if exact.shape != (len(Q), k):
        raise ValueError(f"exact must hold the exact top {k} ids of each query, shape {(len(Q), k)}, got {exact.shape}")
    rows = []
    with tempfile.TemporaryDirectory(dir=store_dir) as folder:
        store = None
        if any(c.rescore_from_disk or c.factory == "binary" for c in configs):
            store = rescore.open_store(rescore.save_store(X, Path(folder) / "vectors.npy"))
        built: tuple = (None, None, 0.0, 0.0)  # (factory, index, ram, build_s): reused by the next config if equal
        for config in configs:
            start = time.perf_counter()
            if config.factory == built[0]:
                index, ram, build_s = built[1:]
            elif config.factory == "binary":
                index = rescore.binary_index(_binary_codes(X))
                ram = faiss.serialize_index_binary(index).size / len(X)
            else:
                built = (None, None, 0.0, 0.0)  # let the previous index go before building the next
                index = build_index(X, kind=config.factory, metric="ip", seed=seed, train=train,
                                    deterministic=deterministic)
                ram = ann.bytes_per_vector(index.faiss_index)
            if config.factory != built[0]:
                build_s = time.perf_counter() - start
                built = (config.factory, index, ram, build_s)
            disk = ram + (4 * X.shape[1] if config.factory == "binary" or config.rescore_from_disk else 0)
            if log:
                log(f"{config.label}: built in {build_s:.1f} s, {ram:.1f} bytes per vector in RAM")
            for setting in config.settings:
                seconds, ids = best_time(_runner(config, index, Q, store, setting, k), repeats)
                rows.append({"index": config.label, "factory": config.factory, "settings": _describe(setting),
                             "recall@10": neighbour_recall(ids, exact), "qps": len(Q) / seconds,
                             "ram_bytes_per_vector": ram, "disk_bytes_per_vector": disk, "build_s": build_s})
            del index  # `built` keeps it only while the next config may reuse it
    return pd.DataFrame(rows)


def pareto_front(table: pd.DataFrame, cost: str = "ram_bytes_per_vector", gain: str = "recall@10") -> pd.DataFrame:
    """The rows that no other row beats on both `cost` (lower) and `gain` (higher), cheapest first."""
    ordered = table.sort_values([cost, gain], ascending=[True, False])
    keep, best = [], -np.inf
    for i, row in ordered.iterrows():
        if row[gain] > best:
            keep.append(i)
            best = row[gain]
    return ordered.loc[keep]
