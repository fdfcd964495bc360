"""Checks for notebook 04's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/04_ivf_index.ipynb, which imports it as
`from helpers.exercises import nb04 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _int_answer, _report


def _ivf_share(ivf_index: Any, Q: np.ndarray, nprobe: int) -> float:
    """Mean share of the corpus held by the nprobe lists each query probes."""
    sizes = np.array([ivf_index.invlists.list_size(i) for i in range(ivf_index.nlist)])
    lists = ivf_index.quantizer.search(Q, nprobe)[1]
    return float(sizes[lists].sum(axis=1).mean() / ivf_index.ntotal)


def ivf_settings(answer: Any, P: Any, Q: Any, exact: Any, beat: float, target: float = 0.95,
                 seed: int = 0) -> Verdict:
    """Exercise 04.1: (nlist, nprobe) reaching recall@10 >= target while scanning at most a share `beat`.

    Rebuilds the IVF index from the learner's nlist (helpers.search.index, the given seed), searches every query
    at their nprobe and recomputes recall@10 against `exact` and the share of the corpus scanned.
    """
    from helpers.evaluate.metrics import neighbour_recall
    from helpers.search.index import MIN_POINTS_PER_LIST, build_index, search
    try:
        nlist, nprobe = (answer["nlist"], answer["nprobe"]) if isinstance(answer, dict) else answer
    except (TypeError, ValueError, KeyError):
        return _report(False, f"answer with a pair (nlist, nprobe) of ints, got {answer!r:.60}")
    nlist, nprobe = _int_answer(nlist), _int_answer(nprobe)
    if nlist is None or nprobe is None or nlist < 1 or nprobe < 1:
        return _report(False, f"nlist and nprobe must be ints >= 1, got {answer!r:.60}")
    P, Q = np.asarray(P, dtype=np.float32), np.asarray(Q, dtype=np.float32)
    most = len(P) // MIN_POINTS_PER_LIST
    if nlist > most:
        return _report(False, f"nlist={nlist} gives k-means {len(P) / nlist:.1f} training points per list; "
                              f"the training rule allows at most n // {MIN_POINTS_PER_LIST} = {most} lists")
    if nprobe > nlist:
        return _report(False, f"nprobe={nprobe} is more than nlist={nlist}: there are only {nlist} lists to probe")
    import warnings
    with warnings.catch_warnings():  # a tiny list can hold fewer than 10 vectors; recall counts that anyway
        warnings.simplefilter("ignore")
        ivf = build_index(P, kind="ivf", metric="cosine", nlist=nlist, seed=seed)
        _, ids = search(ivf, Q, k=10, nprobe=nprobe)
    recall, share = neighbour_recall(ids, np.asarray(exact)), _ivf_share(ivf.faiss_index, Q, nprobe)
    found = f"nlist={nlist}, nprobe={nprobe}: recall@10 {recall:.4f}, scanning {share:.4f} of the corpus"
    if recall < target:
        return _report(False, f"{found}; recall is below {target}: probe more lists")
    if share > beat:
        return _report(False, f"{found}; that scans more than the {beat:.4f} allowed. More, smaller lists let "
                              "each probe scan less: try a larger nlist and the smallest nprobe that keeps recall")
    return _report(True, f"{found}, within the {beat:.4f} allowed")


def nprobe_for_question(answer: Any, ivf: Any, query: Any, exact_ids: Any) -> Verdict:
    """Exercise 04.2: the smallest nprobe at which IVF returns all of one question's exact top 10."""
    from helpers.search.index import search
    nprobe = _int_answer(answer)
    if nprobe is None or nprobe < 1:
        return _report(False, f"answer with an int nprobe >= 1, got {answer!r:.60}")
    if nprobe > ivf.nlist:
        return _report(False, f"the index has only nlist={ivf.nlist} lists; nprobe cannot exceed it")
    want = set(np.asarray(exact_ids).ravel().tolist())

    def found(p: int) -> int:
        return len(set(search(ivf, query, k=len(want), nprobe=p)[1][0].tolist()) & want)

    got = found(nprobe)
    if got < len(want):
        return _report(False, f"at nprobe={nprobe} IVF returns {got} of the {len(want)}: the others sit in lists "
                              "that come later in the question's order of nearest centroids")
    if nprobe > 1 and found(nprobe - 1) == len(want):
        return _report(False, f"nprobe={nprobe} finds all {len(want)}, but nprobe={nprobe - 1} does too: go smaller")
    return _report(True, f"nprobe={nprobe} is the smallest that returns all {len(want)} of the exact top "
                         f"{len(want)}: the last of them sits in list number {nprobe} of the question's "
                         "nearest-first order")


