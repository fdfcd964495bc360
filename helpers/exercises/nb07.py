"""Checks for notebook 07's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/07_keywords_hybrid.ipynb, which imports it as
`from helpers.exercises import nb07 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def rrf_agreement(answer: Any, ks: tuple[int, int] = (60, 5)) -> Verdict:
    """Exercise 07.1: for each k, the largest rank r at which a paragraph in both lists beats a lone first place.

    A is first in one list and absent from the other; B is at rank r in both (r >= 2). B wins when
    2 / (k + r) > 1 / (k + 1), that is r < k + 2: the largest r is k + 1 (at r = k + 2 they tie).
    """
    try:
        got = [int(a) if float(a) == int(a) else None for a in answer]
    except (TypeError, ValueError):
        got = None
    if got is None or len(got) != len(ks) or None in got:
        return _report(False, f"answer with {len(ks)} whole ranks, one for k = {ks[0]} and one for k = {ks[1]}, "
                              f"as a tuple: answer = (r_{ks[0]}, r_{ks[1]}); got {answer!r}")
    want = [k + 1 for k in ks]
    if got == want:
        return _report(True, f"r = k + 1: {want[0]} for k = {ks[0]}, {want[1]} for k = {ks[1]} (2/(k + r) > 1/(k + 1) "
                             "means r < k + 2; at r = k + 2 the two tie). Now the question in words: what does a "
                             "small k reward, and what does a large one?")
    if got == [k + 2 for k in ks]:
        return _report(False, "at r = k + 2 the two scores are exactly equal (2/(2k + 2) = 1/(k + 1)): a tie, "
                              "not a win; take one rank less")
    if got == list(ks) or got == [k - 1 for k in ks]:
        return _report(False, "RRF counts ranks from 1: A, first in its list, scores 1/(k + 1), not 1/k. With "
                              "ranks counted from 0 every score shifts by one; redo it with ranks from 1")
    if all(g <= 1 for g in got):
        return _report(False, "B does win at some ranks r >= 2: it collects 1/(k + r) from each of the two lists, "
                              "2/(k + r) in all, against A's single 1/(k + 1)")
    if got == [2 * k + 1 for k in ks] or got == [2 * k + 2 for k in ks]:
        return _report(False, "check the algebra: 2/(k + r) > 1/(k + 1) gives 2(k + 1) > k + r, with k on both "
                              "sides; solve that for r")
    return _report(False, "write the two scores: A gets 1/(k + 1) from its one list, B gets 1/(k + r) from "
                          "each list; solve 2/(k + r) > 1/(k + 1) for r, or try ranks with fusion.rrf on two "
                          "made-up lists")


def answer_in_window(answer: Any, top_doc: Any, best_window: Any, gold_doc: Any, gold_paragraph: Any,
                     window_spans: Any, paragraph_start: Any, answer_starts: Any, answer_lengths: Any) -> Verdict:
    """Exercise 07.2: among questions whose top document is right, the share whose answer lies in the winning window.

    A share is accepted within 5e-4 (its value printed to 3 decimals) or, where one of the wrong shares
    the hints recognise lies closer than 1e-3, within half that distance, so no wrong share passes.
    """
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
    wrong = [(share(start_in_paragraph, right), "answer_starts count from the start of the PARAGRAPH; windows count "
              "from the start of the ARTICLE: add paragraph_start[gold] first"),
             (share(start, np.ones_like(right)), "that share is over all questions; keep only those whose top "
              "article is right"),
             (share(start, right, whole=False), "the answer must lie entirely inside: check its end (start + "
              "length) too")]
    gaps = [abs(w - want) for w, _ in wrong if abs(w - want) > 1e-12]
    tol = min([5e-4] + [g / 2 for g in gaps])
    got = _one_number(answer)
    if got is None or not 0 <= got <= 1:
        return _report(False, f"answer with one share between 0 and 1; got {answer!r}")
    if abs(got - want) <= tol:
        return _report(True, f"{want:.3f} of the {int(right.sum()):,} questions with the right article first have "
                             "their answer inside the window that made the article win. Now read the questions "
                             "your cell printed, whose answer lies outside it: what did their article win on?")
    for value, hint in wrong:
        if abs(got - value) <= tol:
            return _report(False, hint)
    return _report(False, "for each question with the right article first, take the span of window win_best[i, 0] "
                          "and ask whether the answer's start and end (in article characters) both fall inside")


def _rr_ranks(scores: np.ndarray, gold: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank of each query's gold document: ties by id (the helper's), and the best and worst rank up to ties."""
    rows = np.arange(len(gold))
    own = scores[rows, gold][:, None]
    ids = np.arange(scores.shape[1])[None, :]
    by_id = (scores > own).sum(axis=1) + ((scores == own) & (ids < gold[:, None])).sum(axis=1) + 1
    best = (scores > own + tol).sum(axis=1) + 1
    worst = (scores >= own - tol).sum(axis=1)
    return by_id, best, worst


