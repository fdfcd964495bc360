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

def stsb_dot_spearman(answer: Any) -> Verdict:
    """Exercise 01.1: Spearman of raw dot products of unnormalised mean-pooled STS-B test vectors."""
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


def percentile_ranks(x: Any) -> np.ndarray:
    """Each value's rank divided by the count (ties share their average rank), as pandas' rank(pct=True)."""
    from scipy.stats import rankdata
    x = np.asarray(x, dtype=np.float64)
    return rankdata(x) / len(x)


def pooling_disagreement_from(pair: Any, closer: Any, cos_mean: Any, cos_cls: Any, human: Any) -> Verdict:
    """Exercise 01.2 on given scores: `pair` maximises |rank(mean) - rank(cls)|; `closer` names the pooling
    whose percentile rank is nearer the human score's there."""
    r_mean, r_cls, r_human = (percentile_ranks(v) for v in (cos_mean, cos_cls, human))
    gap = np.abs(r_mean - r_cls)
    want = int(np.argmax(gap))
    if isinstance(pair, bool) or not isinstance(pair, (int, np.integer)):
        return _report(False, f"`pair` should be an integer row of the STS-B test table, got {type(pair).__name__}.")
    if not 0 <= int(pair) < len(gap):
        return _report(False, f"`pair` should be between 0 and {len(gap) - 1}, got {pair}.")
    pair = int(pair)
    raw = int(np.argmax(np.abs(np.asarray(cos_mean, float) - np.asarray(cos_cls, float))))
    if pair != want:
        if pair == raw:
            return _report(False, f"pair {pair} has the largest gap between the raw cosines, but CLS cosines sit "
                                  "on another scale than mean-pooled ones; compare percentile ranks instead.")
        return _report(False, f"pair {pair}'s percentile ranks differ by {gap[pair]:.3f} (mean {r_mean[pair]:.3f}, "
                              f"CLS {r_cls[pair]:.3f}); pair {want} differs by more.")
    right = "mean" if abs(r_mean[pair] - r_human[pair]) <= abs(r_cls[pair] - r_human[pair]) else "cls"
    if str(closer).strip().lower() not in ("mean", "cls"):
        return _report(False, f"`closer` should be 'mean' or 'cls', got {closer!r}.")
    ranks = (f"human {r_human[pair]:.3f}, mean {r_mean[pair]:.3f}, CLS {r_cls[pair]:.3f}")
    if str(closer).strip().lower() != right:
        return _report(False, f"pair {pair} is right, but compare its percentile ranks ({ranks}): "
                              f"{right} is nearer the human one.")
    return _report(True, f"pair {pair} ({ranks}): {right} pooling agrees with the people there.")


def pooling_disagreement(pair: Any, closer: Any, pairs: Any) -> Verdict:
    """Exercise 01.2: recomputes both poolings' cosines on the STS-B `pairs` (cached), then checks."""
    from helpers.cache import cached_encode
    from helpers.embed import TextEncoder
    cosines = []
    for pooling in ("mean", "cls"):
        enc = TextEncoder(pooling=pooling)
        a = cached_encode(enc, pairs.sentence1.tolist())
        b = cached_encode(enc, pairs.sentence2.tolist())
        cosines.append((a * b).sum(axis=1))
    return pooling_disagreement_from(pair, closer, cosines[0], cosines[1], pairs.score.to_numpy())


# --- 02_cosine_similarity -----------------------------------------------------------------------

