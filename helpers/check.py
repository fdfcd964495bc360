"""Checks for the exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/01_pooling.ipynb (first exercise); every notebook's exercises use it.
Each check prints one line starting with "Correct" or "Not yet" and returns a `Verdict`, which is
truthy when the answer is right and shows nothing more in a notebook (the printed line says it all).
"""
from __future__ import annotations

from typing import Any

import numpy as np


class Verdict:
    """The result of a check: truthy when right; its text is the line the check printed."""

    def __init__(self, ok: bool, message: str) -> None:
        self.ok, self.message = bool(ok), message

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        """Show nothing: the check already printed its line (avoids a stray `True` in notebooks)."""


def _report(ok: bool, message: str) -> Verdict:
    line = ("Correct: " if ok else "Not yet: ") + message
    print(line)
    return Verdict(ok, line)


def _as_array(answer: Any) -> np.ndarray | None:
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


# --- 01_pooling ---------------------------------------------------------------------------------

def mean_pooling(answer: Any, hidden: Any, mask: Any) -> Verdict:
    """Exercise 01.1: `answer` is the mask-aware mean of `hidden` over real tokens."""
    from helpers.pooling import mean_pool, naive_mean_pool
    got, want = _as_array(answer), mean_pool(hidden, mask).numpy()
    if got is None or got.shape != want.shape:
        return _report(False, f"expected an array of shape {want.shape}, got "
                              f"{None if got is None else got.shape}")
    if np.allclose(got, want, atol=1e-5):
        return _report(True, "padding positions are left out of both the sum and the count.")
    if np.allclose(got, naive_mean_pool(hidden, mask).numpy(), atol=1e-5):
        return _report(False, "this is .mean(dim=1), which averages the padding in; weight by the mask.")
    return _report(False, "sum hidden * mask over the token axis, then divide by mask.sum over it.")


def stsb_dot_spearman(answer: Any) -> Verdict:
    """Exercise 01.2: Spearman of raw dot products of unnormalised mean-pooled STS-B test vectors."""
    from scipy.stats import spearmanr

    from helpers.cache import cached_encode
    from helpers.data import load_stsb
    from helpers.embed import TextEncoder
    pairs, enc = load_stsb("test"), TextEncoder()
    a = cached_encode(enc, pairs.sentence1.tolist(), normalize=False)
    b = cached_encode(enc, pairs.sentence2.tolist(), normalize=False)
    want = spearmanr((a * b).sum(axis=1), pairs.score).statistic
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, "expected one number: the Spearman correlation.")
    if abs(float(got) - want) < 1e-4:
        cos = spearmanr((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)),
                        pairs.score).statistic
        relation = "below" if want < cos else "not below"
        return _report(True, f"{want:.4f}, {relation} cosine's {cos:.4f}: the dot product also "
                             "rewards vector length, which is not meaning.")
    return _report(False, f"expected about {want:.3f}; use normalize=False and (a * b).sum(axis=1).")


# --- 02_cosine_similarity -----------------------------------------------------------------------

def squad_top3(answer: Any, Q: Any, P: Any, gold: Any) -> Verdict:
    """Exercise 02.1: fraction of questions whose own paragraph is among the 3 best by cosine."""
    Q, P, gold = np.asarray(Q), np.asarray(P), np.asarray(gold)
    order = np.argsort(-(Q @ P.T), axis=1, kind="stable")
    hits = order == gold[:, None]
    want = {k: float(hits[:, :k].any(axis=1).mean()) for k in (1, 3)}
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, "expected one number between 0 and 1: a fraction of the questions.")
    if abs(float(got) - want[3]) < 1e-6:
        return _report(True, f"{want[3]:.4f} of the questions find their own paragraph in the top 3 "
                             f"(top 1: {want[1]:.4f}).")
    if abs(float(got) - want[1]) < 1e-6:
        return _report(False, "that is the top-1 fraction; keep the 3 best ids per question.")
    if float(got) > 1:
        return _report(False, "a fraction is at most 1: divide the count by the number of questions.")
    return _report(False, "sort each row best first (similarities: descending), keep 3 ids, and "
                          "count the rows where the own paragraph id is among them.")


def heatmap_neighbour(answer: Any, S: Any, row: int = 3) -> Verdict:
    """Exercise 02.2: index of the sentence most similar to sentence `row`, itself excluded."""
    sims = np.asarray(S) @ np.asarray(S)[row]
    if not isinstance(answer, (int, np.integer)):
        return _report(False, f"expected an integer index, got {type(answer).__name__}.")
    if answer == row:
        return _report(False, "every sentence is most similar to itself (cosine 1); exclude it.")
    sims[row] = -np.inf
    want = int(np.argmax(sims))
    if answer == want:
        return _report(True, f"sentence {want}, cosine {float(np.asarray(S)[row] @ np.asarray(S)[want]):.4f}.")
    return _report(False, f"sentence {answer} has cosine {float(sims[answer]):.4f}; another is higher.")

