"""Checks for notebook 02's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/02_cosine_similarity.ipynb, which imports it as
`from helpers.exercises import nb02 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _report


def dot_cosine_disagree(q: Any, d1: Any, d2: Any, hint: bool = False) -> Verdict:
    """Exercise 02.1: a query q and documents d1, d2 that dot product and cosine rank in opposite orders.

    When both measures agree, the refusal names only that symptom, since the property that decides is the
    exercise's question; with hint=True it says what to change and how.
    """
    vectors = [_as_array(v) for v in (q, d1, d2)]
    if any(v is None or v.ndim != 1 for v in vectors) or len({v.shape for v in vectors}) != 1:
        return _report(False, "expected three 1-D vectors of the same length: q, d1, d2.")
    q, d1, d2 = vectors
    norms = [float(np.linalg.norm(v)) for v in vectors]
    if min(norms) == 0:
        return _report(False, "a zero vector has no direction, so its cosine is undefined; give every vector "
                              "some length.")
    dots = [float(q @ d1), float(q @ d2)]
    coss = [dots[0] / (norms[0] * norms[1]), dots[1] / (norms[0] * norms[2])]
    if abs(dots[0] - dots[1]) < 1e-9 or abs(coss[0] - coss[1]) < 1e-9:
        return _report(False, "a tie is no disagreement: make one document clearly ahead under each measure.")
    if (dots[0] > dots[1]) != (coss[0] > coss[1]):
        by_dot, by_cos = ("d1", "d2") if dots[0] > dots[1] else ("d2", "d1")
        longer_won = norms[1 + int(by_dot == "d2")] > norms[1 + int(by_cos == "d2")]
        why = ("the longer vector won the dot product with the worse direction." if longer_won else
               f"{by_cos} is longer and its cosine is negative, so its length made its dot product more "
               "negative: length scales a negative cosine down as readily as a positive one up.")
        return _report(True, f"dot product ranks {by_dot} first ({max(dots):.3f} vs {min(dots):.3f}), cosine "
                             f"ranks {by_cos} first ({max(coss):.3f} vs {min(coss):.3f}): {why}")
    if not hint:
        first = "d1" if coss[0] > coss[1] else "d2"
        return _report(False, f"both rank {first} first (dot {dots[0]:.3f} vs {dots[1]:.3f}, cosine {coss[0]:.3f} "
                              f"vs {coss[1]:.3f}): the two measures agree on these vectors. Compare the two "
                              "formulas and try again; check.dot_cosine_disagree(q, d1, d2, hint=True) says what "
                              "to change.")
    if np.allclose(norms[1:], norms[1]):
        return _report(False, f"d1 and d2 have the same length ({norms[1]:.3f}), so the dot product is the cosine "
                              "times one shared factor and ranks them alike; give them different lengths.")
    first = "d1" if coss[0] > coss[1] else "d2"
    other = "d2" if first == "d1" else "d1"
    dot_first, dot_other = (dots[0], dots[1]) if first == "d1" else (dots[1], dots[0])
    both = (f"both rank {first} first (dot {dots[0]:.3f} vs {dots[1]:.3f}, cosine {coss[0]:.3f} vs "
            f"{coss[1]:.3f}); ")
    if dot_other > 0:
        return _report(False, both + f"lengthen {other} (multiply it by a large number) until its dot product "
                                     "passes the other's: its cosine will not move.")
    if dot_first < 0:
        return _report(False, both + f"both point away from q (negative dot products), so lengthening {other} "
                                     f"only pushes its dot product further down; lengthen {first} instead: its "
                                     "dot product falls below the other's while its cosine stays ahead.")
    return _report(False, both + f"{other} points away from q (dot product {dot_other:.3f}), so no length makes "
                                 f"its dot product pass {first}'s positive one; turn {other} towards q (a positive "
                                 f"dot product, still a wider angle than {first}'s), then lengthen it.")


def l2_top5(answer: Any, Q: Any, P: Any) -> Verdict:
    """Exercise 02.2: the 5 paragraph rows nearest each query by Euclidean (L2) distance, nearest first."""
    Q, P = np.asarray(Q, dtype=np.float64), np.asarray(P, dtype=np.float64)
    d2 = (Q ** 2).sum(1)[:, None] + (P ** 2).sum(1)[None, :] - 2 * Q @ P.T
    order = np.argsort(d2, axis=1, kind="stable")
    want, worst = order[:, :5], order[:, ::-1][:, :5]
    got = _as_array(answer)
    if got is None or got.shape != want.shape:
        return _report(False, f"expected an integer array of shape {want.shape} (5 paragraph rows per query), "
                              f"got {getattr(got, 'shape', type(answer).__name__)}.")
    got = got.astype(np.int64)
    if np.array_equal(got, worst) or (got[:, 0] == worst[:, 0]).mean() > 0.5:
        return _report(False, "these are the farthest paragraphs: L2 is a distance, lower is closer, so "
                              "sort ascending.")
    rows = (got == want).all(axis=1)
    # rows that differ only where two distances tie within float rounding count as right
    same_set = np.array([np.allclose(d2[i, got[i]], d2[i, want[i]], atol=1e-5) for i in range(len(got))])
    if not (rows | same_set).all():
        bad = int(np.flatnonzero(~(rows | same_set))[0])
        return _report(False, f"query {bad}: expected rows {want[bad].tolist()}, got {got[bad].tolist()}; compute "
                              "||q - p|| for every paragraph and keep the 5 smallest, smallest first.")
    cos_order = np.argsort(-(Q @ P.T), axis=1, kind="stable")[:, :5]
    same = float((cos_order == got).all(axis=1).mean())
    return _report(True, f"nearest first; {same:.0%} of the queries get the same 5 rows as ranking by cosine, "
                         "as ||a - b||^2 = 2 - 2cos promises for unit vectors.")
