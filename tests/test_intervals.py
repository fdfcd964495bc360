"""Bootstrap intervals equal scipy.stats.bootstrap's percentile intervals; hand cases; bad input refused."""
import numpy as np
import pytest
from scipy import stats

from helpers.evaluate.intervals import bootstrap_ci, paired_bootstrap, queries_needed


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_bootstrap_equals_scipys_percentile_interval(seed):
    x = np.random.default_rng(100 + seed).random(60)
    ours = bootstrap_ci(x, n_resamples=2000, seed=seed)
    theirs = stats.bootstrap((x,), np.mean, n_resamples=2000, method="percentile",
                             rng=np.random.default_rng(seed)).confidence_interval
    assert ours.mean == pytest.approx(x.mean())
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high), abs=1e-12)


def test_paired_bootstrap_equals_scipys_paired_resampling():
    rng = np.random.default_rng(3)
    a = rng.random(60)
    b = a - 0.05 + 0.1 * rng.standard_normal(60)
    ours = paired_bootstrap(a, b, seed=0)
    theirs = stats.bootstrap((a, b), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis), paired=True,
                             n_resamples=2000, method="percentile", rng=np.random.default_rng(0)).confidence_interval
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high), abs=1e-12)
    assert ours.mean == pytest.approx(np.mean(a - b))


def test_hand_cases():
    same = bootstrap_ci([0.5, 0.5, 0.5])              # no spread: every resample has the same mean
    assert same == (0.5, 0.5, 0.5)
    two = bootstrap_ci([0.0, 1.0], n_resamples=4000)  # resample means are 0, 0.5 or 1 with chance 1/4, 1/2, 1/4
    assert two.mean == 0.5 and two.low == 0.0 and two.high == 1.0
    # the textbook case: sd 0.2, difference 0.05, alpha 0.05, power 0.8: (1.95996 + 0.84162)^2 * 16 = 125.6 -> 126
    assert queries_needed(0.2, 0.05) == 126
    assert queries_needed(0.2, 0.025) == 503        # half the difference, four times the queries (502.3 -> 503)


@pytest.mark.parametrize("call, words", [
    (lambda: bootstrap_ci(0.4), "1-d list"),
    (lambda: bootstrap_ci([0.4]), "at least 2"),
    (lambda: bootstrap_ci([0.1, np.nan]), "finite"),
    (lambda: bootstrap_ci([0.1, 0.2], n_resamples=10), "n_resamples"),
    (lambda: bootstrap_ci([0.1, 0.2], confidence=95), "confidence"),
    (lambda: paired_bootstrap([0.1, 0.2], [0.1, 0.2, 0.3]), "same queries"),
    (lambda: queries_needed(0.2, -0.05), "positive"),
    (lambda: queries_needed(0.2, 0.05, power=80), "power"),
])
def test_bad_input_is_refused(call, words):
    with pytest.raises(ValueError, match=words):
        call()