def dot_cosine_disagree(q: Any, d1: Any, d2: Any) -> Verdict:
    """Exercise 02.1: a query q and documents d1, d2 that dot product and cosine rank in opposite orders."""
    vectors = [_as_array(v) for v in (q, d1, d2)]
    if any(v is None or v.ndim != 1 for v in vectors) or len({v.shape for v in vectors}) != 1:
        return _report(False, "expected three 1-D vectors of the same length: q, d1, d2.")
    q, d1, d2 = vectors
    norms = [float(np.linalg.norm(v)) for v in vectors]
    if min(norms) == 0:
        return _report(False, "a zero vector has no direction, so its cosine is undefined; give every vector "
                              "some length.")
    dots = [float(q @ d1), float(q @ d2)]
    coss = [dots[0] / (norms[0] * norms[1]), dots[1] / (norms[0] * norms[2])]
    if abs(dots[0] - dots[1]) < 1e-9 or abs(coss[0] - coss[1]) < 1e-9:
        return _report(False, "a tie is no disagreement: make one document clearly ahead under each measure.")
    if (dots[0] > dots[1]) != (coss[0] > coss[1]):
        by_dot, by_cos = ("d1", "d2") if dots[0] > dots[1] else ("d2", "d1")
        return _report(True, f"dot product ranks {by_dot} first ({max(dots):.3f} vs {min(dots):.3f}), cosine "
                             f"ranks {by_cos} first ({max(coss):.3f} vs {min(coss):.3f}): the longer vector won "
                             "the dot product with the worse direction.")
    if np.allclose(norms[1:], norms[1]):
        return _report(False, f"d1 and d2 have the same length ({norms[1]:.3f}), so the dot product is the cosine "
                              "times one shared factor and ranks them alike; give them different lengths.")
    first = "d1" if coss[0] > coss[1] else "d2"
    other = "d2" if first == "d1" else "d1"
    return _report(False, f"both rank {first} first (dot {dots[0]:.3f} vs {dots[1]:.3f}, cosine {coss[0]:.3f} vs "
                          f"{coss[1]:.3f}); lengthen {other} (multiply it by a large number) until its dot "
                          "product passes the other's: its cosine will not move.")


def l2_top5(answer: Any, Q: Any, P: Any) -> Verdict:
    """Exercise 02.2: the 5 paragraph rows nearest each query by Euclidean (L2) distance, nearest first."""
    Q, P = np.asarray(Q, dtype=np.float64), np.asarray(P, dtype=np.float64)
    d2 = (Q ** 2).sum(1)[:, None] + (P ** 2).sum(1)[None, :] - 2 * Q @ P.T
    order = np.argsort(d2, axis=1, kind="stable")
    want, worst = order[:, :5], order[:, ::-1][:, :5]
    got = _as_array(answer)
    if got is None or got.shape != want.shape:
        return _report(False, f"expected an integer array of shape {want.shape} (5 paragraph rows per query), "
                              f"got {getattr(got, 'shape', type(answer).__name__)}.")
    got = got.astype(np.int64)
    if np.array_equal(got, worst) or (got[:, 0] == worst[:, 0]).mean() > 0.5:
        return _report(False, "these are the farthest paragraphs: L2 is a distance, lower is closer, so "
                              "sort ascending.")
    rows = (got == want).all(axis=1)
    # rows that differ only where two distances tie within float rounding count as right
    same_set = np.array([np.allclose(d2[i, got[i]], d2[i, want[i]], atol=1e-5) for i in range(len(got))])
    if not (rows | same_set).all():
        bad = int(np.flatnonzero(~(rows | same_set))[0])
        return _report(False, f"query {bad}: expected rows {want[bad].tolist()}, got {got[bad].tolist()}; compute "
                              "||q - p|| for every paragraph and keep the 5 smallest, smallest first.")
    cos_order = np.argsort(-(Q @ P.T), axis=1, kind="stable")[:, :5]
    same = float((cos_order == got).all(axis=1).mean())
    return _report(True, f"nearest first; {same:.0%} of the queries get the same 5 rows as ranking by cosine, "
                         "as ||a - b||^2 = 2 - 2cos promises for unit vectors.")


# --- 03_flat_index ------------------------------------------------------------------------------

def gold_ranks(Q: Any, P: Any, gold: Any) -> np.ndarray:
    """Rank (1 = best) of each query's gold row when all of P is ranked by inner product."""
    Q, P, gold = np.asarray(Q, np.float32), np.asarray(P, np.float32), np.asarray(gold)
    ranks = np.empty(len(Q), dtype=np.int64)
    for start in range(0, len(Q), 2048):   # blocks keep the score matrix small
        S = Q[start:start + 2048] @ P.T
        own = S[np.arange(len(S)), gold[start:start + 2048]]
        ranks[start:start + 2048] = (S > own[:, None]).sum(axis=1) + 1
    return ranks


