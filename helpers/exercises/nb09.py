"""Checks for notebook 09's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/09_fast_encoding.ipynb, which imports it as
`from helpers.exercises import nb09 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _one_number, _report


def cluster_hours(answer: Any, sentences: int, rate: float, machines: int, startup_s: float) -> Verdict:
    """Exercise 09.1: wall-clock hours to encode `sentences` on `machines` at `rate` sentences/s each,
    after a start-up of `startup_s` seconds (paid once, in parallel on every machine)."""
    want = (startup_s + sentences / (rate * machines)) / 3600
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number of hours, got {answer!r:.60}")
    got = float(got)
    if abs(got - want) <= 1e-6 * max(1.0, want):
        return _report(True, f"{want:.2f} h: the work divides by {machines} machines, the start-up does not")
    if abs(got - want * 3600) <= 1e-6 * max(1.0, want * 3600):
        return _report(False, "that is in seconds; divide by 3,600 for hours")
    if abs(got - sentences / (rate * machines) / 3600) <= 1e-6 * max(1.0, want):
        return _report(False, f"add the start-up ({startup_s:.0f} s): every machine loads Ray and the model first")
    if abs(got - (startup_s + sentences / rate) / 3600) <= 1e-6 * max(1.0, want):
        return _report(False, f"that is one machine's time; {machines} machines share the sentences")
    if abs(got - (machines * startup_s + sentences / (rate * machines)) / 3600) <= 1e-6 * max(1.0, want):
        return _report(False, "the machines start in parallel: count the start-up once, not once per machine")
    return _report(False, "hours = (start-up seconds + sentences / (rate per machine x machines)) / 3,600")


def top1_agreement(answer: Any, queries_a: Any, corpus_a: Any, queries_b: Any, corpus_b: Any) -> Verdict:
    """Exercise 09.2: the share of queries whose top-1 corpus item is the same under encoders A and B,
    each searching its own corpus vectors (A's queries against A's corpus, B's against B's)."""
    qa, ca, qb, cb = (np.asarray(x, dtype=np.float64) for x in (queries_a, corpus_a, queries_b, corpus_b))
    if qa.shape != qb.shape or ca.shape != cb.shape or qa.ndim != 2 or qa.shape[1] != ca.shape[1]:
        return _report(False, "pass the same queries and corpus encoded by both encoders: "
                              f"shapes {qa.shape}, {ca.shape}, {qb.shape}, {cb.shape}")
    top_a, top_b = (qa @ ca.T).argmax(axis=1), (qb @ cb.T).argmax(axis=1)
    want = float((top_a == top_b).mean())
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one share between 0 and 1, got {answer!r:.60}")
    if abs(got - want) < 1e-9:
        return _report(True, f"{want:.1%} of queries keep their top-1 result; the others found a different one")
    mixed = float((top_a == (qb @ ca.T).argmax(axis=1)).mean())
    if abs(got - mixed) < 1e-9:
        return _report(False, "each encoder searches its OWN corpus vectors: B's queries against B's corpus "
                              "(mixing backends in one index is the pitfall above)")
    if abs(got - (1 - want)) < 1e-9:
        return _report(False, "that is the share that CHANGED; the question asks for the share that stayed")
    if abs(got - want * 100) < 1e-6:
        return _report(False, "answer as a share between 0 and 1, not a percentage")
    return _report(False, "for each query take argmax of its cosines with the corpus, under A and under B, "
                          "and average (top_a == top_b)")
