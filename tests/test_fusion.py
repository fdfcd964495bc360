"""helpers.search.fusion against brute force and hand-computed values."""
import numpy as np
import pytest

from helpers.search.fusion import convex, rrf, top_k


def _brute_top_k(scores, k):
    ids = np.array([sorted(range(len(row)), key=lambda j: (-row[j], j))[:k] for row in scores])
    return np.take_along_axis(scores, ids, 1), ids


@pytest.mark.parametrize("k", [1, 3, 7, 20])
def test_top_k_matches_brute_force_with_many_ties(k):
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, size=(50, 20)).astype(np.float32)   # heavy ties
    got_s, got_i = top_k(scores, k)
    want_s, want_i = _brute_top_k(scores, k)
    assert np.array_equal(got_i, want_i) and np.array_equal(got_s, want_s)


def test_top_k_refuses_bad_input():
    with pytest.raises(ValueError, match="k must be"):
        top_k(np.zeros((2, 3)), 0)
    with pytest.raises(ValueError, match="n_queries, n_docs"):
        top_k(np.zeros(3), 1)
    with pytest.raises(ValueError, match="NaN"):
        top_k(np.array([[1.0, np.nan]]), 1)


def test_rrf_hand_computed():
    a = np.array([[3, 1, 2]])
    b = np.array([[1, 4, 3]])
    scores, ids = rrf([a, b], k=60, limit=4)
    # 1: 1/62 + 1/61; 3: 1/61 + 1/63; 4: 1/62; 2: 1/63
    want = {1: 1 / 62 + 1 / 61, 3: 1 / 61 + 1 / 63, 4: 1 / 62, 2: 1 / 63}
    assert ids.tolist() == [[1, 3, 4, 2]]
    assert np.allclose(scores[0], [want[i] for i in ids[0]])


def test_rrf_ties_broken_by_id_whatever_the_system_order():
    a, b = np.array([[7, 2]]), np.array([[2, 7]])
    for first, second in ((a, b), (b, a)):
        scores, ids = rrf([first, second])
        assert ids.tolist() == [[2, 7]] and scores[0, 0] == scores[0, 1]


def test_rrf_matches_brute_force_and_skips_empty_slots():
    rng = np.random.default_rng(1)
    runs = [np.array([rng.permutation(30)[:10] for _ in range(20)]) for _ in range(3)]
    runs[1][:, -2:] = -1
    scores, ids = rrf(runs, k=5, limit=15)
    for q in range(20):
        total = {}
        for run in runs:
            for rank, d in enumerate(run[q], 1):
                if d >= 0:
                    total[d] = total.get(d, 0) + 1 / (5 + rank)
        want = sorted(total, key=lambda d: (-round(total[d], 12), d))[:15]
        assert ids[q, :len(want)].tolist() == want
        assert np.allclose(scores[q, :len(want)], [total[d] for d in want])


def test_rrf_refuses_bad_input():
    with pytest.raises(TypeError, match="list of"):
        rrf(np.array([[1, 2]]))
    with pytest.raises(ValueError, match="same queries"):
        rrf([np.array([[1, 2]]), np.array([[1, 2], [2, 1]])])
    with pytest.raises(ValueError, match="repeats an id"):
        rrf([np.array([[1, 1]])])
    with pytest.raises(ValueError, match="k must be"):
        rrf([np.array([[1, 2]])], k=0)
    with pytest.raises(ValueError, match="integer"):
        rrf([np.array([[1.0, 2.0]])])


def test_convex_hand_computed():
    s_a, i_a = np.array([[10.0, 6.0, 2.0]]), np.array([[0, 1, 2]])      # minmax: 1, .5, 0
    s_b, i_b = np.array([[0.9, 0.5]]), np.array([[2, 3]])              # minmax: 1, 0
    scores, ids = convex([s_a, s_b], [i_a, i_b], alpha=0.25, limit=4)
    want = {0: 0.25, 1: 0.125, 2: 0.75, 3: 0.0}
    assert ids.tolist() == [[2, 0, 1, 3]]
    assert np.allclose(scores[0], [want[i] for i in ids[0]])


def test_convex_alpha_one_is_the_first_system():
    rng = np.random.default_rng(2)
    s_a = -np.sort(-rng.random((10, 8)), axis=1)
    i_a = np.array([rng.permutation(20)[:8] for _ in range(10)])
    i_b = np.array([rng.permutation(20)[:8] for _ in range(10)])
    _, ids = convex([s_a, rng.random((10, 8))], [i_a, i_b], alpha=1.0, limit=8)
    # the first system's order, except its last hit: normalised to 0, it ties with the second's hits (by id)
    assert np.array_equal(ids[:, :7], i_a[:, :7])


def test_convex_refuses_bad_input():
    s, i = np.ones((1, 2)), np.array([[0, 1]])
    with pytest.raises(ValueError, match="alpha"):
        convex([s, s], [i, i], alpha=1.5)
    with pytest.raises(ValueError, match="shape"):
        convex([np.ones((1, 3)), s], [i, i])
    with pytest.raises(TypeError, match="two systems"):
        convex([s], [i])
    with pytest.raises(ValueError, match="NaN or inf"):
        convex([np.array([[1.0, np.nan]]), s], [i, i])