def raw_ivf_index(answer: Any, Q: Any, exact: Any, n_vectors: int, target: float = 0.95) -> Verdict:
    """Exercise 04.3: a faiss IVF index (built with faiss itself) at the smallest nprobe reaching recall@10 >= target.

    Refuses the answers that make IVF exact search in disguise: one list (nlist=1), more lists than the
    training rule allows (n // 39), or every list probed (nprobe = nlist); and checks that one list fewer
    (nprobe - 1) falls below the target, so that the nprobe is the smallest.
    """
    import faiss
    from helpers.evaluate.metrics import neighbour_recall
    from helpers.search.index import MIN_POINTS_PER_LIST
    if not isinstance(answer, faiss.Index):
        return _report(False, f"answer with the faiss index itself (faiss.IndexIVFFlat or index_factory's result), "
                              f"got {type(answer).__name__}")
    try:
        ivf = faiss.extract_index_ivf(answer)
    except RuntimeError:
        return _report(False, f"{type(answer).__name__} is not an IVF index: use faiss.IndexIVFFlat or 'IVF<nlist>,Flat'")
    if answer.metric_type != faiss.METRIC_INNER_PRODUCT:
        return _report(False, "the index measures L2 distance; pass faiss.METRIC_INNER_PRODUCT so scores are cosines "
                              "of the unit vectors")
    if not answer.is_trained:
        return _report(False, "the index is not trained: call index.train(P) before index.add(P)")
    if answer.ntotal != n_vectors:
        return _report(False, f"the index holds {answer.ntotal:,} vectors, not the {n_vectors:,} paragraphs: "
                              "index.add(P) once, after training")
    most = n_vectors // MIN_POINTS_PER_LIST
    if ivf.nlist < 2:
        return _report(False, "with nlist=1 every query scans the one list, the whole corpus: that is flat search "
                              "with extra steps; use your nlist from exercise 1")
    if ivf.nlist > most:
        return _report(False, f"nlist={ivf.nlist} gives k-means {n_vectors / ivf.nlist:.1f} training points per list; "
                              f"the training rule allows at most n // {MIN_POINTS_PER_LIST} = {most} lists")
    Q = np.asarray(Q, dtype=np.float32)
    exact = np.asarray(exact)
    chosen = ivf.nprobe

    def recall_at(nprobe: int) -> float:
        ivf.nprobe = nprobe
        try:
            return neighbour_recall(answer.search(Q, 10)[1], exact)
        finally:
            ivf.nprobe = chosen  # leave the learner's index as it was given

    recall = recall_at(chosen)
    if recall < target:
        return _report(False, f"recall@10 {recall:.4f} at nprobe={chosen} (faiss's default is 1): "
                              f"set index.nprobe until recall reaches {target}")
    if chosen >= ivf.nlist:
        return _report(False, f"nprobe={chosen} probes all {ivf.nlist} lists, which is exact search: find the "
                              f"smallest nprobe that reaches {target}")
    if chosen > 1 and (fewer := recall_at(chosen - 1)) >= target:
        return _report(False, f"nprobe={chosen} reaches recall@10 {recall:.4f}, but nprobe={chosen - 1} already "
                              f"reaches {fewer:.4f}: find the smallest")
    return _report(True, f"faiss IVF index with nlist={ivf.nlist}, nprobe={chosen} (the smallest that reaches "
                         f"{target}): recall@10 {recall:.4f}")
