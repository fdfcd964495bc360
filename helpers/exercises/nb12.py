"""Checks for notebook 12's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/12_choosing_the_encoder.ipynb, which imports it as
`from helpers.exercises import nb12 as check`.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def _ndcg10(ranked: Sequence[str], grades: Mapping[str, int]) -> float:
    dcg = sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:10]))
    return dcg / ideal


def _mean_ndcg(query_vectors: np.ndarray, doc_vectors: np.ndarray, qids: Sequence[str], doc_ids: Sequence[str],
               qrels: Mapping[str, Mapping[str, int]]) -> float:
    """Exact cosine search in float64 (vectors are normalised), nDCG@10 averaged over the queries in qrels."""
    scores = np.asarray(query_vectors, np.float64) @ np.asarray(doc_vectors, np.float64).T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    return float(np.mean([_ndcg10([doc_ids[j] for j in row], qrels[q]) for q, row in zip(qids, top) if q in qrels]))


def mismatch_other_way(answer: Any, tuned: Any, minilm_doc_vectors: Any, query_texts: Sequence[str],
                       qids: Sequence[str], doc_ids: Sequence[str], qrels: Mapping[str, Mapping[str, int]]) -> Verdict:
    """Exercise 12.1: nDCG@10 of the fine-tuned model's queries searched against MiniLM's document vectors."""
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one number, the mean nDCG@10 over the answerable queries; got {answer!r}")
    queries = tuned.encode(list(query_texts))
    want = _mean_ndcg(queries, minilm_doc_vectors, qids, doc_ids, qrels)
    if abs(got - want) < 0.005:  # other CPUs may swap near-tied documents
        return _report(True, f"{want:.3f}: far from 0. Both models began as the same weights, and 32 steps at "
                             "lr 3e-5 moved them little, so their spaces still nearly agree. Nothing failed and "
                             "nothing looked wrong: only the model id stored with the index can catch it")
    if abs(got) < 1e-9 or abs(got - 1) < 1e-9:
        return _report(False, "compute it: search indexes['MiniLM'] with tuned.encode(query_texts), then nDCG@10 "
                              "per answerable query (per_query) and the mean")
    if got > 1 or got < 0:
        return _report(False, "nDCG@10 lies between 0 and 1: average per_query(...) over the answerable queries")
    return _report(False, "encode the queries with the fine-tuned model (tuned.encode) and search MiniLM's index "
                          "(indexes['MiniLM'], built from vectors['MiniLM']); section 5 did the other direction")


def false_negative_shares(answer: Any, pairs: Sequence[tuple[str, str, str]], docs: Mapping[str, Any],
                          corpus: Sequence[tuple[str, str, str]]) -> Verdict:
    """Exercise 12.2: per training library, the share of its sampled summaries whose hardest BM25 candidate is a false negative."""
    from helpers.search.negatives import mine_bm25_negatives
    libraries = sorted({docs[p[0]].library for p in pairs})
    if not isinstance(answer, Mapping) or sorted(answer) != libraries:
        return _report(False, f"answer with a dict whose keys are the libraries {libraries}; got {answer!r}")
    values = {lib: _one_number(v) for lib, v in answer.items()}
    if any(v is None for v in values.values()):
        return _report(False, "give one number per library, a share between 0 and 1")
    want = {}
    for lib in libraries:
        own = [p for p in pairs if docs[p[0]].library == lib]
        want[lib] = (mine_bm25_negatives(own, docs, k=10, corpus=corpus).hardest_was_false, len(own))
    shares = {lib: n / total for lib, (n, total) in want.items()}
    if all(abs(values[lib] - 100 * shares[lib]) < 1e-6 for lib in libraries):
        return _report(False, "shares, not percentages: divide by 100")
    if all(abs(values[lib] - want[lib][0]) < 1e-9 for lib in libraries):
        return _report(False, "divide each count by the number of that library's summaries in the sample")
    wrong = [lib for lib in libraries if abs(values[lib] - shares[lib]) > 1e-9]
    if wrong:
        return _report(False, f"{wrong[0]} is off: mine only that library's pairs of `pairs`, against all training "
                              "bodies (corpus=all_pairs), and divide hardest_was_false by their number")
    top = max(shares, key=shares.get)
    return _report(True, ", ".join(f"{lib} {shares[lib]:.1%}" for lib in libraries) + f". {top} has the most: "
                         "now read its skipped reasons and a few of its summaries: which documents repeat each other?")
