"""Relevance judgements: read and check judgement files, TREC qrels, pooling of runs, judge agreement.

Introduced in notebooks/11_evaluation_without_labels.ipynb.

A judgement file is JSON Lines, one graded (query, document) pair a line:
`{"query_id": "q001", "doc_id": "sklearn.svm.SVC", "grade": 2, "judge": "J1"}`, grades 0, 1 or 2.
TREC qrels, the format trec_eval, pytrec_eval and ranx read, is one line per pair:
`query_id 0 doc_id grade` (the 0 is an unused "iteration" column). A bad line is refused with its
file, line number and the fix. Pooling (TREC's way of choosing what to judge) takes the union of
each system's top `depth` per query; Cohen's kappa measures how far two judges agree beyond chance.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from helpers.course.files import atomic_write_bytes

GRADES = (0, 1, 2)
FIELDS = ("query_id", "doc_id", "grade", "judge")


class Judgement(NamedTuple):
    """One graded pair: which query, which document, its grade (0, 1, 2), who graded it."""

    query_id: str
    doc_id: str
    grade: int
    judge: str


def _bad(path: Path, line: int, problem: str, fix: str) -> ValueError:
    return ValueError(f"{path}, line {line}: {problem}; {fix}")


def _parse(path: Path, n: int, text: str) -> Judgement:
    try:
        row = json.loads(text)
    except json.JSONDecodeError as err:
        raise _bad(path, n, f"not valid JSON ({err.msg} at column {err.colno})",
                   'write one object a line, e.g. {"query_id": "q001", "doc_id": "...", "grade": 1, "judge": "me"}') \
            from None
    if not isinstance(row, dict):
        raise _bad(path, n, f"expected a JSON object, got {type(row).__name__}", f"give the fields {FIELDS}")
    missing = [f for f in FIELDS if f not in row]
    if missing:
        raise _bad(path, n, f"missing field(s) {missing}", f"every line needs {FIELDS}")
    grade = row["grade"]
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        raise _bad(path, n, f"grade is {grade!r}", f"grade each document with one of the integers {GRADES} "
                   "(GUIDELINES.md: 0 not relevant, 1 partly, 2 relevant)")
    for field in ("query_id", "doc_id", "judge"):
        if not isinstance(row[field], str) or not row[field].strip() or any(c.isspace() for c in row[field]):
            raise _bad(path, n, f"{field} is {row[field]!r}", "ids and judge names are non-empty strings without "
                       "spaces (TREC qrels are split on whitespace)")
    return Judgement(row["query_id"], row["doc_id"], grade, row["judge"])


def read_judgements(path: str | Path) -> list[Judgement]:
    """Every judgement of one JSON Lines file, checked; a bad or repeated line is refused by number."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such judgement file")
    out, seen = [], {}
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        j = _parse(path, n, text)
        key = (j.judge, j.query_id, j.doc_id)
        if key in seen:
            raise _bad(path, n, f"{j.judge} graded ({j.query_id}, {j.doc_id}) already on line {seen[key]}",
                       "keep one grade per judge and pair (delete the line you do not mean)")
        seen[key] = n
        out.append(j)
    return out


def to_qrels(judgements: Iterable[Judgement]) -> dict[str, dict[str, int]]:
    """{query_id: {doc_id: grade}} from judgements in which each pair occurs once."""
    qrels: dict[str, dict[str, int]] = {}
    for j in judgements:
        if j.doc_id in qrels.setdefault(j.query_id, {}):
            raise ValueError(f"({j.query_id}, {j.doc_id}) is graded twice; choose one grade per pair "
                             "(e.g. keep only each query's primary judge) before making qrels")
        qrels[j.query_id][j.doc_id] = j.grade
    return qrels


def qrels_text(qrels: Mapping[str, Mapping[str, int]]) -> str:
    """The TREC qrels text: `query_id 0 doc_id grade`, sorted by query then document."""
    lines = []
    for q in sorted(qrels):
        for d in sorted(qrels[q]):
            grade = qrels[q][d]
            if isinstance(grade, bool) or not isinstance(grade, (int, np.integer)):
                raise TypeError(f"qrels[{q!r}][{d!r}] is {grade!r}; TREC grades are integers")
            lines.append(f"{q} 0 {d} {int(grade)}\n")
    return "".join(lines)


