"""Checks for notebook 01's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/01_pooling.ipynb, which imports it as
`from helpers.exercises import nb01 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _report


def _stsb_raw() -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """The STS-B test pairs, their unnormalised mean-pooled vectors (cached) and each sentence's token count."""
    from helpers.course.data import load_stsb
    from helpers.encode.cache import cached_encode
    from helpers.encode.embed import TextEncoder
    pairs, enc = load_stsb("test"), TextEncoder()
    a = cached_encode(enc, pairs.sentence1.tolist(), normalize=False)
    b = cached_encode(enc, pairs.sentence2.tolist(), normalize=False)
    tokens = enc.token_counts(pairs.sentence1.tolist() + pairs.sentence2.tolist())
    return pairs, a, b, tokens


def dot_and_length_from(answer: Any, length_spearman: Any, token_spearman: Any, a: Any, b: Any, human: Any,
                        tokens: Any) -> Verdict:
    """Exercise 01.1 on given vectors: `answer` is the Spearman of the raw dot products with the human
    scores, `length_spearman` that of the length products |a|*|b| alone, `token_spearman` that of every
    vector's length (a's rows, then b's) with its sentence's token count `tokens` (same order)."""
    from scipy.stats import spearmanr
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    want_dot = spearmanr((a * b).sum(axis=1), human).statistic
    want_len = spearmanr(na * nb, human).statistic
    want_tok = spearmanr(np.concatenate([na, nb]), np.asarray(tokens)).statistic
    cos = spearmanr((a * b).sum(axis=1) / (na * nb), human).statistic
    got = [_as_array(x) for x in (answer, length_spearman, token_spearman)]
    if any(g is None or g.size != 1 for g in got):
        return _report(False, "expected three numbers: `answer`, `length_spearman` and `token_spearman`, each one "
                              "Spearman correlation.")
    got_dot, got_len, got_tok = (float(g) for g in got)
    tol = 2e-3   # float32 or float64, any CPU path
    if abs(got_dot - cos) < tol and abs(want_dot - cos) > tol:
        return _report(False, f"`answer` {got_dot:.4f} is the cosine's Spearman: encode with normalize=False and "
                              "score by the plain dot product (a * b).sum(axis=1).")
    if abs(got_dot - want_dot) > tol:
        return _report(False, f"`answer` should be about {want_dot:.3f}; use normalize=False and (a * b).sum(axis=1).")
    if abs(got_len - want_len) > tol:
        single = spearmanr(na, human).statistic
        extra = " (that is one side's length only)" if abs(got_len - single) < tol else ""
        return _report(False, f"`length_spearman` {got_len:.3f} is not it{extra}: take each pair's two lengths, "
                              "np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), and correlate that with "
                              "the human scores.")
    if np.isnan(got_tok):
        return _report(False, "`token_spearman` is nan: your lengths are all equal, as unit vectors' are; take the "
                              "lengths of the normalize=False vectors.")
    if abs(got_tok - want_tok) > tol:
        return _report(False, f"`token_spearman` {got_tok:.3f} is not it: stack both sides' unnormalised vectors, "
                              "take each one's length, and correlate those lengths with encoder.token_counts() "
                              "of the same sentences in the same order.")
    return _report(True, f"the dot product scores {want_dot:.3f} against cosine's {cos:.3f}, the length product "
                         f"alone {want_len:.3f}, and vector length against token count {want_tok:.2f} over the "
                         f"{len(na) + len(nb):,} sentences. Now explain each from what a dot product and a mean "
                         "of token vectors compute.")


def stsb_dot_and_length(answer: Any, length_spearman: Any, token_spearman: Any) -> Verdict:
    """Exercise 01.1: recomputes the STS-B test vectors without normalising (cached), then checks."""
    pairs, a, b, tokens = _stsb_raw()
    return dot_and_length_from(answer, length_spearman, token_spearman, a, b, pairs.score.to_numpy(), tokens)


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
    from helpers.encode.cache import cached_encode
    from helpers.encode.embed import TextEncoder
    cosines = []
    for pooling in ("mean", "cls"):
        enc = TextEncoder(pooling=pooling)
        a = cached_encode(enc, pairs.sentence1.tolist())
        b = cached_encode(enc, pairs.sentence2.tolist())
        cosines.append((a * b).sum(axis=1))
    return pooling_disagreement_from(pair, closer, cosines[0], cosines[1], pairs.score.to_numpy())
