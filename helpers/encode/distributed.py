"""Encode a corpus with Ray Data: a pool of TextEncoder actors, one model load per actor.

Introduced in notebooks/09_fast_encoding.ipynb.

The same code runs on a laptop (`start_local_ray(num_cpus=2)`) and on a cluster
(`ray.init(address="auto")` on a node of a running Ray cluster): Ray Data splits the texts into
blocks, ships them through the object store to the actors, and gathers the vectors back.
"""
from __future__ import annotations

import logging
import os
import warnings
from typing import Any, Sequence

import numpy as np


def start_local_ray(num_cpus: int = 2) -> Any:
    """Start a quiet local Ray (no dashboard, no worker logs, no progress bars); return the context."""
    if not isinstance(num_cpus, int) or isinstance(num_cpus, bool) or num_cpus < 1:
        raise ValueError(f"num_cpus must be a positive int, got {num_cpus!r}")
    # No metrics agent to wait for: on a busy machine the raylet's wait for it timed out (issue 16).
    os.environ.setdefault("RAY_enable_metrics_collection", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray
    context = ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                       logging_level=logging.ERROR, configure_logging=True)
    quiet_ray_data()
    return context


def quiet_ray_data() -> None:
    """Turn off Ray Data's progress bars and its execution banner (they change on every run)."""
    import ray
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.enable_operator_progress_bars = False
    ctx.print_on_execution_start = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)


class EncoderActor:
    """A Ray Data UDF class: each actor loads the encoder once, then encodes batch after batch."""

    def __init__(self, encoder_kwargs: dict, threads: int = 1):
        import torch

        from helpers.encode.embed import TextEncoder
        torch.set_num_threads(threads)
        self.encoder = TextEncoder(**encoder_kwargs)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([str(t) for t in batch["text"]])
        return {"row": batch["row"], "vector": vectors}


def ray_encode(texts: Sequence[str], encoder_kwargs: dict | None = None, actors: int = 2,
               batch_size: int = 256, threads_per_actor: int = 1) -> np.ndarray:
    """Encode `texts` with a Ray Data actor pool; return (len(texts), dim) float32 in input order.

    Ray must be running (`start_local_ray()` or `ray.init(address=...)`). Each actor is a separate
    process holding one TextEncoder built from `encoder_kwargs` (e.g. {"backend": "onnx",
    "quantize": "int8"}); `batch_size` texts go to an actor per call, and the actor sorts them by
    length and encodes them in batches of 32 as TextEncoder.encode does.
    """
    import ray

    from helpers.encode.embed import check_texts
    texts = check_texts(texts)
    for name, value in (("actors", actors), ("batch_size", batch_size), ("threads_per_actor", threads_per_actor)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not texts:  # nothing to ship: the answer is (0, dim), the shape TextEncoder.encode([]) gives
        from helpers.encode.embed import TextEncoder
        return TextEncoder(**dict(encoder_kwargs or {})).encode([])
    if not ray.is_initialized():
        raise RuntimeError("Ray is not running: call helpers.encode.distributed.start_local_ray() first "
                           "(or ray.init(address=...) to join a cluster)")
    quiet_ray_data()
    dataset = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)])
    with warnings.catch_warnings():
        # max_restarts=0: a crashed actor stops the job instead of being restarted without limit (Ray
        # Data's default, whose C++ warning about constructor arguments, ray-project/ray#53727, would
        # land on stderr). Ray 2.60 calls this keyword deprecated but has no named parameter for it yet.
        warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
        encoded = dataset.map_batches(EncoderActor, fn_constructor_kwargs={
            "encoder_kwargs": dict(encoder_kwargs or {}), "threads": threads_per_actor},
            batch_size=batch_size, compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=threads_per_actor, max_restarts=0)
    rows, vectors = [], []
    for batch in encoded.iter_batches(batch_size=None, batch_format="numpy"):
        rows.append(batch["row"])
        vectors.append(batch["vector"])
    if not rows:
        raise RuntimeError(f"Ray returned no rows for {len(texts)} texts: the actors produced nothing")
    rows, vectors = np.concatenate(rows), np.concatenate(vectors).astype(np.float32, copy=False)
    if not np.array_equal(np.sort(rows), np.arange(len(texts))):
        raise RuntimeError(f"Ray returned {len(rows)} rows for {len(texts)} texts; some were lost or repeated")
    out = np.empty_like(vectors)
    out[rows] = vectors  # blocks come back in whatever order actors finish: put rows back in input order
    return out
