"""Checks for notebook 05's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/05_score_interpretation.ipynb, which imports it as
`from helpers.exercises import nb05 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _report

# Exercise 05.1: two Brier scores closer than this are the same answer. Computing in float32 instead of
# float64 (cosines, clipping and the mean over STS-B test's 1,379 pairs) moves the figure by about 1e-7.
BRIER_TOLERANCE = 1e-6
# Exercise 05.2: two cuts closer than this (in cosine) are the same answer; a grid 1e-5 apart lands within it.
CUT_TOLERANCE = 1e-3


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def raw_cosine_brier(answer: Any, test_cos: Any, test_human: Any) -> Verdict:
    """Exercise 05.1: Brier score of the clipped raw cosine read as P(human score >= 4) on STS-B test."""
    cos, y = np.asarray(test_cos, dtype=np.float64), np.asarray(test_human, dtype=np.float64) >= 4
    want = _brier(np.clip(cos, 0, 1), y)
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number (a mean squared error), got {answer!r:.60}")
    got, tol = float(got), BRIER_TOLERANCE
    if abs(got - _brier(cos, y)) < tol and abs(got - want) > tol:
        return _report(False, "clip the cosines to [0, 1] first: a probability cannot be negative")
    if abs(got - _brier(np.clip(cos, 0, 1), np.asarray(test_human, dtype=np.float64) / 5)) < tol:
        return _report(False, "the outcome is binary: compare with (human score >= 4) as 0/1, not score / 5")
    if abs(got - want) > tol:
        return _report(False, f"{got:.6f} is more than {tol:g} from the right figure. Brier = mean of "
                              "(p - outcome)^2 with p = clip(cosine, 0, 1) and outcome = 1 where the human "
                              "score is >= 4, else 0")
    return _report(True, f"Brier {want:.4f} for the raw cosine: compare it with the calibrated one above")


def stsb_cut(answer: Any, dev_cos: Any, dev_human: Any, test_cos: Any, test_human: Any,
             at_least: float = 3, probability: float = 0.8) -> Verdict:
    """Exercise 05.2: the smallest cosine where the dev-fitted P(human score >= at_least) reaches `probability`.

    Recomputes the logistic fit on dev (as Calibrator("logistic") does), inverts it, and reports how
    often test pairs at or above the learner's cut were really rated `at_least` or more.
    """
    from sklearn.linear_model import LogisticRegression
    x, human = np.asarray(dev_cos, dtype=np.float64)[:, None], np.asarray(dev_human, dtype=np.float64)

    def fit(level: float, C: float = np.inf) -> tuple[float, float]:
        model = LogisticRegression(C=C, max_iter=1000).fit(x, human >= level)
        return float(model.coef_[0, 0]), float(model.intercept_[0])

    def cut(a: float, b: float) -> float:
        return float((np.log(probability / (1 - probability)) - b) / a)

    a, b = fit(at_least)
    want = cut(a, b)
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one cosine (the cut), got {answer!r:.60}")
    got, tol = float(got), CUT_TOLERANCE
    if abs(got - probability) < 1e-12:
        return _report(False, f"{probability} is the probability to reach; the answer is the cosine where it is reached")
    if abs(got - want) > tol and abs(got - cut(*fit(4))) < tol:
        return _report(False, f"that is the cut for P(score >= 4); this exercise asks for P(score >= {at_least:g})")
    if abs(got - want) > tol and abs(got - cut(*fit(at_least, C=1.0))) < tol:
        return _report(False, f"{got:.4f} is the right cut for the curve of sklearn's LogisticRegression() with its "
                              "defaults, which is regularised (C=1.0) and so flatter than the data say; "
                              "Calibrator('logistic') fits without a penalty (C=np.inf): fit it, or "
                              "LogisticRegression(C=np.inf), and invert that curve")
    if abs(got - want) > tol:
        p = float(1 / (1 + np.exp(-(a * got + b))))
        fix = ("raise the cut" if p < probability else
               "on this curve a lower cosine already reaches it: find the smallest")
        return _report(False, f"at cosine {got:.4f} the dev-fitted Calibrator('logistic') (no penalty) gives "
                              f"P(score >= {at_least:g}) = {p:.3f}, not {probability}: {fix} (within {tol:g})")
    tc, th = np.asarray(test_cos, dtype=np.float64), np.asarray(test_human, dtype=np.float64)
    above = tc >= got
    seen = f"{(th[above] >= at_least).mean():.3f}" if above.any() else "none"
    return _report(True, f"cut {want:.4f}: on STS-B test {int(above.sum())} pairs lie at or above it, and {seen} of "
                         f"them were rated {at_least:g} or more")


def orphan_margin_auc(answer: Any, top_scores: Any, orphan: Any) -> Verdict:
    """Exercise 05.3: ROC AUC of the top-1/top-2 margin for telling indexed questions from orphaned ones.

    `top_scores` are the (nq, k >= 2) scores from the reduced index (orphans have no relevant paragraph
    left); the positive class is "paragraph still indexed", as in section 3's table.
    """
    from sklearn.metrics import roc_auc_score
    top, orphan = np.asarray(top_scores, dtype=np.float64), np.asarray(orphan, dtype=bool)
    if top.ndim != 2 or top.shape[1] < 2 or len(top) != len(orphan):
        return _report(False, f"pass the reduced index's scores (one row per question, k >= 2) and the orphan "
                              f"mask; got {top.shape} and {orphan.shape}")
    margin = top[:, 0] - top[:, 1]
    want = float(roc_auc_score(~orphan, margin))
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number (an AUC between 0 and 1), got {answer!r:.60}")
    got = float(got)
    if abs(got - want) < 1e-9:
        raw = float(roc_auc_score(~orphan, top[:, 0]))
        verdict = ("about the same as" if abs(want - raw) < 0.05 else "better than" if want > raw else "worse than")
        return _report(True, f"the margin's AUC is {want:.4f}, {verdict} the raw top score's {raw:.4f} at "
                             "telling questions whose paragraph is indexed from orphans")
    if abs(got - (1 - want)) < 1e-9:
        return _report(False, "that is 1 - AUC: the positive class is 'paragraph still indexed' (~orphan), as in "
                              "section 3's table")
    if abs(got - float(roc_auc_score(~orphan, top[:, 0]))) < 1e-9:
        return _report(False, "that is the raw top score's AUC; use the margin, top-1 minus top-2 score")
    return _report(False, "compute roc_auc_score(~orphan, margin) with margin = s10[:, 0] - s10[:, 1], the scores "
                          "of the reduced index, where orphans exist")
