"""Checks for notebook 09's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/09_fast_encoding.ipynb, which imports it as
`from helpers.exercises import nb09 as check`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def speedup_ceiling(answer: Any, seconds: Mapping[str, float]) -> Verdict:
    """Exercise 09.1: the most a faster forward pass alone can speed up the whole encoding (Amdahl's law).

    `seconds` is section 1's time per stage ("tokenize", "forward", "pool"). If the forward pass took no
    time at all, the encoding would still pay the other stages: the ceiling is total / (total - forward).
    """
    if not isinstance(seconds, Mapping) or "forward" not in seconds or len(seconds) < 2:
        return _report(False, "pass section 1's `seconds` (time per stage, with a 'forward' entry)")
    total = float(sum(seconds.values()))
    forward = float(seconds["forward"])
    rest = total - forward
    got = _one_number(answer)
    if got is None:
        return _report(False, f"expected one number (a factor such as 3.0), got {answer!r:.60}")
    if rest <= 0:
        return _report(False, "these timings have no time outside the forward pass: measure section 1 again")
    want = total / rest

    def near(x: float, rel: float = 1e-3) -> bool:
        return abs(got - x) <= rel * abs(x)

    if near(want):
        return _report(True, f"at most {want:.0f}x, however fast the forward pass becomes")
    if near(forward / total) or near(100 * forward / total):
        return _report(False, "that is the forward pass's share of the time, not a speed-up factor")
    if near(forward / rest):
        return _report(False, "the faster encoding still takes the other stages' time, and it is compared "
                              "with the whole of today's time, forward pass included")
    if near(total / forward):
        return _report(False, "what is left when the forward pass costs nothing is the other stages' time")
    if near(want, 0.25):
        return _report(False, "close: compute it from the unrounded `seconds`, not from the printed two decimals")
    return _report(False, "new time = old time - forward pass; the speed-up is old time / new time")


def top1_agreement(answer: Any, queries_a: Any, corpus_a: Any, queries_b: Any, corpus_b: Any,
                   corpus_texts: Sequence[str] | None = None, tol_queries: int = 3) -> Verdict:
    """Exercise 09.2: the share of queries whose top-1 corpus item is the same under encoders A and B,
    each searching its own corpus vectors (A's queries against A's corpus, B's against B's).

    With `corpus_texts`, two rows holding the same text are the same result (a corpus can repeat a
    sentence, and which copy wins is a tie). An answer within `tol_queries` queries of the figure
    recomputed here is right: a float32 search (numpy or faiss) can break a near-tie the other way.
    """
    qa, ca, qb, cb = (np.asarray(x, dtype=np.float64) for x in (queries_a, corpus_a, queries_b, corpus_b))
    if qa.shape != qb.shape or ca.shape != cb.shape or qa.ndim != 2 or qa.shape[1] != ca.shape[1]:
        return _report(False, "pass the same queries and corpus encoded by both encoders: "
                              f"shapes {qa.shape}, {ca.shape}, {qb.shape}, {cb.shape}")
    if corpus_texts is not None and len(corpus_texts) != len(ca):
        return _report(False, f"corpus_texts has {len(corpus_texts)} texts for {len(ca)} corpus vectors")
    texts = None if corpus_texts is None else np.asarray(list(corpus_texts), dtype=object)

    def share(top_x: np.ndarray, top_y: np.ndarray) -> float:
        same = top_x == top_y if texts is None else texts[top_x] == texts[top_y]
        return float(np.mean(same))

    top_a, top_b = (qa @ ca.T).argmax(axis=1), (qb @ cb.T).argmax(axis=1)
    want = share(top_a, top_b)
    tol = (tol_queries + 0.5) / len(qa)
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one share between 0 and 1, got {answer!r:.60}")
    if abs(got - want) <= tol:
        return _report(True, f"{want:.1%} of queries keep their top-1 result (to within {tol_queries} "
                             "queries, which a near-tie can flip)")
    by_row = float(np.mean(top_a == top_b))
    if texts is not None and abs(got - by_row) <= tol:
        return _report(False, "some of the corpus sentences occur more than once: a top-1 that moved to "
                              "another row holding the same sentence is the same result. Compare the texts")
    mixed = share(top_a, (qb @ ca.T).argmax(axis=1))
    if abs(got - mixed) <= tol:
        return _report(False, "each encoder searches its OWN corpus vectors: B's queries against B's corpus "
                              "(mixing backends in one index is the pitfall above)")
    if abs(got - (1 - want)) <= tol:
        return _report(False, "that is the share that CHANGED; the question asks for the share that stayed")
    if abs(got - want * 100) <= 100 * tol:
        return _report(False, "answer as a share between 0 and 1, not a percentage")
    return _report(False, "for each query take argmax of its cosines with the corpus, under A and under B, "
                          "and count the queries whose two results are the same sentence")