# --- 03_flat_index ------------------------------------------------------------------------------

def l2_to_cosine(answer: Any, distances: Any) -> Verdict:
    """Exercise 03.1: cosine similarities from IndexFlatL2's squared distances between unit vectors."""
    d2 = np.asarray(distances, dtype=np.float64)
    got = _as_array(answer)
    if got is None or got.shape != d2.shape:
        return _report(False, f"expected an array shaped like the distances {d2.shape}, "
                              f"got {getattr(got, 'shape', type(answer).__name__)}")
    if np.allclose(got, 1 - np.sqrt(d2) / 2, atol=1e-4) and not np.allclose(got, 1 - d2 / 2, atol=1e-4):
        return _report(False, "IndexFlatL2 already returns squared distances d^2: do not square-root them")
    if not np.allclose(got, 1 - d2 / 2, atol=1e-4):
        return _report(False, "for unit vectors d^2 = 2 - 2cos, so cos = 1 - d^2 / 2")
    return _report(True, "cos = 1 - d^2 / 2; the smallest distance became the largest similarity")


def recall_at_1_by_hand(answer: Any, ids: Any, gold: Any) -> Verdict:
    """Exercise 03.2: the fraction of questions whose top hit is their own paragraph."""
    ids, gold = np.asarray(ids), np.asarray(gold)
    want = float((ids[:, 0] == gold).mean())
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number (a fraction between 0 and 1), got {answer!r:.60}")
    if abs(float(got) - want * 100) < 1e-6 and want > 0:
        return _report(False, "that looks like a percentage; give the fraction between 0 and 1")
    if abs(float(got) - want) > 1e-9:
        return _report(False, "compare column 0 of ids (the best hit) with each question's gold paragraph "
                              "row, then take the mean of the matches")
    return _report(True, f"recall@1 = {want:.4f}, the same number as helpers.evaluate.recall_at_k(run, qrels, 1)")


def sorted_best_first(answer: Any, results: Any) -> Verdict:
    """Exercise 03.3: the datasets results (L2 distances in 'scores') sorted best first."""
    try:
        got = np.asarray(answer["scores"], dtype=np.float64)
    except (TypeError, KeyError, IndexError, ValueError):
        return _report(False, "expected the results DataFrame, sorted, with its 'scores' column")
    want = np.sort(np.asarray(results["scores"], dtype=np.float64))
    if got.shape != want.shape or not np.allclose(np.sort(got), want):
        return _report(False, f"keep the same {len(want)} rows; only their order should change")
    if not (np.diff(got) >= 0).all():
        return _report(False, "these scores are squared L2 distances: the best match has the SMALLEST one, "
                              "so sort ascending")
    return _report(True, "distances sort ascending (lower is better); similarities would sort descending")



# --- 04_ivf_index -------------------------------------------------------------------------------

def _int_answer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)


def _ivf_share(ivf_index: Any, Q: np.ndarray, nprobe: int) -> float:
    """Mean share of the corpus held by the nprobe lists each query probes."""
    sizes = np.array([ivf_index.invlists.list_size(i) for i in range(ivf_index.nlist)])
    lists = ivf_index.quantizer.search(Q, nprobe)[1]
    return float(sizes[lists].sum(axis=1).mean() / ivf_index.ntotal)


def ivf_settings(answer: Any, P: Any, Q: Any, exact: Any, beat: float, target: float = 0.95,
                 seed: int = 0) -> Verdict:
    """Exercise 04.1: (nlist, nprobe) reaching recall@10 >= target while scanning at most a share `beat`.

    Rebuilds the IVF index from the learner's nlist (helpers.index, the given seed), searches every query
    at their nprobe and recomputes recall@10 against `exact` and the share of the corpus scanned.
    """
    from helpers.evaluate import neighbour_recall
    from helpers.index import MIN_POINTS_PER_LIST, build_index, search
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
    from helpers.index import search
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
    """Exercise 04.3: a trained, filled faiss IVF index (built with faiss itself) reaching recall@10 >= target."""
    import faiss
    from helpers.evaluate import neighbour_recall
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
    _, ids = answer.search(np.asarray(Q, dtype=np.float32), 10)
    recall = neighbour_recall(ids, np.asarray(exact))
    if recall < target:
        return _report(False, f"recall@10 {recall:.4f} at nprobe={ivf.nprobe} (faiss's default is 1): "
                              f"set index.nprobe until recall reaches {target}")
    return _report(True, f"faiss IVF index with nlist={ivf.nlist}, nprobe={ivf.nprobe}: recall@10 {recall:.4f}")