def write_qrels(qrels: Mapping[str, Mapping[str, int]], path: str | Path) -> Path:
    """Write TREC qrels atomically (one `query_id 0 doc_id grade` line per pair); return the path."""
    path = Path(path)
    atomic_write_bytes(path, qrels_text(qrels).encode("utf-8"))
    return path


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """{query_id: {doc_id: grade}} from a TREC qrels file; a malformed or repeated line is refused."""
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = text.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise _bad(path, n, f"{len(parts)} fields ({text!r:.60})", "a qrels line is `query_id 0 doc_id grade`")
        q, _, d, grade = parts
        try:
            value = int(grade)
        except ValueError:
            raise _bad(path, n, f"grade {grade!r} is not an integer", "write 0, 1 or 2") from None
        if d in qrels.setdefault(q, {}):
            raise _bad(path, n, f"({q}, {d}) appears twice", "keep one line per pair")
        qrels[q][d] = value
    return qrels


def pool(runs: Mapping[str, Mapping[str, Sequence[str]]], depth: int) -> dict[str, list[str]]:
    """Depth-k pooling: per query, the union of every run's top `depth` documents, sorted by doc id."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an int >= 1 (TREC pools are often 100 deep; this course's is 20), got {depth!r}")
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a non-empty dict {system_name: {query_id: [doc_id, ...]}}")
    pooled: dict[str, set] = {}
    for name, run in runs.items():
        if not isinstance(run, Mapping):
            raise TypeError(f"runs[{name!r}] must be a run {{query_id: [doc_id, ...]}}, got {type(run).__name__}")
        for q, docs in run.items():
            pooled.setdefault(q, set()).update(list(docs)[:int(depth)])
    return {q: sorted(docs) for q, docs in sorted(pooled.items())}


def unjudged_at_k(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, Any]], k: int = 10) -> float:
    """Share of the top k of a run's judged queries that no one judged (metrics count them as 0)."""
    tops = [list(run[q])[:k] for q in qrels if q in run]
    if not tops:
        raise ValueError("the run holds none of the judged queries: nothing to count")
    return float(np.mean([d not in qrels[q] for q, top in zip([q for q in qrels if q in run], tops) for d in top]))


def cohen_kappa(a: Sequence[int], b: Sequence[int], weights: str | None = None) -> float:
    """Cohen's kappa of two judges' grades of the same items: 1 = full agreement, 0 = chance level.

    weights=None counts only exact agreement; "linear" charges a disagreement by the distance between
    the two grades, so 0 against 2 costs twice 0 against 1 even when no judge gave a 1. That is
    sklearn.metrics.cohen_kappa_score(a, b, labels=[0, 1, 2], weights="linear"); without `labels`,
    sklearn charges by position among the grades that occur (the same whenever every grade occurs).
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"expected two equally long, non-empty lists of grades, got shapes {a.shape} and {b.shape}")
    if weights not in (None, "linear"):
        raise ValueError(f"weights must be None or 'linear', got {weights!r}")
    labels = np.union1d(a, b)
    if weights == "linear" and not (np.issubdtype(labels.dtype, np.number) or labels.dtype == bool):
        raise ValueError(f"linear weights charge the distance between grades, so grades must be numbers, got {labels[:3]}")
    index = {v: i for i, v in enumerate(labels.tolist())}
    confusion = np.zeros((len(labels), len(labels)))
    for x, y in zip(a.tolist(), b.tolist()):
        confusion[index[x], index[y]] += 1
    expected = np.outer(confusion.sum(1), confusion.sum(0)) / confusion.sum()
    i, j = np.indices(confusion.shape)
    cost = (i != j).astype(float) if weights is None else np.abs(labels.astype(float)[i] - labels.astype(float)[j])
    if not (cost * expected).sum():
        raise ValueError("both judges gave every item one and the same grade: kappa is undefined (0 / 0)")
    return float(1 - (cost * confusion).sum() / (cost * expected).sum())


def doubly_judged(judgements: Iterable[Judgement]) -> list[tuple[str, str, dict[str, int]]]:
    """The pairs two or more judges graded: (query_id, doc_id, {judge: grade}), sorted."""
    by_pair: dict[tuple[str, str], dict[str, int]] = {}
    for j in judgements:
        by_pair.setdefault((j.query_id, j.doc_id), {})[j.judge] = j.grade
    return [(q, d, grades) for (q, d), grades in sorted(by_pair.items()) if len(grades) > 1]