def _mrr10(rank: np.ndarray) -> float:
    return float(np.where(rank <= 10, 1 / rank, 0.0).mean())


def choose_k1(answer: Any, texts: Any, queries: Any, gold: Any, is_cal: Any,
              candidates: tuple[float, ...] = (0.5, 0.9, 1.2, 1.5), tol: float = 1e-4) -> Verdict:
    """Exercise 07.3: k1 chosen by MRR@10 on the calibration questions, and its MRR@10 on the held-out ones.

    Rankings are compared up to ties: a held-out MRR@10 is accepted anywhere between the gold
    paragraph ranked first and last among the paragraphs with its score (within `tol`), so an
    answer from bm25s, whose order of equal scores depends on the CPU, is accepted too.
    """
    from helpers.search.lexical import BM25Index
    gold, is_cal = np.asarray(gold), np.asarray(is_cal, dtype=bool)
    if len(is_cal) != len(gold) or len(queries) != len(gold):
        return _report(False, f"pass queries, gold and is_cal of the same length; got {len(queries)}, {len(gold)}, "
                              f"{len(is_cal)}")
    try:
        k1, mrr = float(answer[0]), float(answer[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return _report(False, f"answer with two numbers, answer = (chosen k1, its held-out MRR@10); got {answer!r:.60}")
    cal, held = np.flatnonzero(is_cal), np.flatnonzero(~is_cal)
    cal_mrr, all_mrr, ranges = {}, {}, {}
    for c in candidates:
        by_id, best, worst = _rr_ranks(BM25Index(texts, k1=c).scores(list(queries)), gold, tol)
        cal_mrr[c], all_mrr[c] = _mrr10(by_id[cal]), _mrr10(by_id)
        ranges[c] = {name: (_mrr10(worst[rows]), _mrr10(best[rows]))
                     for name, rows in [("held", held), ("cal", cal), ("all", np.arange(len(gold)))]}
    chosen = max(cal_mrr, key=cal_mrr.get)
    # up to ties: every candidate whose best calibration MRR@10 reaches the others' worst is a right choice
    floor = max(r["cal"][0] for r in ranges.values())
    right = [c for c in candidates if ranges[c]["cal"][1] >= floor - 1e-9]
    shown = ", ".join(f"{c}: {v:.4f}" for c, v in cal_mrr.items())
    if not any(abs(k1 - c) < 1e-9 for c in candidates):
        return _report(False, f"choose k1 from the candidates {candidates}; got {k1}")
    if not any(abs(k1 - c) < 1e-9 for c in right):
        if abs(k1 - max(all_mrr, key=all_mrr.get)) < 1e-9:
            return _report(False, f"k1 = {k1} is best over ALL questions, held-out ones included; choose on the "
                                  f"calibration half only (its MRR@10 by k1: {shown})")
        return _report(False, f"on the calibration half MRR@10 by k1 is {shown}: the highest is k1 = {chosen}")
    chosen = next(c for c in right if abs(k1 - c) < 1e-9)

    def within(name: str) -> bool:
        low, high = ranges[chosen][name]
        return low - 1e-9 <= mrr <= high + 1e-9

    low, high = ranges[chosen]["held"]
    if within("held"):
        return _report(True, f"k1 = {chosen} (calibration MRR@10 by k1: {shown}); held-out MRR@10 {mrr:.4f}. "
                             "That figure is honest because the held-out articles took no part in the choice; the "
                             "best calibration figure is flattered by the choosing itself.")
    if within("cal"):
        return _report(False, "that is the calibration half's MRR@10, on the questions used to choose; report the "
                              "chosen k1 on the held-out half (~is_cal)")
    if within("all"):
        return _report(False, "that MRR@10 is over all questions; report it on the held-out half (~is_cal) only")
    return _report(False, f"with k1 = {chosen} the held-out MRR@10 is {low:.4f}" +
                   (f" to {high:.4f} (depending on the order of equal scores)" if high - low > 1e-9 else "") +
                   "; search the held-out questions with k=10 and average 1/rank of the right paragraph (0 if absent)")
