"""Retrieval metrics: recall@k, MRR@k and nDCG@k, averaged over queries; and recall of exact neighbours.

Introduced in notebooks/03_flat_index.ipynb; retrieval_recall (one relevant item per query) in
notebooks/06_multimodal_search.ipynb.

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

from helpers.search.similarity import as_matrix

Run = Mapping[Any, Sequence[Any]]
Qrels = Mapping[Any, Mapping[Any, float]]


def _family(value: Any) -> str:
    """The kind of an id for matching purposes: all integers are one kind (1 == np.int64(1))."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    return type(value).__name__


def _check_mapping(value: Any, name: str, shape: str) -> None:
    if isinstance(value, Mapping):
        return
    fix = {"run": "run_from_ids(ids, query_ids, doc_ids) builds one from a search's ids",
           "qrels": "build it as {query_id: {doc_id: 1}} for binary judgements"}[name]
    raise TypeError(f"{name} must be a dict {shape}, got {type(value).__name__}"
                    f"{' (a generator can be read only once)' if hasattr(value, '__next__') else ''}: {fix}")


def _check_grades(q: Any, rels: Any) -> None:
    if not isinstance(rels, Mapping):
        raise TypeError(f"qrels[{q!r}] must be a dict {{doc_id: relevance}}, got {type(rels).__name__} "
                        f"({rels!r:.60}); for a list of relevant docs use {{d: 1 for d in docs}}")
    for d, rel in rels.items():
        if not isinstance(rel, (int, float, np.integer, np.floating, np.bool_)):  # True counts as 1
            raise TypeError(f"qrels[{q!r}][{d!r}] is {rel!r} ({type(rel).__name__}); relevance grades must be "
                            "numbers such as 0, 1, 2: convert them, e.g. int(grade)")
        if not np.isfinite(rel):
            raise ValueError(f"qrels[{q!r}][{d!r}] is {rel!r}; relevance grades must be finite numbers: "
                             "drop that judgement or give it a grade")


