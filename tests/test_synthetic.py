"""helpers.evaluate.synthetic: sentence splitting, the fitted mixture, and the real-vs-synthetic comparison."""
import numpy as np
import pytest

from helpers.evaluate import synthetic


def test_split_sentences():
    text = 'The Broncos won 24–10. "It was close," he said. Dr. Smith (born 1950) agreed! Then 2016 came.'
    # a simple rule: it also splits after an abbreviation such as "Dr." (the short fragment is then dropped)
    assert synthetic.split_sentences(text) == ["The Broncos won 24–10.", '"It was close," he said.',
                                               "Smith (born 1950) agreed!", "Then 2016 came."]
    assert synthetic.split_sentences("Too short. This one has enough words.") == ["This one has enough words."]
    with pytest.raises(TypeError):
        synthetic.split_sentences(None)


@pytest.fixture(scope="module")
def clustered():
    """Unit vectors near 20 centres, each cluster varying in only 3 directions of 32."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((20, 32))
    basis = rng.standard_normal((20, 3, 32))
    labels = rng.integers(0, 20, 2000)
    X = centres[labels] + np.einsum("nk,nkd->nd", 0.3 * rng.standard_normal((2000, 3)), basis[labels])
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def test_mixture_sample_stays_in_each_centres_subspace(clustered):
    model = synthetic.fit_mixture(clustered, n_centres=20, seed=0)
    assert model.sizes.sum() == len(clustered) and len(model.centres) == 20
    S = synthetic.sample(model, 3000, seed=1)
    assert S.shape == (3000, 32) and np.allclose(np.linalg.norm(S, axis=1), 1, atol=1e-5)
    assert np.array_equal(S, synthetic.sample(model, 3000, seed=1))
    small = synthetic.fit_mixture(clustered[:200], n_centres=20, seed=0)   # about 10 members per centre, in 32-d
    S = synthetic.sample(small, 500, seed=2)
    distance = np.full(len(S), np.inf)   # from each sample to the span of the nearest (centre, members) subspace
    for c in range(20):
        span = np.vstack([small.centres[c], small.residuals[small.offsets[c]:small.offsets[c + 1]]])
        basis = np.linalg.svd(span, full_matrices=False)[2][: np.linalg.matrix_rank(span)]
        distance = np.minimum(distance, np.linalg.norm(S - (S @ basis.T) @ basis, axis=1))
    assert distance.max() < 1e-3        # a random unit vector would be about 0.8 away


def test_nearest_neighbour_cosine_and_bad_input(clustered):
    assert 0.5 < synthetic.nearest_neighbour_cosine(clustered, sample=200) <= 1.0
    with pytest.raises(ValueError, match="at least 2 vectors per centre"):
        synthetic.fit_mixture(clustered[:30], n_centres=20)
    model = synthetic.fit_mixture(clustered, n_centres=20)
    with pytest.raises(ValueError, match="positive int"):
        synthetic.sample(model, 0)


def test_compare_the_real_set_with_itself_is_within_tolerance(clustered):
    Q = clustered[:50] + 0.01
    configs = synthetic.comparison_configs(nlist=8)[:2]
    table = synthetic.compare(clustered, clustered.copy(), Q, configs)
    assert table["within"].all() and np.allclose(table["difference"], 0)
    with pytest.raises(ValueError, match="equal sizes"):
        synthetic.compare(clustered, clustered[:100], Q, configs)


def test_synthetic_refuses_bad_input_by_name(clustered):
    with pytest.raises(ValueError, match="n_centres must be an int >= 1"):
        synthetic.fit_mixture(clustered, n_centres=0)
    with pytest.raises(ValueError, match="non-empty"):
        synthetic.fit_mixture(clustered[:0], n_centres=2)
    with pytest.raises(ValueError, match="NaN or inf"):
        synthetic.fit_mixture(np.where(clustered > 0.5, np.inf, clustered), n_centres=2)
    model = synthetic.fit_mixture(clustered, n_centres=20)
    for spread in (-1.0, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="spread must be a finite number"):
            synthetic.sample(model, 5, spread=spread)
    assert np.isfinite(synthetic.sample(model, 5, spread=0.0)).all()   # spread 0: the centres themselves
    with pytest.raises(ValueError, match="k must be an int"):
        synthetic.exact_top(clustered, clustered[:2], k=0)
    with pytest.raises(ValueError, match="dimension"):
        synthetic.exact_top(clustered, clustered[:2, :8])
    with pytest.raises(ValueError, match="at least 2"):
        synthetic.nearest_neighbour_cosine(clustered[:1])


def test_exact_top_against_numpy_and_padding_beyond_the_corpus(clustered):
    Q = clustered[:7]
    ids = synthetic.exact_top(clustered, Q, k=5)
    scores = Q.astype(np.float64) @ clustered.astype(np.float64).T
    assert np.array_equal(np.take_along_axis(scores, ids, 1).round(5),
                          -np.sort(-scores, axis=1)[:, :5].round(5))   # the same scores: ties may swap ids
    small = synthetic.exact_top(clustered[:3], Q, k=5)
    assert (small[:, 3:] == -1).all() and sorted(small[0, :3]) == [0, 1, 2]
