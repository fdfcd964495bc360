"""Checks for notebook 10's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/10_vector_database.ipynb, which imports it as
`from helpers.exercises import nb10 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def filtered_recall_at_1(answer: Any, P: Any, Q: Any, gold: Any, titles: Any, deleted: Any = (),
                         tol: float = 0.006) -> Verdict:
    """Exercise 10.1: recall@1 of the questions `Q` searched only among their own article's paragraphs.

    Recomputed by exact search within each title (numpy, float64); an HNSW search may miss a few, so
    an answer within `tol` (3 questions in 529) of the exact figure is right. Rows in `deleted` are
    left out. The message gives the two exact figures and how many questions ask for a deleted row,
    and leaves the why to the learner.
    """
    P, Q = np.asarray(P, dtype=np.float64), np.asarray(Q, dtype=np.float64)
    gold, titles = np.asarray(gold), np.asarray(titles)
    alive = np.ones(len(P), dtype=bool)
    alive[list(deleted)] = False
    sims = Q @ P.T
    sims[:, ~alive] = -np.inf
    unfiltered = float((np.argmax(sims, axis=1) == gold).mean())
    same_title = titles[None, :] == titles[gold][:, None]
    filtered = float((np.argmax(np.where(same_title, sims, -np.inf), axis=1) == gold).mean())
    got = _one_number(answer)
    if got is None:  # a list or array of one number included: float() of those fails or warns
        return _report(False, "expected one number between 0 and 1 (a float, not a list or an array): the share "
                              "of questions whose top hit is their own paragraph.")
    if not 0 <= got <= 1:
        return _report(False, "recall@1 is a share of questions: divide the hits by the number of questions.")
    if abs(got - unfiltered) <= tol < abs(got - filtered):
        return _report(False, f"{got:.4f} is about recall@1 without a filter ({unfiltered:.4f}); pass "
                              "filter='title == \"...\"' with each question's own title.")
    if abs(got - filtered) <= tol:
        lost = int((~alive[gold]).sum())
        return _report(True, f"exact search gives {filtered:.3f} within the article and {unfiltered:.3f} "
                             f"without a filter, and your answer is within {tol} of the first ({lost} of the "
                             f"{len(gold)} questions ask for a deleted paragraph, {lost / len(gold):.4f} of "
                             "them). Now the question in the text: why does it rise, and why not to 1?")
    return _report(False, f"exact search within each article gives {filtered:.4f}; compare each top hit with "
                          "the question's own paragraph id, over the questions asked for.")


def max_vectors(answer: Any, bytes_per_vector: float, nodes: int, replicas: int, node_gib: float,
                usable: float = 0.9) -> Verdict:
    """Exercise 10.2: the most vectors `nodes` query nodes hold with `replicas` copies, `usable` of memory.

    Each replica lives on its own group of nodes and every group holds a whole copy, so the smallest
    group, nodes // replicas nodes, decides. An answer within 0.1 % is right (bytes per vector rounded
    as printed, say).
    """
    per_copy = nodes // replicas

    def fit(group: float, share: float, unit: float) -> int:
        return int(group * share * node_gib * unit // bytes_per_vector)

    want = fit(per_copy, usable, 2**30)
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _report(False, f"expected a whole number of vectors (an int), got {type(answer).__name__}; "
                              "round down with int() or //: a fraction of a vector does not fit.")
    answer = int(answer)

    def near(x: int) -> bool:
        return abs(answer - x) <= max(1, 1e-3 * x)

    if near(want):
        groups = (f"{replicas} groups of {per_copy}" if nodes % replicas == 0 else
                  f"{replicas} groups, the smallest of {per_copy} nodes ({nodes} // {replicas})")
        return _report(True, f"about {want:,} vectors: {nodes} nodes make {groups}, and every group must "
                             f"hold a whole copy in {per_copy} x {usable:.0%} of {node_gib} GiB.")
    if near(fit(nodes, usable, 2**30)):
        return _report(False, f"that fills all {nodes} nodes with one copy; each of the {replicas} replicas needs "
                              "its own group of nodes.")
    if near(fit(nodes / replicas, usable, 2**30)):
        return _report(False, "a replica's group is a whole number of nodes, and the smallest group must hold a "
                              "whole copy: nodes // replicas, not nodes / replicas.")
    if near(fit(per_copy, 1.0, 2**30)):
        return _report(False, "the loaded data must stay under 90 % of the nodes' memory: multiply by 0.9.")
    if near(fit(per_copy, usable, 1e9)):
        return _report(False, "a GiB is 2**30 bytes, not 10**9.")
    return _report(False, "vectors = (nodes // replicas) x 0.9 x node GiB x 2**30 / bytes per vector, rounded down.")