# --- 05_score_interpretation --------------------------------------------------------------------

def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def raw_cosine_brier(answer: Any, test_cos: Any, test_human: Any) -> Verdict:
    """Exercise 05.1: Brier score of the clipped raw cosine read as P(human score >= 4) on STS-B test."""
    cos, y = np.asarray(test_cos, dtype=np.float64), np.asarray(test_human, dtype=np.float64) >= 4
    want = _brier(np.clip(cos, 0, 1), y)
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number (a mean squared error), got {answer!r:.60}")
    got = float(got)
    if abs(got - _brier(cos, y)) < 1e-9 and abs(got - want) > 1e-9:
        return _report(False, "clip the cosines to [0, 1] first: a probability cannot be negative")
    if abs(got - _brier(np.clip(cos, 0, 1), np.asarray(test_human, dtype=np.float64) / 5)) < 1e-9:
        return _report(False, "the outcome is binary: compare with (human score >= 4) as 0/1, not score / 5")
    if abs(got - want) > 1e-9:
        return _report(False, "Brier = mean of (p - outcome)^2 with p = clip(cosine, 0, 1) and "
                              "outcome = 1 where the human score is >= 4, else 0")
    return _report(True, f"Brier {want:.4f} for the raw cosine: compare it with the calibrated one above")


def stsb_cut(answer: Any, dev_cos: Any, dev_human: Any, test_cos: Any, test_human: Any,
             at_least: float = 3, probability: float = 0.8) -> Verdict:
    """Exercise 05.2: the smallest cosine where the dev-fitted P(human score >= at_least) reaches `probability`.

    Recomputes the logistic fit on dev (as Calibrator("logistic") does), inverts it, and reports how
    often test pairs at or above the learner's cut were really rated `at_least` or more.
    """
    from sklearn.linear_model import LogisticRegression
    x, human = np.asarray(dev_cos, dtype=np.float64)[:, None], np.asarray(dev_human, dtype=np.float64)

    def fit(level: float) -> tuple[float, float]:
        model = LogisticRegression(C=np.inf, max_iter=1000).fit(x, human >= level)
        return float(model.coef_[0, 0]), float(model.intercept_[0])

    def p_at(cos: float, level: float) -> float:
        a, b = fit(level)
        return float(1 / (1 + np.exp(-(a * cos + b))))

    a, b = fit(at_least)
    want = (np.log(probability / (1 - probability)) - b) / a
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one cosine (the cut), got {answer!r:.60}")
    got = float(got)
    if abs(got - probability) < 1e-12:
        return _report(False, f"{probability} is the probability to reach; the answer is the cosine where it is reached")
    a4, b4 = fit(4)
    if abs(got - want) > 1e-3 and abs(got - (np.log(probability / (1 - probability)) - b4) / a4) < 1e-3:
        return _report(False, f"that is the cut for P(score >= 4); this exercise asks for P(score >= {at_least:g})")
    if abs(got - want) > 1e-3:
        p = p_at(got, at_least)
        fix = "raise the cut" if p < probability else "a lower cosine already reaches it: find the smallest"
        return _report(False, f"at cosine {got:.4f} the dev-fitted P(score >= {at_least:g}) is {p:.3f}, not "
                              f"{probability}: {fix}")
    tc, th = np.asarray(test_cos, dtype=np.float64), np.asarray(test_human, dtype=np.float64)
    above = tc >= got
    seen = f"{(th[above] >= at_least).mean():.3f}" if above.any() else "none"
    return _report(True, f"cut {want:.4f}: on STS-B test {int(above.sum())} pairs lie at or above it, and {seen} of "
                         f"them were rated {at_least:g} or more")


