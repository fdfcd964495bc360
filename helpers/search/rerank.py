"""Re-ranking: a second stage re-orders the top of a first stage's list, and never adds to it.

Written for notebook 13 (re-ranking, issue 27), which does not exist yet; tests/test_rerank.py tests it. A first stage (BM25, a bi-encoder, hybrid) returns a ranked
list per query; a re-ranker scores its first `depth` candidates with something more expensive and
re-orders them. What it can reach is bounded by the candidates: `ceiling` measures that bound.
Scorers here: cosine of another bi-encoder's vectors (`vector_scorer`) and MaxSim over token vectors
(`token_vectors`, `maxsim`), ColBERT's scoring without ColBERT's training. A cross-encoder is
sentence-transformers' `CrossEncoder.predict` over (query, document) pairs (helpers.encode.finetune
trains one, `train_cross_cached`).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

Run = Mapping[str, Sequence[str]]
Scorer = Callable[[str, list[str]], Any]   # (query_id, candidate doc_ids) -> one score per candidate


def _check_depth(depth: Any) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be a positive int (how many of the first stage's candidates to re-score), "
                         f"got {depth!r}")
    return int(depth)


def rerank(candidates: Sequence[str], scores: Any) -> list[str]:
    """`candidates` (first-stage order) sorted by `scores`, best first; equal scores keep the first stage's order.

    The result holds exactly the candidates: a re-ranker re-orders, it never adds or drops one.
    """
    candidates = list(candidates)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or len(scores) != len(candidates):
        raise ValueError(f"expected one score per candidate ({len(candidates)}), got an array of shape "
                         f"{scores.shape}: score the candidates in the order given")
    if not np.isfinite(scores).all():
        bad = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise ValueError(f"score {bad} (candidate {candidates[bad]!r}) is {scores[bad]}: a scorer must return "
                         "finite numbers")
    if len(set(candidates)) != len(candidates):
        seen: set = set()
        twice = next(c for c in candidates if c in seen or seen.add(c))
        raise ValueError(f"candidate {twice!r} appears twice: a first stage returns each document once")
    order = np.argsort(-scores, kind="stable")
    return [candidates[i] for i in order]


def rerank_run(run: Run, scorer: Scorer, depth: int) -> dict[str, list[str]]:
    """Each query's first `depth` candidates re-ordered by `scorer`, the rest after them unchanged.

    A list shorter than `depth` is re-scored whole. `scorer(query_id, doc_ids)` returns one score per
    doc_id, higher meaning more relevant.
    """
    depth = _check_depth(depth)
    out = {}
    for query_id, ranked in run.items():
        ranked = list(ranked)
        head, tail = ranked[:depth], ranked[depth:]
        out[query_id] = (rerank(head, scorer(query_id, head)) if head else []) + tail
    return out


def ceiling(run: Run, qrels: Mapping[str, Mapping[str, int]], depth: int, min_grade: int = 1) -> np.ndarray:
    """Per query of `qrels`: the share of its documents graded >= min_grade that are in the first `depth`.

    No re-ranker of the first `depth` candidates can find more than this (recall@depth of the first stage).
    Queries with no such document are left out; the order is that of `qrels`.
    """
    depth = _check_depth(depth)
    missing = [q for q in qrels if q not in run]
    if missing:
        raise KeyError(f"{len(missing)} queries of qrels have no list in the run (e.g. {missing[0]!r})")
    shares = []
    for query_id, grades in qrels.items():
        relevant = {d for d, g in grades.items() if g >= min_grade}
        if relevant:
            shares.append(len(relevant & set(list(run[query_id])[:depth])) / len(relevant))
    return np.array(shares)


def vector_scorer(query_vectors: Mapping[str, Any], doc_vectors: Mapping[str, Any]) -> Scorer:
    """A scorer that returns the inner product of a query's vector with each candidate's (cosine if unit)."""
    def score(query_id: str, doc_ids: list[str]) -> np.ndarray:
        absent = [d for d in doc_ids if d not in doc_vectors]
        if query_id not in query_vectors or absent:
            what = f"query {query_id!r}" if query_id not in query_vectors else f"document {absent[0]!r}"
            raise KeyError(f"no vector for {what}: encode every query and every candidate with the re-ranking model")
        return np.stack([np.asarray(doc_vectors[d], np.float32) for d in doc_ids]) @ np.asarray(
            query_vectors[query_id], np.float32)
    return score


def token_vectors(encoder: Any, texts: Sequence[str], batch_size: int = 32) -> list[np.ndarray]:
    """One (tokens, dim) float32 array per text: the model's last hidden states, [CLS] and [SEP] included,
    padding dropped, each row scaled to unit length (what MaxSim compares). `encoder` is a TextEncoder;
    texts are cut at its window, with its TruncationWarning, as `encode` cuts them."""
    import torch

    from helpers.encode.embed import check_texts

    texts = check_texts(texts)
    out: list[Any] = [None] * len(texts)
    for rows, batch, hidden in encoder.batches(texts, batch_size):
        hidden = torch.nn.functional.normalize(torch.as_tensor(hidden, dtype=torch.float32), dim=-1)
        lengths = batch["attention_mask"].sum(dim=1)
        for j, r in enumerate(rows):
            out[r] = hidden[j, : int(lengths[j])].numpy().copy()
    return out


def maxsim(query: Any, documents: Sequence[Any]) -> np.ndarray:
    """MaxSim of one query's token vectors with each document's: the sum over query tokens of the best
    inner product with any of the document's tokens (ColBERT's late interaction)."""
    q = np.asarray(query, np.float32)
    if q.ndim != 2 or len(q) == 0:
        raise ValueError(f"the query must be a (tokens, dim) array with at least one token, got shape {q.shape}")
    scores = np.empty(len(documents), dtype=np.float32)
    for i, doc in enumerate(documents):
        d = np.asarray(doc, np.float32)
        if d.ndim != 2 or len(d) == 0 or d.shape[1] != q.shape[1]:
            raise ValueError(f"document {i} must be a (tokens, {q.shape[1]}) array with at least one token, "
                             f"got shape {d.shape}: encode queries and documents with the same model")
        scores[i] = (q @ d.T).max(axis=1).sum()
    return scores
