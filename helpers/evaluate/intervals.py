"""How far to trust a mean metric: bootstrap intervals, paired differences, and how many queries it takes.

Introduced in notebooks/11_evaluation_without_labels.ipynb.

The bootstrap resamples queries with replacement (Efron and Tibshirani, *An Introduction to the
Bootstrap*, 1993): the percentile interval is the middle `confidence` of the resampled means. It
draws its resamples exactly as `scipy.stats.bootstrap(..., method="percentile")` does with the
same generator, so the two give the same interval. Two systems measured on the same queries are
compared on their per-query differences (a paired comparison), which removes the queries' own
spread (easy and hard queries) from the comparison.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy.stats import norm


class Interval(NamedTuple):
    """A mean and its bootstrap interval [low, high]."""

    mean: float
    low: float
    high: float


def _values(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or len(arr) < 2 or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a 1-d list of at least 2 finite per-query values, got shape {arr.shape}: "
                         "pass one number per query (e.g. per-query nDCG@10), not the mean")
    return arr


def _settings(n_resamples: Any, confidence: Any) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 100:
        raise ValueError(f"n_resamples must be an int >= 100 (2,000 or more is usual), got {n_resamples!r}")
    if not isinstance(confidence, (float, int)) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, e.g. 0.95, got {confidence!r}")


def bootstrap_ci(values: Any, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """The mean of per-query values and its percentile bootstrap interval (queries resampled, seeded)."""
    x = _values(values, "values")
    _settings(n_resamples, confidence)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (int(n_resamples), len(x)))].mean(axis=-1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Interval(float(x.mean()), float(low), float(high))


def paired_bootstrap(a: Any, b: Any, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean of a - b over the same queries and its bootstrap interval: a is ahead if low > 0."""
    a, b = _values(a, "a"), _values(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must hold the same queries in the same order, got {len(a)} and {len(b)} values")
    return bootstrap_ci(a - b, n_resamples=n_resamples, confidence=confidence, seed=seed)


def queries_needed(sd: float, difference: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Queries a paired comparison needs to detect a mean difference (normal approximation).

    n = ((z[1 - alpha/2] + z[power]) * sd / difference)^2, rounded up, where sd is the standard
    deviation of the per-query differences: a difference half as large needs four times the queries.
    """
    for name, value in (("sd", sd), ("difference", difference)):
        if not isinstance(value, (float, int, np.floating, np.integer)) or not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value!r} (use the absolute difference)")
    for name, value in (("alpha", alpha), ("power", power)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return int(math.ceil((z * float(sd) / float(difference)) ** 2))
