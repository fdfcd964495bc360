"""Checks for notebook 12's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/12_choosing_the_encoder.ipynb, which imports it as
`from helpers.exercises import nb12 as check`.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _one_number, _report


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


def mismatch_moved(answer: Any, moved: Any, base: Any, base_doc_vectors: Any, query_texts: Sequence[str],
                   qids: Sequence[str], doc_ids: Sequence[str], qrels: Mapping[str, Mapping[str, int]]) -> Verdict:
    """Exercise 12.1: (nDCG@10 of `moved`'s queries against `base`'s document vectors, mean cosine of their query vectors)."""
    got = _as_array(answer)
    if got is None or got.shape != (2,):
        return _report(False, f"answer with two numbers, (ndcg, cosine); got {answer!r}")
    moved_q, base_q = moved.encode(list(query_texts)), base.encode(list(query_texts))
    ndcg = _mean_ndcg(moved_q, base_doc_vectors, qids, doc_ids, qrels)
    cosine = float((np.asarray(moved_q, np.float64) * np.asarray(base_q, np.float64)).sum(axis=1).mean())
    matched = _mean_ndcg(base_q, base_doc_vectors, qids, doc_ids, qrels)
    if abs(got[0] - cosine) < 1e-4 and abs(got[1] - ndcg) < 1e-3:
        return _report(False, "the two numbers are swapped: (ndcg, cosine)")
    if abs(got[0] - matched) < 1e-3:
        return _report(False, "that nDCG@10 is MiniLM against its own index: encode the queries with the "
                              "hard-negative model and search MiniLM's index")
    if not abs(got[0] - ndcg) < 1e-3:  # the same machine computes both: only summation order differs
        return _report(False, "ndcg: search indexes['MiniLM'] with the hard-negative model's query vectors "
                              "(systems['tuned, + hard negatives'].encode(query_texts)) and average per_query(...)")
    if not abs(got[1] - cosine) < 1e-4:
        return _report(False, "cosine: the vectors are normalised, so it is the row-wise dot product of the two "
                              "models' query vectors for the same texts, averaged over the 70 queries")
    return _report(True, f"nDCG@10 {ndcg:.3f}, mean cosine {cosine:.4f}. Now compare with the in-batch model's pair of "
                         "numbers: which model's vectors moved further from MiniLM's, and does the nDCG of the "
                         "mixed search say the same?")


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
    wrong = [lib for lib in libraries if abs(values[lib] - shares[lib]) > 1e-3]  # one summary is 1/421 or more
    if wrong:
        return _report(False, f"{wrong[0]} is off by more than rounding: mine only that library's pairs of `pairs`, against all training "
                              "bodies (corpus=all_pairs), and divide hardest_was_false by their number")
    top = max(shares, key=shares.get)
    return _report(True, ", ".join(f"{lib} {shares[lib]:.1%}" for lib in libraries) + f". {top} has the most: "
                         "now read its skipped reasons and a few of its summaries: which documents repeat each other?")
