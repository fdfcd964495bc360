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

def smallest_nprobe(answer: Any, recalls: dict, target: float) -> Verdict:
    """Exercise 04.1: the smallest nprobe whose recall@10 reaches the target (from recall, not timings)."""
    reaching = sorted(n for n, r in recalls.items() if r >= target)
    if not reaching:
        return _report(False, f"no nprobe in the table reaches {target}; add larger nprobe values")
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _report(False, f"expected an int nprobe, got {type(answer).__name__}")
    if answer not in recalls:
        return _report(False, f"nprobe={answer} is not in the table; pick one of {sorted(recalls)}")
    if recalls[answer] < target:
        return _report(False, f"nprobe={answer} reaches recall@10 {recalls[answer]:.4f}, below {target}")
    if answer != reaching[0]:
        return _report(False, f"nprobe={answer} reaches {target}, but a smaller nprobe does too: "
                              "fewer lists probed is faster")
    return _report(True, f"nprobe={answer} is the smallest setting with recall@10 >= {target}")


def max_nlist(answer: Any, n_vectors: int) -> Verdict:
    """Exercise 04.2: the largest nlist that gives k-means its 39 training points per list."""
    want = int(n_vectors) // 39
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _report(False, f"expected an int, got {type(answer).__name__}")
    if answer == n_vectors * 39:
        return _report(False, "that is the number of points needed; the rule divides: n_vectors // 39")
    if answer != want:
        return _report(False, f"each list needs at least 39 training points, so nlist * 39 <= {n_vectors:,}")
    return _report(True, f"nlist <= {want}: {want} lists x 39 = {want * 39:,} <= {n_vectors:,} vectors")


def ivf_bytes_per_vector(answer: Any, dim: int) -> Verdict:
    """Exercise 04.3: bytes an IndexIVFFlat spends per stored vector (float32 values plus an int64 id)."""
    want = 4 * int(dim) + 8
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number of bytes, got {answer!r:.60}")
    if float(got) == 4 * dim:
        return _report(False, "that is the vector alone; each inverted list also stores the vector's id")
    if float(got) != want:
        return _report(False, f"IVF-Flat keeps each vector uncompressed: {dim} float32 values, plus an int64 id")
    return _report(True, f"{dim} x 4 bytes + an 8-byte id = {want} bytes; the centroids add a little on top")



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


def stsb_probability(answer: Any, dev_cos: Any, dev_human: Any, cosine: float = 0.63,
                     at_least: float = 3) -> Verdict:
    """Exercise 05.2: P(human score >= at_least) at a cosine, by logistic calibration on STS-B dev."""
    from sklearn.linear_model import LogisticRegression
    x, human = np.asarray(dev_cos, dtype=np.float64)[:, None], np.asarray(dev_human, dtype=np.float64)

    def prob(level: float) -> float:
        fit = LogisticRegression(C=np.inf, max_iter=1000).fit(x, human >= level)
        return float(fit.predict_proba([[cosine]])[0, 1])

    want = prob(at_least)
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one probability, got {answer!r:.60}")
    got = float(got)
    if not 0 <= got <= 1:
        return _report(False, f"{got:.4g} is not a probability; an isotonic fit on 0-5 scores gives an "
                              "expected score instead: use Calibrator('logistic') on binary labels")
    if abs(got - cosine) < 1e-9:
        return _report(False, "that is the raw cosine; a cosine is not a probability: calibrate it")
    if abs(got - want) > 1e-6 and abs(got - prob(4)) < 1e-6:
        return _report(False, f"that is P(score >= 4); this exercise asks for P(score >= {at_least:g})")
    if abs(got - want) > 1e-6:
        return _report(False, f"fit Calibrator('logistic') on (dev cosine, dev human score >= {at_least:g}), "
                              f"then predict at cosine {cosine}")
    return _report(True, f"P(human score >= {at_least:g} | cosine {cosine}) = {want:.3f}: "
                         "a probability is always the probability of a stated event")


def margin_threshold(answer: Any, top2: Any, correct: Any, is_cal: Any, target: float = 0.8) -> Verdict:
    """Exercise 05.3: a margin (top1 - top2) threshold chosen on the calibration half, checked held-out."""
    from helpers.scores import choose_threshold, evaluate_threshold
    top2, correct, is_cal = np.asarray(top2), np.asarray(correct, bool), np.asarray(is_cal, bool)
    margin = top2[:, 0] - top2[:, 1]
    chosen = choose_threshold(margin[is_cal], correct[is_cal], target)
    want = evaluate_threshold(margin[~is_cal], correct[~is_cal], chosen.threshold)
    try:
        threshold, recall = float(answer.threshold), float(answer.recall)
    except (AttributeError, TypeError, ValueError):
        return _report(False, "expected the ThresholdResult that evaluate_threshold returns on the held-out half")
    top_t = choose_threshold(top2[is_cal, 0], correct[is_cal], target).threshold
    if abs(threshold - top_t) < 1e-9:
        return _report(False, "that threshold is on the top score; use the margin top2[:, 0] - top2[:, 1]")
    if abs(threshold - chosen.threshold) > 1e-9:
        return _report(False, f"choose the threshold on the calibration half (is_cal) at precision {target}")
    if abs(recall - chosen.recall) < 1e-12 and abs(recall - want.recall) > 1e-12:
        return _report(False, "that is the calibration half's own figure; evaluate on the held-out half (~is_cal)")
    if abs(recall - want.recall) > 1e-12:
        return _report(False, "evaluate the chosen threshold on the held-out questions' margins")
    return _report(True, f"margin >= {want.threshold:.4f} keeps held-out precision {want.precision:.3f} "
                         f"at recall {want.recall:.3f}")


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


def caption_recall_at_5(answer: Any, ids: Any, relevant: Any) -> Verdict:
    """Exercise 06.2: the share of captions whose own photo is among their top 5 search results."""
    ids, relevant = np.asarray(ids), np.asarray(relevant)
    if ids.ndim != 2 or ids.shape[1] < 5 or len(ids) != len(relevant):
        return _report(False, f"pass the ids from search(..., k=5 or more), one row per caption; got {ids.shape}")
    want = float((ids[:, :5] == relevant[:, None]).any(axis=1).mean())
    got = _as_array(answer)
    if got is None or got.shape != ():
        return _report(False, f"answer with one number between 0 and 1, got {answer!r}")
    if abs(float(got) - want) < 1e-9:
        return _report(True, f"R@5 = {want:.3f}: the right photo is in the top 5 for that share of captions.")
    if abs(float(got) - float((ids[:, 0] == relevant).mean())) < 1e-9:
        return _report(False, "that is R@1 (the first column only); look at the first 5 columns")
    return _report(False, "for each caption, ask whether its photo id appears in ids[i, :5]; average that")


def nearest_other_photo(answer: Any, image_vectors: Any, photo: int) -> Verdict:
    """Exercise 06.3: the index of the most similar photo to `photo`, other than the photo itself."""
    vectors = np.asarray(image_vectors, dtype=np.float64)
    scores = vectors @ vectors[photo]
    scores[photo] = -np.inf
    want = int(np.argmax(scores))
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _report(False, f"answer with a photo index (an int), got {answer!r}")
    if int(answer) == want:
        return _report(True, f"photo {want} is the nearest other photo (cosine {scores[want]:.3f}).")
    if int(answer) == photo:
        return _report(False, "that is the query photo itself (cosine 1): skip the first hit")
    return _report(False, "search the image index with the photo's own vector and take the best hit "
                          "that is not the photo itself")


# --- 10_vector_database ---------------------------------------------------------------------------

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