def _check(run: Run, qrels: Qrels, k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    _check_mapping(run, "run", "{query_id: [doc_id, ...]}")
    _check_mapping(qrels, "qrels", "{query_id: {doc_id: relevance}}")
    if not qrels:
        raise ValueError("qrels is empty: there are no judged queries to average over")
    missing = [q for q in qrels if q not in run]
    extra = [q for q in run if q not in qrels]
    if missing or extra:
        kinds = sorted({_family(q) for q in run}), sorted({_family(q) for q in qrels})
        hint = (f". The run's query ids are {'/'.join(kinds[0])} but the qrels' are {'/'.join(kinds[1])}: "
                "convert one side, e.g. {str(q): docs for q, docs in run.items()}"
                if run and not set(kinds[0]) & set(kinds[1]) else "")
        raise ValueError(f"run and qrels must hold the same queries: {len(missing)} judged queries are not "
                         f"in the run (e.g. {missing[:3]}; give them an empty list) and {len(extra)} run queries "
                         f"have no qrels (e.g. {extra[:3]}; drop them or restrict qrels){hint}")
    run_kinds, qrel_kinds, example = set(), set(), {}
    for q, docs in run.items():
        if docs is None or isinstance(docs, (str, bytes, Mapping)) or not isinstance(docs, (Sequence, np.ndarray)):
            raise TypeError(f"run[{q!r}] must be a ranked list of doc ids, got {type(docs).__name__} "
                            f"({docs!r:.60}); a query without results takes an empty list []"
                            + ("; a generator can be read only once: list(...) it first"
                               if hasattr(docs, "__next__") else ""))
        try:
            distinct = len(set(docs)) == len(docs)
        except TypeError:
            raise TypeError(f"run[{q!r}] holds unhashable doc ids ({list(docs)[:2]!r:.60}); doc ids must be "
                            "str or int") from None
        if not distinct:
            raise ValueError(f"run[{q!r}] must be a ranked list of distinct doc ids, got {docs!r:.80}: "
                             "drop the repeats (keep each doc's best rank)")
        _check_grades(q, qrels[q])
        if not any(rel > 0 for rel in qrels[q].values()):
            raise ValueError(f"query {q!r} has no relevant document (relevance > 0) in qrels; drop it")
        for d in docs:
            example.setdefault(("run", _family(d)), d)
            run_kinds.add(_family(d))
        for d in qrels[q]:
            example.setdefault(("qrels", _family(d)), d)
            qrel_kinds.add(_family(d))
    if run_kinds and not run_kinds & qrel_kinds:
        r, j = sorted(run_kinds)[0], sorted(qrel_kinds)[0]
        raise TypeError(f"the run's doc ids are {r} (e.g. {example[('run', r)]!r}) but the qrels' are {j} "
                        f"(e.g. {example[('qrels', j)]!r}): no retrieved doc can ever match a judged one, so "
                        "every score would be 0. Map row numbers to doc ids with run_from_ids(ids, query_ids, "
                        "doc_ids), or convert one side")
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


def _id_matrix(ids: Any, name: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 2 or not (np.issubdtype(arr.dtype, np.integer) or (arr.size == 0 and arr.dtype != object)):
        raise ValueError(f"{name} must be an (n_queries, k) matrix of integer row ids, as search() returns, "
                         f"got shape {arr.shape} and dtype {arr.dtype}")
    if arr.size and arr.min() < -1:
        raise ValueError(f"{name} holds {arr.min()}; row ids are >= 0 (-1 marks an empty slot)")
    return arr


def run_from_ids(ids: Any, query_ids: Sequence[Any], doc_ids: Sequence[Any]) -> dict:
    """Turn a search's (nq, k) row-id matrix into a run {query_id: [doc_id, ...]}, dropping -1 slots."""
    for name, value in (("query_ids", query_ids), ("doc_ids", doc_ids)):
        if isinstance(value, (str, bytes, Mapping)) or not (hasattr(value, "__len__") and hasattr(value, "__getitem__")):
            raise TypeError(f"{name} must be a list (one id per row), got {type(value).__name__}: "
                            f"e.g. questions.id.tolist()")
    ids = _id_matrix(ids, "ids")
    if len(ids) != len(query_ids):
        raise ValueError(f"ids must be (len(query_ids), k) = ({len(query_ids)}, k), got shape {ids.shape}")
    if ids.size and ids.max() >= len(doc_ids):
        raise ValueError(f"ids go up to {ids.max()} but there are only {len(doc_ids)} doc ids")
    if len(set(map(_hashable, query_ids))) != len(query_ids):
        raise ValueError("query_ids holds repeated ids; a run keeps one ranked list per query: make them unique")
    doc_ids = list(doc_ids)
    return {q: [doc_ids[j] for j in row if j >= 0] for q, row in zip(list(query_ids), ids.tolist())}


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise TypeError(f"ids must be str or int (hashable), got {type(value).__name__} {value!r:.40}") from None
    return value


def neighbour_recall(approx_ids: Any, exact_ids: Any) -> float:
    """Mean fraction of each query's exact top-k neighbours that the approximate search also found."""
    approx, exact = _id_matrix(approx_ids, "approx_ids"), _id_matrix(exact_ids, "exact_ids")
    if approx.shape[0] != exact.shape[0] or exact.shape[1] == 0 or exact.shape[0] == 0:
        raise ValueError(f"expected two (nq, k) id matrices with the same nq >= 1 and k >= 1, got "
                         f"{approx.shape} and {exact.shape}")
    hits = [len(set(a[a >= 0].tolist()) & set(e.tolist())) for a, e in zip(approx, exact)]
    return float(np.mean(hits) / exact.shape[1])


def summary(run: Run, qrels: Qrels, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """recall@k for each k in `ks`, then MRR@10 and nDCG@10: the course's table of retrieval quality."""
    if isinstance(ks, (str, bytes, int, np.integer)) or not isinstance(ks, (Sequence, np.ndarray)) or not len(ks):
        raise TypeError(f"ks must be a non-empty list of cut-offs such as (1, 5, 10), got {ks!r}")
    scores = {f"recall@{k}": recall_at_k(run, qrels, k) for k in ks}
    scores.update({"MRR@10": mrr_at_k(run, qrels, 10), "nDCG@10": ndcg_at_k(run, qrels, 10)})
    return scores


def retrieval_recall(query_vectors: np.ndarray, item_vectors: np.ndarray, relevant: Sequence[int],
                     ks: Sequence[int] = (1, 5, 10)) -> dict[int, float]:
    """Recall@k when each query has one relevant item: the share of queries whose item ranks <= k.

    Introduced in notebooks/06_multimodal_search.ipynb (caption-to-photo recall): it scores every
    item itself (query_vectors @ item_vectors.T) and breaks ties by item index.
    """
    q, items = as_matrix(query_vectors, "query_vectors"), as_matrix(item_vectors, "item_vectors")
    relevant = np.asarray(relevant)
    if q.ndim != 2 or items.ndim != 2 or q.shape[1] != items.shape[1]:
        raise ValueError(f"expected (n, d) queries and (m, d) items with the same d; got {q.shape} and "
                         f"{items.shape}: were both encoded by the same encoder?")
    if relevant.shape != (len(q),) or not np.issubdtype(relevant.dtype, np.integer) or \
            (len(relevant) and not (0 <= relevant.min() and relevant.max() < len(items))):
        raise ValueError(f"relevant must hold one item index in [0, {len(items)}) per query "
                         f"({len(q)} of them); got shape {relevant.shape}")
    if isinstance(ks, (str, bytes, int, np.integer)) or not hasattr(ks, "__iter__") or not len(ks) or \
            any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise ValueError(f"ks must be positive ints such as (1, 5, 10), got {ks!r}")
    scores = q @ items.T
    own = scores[np.arange(len(q)), relevant][:, None]
    ids = np.arange(len(items))[None, :]
    # rank = items scoring higher, plus equal-scoring items with a smaller id (ties broken by id)
    rank = (scores > own).sum(1) + ((scores == own) & (ids < relevant[:, None])).sum(1) + 1
    return {int(k): float((rank <= k).mean()) for k in ks}
