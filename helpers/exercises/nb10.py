"""Checks for notebook 10's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/10_vector_database.ipynb, which imports it as
`from helpers.exercises import nb10 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _report


def filtered_recall_at_1(answer: Any, P: Any, Q: Any, gold: Any, titles: Any, deleted: Any = (),
                         tol: float = 0.006) -> Verdict:
    """Exercise 10.1: recall@1 of the questions `Q` searched only among their own article's paragraphs.

    Recomputed by exact search within each title (numpy); an HNSW search may miss a few, so an answer
    within `tol` (3 questions in 529) of the exact figure is right. Rows in `deleted` are left out.
    """
    P, Q, gold, titles = np.asarray(P), np.asarray(Q), np.asarray(gold), np.asarray(titles)
    alive = np.ones(len(P), dtype=bool)
    alive[list(deleted)] = False
    sims = Q @ P.T
    sims[:, ~alive] = -np.inf
    unfiltered = float((np.argmax(sims, axis=1) == gold).mean())
    same_title = titles[None, :] == titles[gold][:, None]
    filtered = float((np.argmax(np.where(same_title, sims, -np.inf), axis=1) == gold).mean())
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, "expected one number between 0 and 1: the share of questions whose top hit is "
                              "their own paragraph.")
    got = float(got)
    if not 0 <= got <= 1:
        return _report(False, "recall@1 is a share of questions: divide the hits by the number of questions.")
    if abs(got - unfiltered) <= tol < abs(got - filtered):
        return _report(False, f"{got:.4f} is about recall@1 without a filter ({unfiltered:.4f}); pass "
                              "filter='title == \"...\"' with each question's own title.")
    if abs(got - filtered) <= tol:
        return _report(True, f"{got:.4f} within the article against {unfiltered:.4f} without a filter: the "
                             "filter removes every other article's paragraphs, but paragraphs of the right "
                             "article can still outscore the right one.")
    return _report(False, f"exact search within each article gives {filtered:.4f}; compare each top hit with "
                          "the question's own paragraph id, over the questions asked for.")


def query_nodes(answer: Any, bytes_per_vector: float, vectors: int, replicas: int, node_gib: float,
                usable: float = 0.9) -> Verdict:
    """Exercise 10.2: query nodes for `vectors` at `bytes_per_vector`, `replicas` copies, `usable` of memory.

    Each replica lives on its own group of nodes: nodes for one copy, rounded up, times the replicas.
    """
    def need(copies: int, share: float, unit: float, per_replica: bool = True) -> int:
        one = vectors * bytes_per_vector / unit / (share * node_gib)
        return copies * int(np.ceil(one)) if per_replica else int(np.ceil(copies * one))

    want = need(replicas, usable, 2**30)
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _report(False, f"expected a whole number of nodes (an int), got {type(answer).__name__}; "
                              "round up with np.ceil and convert with int().")
    if answer == want:
        return _report(True, f"{want} nodes: one copy of {vectors:,} x {bytes_per_vector:.0f} bytes is "
                             f"{vectors * bytes_per_vector / 2**30:,.0f} GiB, {want // replicas} nodes at "
                             f"{usable:.0%} of {node_gib} GiB, times {replicas} replicas.")
    if answer == need(1, usable, 2**30):
        return _report(False, "that holds one copy; every replica needs its own nodes again.")
    if answer == need(replicas, usable, 2**30, per_replica=False):
        return _report(False, "a replica cannot share a node with another copy of the same segments: round "
                              "up the nodes for one copy first, then multiply by the replicas.")
    if answer == need(replicas, 1.0, 2**30):
        return _report(False, "the loaded data must stay under 90 % of the nodes' memory: divide by 0.9 x node size.")
    if answer == need(replicas, usable, 1e9):
        return _report(False, "a GiB is 2**30 bytes, not 10**9.")
    if answer < want:
        return _report(False, "round up: a fraction of a node is a whole node.")
    return _report(False, f"nodes for one copy = vectors x bytes per vector / 2**30 / ({usable} x {node_gib}) "
                          "rounded up; then multiply by the replicas.")