def own_paragraph_ranks(answer: Any, Q: Any, P: Any, gold: Any) -> Verdict:
    """Exercise 03.1: for every question, the rank (1 = best) of its own paragraph among all paragraphs."""
    want = gold_ranks(Q, P, gold)
    got = _as_array(answer)
    if got is None or got.shape != want.shape:
        return _report(False, f"expected one rank per question, shape {want.shape}, got "
                              f"{getattr(got, 'shape', type(answer).__name__)}.")
    if np.allclose(got, want - 1):
        return _report(False, "these start at 0; rank 1 is the best hit, so add 1 to the position.")
    if np.allclose(got, len(P) + 1 - want, atol=1):
        return _report(False, "these count from the worst paragraph: higher inner product is better.")
    off = np.abs(got - want) > 1        # a tie within float rounding may move a rank by one
    if off.mean() > 1e-3:
        bad = int(np.flatnonzero(off)[0])
        return _report(False, f"question {bad}: its paragraph ranks {want[bad]}, you have {got[bad]:g}. Search "
                              "with k = index.ntotal, then find the column where the id equals the gold row.")
    return _report(True, f"median rank {np.median(want):g}; rank 1 for {np.mean(want == 1):.4f} of the questions "
                         f"(recall@1), beyond 10 for {int((want > 10).sum()):,} of them.")


CAUSES = ("paraphrase", "answer in another paragraph", "truncation", "ambiguous question", "other")


def answer_token_position(tokenizer: Any, context: str, char_start: int) -> int:
    """Position (counting [CLS] as 0) of the token where the answer starting at `char_start` begins."""
    offsets = tokenizer(context, return_offsets_mapping=True, truncation=False, verbose=False)["offset_mapping"]
    return 1 + sum(1 for start, end in offsets if end > start and start < char_start)


def failure_analysis(ranks: Any, causes: Any, Q: Any, P: Any, questions: Any, paragraphs: Any,
                     encoder: Any) -> Verdict:
    """Exercise 03.2: at least 5 questions ranked beyond 10, each rank right, each cause plausible.

    `ranks` and `causes` map question rows to the rank the learner measured and one of CAUSES.
    Verifiable causes are verified: 'truncation' needs the answer to start beyond the tokens the
    encoder read; 'answer in another paragraph' needs an answer to appear in a paragraph ranked above.
    """
    if not isinstance(ranks, dict) or not isinstance(causes, dict):
        return _report(False, "expected two dicts keyed by question row: ranks {row: rank}, causes {row: cause}.")
    if set(ranks) != set(causes):
        return _report(False, f"ranks and causes should cover the same questions; only in one: "
                              f"{sorted(set(ranks) ^ set(causes))[:5]}.")
    if len(ranks) < 5:
        return _report(False, f"classify at least 5 questions, got {len(ranks)}.")
    gold = questions.paragraph_id.to_numpy()
    rows = [int(r) for r in ranks]
    want = gold_ranks(np.asarray(Q)[rows], P, gold[rows])
    for row, rank in zip(rows, want):
        if int(ranks[row]) != rank and abs(int(ranks[row]) - rank) > 1:
            return _report(False, f"question {row}: its paragraph ranks {rank}, not {ranks[row]}.")
        if rank <= 10:
            return _report(False, f"question {row}: its paragraph ranks {rank}, inside the top 10; pick questions "
                                  "ranked beyond 10.")
    for row in rows:
        cause = str(causes[row]).strip().lower()
        if cause not in CAUSES:
            return _report(False, f"question {row}: {causes[row]!r} is not one of {list(CAUSES)}.")
        q = questions.iloc[row]
        context = paragraphs.context[gold[row]]
        if cause == "truncation":
            position = answer_token_position(encoder.tokenizer, context, int(min(q.answer_starts)))
            if position < encoder.max_length - 1:
                return _report(False, f"question {row}: its answer starts at token {position} of its paragraph, "
                                      f"inside the {encoder.max_length} tokens the encoder read; truncation did "
                                      "not hide it.")
        if cause == "answer in another paragraph":
            scores = np.asarray(P) @ np.asarray(Q)[row]
            above = np.flatnonzero(scores > scores[gold[row]])
            texts = [paragraphs.context[i].lower() for i in above]
            if not any(a.lower() in t for a in q.answers for t in texts):
                return _report(False, f"question {row}: none of its answers {list(q.answers)} appears in the "
                                      f"{len(above)} paragraphs ranked above its own; choose another cause.")
    counts = {c: sum(str(v).strip().lower() == c for v in causes.values()) for c in CAUSES}
    told = ", ".join(f"{c} {n}" for c, n in counts.items() if n)
    return _report(True, f"{len(rows)} questions, ranks confirmed ({told}); truncation checked by the answer's "
                         "token position, an answer elsewhere only by its string appearing in a paragraph ranked "
                         "above: read that paragraph to judge it.")


