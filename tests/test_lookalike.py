"""helpers.evaluate.lookalike: shape, unit length, determinism, closeness to the real rows, and refusals."""
import numpy as np
import pytest

from helpers.evaluate.lookalike import nearest_neighbour_cosine, synthesize


@pytest.fixture(scope="module")
def real():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 12))
    X = (centres[rng.integers(0, 5, 200)] + 0.3 * rng.normal(size=(200, 12))).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_unit_float32_rows_and_deterministic(real):
    a = synthesize(real, 45_000, rng=np.random.default_rng(3))  # more than one block of 20,000
    b = synthesize(real, 45_000, rng=np.random.default_rng(3))
    assert a.shape == (45_000, 12) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.array_equal(a, b)


def test_first_rows_do_not_depend_on_n(real):
    """Blocks are drawn in order, so a smaller set is the start of a larger one (notebook 04 relies on it)."""
    small = synthesize(real, 20_000, rng=np.random.default_rng(5))
    large = synthesize(real, 50_000, rng=np.random.default_rng(5))
    assert np.array_equal(small, large[:20_000])


def test_spread_zero_gives_copies_of_real_rows(real):
    copies = synthesize(real, 50, spread=0.0, rng=np.random.default_rng(1))
    assert np.allclose((copies @ real.T).max(axis=1), 1, atol=1e-5)


def test_noise_keeps_vectors_near_the_real_ones(real):
    fake = synthesize(real, 2000, spread=0.5, rng=np.random.default_rng(2))
    brute = float(np.median((fake @ real.T).max(axis=1)))
    assert nearest_neighbour_cosine(fake, real) == pytest.approx(brute, abs=1e-6)
    assert 0.5 < brute < 1.0


def test_nearest_neighbour_cosine_skip_self_against_brute_force(real):
    scores = real[:50] @ real.T
    scores[np.arange(50), np.arange(50)] = -np.inf
    assert nearest_neighbour_cosine(real[:50], real, skip_self=True) == pytest.approx(
        float(np.median(scores.max(axis=1))), abs=1e-6)


@pytest.mark.parametrize("args,match", [
    ((np.zeros((1, 4), np.float32), 10), "m >= 2 rows"),
    ((np.zeros((5, 4), np.int64), 10), "float array"),
    ((None, 0), "n must be an int"),
    ((None, 2.5), "n must be an int"),
])
def test_refuses_bad_input(real, args, match):
    data, n = args
    with pytest.raises(ValueError, match=match):
        synthesize(real if data is None else data, n)


def test_refuses_bad_spread_and_rng(real):
    with pytest.raises(ValueError, match="spread"):
        synthesize(real, 10, spread=-1.0)
    with pytest.raises(TypeError, match="default_rng"):
        synthesize(real, 10, rng=42)
