"""Retrieval metrics: recall@k, MRR@k and nDCG@k, averaged over queries; and recall of exact neighbours.

Introduced in notebooks/03_flat_index.ipynb.

A run is {query_id: [doc_id, ...]} ranked best first; qrels are {query_id: {doc_id: relevance}}.
nDCG uses the linear gain of pytrec_eval's ndcg_cut (which BEIR reports): DCG@k = sum over ranks
i = 1..k of rel_i / log2(i + 1), divided by the DCG of the qrels' relevances sorted best first.
A document is relevant when its relevance is > 0. Unlike pytrec_eval, which re-sorts a run by
score (ties by doc id), these functions keep the run's order as given. The query set is the
qrels': every judged query must be in the run (an empty list is allowed: it scores 0), and a run
query without judgements is refused, so that no query is silently dropped from the mean.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

Run = Mapping[Any, Sequence[Any]]
Qrels = Mapping[Any, Mapping[Any, float]]


def _check(run: Run, qrels: Qrels, k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    if not isinstance(run, Mapping) or not isinstance(qrels, Mapping):
        raise TypeError("run must be {query_id: [doc_id, ...]} and qrels {query_id: {doc_id: relevance}} (dicts)")
    if not qrels:
        raise ValueError("qrels is empty: there are no judged queries to average over")
    missing = [q for q in qrels if q not in run]
    extra = [q for q in run if q not in qrels]
    if missing or extra:
        raise ValueError(f"run and qrels must hold the same queries: {len(missing)} judged queries are not "
                         f"in the run (e.g. {missing[:3]}; give them an empty list) and {len(extra)} run queries "
                         f"have no qrels (e.g. {extra[:3]}; drop them or restrict qrels)")
    for q, docs in run.items():
        if isinstance(docs, (str, bytes, Mapping)) or len(set(docs)) != len(docs):
            raise ValueError(f"run[{q!r}] must be a ranked list of distinct doc ids, got {docs!r:.80}")
        if not any(rel > 0 for rel in qrels[q].values()):
            raise ValueError(f"query {q!r} has no relevant document (relevance > 0) in qrels; drop it")
    return int(k)


def _mean(run: Run, qrels: Qrels, k: Any, per_query: Callable[[list, Mapping], float]) -> float:
    k = _check(run, qrels, k)
    return float(np.mean([per_query(list(run[q])[:k], qrels[q]) for q in qrels]))


def _recall(top: list, rels: Mapping) -> float:
    relevant = {d for d, rel in rels.items() if rel > 0}
    return len(relevant.intersection(top)) / len(relevant)


def _reciprocal_rank(top: list, rels: Mapping) -> float:
    return next((1.0 / rank for rank, d in enumerate(top, 1) if rels.get(d, 0) > 0), 0.0)


def _ndcg(top: list, rels: Mapping, k: int) -> float:
    gains = [max(rels.get(d, 0), 0) for d in top]
    ideal = sorted((max(rel, 0) for rel in rels.values()), reverse=True)[:k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    return float(np.dot(gains, discount[:len(gains)]) / np.dot(ideal, discount[:len(ideal)]))


def recall_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean over queries of the fraction of a query's relevant docs found in its top k."""
    return _mean(run, qrels, k, _recall)


def mrr_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean over queries of 1 / rank of the first relevant doc in the top k (0 if none)."""
    return _mean(run, qrels, k, _reciprocal_rank)


def ndcg_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean over queries of nDCG@k with linear gain rel / log2(rank + 1), as pytrec_eval / BEIR compute it."""
    return _mean(run, qrels, k, lambda top, rels: _ndcg(top, rels, int(k)))


def run_from_ids(ids: Any, query_ids: Sequence[Any], doc_ids: Sequence[Any]) -> dict:
    """Turn a search's (nq, k) row-id matrix into a run {query_id: [doc_id, ...]}, dropping -1 slots."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or len(ids) != len(query_ids):
        raise ValueError(f"ids must be (len(query_ids), k) = ({len(query_ids)}, k), got shape {ids.shape}")
    if ids.size and ids.max() >= len(doc_ids):
        raise ValueError(f"ids go up to {ids.max()} but there are only {len(doc_ids)} doc ids")
    return {q: [doc_ids[j] for j in row if j >= 0] for q, row in zip(query_ids, ids.tolist())}


def neighbour_recall(approx_ids: Any, exact_ids: Any) -> float:
    """Mean fraction of each query's exact top-k neighbours that the approximate search also found."""
    approx, exact = np.asarray(approx_ids), np.asarray(exact_ids)
    if approx.ndim != 2 or approx.shape[0] != exact.shape[0] or exact.ndim != 2 or exact.shape[1] == 0:
        raise ValueError(f"expected two (nq, k) id matrices with the same nq, got {approx.shape} and {exact.shape}")
    hits = [len(set(a[a >= 0].tolist()) & set(e.tolist())) for a, e in zip(approx, exact)]
    return float(np.mean(hits) / exact.shape[1])


def summary(run: Run, qrels: Qrels, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """recall@k for each k in `ks`, then MRR@10 and nDCG@10: the course's table of retrieval quality."""
    scores = {f"recall@{k}": recall_at_k(run, qrels, k) for k in ks}
    scores.update({"MRR@10": mrr_at_k(run, qrels, 10), "nDCG@10": ndcg_at_k(run, qrels, 10)})
    return scores
