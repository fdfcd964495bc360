"""helpers.search.similarity against independent implementations (sklearn, faiss, plain loops)."""
import faiss
import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

from helpers.search import similarity as sim

RNG = np.random.default_rng(0)
A = RNG.normal(size=(7, 16)).astype(np.float32)
B = RNG.normal(size=(11, 16)).astype(np.float32)


def test_cosine_matches_sklearn():
    np.testing.assert_allclose(sim.cosine_scores(A, B), cosine_similarity(A, B), atol=1e-6)


def test_l2_matches_sklearn():
    np.testing.assert_allclose(sim.l2_distances(A, B), euclidean_distances(A, B), atol=1e-5)
    np.testing.assert_allclose(sim.l2_distances(A, B, squared=True), euclidean_distances(A, B) ** 2, atol=1e-4)


def test_on_unit_vectors_squared_l2_is_two_minus_two_cosine():
    a, b = sim.normalize(A), sim.normalize(B)
    np.testing.assert_allclose(sim.l2_distances(a, b, squared=True), 2 - 2 * sim.cosine_scores(a, b), atol=1e-5)


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_top_k_matches_faiss_flat(metric):
    base = sim.normalize(RNG.normal(size=(200, 16)))
    queries = sim.normalize(RNG.normal(size=(5, 16)))
    index = faiss.IndexFlatIP(16) if metric == "ip" else faiss.IndexFlatL2(16)
    index.add(base)
    expected_scores, expected_ids = index.search(queries, 10)
    if metric == "ip":
        scores, ids = sim.top_k(sim.dot_scores(queries, base), 10)
    else:
        scores, ids = sim.top_k(sim.l2_distances(queries, base, squared=True), 10, largest=False)
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-5)


def test_top_k_with_k_beyond_the_columns_returns_all():
    scores, ids = sim.top_k(np.array([[0.1, 0.9, 0.5]]), 10)
    assert ids.tolist() == [[1, 2, 0]] and scores.shape == (1, 3)


def test_a_single_vector_is_one_row():
    assert sim.cosine_scores(A[0], B).shape == (1, 11)


@pytest.mark.parametrize("bad, match", [
    (np.full((2, 16), np.nan), "NaN"),
    (np.zeros((2, 8)), "dimension 8"),
    (np.array([["a"] * 16]), "numeric"),
])
def test_bad_input(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sim.cosine_scores(A, bad)


def test_zero_vector_has_no_cosine():
    with pytest.raises(ValueError, match="all zeros"):
        sim.normalize(np.zeros((1, 4)))


@pytest.mark.parametrize("k", [0, -3, 1.5])
def test_bad_k(k):
    with pytest.raises(ValueError, match="k must"):
        sim.top_k(np.ones((1, 3)), k)


# --- hostile input (issue 12) ---------------------------------------------------------------------

@pytest.mark.parametrize("call,error,match", [
    (lambda: sim.cosine_scores(np.ones((2, 3), np.complex64), np.ones((2, 3))), TypeError, "complex"),
    (lambda: sim.cosine_scores(3.0, 2.0), ValueError, r"got \(\)"),
    (lambda: sim.dot_scores(np.ones((2, 0)), np.ones((2, 0))), ValueError, "d >= 1"),
    (lambda: sim.dot_scores([[1.0, 2.0], [3.0]], [[1.0, 2.0]]), ValueError, "rectangular"),
    (lambda: sim.dot_scores(np.full((1, 2), 1e20, np.float32), np.full((1, 2), 1e20, np.float32)), ValueError,
     "overflowed float32"),
    (lambda: sim.top_k(np.ones((2, 3)), True), ValueError, "k must be a positive int"),
    (lambda: sim.top_k(np.ones((2, 3)), 2, largest="yes"), TypeError, "largest must be True"),
    (lambda: sim.l2_distances(np.ones((1, 2)), np.ones((1, 2)), squared=None), TypeError, "squared must be"),
])
def test_hostile_input_is_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_cosine_of_vectors_whose_squares_over_or_underflow_float32():
    x = np.array([[1e30, 1e30], [1e-30, 2e-30], [3, 4]], np.float32)
    np.testing.assert_allclose(sim.normalize(x), [[0.70710677] * 2, [0.4472136, 0.8944272], [0.6, 0.8]], rtol=1e-6)
