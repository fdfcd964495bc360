"""Fuse the rankings of two or more retrievers: reciprocal rank fusion and a convex combination.

Introduced in notebooks/07_keywords_hybrid.ipynb.

Every function here takes and returns arrays shaped like `helpers.search.index.search`'s: ids (nq, k),
best first, and scores of the same shape, higher is better. Id -1 marks an empty slot (no result)
on the way in and on the way out. Ties are broken by id, smallest first, so results never depend
on the order in which a sort happened to meet equal scores.

- `rrf`: reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): a document's score is
  the sum over systems of 1 / (k + rank), rank counted from 1; k = 60 is the paper's constant.
- `convex`: alpha * minmax(first) + (1 - alpha) * minmax(second), each system's scores rescaled to
  [0, 1] per query over its own list (Bruch, Gai and Ingber, ACM TOIS 2023, call this a convex
  combination). A document missing from one system's list gets 0 from that system.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from helpers.search._validate import check_ids, check_int


def top_k(scores: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best-first (scores, ids) of each row of a (nq, n) score matrix; equal scores by column id, smallest first."""
    scores = np.asarray(scores)
    if scores.ndim != 2 or not np.issubdtype(scores.dtype, np.number):
        raise ValueError(f"scores must be a numeric (n_queries, n_docs) array, got shape {scores.shape}, "
                         f"dtype {scores.dtype}")
    k = min(check_int(k, "k"), scores.shape[1])
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN; fix or drop those entries first")
    neg = -scores
    # the k-th best score of each row; every column scoring at least that well is a candidate
    kth = np.partition(neg, k - 1, axis=1)[:, k - 1:k]
    m = int((neg <= kth).sum(axis=1).max())
    cand = np.argpartition(neg, m - 1, axis=1)[:, :m] if m < scores.shape[1] else \
        np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    cand_neg = np.take_along_axis(neg, cand, axis=1)
    order = np.lexsort((cand, cand_neg), axis=1)[:, :k]   # by score, then by id
    ids = np.take_along_axis(cand, order, axis=1).astype(np.int64)
    return np.take_along_axis(scores, ids, axis=1), ids


def _fuse(ids_list: list[np.ndarray], weights_list: list[np.ndarray], limit: int | None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Sum the weights per (query, id) over systems; return the top `limit` per query, ties by id."""
    ids = np.concatenate(ids_list, axis=1)
    w = np.concatenate(weights_list, axis=1).astype(np.float64)
    nq, width = ids.shape
    limit = min(ids_list[0].shape[1] if limit is None else check_int(limit, "limit"), width)
    order = np.argsort(ids, axis=1, kind="stable")        # equal ids side by side, systems in order
    sid, sw = np.take_along_axis(ids, order, 1), np.take_along_axis(w, order, 1)
    new = np.ones_like(sid, dtype=bool)
    new[:, 1:] = sid[:, 1:] != sid[:, :-1]
    group = np.cumsum(new, axis=1) - 1
    rows = np.repeat(np.arange(nq), width).reshape(nq, width)
    fused = np.zeros((nq, width))
    np.add.at(fused, (rows, group), sw)
    fused = np.round(fused, 12)    # equal sums added in another order tie exactly
    uid = np.full((nq, width), -1, dtype=np.int64)
    uid[rows[new], group[new]] = sid[new]
    fused[uid < 0] = -np.inf       # unused slots and the -1 "no result" id sort last
    order = np.lexsort((np.where(uid < 0, np.iinfo(np.int64).max, uid), -fused), axis=1)[:, :limit]
    return np.take_along_axis(fused, order, 1), np.take_along_axis(uid, order, 1)


def rrf(rankings: Sequence[Any], k: int = 60, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Reciprocal rank fusion of id arrays (each (nq, depth), best first): (scores, ids), `limit` per query.

    score(d) = sum over systems of 1 / (k + rank of d in that system), rank from 1; a system that did
    not return d adds nothing. `limit` defaults to the first system's depth. Id -1 (no result) is skipped.
    """
    if isinstance(rankings, np.ndarray) or not isinstance(rankings, Sequence) or len(rankings) < 1:
        raise TypeError("rankings must be a list of (n_queries, depth) id arrays, one per system: "
                        "rrf([bm25_ids, dense_ids])")
    k = check_int(k, "k")
    first = check_ids(rankings[0], "rankings[0]")
    ids_list = [first] + [check_ids(r, f"rankings[{i}]", len(first)) for i, r in enumerate(rankings[1:], 1)]
    weights = [np.where(r >= 0, 1.0 / (k + np.arange(1, r.shape[1] + 1)), 0.0) for r in ids_list]
    return _fuse(ids_list, weights, limit)


def minmax_rows(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Rescale each row's valid scores to [0, 1] (best 1, worst 0); a row whose scores are all equal gets 0."""
    low = np.where(valid, scores, np.inf).min(axis=1, keepdims=True)
    high = np.where(valid, scores, -np.inf).max(axis=1, keepdims=True)
    spread = high - low
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(valid & (spread > 0), (scores - low) / safe, 0.0)


def convex(scores: Sequence[Any], ids: Sequence[Any], alpha: float = 0.5,
           limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """alpha * minmax(first system) + (1 - alpha) * minmax(second), per query: (scores, ids), `limit` per query.

    `scores` and `ids` are two arrays each, shaped (nq, depth) as search() returns them, higher is
    better (turn distances into similarities first). Each system's scores are min-max normalised per
    query over its own list; a document absent from a list gets 0 from that system.
    """
    if not isinstance(scores, Sequence) or not isinstance(ids, Sequence) or len(scores) != 2 or len(ids) != 2:
        raise TypeError("convex takes two systems: convex([scores_a, scores_b], [ids_a, ids_b], alpha)")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be a number in [0, 1] (the first system's weight), got {alpha!r}")
    ids_list = [check_ids(ids[0], "ids[0]")]
    ids_list.append(check_ids(ids[1], "ids[1]", len(ids_list[0])))
    normed = []
    for i, (s, r) in enumerate(zip(scores, ids_list)):
        s = np.asarray(s, dtype=np.float64)
        if s.shape != r.shape:
            raise ValueError(f"scores[{i}] has shape {s.shape} but ids[{i}] has {r.shape}; pass the two "
                             "arrays one search returned")
        valid = r >= 0
        if np.isnan(s[valid]).any() or np.isinf(s[valid]).any():
            raise ValueError(f"scores[{i}] holds NaN or inf for real ids; fix them first")
        normed.append(minmax_rows(s, valid))
    weights = [alpha * normed[0], (1 - alpha) * normed[1]]
    return _fuse(ids_list, weights, limit)
