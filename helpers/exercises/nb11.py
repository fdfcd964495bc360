"""Checks for notebook 11's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/11_evaluation_without_labels.ipynb, which imports it as
`from helpers.exercises import nb11 as check`.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _one_number, _report


def _dcg(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    return sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(list(ranked)[:k]))


def _ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float | None:
    ideal = _dcg(sorted(grades, key=lambda d: -grades[d]), grades, k)
    return None if ideal == 0 else _dcg(ranked, grades, k) / ideal


def judged_pool(answer: Any, path: Any, runs: Mapping[str, Sequence[str]], k: int = 5) -> Verdict:
    """Exercise 11.1: nDCG@k of MiniLM minus BM25 for the new query, under the grades in the learner's file."""
    from helpers.evaluate.judgements import read_judgements
    try:
        rows = read_judgements(Path(path))
    except (ValueError, FileNotFoundError) as err:
        return _report(False, f"your judgement file was refused: {err}")
    queries = sorted({r.query_id for r in rows})
    if queries != ["new"]:
        return _report(False, f"your file grades the queries {queries[:3]}; it should hold the new query only: give "
                              "every line the query_id \"new\" (the judged set's ids belong to its own queries)")
    pooled = set(runs["bm25"][:k]) | set(runs["minilm"][:k])
    grades = {r.doc_id: r.grade for r in rows}
    missing, extra = sorted(pooled - set(grades)), sorted(set(grades) - pooled)
    if missing:
        return _report(False, f"grade every pooled document: {len(missing)} have no line in your file (e.g. {missing[0]})")
    if extra:
        return _report(False, f"grade only the pooled documents; your file also grades {extra[:2]}")
    if len(rows) != len(grades):
        return _report(False, "each document needs exactly one grade; your file grades one twice (two judges?)")
    if not any(g > 0 for g in grades.values()):
        return _report(False, "you graded every pooled document 0: then nDCG is undefined (0 / 0). If nothing helps, "
                              "that is a finding in itself; otherwise give the document that meets the need a 2")
    bm25, minilm = _ndcg(runs["bm25"], grades, k), _ndcg(runs["minilm"], grades, k)
    want = minilm - bm25
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one number, nDCG@{k} of MiniLM minus that of BM25; got {answer!r}")
    if abs(got - want) < 1e-9:
        better = "MiniLM" if want > 0 else "BM25" if want < 0 else "neither"
        return _report(True, f"{want:+.3f} under your {sum(g > 0 for g in grades.values())} relevant grades: {better} "
                             "ranks them better for this query, by your grading. Now the questions of the task: which "
                             "grades did you have to decide, and could one query settle which system is better?")
    if abs(got + want) < 1e-9:
        return _report(False, "the sign is reversed: MiniLM's nDCG minus BM25's")
    binary = {d: int(g > 0) for d, g in grades.items()}
    if abs(got - (_ndcg(runs["minilm"], binary, k) - _ndcg(runs["bm25"], binary, k))) < 1e-9:
        return _report(False, "use the grades 0, 1, 2 as gains, not relevant-or-not")
    return _report(False, f"read your file back with judgements.read_judgements, make qrels with to_qrels, then "
                          f"metrics.ndcg_at_k of each run at k = {k}, and subtract BM25's from MiniLM's")


def paired_rrf_minilm(answer: Any, rrf: Any, minilm: Any, n_resamples: int = 2000, seed: int = 0) -> Verdict:
    """Exercise 11.2: (low, high, queries needed) of the paired bootstrap of a per-query metric, RRF minus MiniLM."""
    from helpers.evaluate.intervals import paired_bootstrap, queries_needed
    got = _as_array(answer)
    if got is None or got.shape != (3,):
        return _report(False, f"answer with three numbers (low, high, queries needed); got {answer!r}")
    rrf, minilm = np.asarray(rrf, dtype=float), np.asarray(minilm, dtype=float)
    d = paired_bootstrap(rrf, minilm, n_resamples=n_resamples, seed=seed)
    n = queries_needed((rrf - minilm).std(ddof=1), abs(d.mean))
    if np.allclose(got[:2], [-d.high, -d.low], atol=1e-9):
        return _report(False, "that is MiniLM minus RRF: put RRF first")
    if not np.allclose(got[:2], [d.low, d.high], atol=1e-9):
        unpaired = abs(got[1] - got[0]) > 1.5 * (d.high - d.low)
        return _report(False, "the interval is not the paired one: resample the per-query differences "
                              "(intervals.paired_bootstrap, 2,000 resamples, seed 0)"
                              + ("; yours is much wider, as an unpaired interval is" if unpaired else ""))
    if round(got[2]) != n:
        if round(got[2]) == queries_needed(rrf.std(ddof=1), abs(d.mean)):
            return _report(False, "queries_needed wants the spread of the DIFFERENCES, not of one system's values")
        return _report(False, f"the queries needed: queries_needed(sd of the per-query differences, |mean difference|)")
    return _report(True, f"the paired interval [{d.low:+.3f}, {d.high:+.3f}] and n = {n:,} are right. Now read them: "
                         f"does the interval contain 0, and what does n say next to the {len(rrf)} queries you have?")