def near_duplicates(answer: Any, P: Any, threshold: float) -> Verdict:
    """Exercise 03.3: the rows of P whose nearest OTHER row has cosine >= threshold (unit vectors)."""
    P = np.asarray(P, dtype=np.float32)
    S = P @ P.T
    np.fill_diagonal(S, -np.inf)
    best = S.max(axis=1)
    want = set(np.flatnonzero(best >= threshold).tolist())
    try:
        got = {int(x) for x in answer}
    except (TypeError, ValueError):
        return _report(False, "expected a collection of paragraph rows (integers).")
    if got == set(range(len(P))) and len(want) < len(P):
        return _report(False, "every paragraph is its own nearest neighbour (cosine 1): skip the hit whose id "
                              "is the query's own row, not simply the first column.")
    if got != want:
        extra, missing = sorted(got - want), sorted(want - got)
        if extra:
            return _report(False, f"row {extra[0]}'s nearest other paragraph has cosine {best[extra[0]]:.4f}, "
                                  f"below {threshold}.")
        return _report(False, f"row {missing[0]} is missing: its nearest other paragraph has cosine "
                              f"{best[missing[0]]:.4f}. Did you always drop column 0? With an exact duplicate "
                              "the query's own row need not come first.")
    return _report(True, f"{len(want)} paragraphs have a near-duplicate at cosine >= {threshold}.")


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


# --- 07_keywords_hybrid -------------------------------------------------------------------------

def rrf_by_hand(answer: Any, rankings: Any, doc: int, k: int = 60) -> Verdict:
    """Exercise 07.1: the RRF score of `doc`: the sum over lists holding it of 1 / (k + rank), rank from 1."""
    lists = [np.asarray(r).ravel() for r in rankings]
    ranks = [int(np.flatnonzero(r == doc)[0]) + 1 if (r == doc).any() else None for r in lists]
    want = sum(1 / (k + r) for r in ranks if r is not None)
    got = _as_array(answer)
    if got is None or got.shape != ():
        return _report(False, f"answer with one number, the fused score; got {answer!r}")
    got = float(got)
    if abs(got - want) < 1e-9:
        return _report(True, f"{want:.5f}: ranks {ranks} (None: not in that list) give 1/({k}+rank) each.")
    if abs(got - sum(1 / (k + r - 1) for r in ranks if r is not None)) < 1e-9:
        return _report(False, "ranks count from 1 in RRF: position 0 in the array is rank 1, so add 1")
    if any(abs(got - 1 / (k + r)) < 1e-9 for r in ranks if r is not None):
        return _report(False, "that is one list's share only; RRF adds 1/(k + rank) over every list")
    if any(abs(got - 1 / r) < 1e-9 for r in ranks if r is not None):
        return _report(False, f"that is a reciprocal rank without the constant: RRF uses 1/(k + rank) with k = {k}")
    return _report(False, f"find the paragraph's position in each list (np.flatnonzero(row == doc)), then add "
                          f"1/({k} + position + 1) for each list that holds it")


