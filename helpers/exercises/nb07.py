"""Checks for notebook 07's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/07_keywords_hybrid.ipynb, which imports it as
`from helpers.exercises import nb07 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def rrf_by_hand(answer: Any, rankings: Any, doc: int, k: int = 60) -> Verdict:
    """Exercise 07.1: the RRF score of `doc`: the sum over lists holding it of 1 / (k + rank), rank from 1."""
    lists = [np.asarray(r).ravel() for r in rankings]
    ranks = [int(np.flatnonzero(r == doc)[0]) + 1 if (r == doc).any() else None for r in lists]
    want = sum(1 / (k + r) for r in ranks if r is not None)
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one number, the fused score; got {answer!r}")
    if abs(got - want) < 1e-9:
        return _report(True, f"{want:.5f}: ranks {ranks} (None: not in that list) give 1/({k}+rank) each.")
    if abs(got - sum(1 / (k + r - 1) for r in ranks if r is not None)) < 1e-9:
        return _report(False, "ranks count from 1 in RRF: position 0 in the array is rank 1, so add 1")
    if any(abs(got - 1 / (k + r)) < 1e-9 for r in ranks if r is not None):
        return _report(False, "that is one list's share only; RRF adds 1/(k + rank) over every list")
    if any(abs(got - 1 / r) < 1e-9 for r in ranks if r is not None):
        return _report(False, f"that is a reciprocal rank without the constant: RRF uses 1/(k + rank) with k = {k}")
    return _report(False, f"find the paragraph's position in each list (np.flatnonzero(row == doc)), then add "
                          f"1/({k} + position + 1) for each list that holds it")


def answer_in_window(answer: Any, top_doc: Any, best_window: Any, gold_doc: Any, gold_paragraph: Any,
                     window_spans: Any, paragraph_start: Any, answer_starts: Any, answer_lengths: Any) -> Verdict:
    """Exercise 07.2: among questions whose top document is right, the share whose answer lies in the winning window."""
    top_doc, best_window, gold_doc = (np.asarray(x) for x in (top_doc, best_window, gold_doc))
    spans = np.asarray(window_spans)
    start_in_paragraph = np.asarray(answer_starts)
    length = np.asarray(answer_lengths)
    right = top_doc == gold_doc
    w_start, w_end = spans[best_window, 0], spans[best_window, 1]

    def share(start: np.ndarray, rows: np.ndarray, whole: bool = True) -> float:
        inside = (w_start <= start) & ((start + length <= w_end) if whole else (start < w_end))
        return float(inside[rows].mean())

    start = np.asarray(paragraph_start)[np.asarray(gold_paragraph)] + start_in_paragraph
    want = share(start, right)
    got = _one_number(answer)
    if got is None or not 0 <= got <= 1:
        return _report(False, f"answer with one share between 0 and 1; got {answer!r}")
    if abs(got - want) < 1e-9:
        return _report(True, f"{want:.3f} of the {int(right.sum()):,} questions with the right article first have "
                             "their answer inside the window that made the article win: for the others the "
                             "article won on another passage (it mentions the question's subject elsewhere).")
    if abs(got - share(start_in_paragraph, right)) < 1e-9:
        return _report(False, "answer_starts count from the start of the PARAGRAPH; windows count from the start "
                              "of the ARTICLE: add paragraph_start[gold] first")
    if abs(got - share(start, np.ones_like(right))) < 1e-9:
        return _report(False, "that share is over all questions; keep only those whose top article is right")
    if abs(got - share(start, right, whole=False)) < 1e-9:
        return _report(False, "the answer must lie entirely inside: check its end (start + length) too")
    return _report(False, "for each question with the right article first, take the span of window win_best[i, 0] "
                          "and ask whether the answer's start and end (in article characters) both fall inside")


def lucene_k1(answer: Any, ids: Any, texts: Any, queries: Any, gold: Any, k1: float = 1.2,
              sample: int = 200) -> Verdict:
    """Exercise 07.3: MRR@10 of BM25 with k1 = 1.2; the ids are checked on a sample of questions."""
    from helpers.search.lexical import BM25Index
    ids, gold = np.asarray(ids), np.asarray(gold)
    if ids.ndim != 2 or ids.shape[0] != len(gold) or ids.shape[1] < 10:
        return _report(False, f"keep the ids of search(queries, k=10): shape ({len(gold)}, 10); got {ids.shape}")
    rows = np.linspace(0, len(gold) - 1, min(sample, len(gold))).astype(int)
    sample_queries = [queries[i] for i in rows]
    lucene = BM25Index(texts, k1=k1).search(sample_queries, k=10)[1]
    if not np.array_equal(ids[rows, :10], lucene):
        default = BM25Index(texts).search(sample_queries, k=10)[1]
        if np.array_equal(ids[rows, :10], default):
            return _report(False, "these are the results of the default k1 = 1.5; pass k1=1.2 to BM25Index")
        return _report(False, f"ids_lucene differs from BM25Index(texts, k1={k1}).search(queries, k=10) "
                              "(other settings unchanged)")
    hit = ids[:, :10] == gold[:, None]
    want = float(np.where(hit.any(axis=1), 1 / (hit.argmax(axis=1) + 1), 0.0).mean())
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one number, the MRR@10; got {answer!r}")
    if abs(got - want) < 1e-9:
        return _report(True, f"MRR@10 = {want:.4f} with k1 = {k1}.")
    if abs(float(got) - float(hit[:, 0].mean())) < 1e-9:
        return _report(False, "that is recall@1; MRR@10 averages 1/rank of the right paragraph (0 if not in the top 10)")
    return _report(False, f"expected the mean over questions of 1/rank of the right paragraph in the top 10; "
                          f"quality(ids_lucene, gold)['MRR@10'] computes it")
