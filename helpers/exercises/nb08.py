"""Checks for notebook 08's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/08_compression_graphs.ipynb, which imports it as
`from helpers.exercises import nb08 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _one_number, _report


def ivfpq_gigabytes(answer: Any, n_vectors: int, m: int, nbits: int) -> Verdict:
    """Exercise 08.1: GB (10**9 bytes) of an IVF-PQ index's codes and ids: n * (m * nbits / 8 + 8)."""
    code_bytes = m * nbits / 8
    want = n_vectors * (code_bytes + 8) / 1e9
    got = _one_number(answer)
    if got is None:
        return _report(False, f"answer with one number of gigabytes, got {answer!r:.60}")
    if abs(got - want) <= 1e-6 * want:
        return _report(True, f"{n_vectors:,} x ({m} x {nbits} bits = {code_bytes:g} bytes of codes + an 8-byte id) "
                             f"= {want:g} GB")
    if abs(got - n_vectors * code_bytes / 1e9) <= 1e-6 * want:
        return _report(False, "that counts the codes only; an IVF list stores each vector's 8-byte id beside its code")
    if abs(got - n_vectors * (m + 8) / 1e9) <= 1e-6 * want:
        return _report(False, f"that counts one byte per code; 'x{nbits}' means {nbits} bits per code")
    if abs(got - want * 1e9) <= 1e-6 * want * 1e9 or abs(got - want * 1e9 / 2**30) <= 1e-6 * want:  # bytes, GiB
        return _report(False, "check the unit: the question asks for gigabytes of 10**9 bytes")
    return _report(False, f"bytes per vector = m codes x {nbits} bits / 8, plus the id; times the number of vectors")


def _disk_reads(settings: Any) -> int:
    """Rows read from disk per query: the rescoring depth of a '... from disk' row, else 0."""
    import re
    found = re.search(r"depth=(\d+)", str(settings))
    return int(found.group(1)) if found else 0


def choose_index(answer: Any, table: Any, n_vectors: int, ram_gb: float, recall_target: float,
                 qps: float | None = None, iops: float | None = None) -> Verdict:
    """Exercise 08.2: the row that fits the RAM budget, meets the recall target and needs the least RAM.

    With `qps` and `iops`, a row that rescores from disk must also fit the drive: its depth (rows read
    per query) times the queries per second may not exceed the drive's random reads per second.
    """
    budget = ram_gb * 1e9 / n_vectors
    drive_ok = table["settings"].map(_disk_reads) * qps <= iops if qps and iops else True
    ok = table[(table["ram_bytes_per_vector"] <= budget) & (table["recall@10"] >= recall_target) & drive_ok]
    if ok.empty:
        return _report(False, f"no row fits {budget:g} bytes per vector at recall@10 >= {recall_target}")
    if not (isinstance(answer, tuple) and len(answer) == 2 and all(isinstance(a, str) for a in answer)):
        return _report(False, f"answer with a tuple (index, settings) of two strings, got {answer!r:.80}")
    rows = table[(table["index"] == answer[0]) & (table["settings"] == answer[1])]
    if rows.empty:
        return _report(False, f"{answer!r} is not a row of the table: copy its 'index' and 'settings' values")
    row = rows.iloc[0]
    need_gb = row["ram_bytes_per_vector"] * n_vectors / 1e9
    if row["ram_bytes_per_vector"] > budget:
        extra = " (its ',RFlat' stage keeps the full vectors in RAM)" if "RFlat" in row["index"] else ""
        return _report(False, f"{answer[0]} needs {row['ram_bytes_per_vector']:.1f} bytes per vector, "
                              f"{need_gb:.1f} GB for {n_vectors:,} vectors: over the {ram_gb:g} GB budget{extra}")
    if row["recall@10"] < recall_target:
        return _report(False, f"it fits ({need_gb:.1f} GB), but its recall@10 is {row['recall@10']:.4f}, below "
                              f"{recall_target}")
    depth = _disk_reads(row["settings"])
    if qps and iops and depth * qps > iops:
        return _report(False, f"it fits in RAM and meets the recall, but it reads {depth} rows from disk per query: "
                              f"{qps:,g} queries/s need {depth * qps:,g} random reads/s, over the drive's {iops:,g}. "
                              f"A row that rescores from disk may read at most {iops / qps:g} per query")
    least = ok["ram_bytes_per_vector"].min()
    if row["ram_bytes_per_vector"] > least + 1e-9:
        return _report(False, f"it fits and meets the target, but another row needs only {least:.1f} bytes per "
                              "vector: filter on every limit, then sort by RAM")
    reads_note = f", {depth * qps:,g} disk reads/s" if qps and iops and depth else ""
    return _report(True, f"{answer[0]} [{answer[1]}]: {row['ram_bytes_per_vector']:.1f} bytes per vector, "
                         f"{need_gb:.1f} GB of the {ram_gb:g} GB, recall@10 {row['recall@10']:.4f}{reads_note}")


def rescoring_depth(answer: Any, binary_index: Any, binary_queries: Any, Q: Any, store: Any, exact: Any,
                    target: float = 0.9, depths: tuple = (10, 20, 40, 80, 160, 320)) -> Verdict:
    """Exercise 08.3: the smallest rescoring depth whose binary + rescoring recall@10 reaches the target."""
    from helpers.evaluate.metrics import neighbour_recall
    from helpers.search.rescore import rescore

    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)) or answer not in depths:
        return _report(False, f"answer with one of the depths {list(depths)} as an int, got {answer!r}")
    recall = {}
    for depth in depths:
        if depth > answer and recall:
            break
        candidates = binary_index.search(binary_queries, depth)[1]
        recall[depth] = neighbour_recall(rescore(Q, candidates, store, k=10)[1], exact)
    if recall[answer] < target:
        return _report(False, f"depth {answer} reaches recall@10 {recall[answer]:.4f}, below {target}: rescore more")
    smaller = [dp for dp in depths if dp < answer and recall.get(dp, 0) >= target]
    if smaller:
        return _report(False, f"depth {smaller[0]} already reaches {recall[smaller[0]]:.4f}; fewer candidates "
                              "read from disk is cheaper")
    return _report(True, f"depth {answer} is the smallest that reaches recall@10 >= {target} "
                         f"({recall[answer]:.4f})")
