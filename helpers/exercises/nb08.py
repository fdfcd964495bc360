"""Checks for notebook 08's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/08_compression_graphs.ipynb, which imports it as
`from helpers.exercises import nb08 as check`.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def ivfpq_gigabytes(answer: Any, n_vectors: int, m: int, nbits: int, refine_d: int | None = None) -> Verdict:
    """Exercise 08.1: GB (10**9 bytes) of an IVF-PQ index's codes and ids, n * (m * nbits / 8 + 8), plus,
    with `refine_d`, the full float32 vectors that a ',RFlat' stage keeps in RAM (4 * refine_d bytes each)."""
    code_bytes = m * nbits / 8
    refine_bytes = 4 * refine_d if refine_d else 0
    want = n_vectors * (code_bytes + 8 + refine_bytes) / 1e9
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one number of gigabytes, got {answer!r:.60}")

    def near(value: float) -> bool:
        return abs(got - value) <= 1e-6 * want

    if near(want):
        refine = f" + {refine_bytes:,} bytes of the full float32 vector that ',RFlat' keeps" if refine_d else ""
        return _report(True, f"{n_vectors:,} x ({m} x {nbits} bits = {code_bytes:g} bytes of codes + an 8-byte id"
                             f"{refine}) = {want:g} GB")
    if refine_d and near(n_vectors * (code_bytes + 8) / 1e9):
        return _report(False, "that counts the IVF-PQ part only; the ',RFlat' stage keeps every vector in full "
                              f"float32 in RAM as well ({refine_d} x 4 bytes each), to re-rank the candidates")
    if refine_d and near(n_vectors * (code_bytes + refine_bytes) / 1e9):
        return _report(False, "that leaves out the ids; an IVF list stores each vector's 8-byte id beside its code")
    if refine_d and near(n_vectors * (code_bytes + 8 + refine_d) / 1e9):
        return _report(False, "the refinement keeps float32 vectors: 4 bytes per dimension, not 1")
    if near(n_vectors * code_bytes / 1e9):
        return _report(False, "that counts the codes only; an IVF list stores each vector's 8-byte id beside its code"
                       + (", and ',RFlat' keeps the full vectors" if refine_d else ""))
    if near(n_vectors * (m + 8 + refine_bytes) / 1e9):
        return _report(False, f"that counts one byte per code; 'x{nbits}' means {nbits} bits per code")
    if abs(got - want * 1e9) <= 1e-6 * want * 1e9 or near(want * 1e9 / 2**30):  # bytes, GiB
        return _report(False, "check the unit: the question asks for gigabytes of 10**9 bytes")
    return _report(False, f"bytes per vector = m codes x {nbits} bits / 8, plus the id"
                          + (", plus what the refinement stage keeps" if refine_d else "")
                          + "; times the number of vectors")


def _disk_reads(settings: Any) -> int:
    """Rows read from disk per query: the rescoring depth of a '... from disk' row, else 0."""
    import re
    found = re.search(r"depth=(\d+)", str(settings))
    return int(found.group(1)) if found else 0


def _line_at(ns: Any, recalls: Any, n_target: float, confidence: float = 0.95) -> tuple[float, float]:
    """Least-squares line of recall against log10(n), evaluated at n_target: (prediction, lower confidence bound)."""
    from scipy import stats

    x, y = np.log10(np.asarray(ns, dtype=np.float64)), np.asarray(recalls, dtype=np.float64)
    design = np.column_stack([x, np.ones_like(x)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(x) - 2
    sigma2 = float(((y - design @ coef) ** 2).sum()) / dof
    at = np.array([np.log10(n_target), 1.0])
    se = np.sqrt(sigma2 * at @ np.linalg.inv(design.T @ design) @ at)
    return float(at @ coef), float(at @ coef - stats.t.ppf(0.5 + confidence / 2, dof) * se)


def _lists_probed(settings: str) -> int:
    """The nprobe in a settings string such as 'nprobe=16, depth=160'; 0 for a family without lists."""
    found = re.search(r"nprobe=(\d+)", str(settings))
    return int(found.group(1)) if found else 0


def choose_index(answer: Any, table: Any, n_vectors: int, ram_gb: float, recall_target: float,
                 qps: float, iops: float) -> Verdict:
    """Exercise 08.2: at the target size, the row that fits RAM and the drive and whose recall is likely to hold.

    `table` holds benchmarks/ann.py's rows (columns n, family, settings, recall@10, ram_bytes_per_vector). A
    configuration is judged by its row at the largest size it was measured at, except its recall: that is the
    lower 95 % bound, at `n_vectors`, of a straight line of recall@10 against log10(n) through its sizes (three
    or more).
    A row that rescores from disk reads `depth` rows per query: depth times `qps` may not exceed the drive's `iops`.
    """
    groups = table.groupby(["family", "settings"], sort=False)
    if groups["n"].nunique().max() < 3:
        return _report(False, "no row was measured at three or more sizes; a line with an uncertainty needs three")
    largest = table.loc[groups["n"].idxmax()].copy()   # each configuration at the largest size it was measured at
    largest["sizes"] = [groups.get_group((f, s_))["n"].nunique() for f, s_ in zip(largest["family"], largest["settings"])]
    lows = []
    for _, row in largest.iterrows():
        rows = groups.get_group((row["family"], row["settings"]))
        lows.append(_line_at(rows["n"], rows["recall@10"], n_vectors)[1] if row["sizes"] >= 3 else -np.inf)
    largest["low"] = lows
    budget = ram_gb * 1e9 / n_vectors
    reads = largest["settings"].map(_disk_reads)
    ok = largest[(largest["ram_bytes_per_vector"] <= budget) & (reads * qps <= iops) & (largest["low"] >= recall_target)]
    if not (isinstance(answer, tuple) and len(answer) == 2 and all(isinstance(a, str) for a in answer)):
        return _report(False, f"answer with a tuple (family, settings) of two strings, got {answer!r:.80}")
    rows = largest[(largest["family"] == answer[0]) & (largest["settings"] == answer[1])]
    if rows.empty:
        return _report(False, f"{answer!r} is not a row of the table: copy its 'family' and 'settings' values")
    row = rows.iloc[0]
    need_gb = row["ram_bytes_per_vector"] * n_vectors / 1e9
    if row["ram_bytes_per_vector"] > budget:
        return _report(False, f"{answer[0]} needs {row['ram_bytes_per_vector']:.1f} bytes per vector, "
                              f"{need_gb:.1f} GB for {n_vectors:,} vectors: over the {ram_gb:g} GB budget")
    depth = _disk_reads(row["settings"])
    if depth * qps > iops:
        return _report(False, f"it fits in RAM, but it reads {depth} rows from disk per query: {qps:,g} queries/s "
                              f"need {depth * qps:,g} random reads/s, over the drive's {iops:,g}")
    if row["sizes"] < 3:
        return _report(False, f"it was measured at {row['sizes']} sizes only: no line with an uncertainty, so no "
                              f"recall to expect at {n_vectors:,} vectors")
    if row["low"] < recall_target:
        return _report(False, f"it fits, but its recall was {row['recall@10']:.3f} at {row['n']:,} vectors, and "
                              f"the line through its {row['sizes']} sizes puts the lower 95 % bound at "
                              f"{n_vectors:,} vectors at {row['low']:.3f}, below {recall_target}")
    if ok.empty:  # cannot happen when the answer passed every test above; kept for a table with no valid row
        return _report(False, "no row meets every limit")
    least = ok["ram_bytes_per_vector"].min()
    if row["ram_bytes_per_vector"] > least + 1e-9:
        return _report(False, f"it meets every limit, but another row needs only {least:.1f} bytes per vector")
    ties = ok[ok["ram_bytes_per_vector"] <= least + 1e-9]
    fewest = ties["settings"].map(_lists_probed).min()
    if _lists_probed(row["settings"]) > fewest:
        return _report(False, f"it meets every limit with the least RAM, but so does a row of the same bytes per "
                              f"vector that probes only {fewest} lists per query: the task breaks a tie by "
                              "the fewest lists probed")
    return _report(True, f"{answer[0]} [{answer[1]}]: {row['ram_bytes_per_vector']:.1f} bytes per vector, "
                         f"{need_gb:.1f} GB of the {ram_gb:g} GB, {depth * qps:,g} disk reads/s, recall@10 predicted "
                         f"at least {recall_target} at {n_vectors:,} vectors (lower 95 % bound)")


def rescoring_ceiling(answer: Any, X: Any, Q: Any, exact: Any, S: Any, exact_S: Any,
                      cases: tuple = (("real", 20), ("real", 80), ("synthetic", 80)), tolerance: float = 0.002) -> Verdict:
    """Exercise 08.3: `answer(candidates, exact)` predicts the recall@10 of exact rescoring from the candidate ids alone.

    The default depths are ones notebook 08 runs nowhere else on those vectors (it rescores 10, 40 and 160).
    Each case searches binary codes of the real vectors X (or of the synthetic S) for `depth` candidates per
    query of Q, rescores them exactly with float32 vectors (helpers.search.rescore), and compares the recall
    reached with the learner's prediction; `tolerance` allows for near-ties at the tenth place.
    """
    from sentence_transformers.util.quantization import quantize_embeddings

    from helpers.evaluate.metrics import neighbour_recall
    from helpers.search.rescore import binary_index, rescore

    if not callable(answer):
        return _report(False, f"answer with a function ceiling(candidates, exact) that returns one number, got "
                              f"{type(answer).__name__}")
    sets = {"real": (np.asarray(X, dtype=np.float32), exact), "synthetic": (np.asarray(S, dtype=np.float32), exact_S)}
    queries = quantize_embeddings(np.asarray(Q, dtype=np.float32), precision="ubinary")
    gaps = []
    for name, depth in cases:
        vectors, top = sets[name]
        candidates = binary_index(quantize_embeddings(vectors, precision="ubinary")).search(queries, depth)[1]
        reached = neighbour_recall(rescore(Q, candidates, vectors, k=10)[1], top)
        try:
            predicted = _one_number(answer(candidates.copy(), np.asarray(top).copy()))
        except Exception as err:  # a learner's function may fail in any way: say how
            return _report(False, f"ceiling(candidates, exact) raised {type(err).__name__}: {str(err)[:120]}")
        if predicted is None:
            return _report(False, "ceiling(candidates, exact) must return one number (a recall between 0 and 1)")
        if abs(predicted - reached) > tolerance:
            first_stage = neighbour_recall(candidates[:, :10], top)
            hint = ("that is the first stage's own recall@10 (its top 10 before rescoring); rescoring re-ranks all "
                    f"{depth} candidates" if abs(predicted - first_stage) <= tolerance else
                    "which true neighbours can exact rescoring of the candidates put in its top 10, and which never?")
            return _report(False, f"on the {name} vectors at depth {depth}, exact rescoring reaches recall@10 "
                                  f"{reached:.4f} but your ceiling says {predicted:.4f}: {hint}")
        gaps.append(abs(predicted - reached))
    return _report(True, f"your ceiling matches exact rescoring on all {len(cases)} candidate sets "
                         f"({', '.join(f'{name} vectors at depth {dp}' for name, dp in cases)}), within {tolerance}: "
                         "exact rescoring keeps every true neighbour the first stage found and finds none it missed, "
                         "so all of the loss is the first stage's")