def answer_in_window(answer: Any, top_doc: Any, best_window: Any, gold_doc: Any, gold_paragraph: Any,
                     window_spans: Any, paragraph_start: Any, answer_starts: Any, answer_lengths: Any) -> Verdict:
    """Exercise 07.2: among questions whose top document is right, the share whose answer lies in the winning window."""
    top_doc, best_window, gold_doc = (np.asarray(x) for x in (top_doc, best_window, gold_doc))
    spans = np.asarray(window_spans)
    start_in_paragraph = np.asarray(answer_starts)
    length = np.asarray(answer_lengths)
    right = top_doc == gold_doc
    w_start, w_end = spans[best_window, 0], spans[best_window, 1]

    def share(start: np.ndarray, rows: np.ndarray, whole: bool = True) -> float:
        inside = (w_start <= start) & ((start + length <= w_end) if whole else (start < w_end))
        return float(inside[rows].mean())

    start = np.asarray(paragraph_start)[np.asarray(gold_paragraph)] + start_in_paragraph
    want = share(start, right)
    got = _as_array(answer)
    if got is None or got.shape != () or not 0 <= float(got) <= 1:
        return _report(False, f"answer with one share between 0 and 1; got {answer!r}")
    got = float(got)
    if abs(got - want) < 1e-9:
        return _report(True, f"{want:.3f} of the {int(right.sum()):,} questions with the right article first have "
                             "their answer inside the window that made the article win: for the others the "
                             "article won on another passage (it mentions the question's subject elsewhere).")
    if abs(got - share(start_in_paragraph, right)) < 1e-9:
        return _report(False, "answer_starts count from the start of the PARAGRAPH; windows count from the start "
                              "of the ARTICLE: add paragraph_start[gold] first")
    if abs(got - share(start, np.ones_like(right))) < 1e-9:
        return _report(False, "that share is over all questions; keep only those whose top article is right")
    if abs(got - share(start, right, whole=False)) < 1e-9:
        return _report(False, "the answer must lie entirely inside: check its end (start + length) too")
    return _report(False, "for each question with the right article first, take the span of window win_best[i, 0] "
                          "and ask whether the answer's start and end (in article characters) both fall inside")


def lucene_k1(answer: Any, ids: Any, texts: Any, queries: Any, gold: Any, k1: float = 1.2,
              sample: int = 200) -> Verdict:
    """Exercise 07.3: MRR@10 of BM25 with k1 = 1.2; the ids are checked on a sample of questions."""
    from helpers.lexical import BM25Index
    ids, gold = np.asarray(ids), np.asarray(gold)
    if ids.ndim != 2 or ids.shape[0] != len(gold) or ids.shape[1] < 10:
        return _report(False, f"keep the ids of search(queries, k=10): shape ({len(gold)}, 10); got {ids.shape}")
    rows = np.linspace(0, len(gold) - 1, min(sample, len(gold))).astype(int)
    sample_queries = [queries[i] for i in rows]
    lucene = BM25Index(texts, k1=k1).search(sample_queries, k=10)[1]
    if not np.array_equal(ids[rows, :10], lucene):
        default = BM25Index(texts).search(sample_queries, k=10)[1]
        if np.array_equal(ids[rows, :10], default):
            return _report(False, "these are the results of the default k1 = 1.5; pass k1=1.2 to BM25Index")
        return _report(False, f"ids_lucene differs from BM25Index(texts, k1={k1}).search(queries, k=10) "
                              "(other settings unchanged)")
    hit = ids[:, :10] == gold[:, None]
    want = float(np.where(hit.any(axis=1), 1 / (hit.argmax(axis=1) + 1), 0.0).mean())
    got = _as_array(answer)
    if got is None or got.shape != ():
        return _report(False, f"answer with one number, the MRR@10; got {answer!r}")
    if abs(float(got) - want) < 1e-9:
        return _report(True, f"MRR@10 = {want:.4f} with k1 = {k1}.")
    if abs(float(got) - float(hit[:, 0].mean())) < 1e-9:
        return _report(False, "that is recall@1; MRR@10 averages 1/rank of the right paragraph (0 if not in the top 10)")
    return _report(False, f"expected the mean over questions of 1/rank of the right paragraph in the top 10; "
                          f"quality(ids_lucene, gold)['MRR@10'] computes it")


# --- 08_compression_graphs ----------------------------------------------------------------------

