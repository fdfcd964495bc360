"""Write data/apidocs/judged/qrels.txt, the TREC qrels of the primary judges' grades, and print agreement.

Usage: .venv/bin/python scripts/build_qrels.py [--check]

Reads the three judges' files in data/apidocs/judged/judgements/ (helpers.evaluate.judgements
checks every line), keeps for each query the grades of its primary judge
(helpers.course.apidocs.JUDGES), checks that every pooled pair has exactly one primary grade, and
writes `query_id 0 doc_id grade` lines sorted by query and document. With --check it writes
nothing and exits 1 if the shipped file differs. It also prints the agreement figures that
data/apidocs/judged/README.md quotes: Cohen's kappa on the pairs two judges graded.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from helpers.course.apidocs import JUDGES, judged_path, load_pool, primary_judge
from helpers.evaluate.judgements import cohen_kappa, doubly_judged, qrels_text, read_judgements, to_qrels


def all_judgements() -> list:
    """Every judge's judgements, J1 then J2 then J3."""
    return [j for judge in JUDGES for j in read_judgements(judged_path("judgements", f"judge-{judge}.jsonl"))]


def primary_qrels(judgements: list) -> dict[str, dict[str, int]]:
    """{query_id: {doc_id: grade}} from each query's primary judge, checked against the pool."""
    qrels = to_qrels(j for j in judgements if j.judge == primary_judge(j.query_id))
    pooled = {(r["query_id"], r["doc_id"]) for r in load_pool()}
    graded = {(q, d) for q, docs in qrels.items() for d in docs}
    if pooled != graded:
        raise SystemExit(f"{len(pooled - graded)} pooled pairs have no primary grade (e.g. {sorted(pooled - graded)[:2]}) "
                         f"and {len(graded - pooled)} graded pairs are not pooled (e.g. {sorted(graded - pooled)[:2]})")
    return qrels


def agreement(judgements: list) -> None:
    pairs = doubly_judged(judgements)
    primary = [g[primary_judge(q)] for q, _, g in pairs]
    second = [next(v for k, v in g.items() if k != primary_judge(q)) for q, _, g in pairs]
    a, b = np.array(primary), np.array(second)
    print(f"{len(pairs)} pairs graded by two judges, {len({q for q, _, _ in pairs})} queries: exact agreement "
          f"{(a == b).mean():.3f}, Cohen's kappa {cohen_kappa(a, b):.3f}, linear-weighted {cohen_kappa(a, b, 'linear'):.3f}, "
          f"relevant (grade > 0) or not: kappa {cohen_kappa(a > 0, b > 0):.3f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args(argv)
    judgements = all_judgements()
    text = qrels_text(primary_qrels(judgements))
    path = judged_path() / "qrels.txt"
    agreement(judgements)
    if args.check:
        same = path.is_file() and path.read_text(encoding="utf-8") == text
        print(f"{path}: {'up to date' if same else 'differs from what the judgements give: run without --check'}")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
