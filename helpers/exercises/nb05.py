"""Checks for notebook 05's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/05_score_interpretation.ipynb, which imports it as
`from helpers.exercises import nb05 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _report


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def raw_cosine_brier(answer: Any, test_cos: Any, test_human: Any) -> Verdict:
    """Exercise 05.1: Brier score of the clipped raw cosine read as P(human score >= 4) on STS-B test."""
    cos, y = np.asarray(test_cos, dtype=np.float64), np.asarray(test_human, dtype=np.float64) >= 4
    want = _brier(np.clip(cos, 0, 1), y)
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number (a mean squared error), got {answer!r:.60}")
    got = float(got)
    if abs(got - _brier(cos, y)) < 1e-9 and abs(got - want) > 1e-9:
        return _report(False, "clip the cosines to [0, 1] first: a probability cannot be negative")
    if abs(got - _brier(np.clip(cos, 0, 1), np.asarray(test_human, dtype=np.float64) / 5)) < 1e-9:
        return _report(False, "the outcome is binary: compare with (human score >= 4) as 0/1, not score / 5")
    if abs(got - want) > 1e-9:
        return _report(False, "Brier = mean of (p - outcome)^2 with p = clip(cosine, 0, 1) and "
                              "outcome = 1 where the human score is >= 4, else 0")
    return _report(True, f"Brier {want:.4f} for the raw cosine: compare it with the calibrated one above")


def stsb_cut(answer: Any, dev_cos: Any, dev_human: Any, test_cos: Any, test_human: Any,
             at_least: float = 3, probability: float = 0.8) -> Verdict:
    """Exercise 05.2: the smallest cosine where the dev-fitted P(human score >= at_least) reaches `probability`.

    Recomputes the logistic fit on dev (as Calibrator("logistic") does), inverts it, and reports how
    often test pairs at or above the learner's cut were really rated `at_least` or more.
    """
    from sklearn.linear_model import LogisticRegression
    x, human = np.asarray(dev_cos, dtype=np.float64)[:, None], np.asarray(dev_human, dtype=np.float64)

    def fit(level: float) -> tuple[float, float]:
        model = LogisticRegression(C=np.inf, max_iter=1000).fit(x, human >= level)
        return float(model.coef_[0, 0]), float(model.intercept_[0])

    def p_at(cos: float, level: float) -> float:
        a, b = fit(level)
        return float(1 / (1 + np.exp(-(a * cos + b))))

    a, b = fit(at_least)
    want = (np.log(probability / (1 - probability)) - b) / a
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one cosine (the cut), got {answer!r:.60}")
    got = float(got)
    if abs(got - probability) < 1e-12:
        return _report(False, f"{probability} is the probability to reach; the answer is the cosine where it is reached")
    a4, b4 = fit(4)
    if abs(got - want) > 1e-3 and abs(got - (np.log(probability / (1 - probability)) - b4) / a4) < 1e-3:
        return _report(False, f"that is the cut for P(score >= 4); this exercise asks for P(score >= {at_least:g})")
    if abs(got - want) > 1e-3:
        p = p_at(got, at_least)
        fix = "raise the cut" if p < probability else "a lower cosine already reaches it: find the smallest"
        return _report(False, f"at cosine {got:.4f} the dev-fitted P(score >= {at_least:g}) is {p:.3f}, not "
                              f"{probability}: {fix}")
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
