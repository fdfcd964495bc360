"""helpers.search.rescore: two-stage search against brute force, int8 codes as sentence-transformers makes them."""
import numpy as np
import pytest
from sentence_transformers.util.quantization import quantize_embeddings

from helpers.evaluate.metrics import neighbour_recall
from helpers.search import rescore


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2000, 64)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q = X[:40] + 0.2 * rng.standard_normal((40, 64)).astype(np.float32)
    return X, Q, np.argsort(-(Q @ X.T), axis=1, kind="stable")[:, :10]


def test_rescoring_every_vector_is_exact(tmp_path, data):
    X, Q, exact = data
    store = rescore.open_store(rescore.save_store(X, tmp_path / "v.npy"))
    assert isinstance(store, np.memmap)
    everything = np.tile(np.arange(len(X)), (len(Q), 1))
    scores, ids = rescore.rescore(Q, everything, store, k=10)
    assert np.array_equal(ids, exact)
    assert np.allclose(scores, np.take_along_axis(Q @ X.T, exact, axis=1), atol=1e-5)


def test_binary_then_rescoring_beats_binary_alone(data):
    X, Q, exact = data
    index = rescore.binary_index(quantize_embeddings(X, precision="ubinary"))
    bq = quantize_embeddings(Q, precision="ubinary")
    alone = neighbour_recall(index.search(bq, 10)[1], exact)
    rescored = neighbour_recall(rescore.rescore(Q, index.search(bq, 200)[1], X, k=10)[1], exact)
    assert rescored > 2 * alone   # random 64-d vectors are hard for 64 bits; real embeddings do far better


def test_int8_store_decodes_close_to_the_floats(data):
    X, Q, exact = data
    ranges = np.vstack([X.min(axis=0), X.max(axis=0)])
    codes = quantize_embeddings(X, precision="int8", ranges=ranges)
    everything = np.tile(np.arange(len(X)), (len(Q), 1))
    s8, ids8 = rescore.rescore(Q, everything, codes, k=10, ranges=ranges)
    assert neighbour_recall(ids8, exact) >= 0.9
    assert np.allclose(s8, np.take_along_axis(Q @ X.T, ids8, axis=1), atol=0.02)
    with pytest.raises(ValueError, match="ranges"):
        rescore.rescore(Q, everything, codes, k=10)


def test_missing_candidates_are_skipped_and_bad_input_refused(data):
    X, Q, _ = data
    candidates = np.array([[5, -1, 7]])
    scores, ids = rescore.rescore(Q[:1], candidates, X, k=3)
    assert ids[0, -1] == -1 and scores[0, -1] == -np.inf
    with pytest.raises(ValueError, match="between 1 and the depth 3"):
        rescore.rescore(Q[:1], candidates, X, k=4)
    with pytest.raises(ValueError, match="one row per query"):
        rescore.rescore(Q[:2], candidates, X, k=2)
    with pytest.raises(ValueError, match="packed bits"):
        rescore.binary_index(X)
    with pytest.raises(FileNotFoundError, match="save_store"):
        rescore.open_store("/nonexistent/v.npy")


def test_an_id_listed_twice_is_scored_once(data):
    """Two stage-1 lists merged can name one document twice; the top k must not."""
    X, Q, _ = data
    candidates = np.array([[5, 9, 5, 7, 9]])
    scores, ids = rescore.rescore(Q[:1], candidates, X, k=5)
    kept = ids[0][ids[0] >= 0]
    assert sorted(kept.tolist()) == [5, 7, 9] and len(set(kept.tolist())) == 3
    assert (ids[0, 3:] == -1).all() and np.isneginf(scores[0, 3:]).all()
    want = np.sort(Q[0] @ X[[5, 7, 9]].T)[::-1]
    np.testing.assert_allclose(scores[0, :3], want, atol=1e-6)


@pytest.mark.parametrize("case, error, match", [
    ("nan query", ValueError, "NaN or inf"),
    ("uint8 store", ValueError, "packed binary codes"),
    ("id beyond store", ValueError, "beyond the store's"),
    ("float ids", TypeError, "integer ids"),
    ("negative id", ValueError, "only -1 marks"),
])
def test_rescore_refuses_what_would_be_silently_wrong(data, case, error, match):
    X, Q, _ = data
    q, cand, store = Q[:1].copy(), np.array([[1, 2, 3]]), X
    if case == "nan query":
        q[0, 0] = np.nan
    elif case == "uint8 store":
        store = quantize_embeddings(X, precision="ubinary")
        q = Q[:1, :store.shape[1]]
    elif case == "id beyond store":
        cand = np.array([[1, 2, len(X)]])
    elif case == "float ids":
        cand = cand.astype(float)
    else:
        cand = np.array([[1, -2, 3]])
    with pytest.raises(error, match=match):
        rescore.rescore(q, cand, store, k=2)
