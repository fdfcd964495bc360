"""Checks for notebook 01's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/01_pooling.ipynb, which imports it as
`from helpers.exercises import nb01 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _as_array, _report


def stsb_dot_spearman(answer: Any) -> Verdict:
    """Exercise 01.1: Spearman of raw dot products of unnormalised mean-pooled STS-B test vectors."""
    from scipy.stats import spearmanr

    from helpers.course.data import load_stsb
    from helpers.encode.cache import cached_encode
    from helpers.encode.embed import TextEncoder
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
    from helpers.encode.cache import cached_encode
    from helpers.encode.embed import TextEncoder
    cosines = []
    for pooling in ("mean", "cls"):
        enc = TextEncoder(pooling=pooling)
        a = cached_encode(enc, pairs.sentence1.tolist())
        b = cached_encode(enc, pairs.sentence2.tolist())
        cosines.append((a * b).sum(axis=1))
    return pooling_disagreement_from(pair, closer, cosines[0], cosines[1], pairs.score.to_numpy())