def ivfpq_gigabytes(answer: Any, n_vectors: int, m: int, nbits: int) -> Verdict:
    """Exercise 08.1: GB (10**9 bytes) of an IVF-PQ index's codes and ids: n * (m * nbits / 8 + 8)."""
    code_bytes = m * nbits / 8
    want = n_vectors * (code_bytes + 8) / 1e9
    got = _as_array(answer)
    if got is None or got.shape != ():
        return _report(False, f"answer with one number of gigabytes, got {answer!r:.60}")
    got = float(got)
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
    from helpers.evaluate import neighbour_recall
    from helpers.rescore import rescore

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


# --- 09_fast_encoding ---------------------------------------------------------------------------

def cluster_hours(answer: Any, sentences: int, rate: float, machines: int, startup_s: float) -> Verdict:
    """Exercise 09.1: wall-clock hours to encode `sentences` on `machines` at `rate` sentences/s each,
    after a start-up of `startup_s` seconds (paid once, in parallel on every machine)."""
    want = (startup_s + sentences / (rate * machines)) / 3600
    got = _as_array(answer)
    if got is None or got.size != 1:
        return _report(False, f"expected one number of hours, got {answer!r:.60}")
    got = float(got)
    if abs(got - want) <= 1e-6 * max(1.0, want):
        return _report(True, f"{want:.2f} h: the work divides by {machines} machines, the start-up does not")
    if abs(got - want * 3600) <= 1e-6 * max(1.0, want * 3600):
        return _report(False, "that is in seconds; divide by 3,600 for hours")
    if abs(got - sentences / (rate * machines) / 3600) <= 1e-6 * max(1.0, want):
        return _report(False, f"add the start-up ({startup_s:.0f} s): every machine loads Ray and the model first")
    if abs(got - (startup_s + sentences / rate) / 3600) <= 1e-6 * max(1.0, want):
        return _report(False, f"that is one machine's time; {machines} machines share the sentences")
    if abs(got - (machines * startup_s + sentences / (rate * machines)) / 3600) <= 1e-6 * max(1.0, want):
        return _report(False, "the machines start in parallel: count the start-up once, not once per machine")
    return _report(False, "hours = (start-up seconds + sentences / (rate per machine x machines)) / 3,600")


def top1_agreement(answer: Any, queries_a: Any, corpus_a: Any, queries_b: Any, corpus_b: Any) -> Verdict:
    """Exercise 09.2: the share of queries whose top-1 corpus item is the same under encoders A and B,
    each searching its own corpus vectors (A's queries against A's corpus, B's against B's)."""
    qa, ca, qb, cb = (np.asarray(x, dtype=np.float64) for x in (queries_a, corpus_a, queries_b, corpus_b))
    if qa.shape != qb.shape or ca.shape != cb.shape or qa.ndim != 2 or qa.shape[1] != ca.shape[1]:
        return _report(False, "pass the same queries and corpus encoded by both encoders: "
                              f"shapes {qa.shape}, {ca.shape}, {qb.shape}, {cb.shape}")
    top_a, top_b = (qa @ ca.T).argmax(axis=1), (qb @ cb.T).argmax(axis=1)
    want = float((top_a == top_b).mean())
    got = _as_array(answer)
    if got is None or got.shape != ():
        return _report(False, f"answer with one share between 0 and 1, got {answer!r:.60}")
    got = float(got)
    if abs(got - want) < 1e-9:
        return _report(True, f"{want:.1%} of queries keep their top-1 result; the others found a different one")
    mixed = float((top_a == (qb @ ca.T).argmax(axis=1)).mean())
    if abs(got - mixed) < 1e-9:
        return _report(False, "each encoder searches its OWN corpus vectors: B's queries against B's corpus "
                              "(mixing backends in one index is the pitfall above)")
    if abs(got - (1 - want)) < 1e-9:
        return _report(False, "that is the share that CHANGED; the question asks for the share that stayed")
    if abs(got - want * 100) < 1e-6:
        return _report(False, "answer as a share between 0 and 1, not a percentage")
    return _report(False, "for each query take argmax of its cosines with the corpus, under A and under B, "
                          "and average (top_a == top_b)")


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