def orphan_margin_auc(answer: Any, top_scores: Any, orphan: Any) -> Verdict:
    """Exercise 05.3: ROC AUC of the top-1/top-2 margin for telling indexed questions from orphaned ones.

    `top_scores` are the (nq, k >= 2) scores from the reduced index (orphans have no relevant paragraph
    left); the positive class is "paragraph still indexed", as in section 3's table.
    """
    from sklearn.metrics import roc_auc_score
    top, orphan = np.asarray(top_scores, dtype=np.float64), np.asarray(orphan, dtype=bool)
    if top.ndim != 2 or top.shape[1] < 2 or len(top) != len(orphan):
        return _report(False, f"pass the reduced index's scores (one row per question, k >= 2) and the orphan "
                              f"mask; got {top.shape} and {orphan.shape}")
    margin = top[:, 0] - top[:, 1]
    want = float(roc_auc_score(~orphan, margin))
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number (an AUC between 0 and 1), got {answer!r:.60}")
    got = float(got)
    if abs(got - want) < 1e-9:
        raw = float(roc_auc_score(~orphan, top[:, 0]))
        verdict = ("about the same as" if abs(want - raw) < 0.05 else "better than" if want > raw else "worse than")
        return _report(True, f"the margin's AUC is {want:.4f}, {verdict} the raw top score's {raw:.4f} at "
                             "telling questions whose paragraph is indexed from orphans")
    if abs(got - (1 - want)) < 1e-9:
        return _report(False, "that is 1 - AUC: the positive class is 'paragraph still indexed' (~orphan), as in "
                              "section 3's table")
    if abs(got - float(roc_auc_score(~orphan, top[:, 0]))) < 1e-9:
        return _report(False, "that is the raw top score's AUC; use the margin, top-1 minus top-2 score")
    return _report(False, "compute roc_auc_score(~orphan, margin) with margin = s10[:, 0] - s10[:, 1], the scores "
                          "of the reduced index, where orphans exist")


# --- 06_multimodal_search -----------------------------------------------------------------------

def zero_shot_label(answer: Any, labels: Any, label_vectors: Any, image_vector: Any) -> Verdict:
    """Exercise 06.1: the label whose text vector has the highest cosine with the photo's vector."""
    labels = list(labels)
    scores = np.asarray(label_vectors, dtype=np.float64) @ np.asarray(image_vector, dtype=np.float64)
    want = labels[int(np.argmax(scores))]
    if not isinstance(answer, str) or answer not in labels:
        return _report(False, f"answer with one of the label strings, e.g. {labels[0]!r}; got {answer!r}")
    if answer == want:
        return _report(True, f"{want!r} has the highest cosine ({scores.max():.3f}) with the photo.")
    if answer == labels[int(np.argmin(scores))]:
        return _report(False, "that label has the LOWEST cosine; cosines are similarities: take the argmax")
    return _report(False, f"{answer!r} scores {scores[labels.index(answer)]:.3f}; another label scores higher")


def explained_neighbours(answer: Any, image_vectors: Any, class_probs: Any, classes: Any, photo: int,
                         k: int = 3) -> Verdict:
    """Exercise 06.2: the k nearest other photos, each with the class that both photos' probabilities share most.

    `answer` maps each neighbour's photo index to a class name (the part of `classes[c]` before the
    first comma, or the whole entry). The check recomputes the neighbours from the image vectors and,
    for each, the class c with the largest product class_probs[photo, c] * class_probs[neighbour, c].
    """
    vectors, probs = np.asarray(image_vectors, dtype=np.float64), np.asarray(class_probs, dtype=np.float64)
    names = [c.split(",")[0].strip() for c in classes]
    scores = vectors @ vectors[photo]
    scores[photo] = -np.inf
    want = [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
    if not isinstance(answer, dict) or not all(_int_answer(key) is not None for key in answer):
        return _report(False, f"answer with a dict {{photo index: class name}} for the {k} nearest other photos, "
                              f"got {type(answer).__name__}")
    given = {int(key): value for key, value in answer.items()}
    if photo in given:
        return _report(False, f"photo {photo} is the query itself (cosine 1): leave it out")
    if set(given) != set(want):
        extra = sorted(set(given) - set(want))
        detail = (f"; photo {extra[0]} has cosine {scores[extra[0]]:.3f}, and {k} others score higher"
                  if extra and 0 <= extra[0] < len(scores) else "")
        return _report(False, f"the {k} nearest other photos are not {sorted(given)}{detail}: search the image "
                              "index with the photo's own vector")
    for neighbour in want:
        name = given[neighbour]
        name = name.split(",")[0].strip() if isinstance(name, str) else name
        if not isinstance(name, str) or name not in names:
            return _report(False, f"{given[neighbour]!r} (for photo {neighbour}) is not an ImageNet class name "
                                  "from enc.classes")
        shared = probs[photo] * probs[neighbour]
        best = int(np.argmax(shared))
        mine = shared[names.index(name)]
        if names[best] != name:
            return _report(False, f"for photo {neighbour}, {name!r} gives p(photo {photo}) x p(photo {neighbour}) = "
                                  f"{mine:.2e}, but another class gives {shared[best]:.2e}: multiply the two "
                                  "photos' probabilities class by class and take the largest")
    return _report(True, f"photos {want} are the nearest; each named class is the one both photos' probabilities "
                         "share most")
