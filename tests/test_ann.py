"""helpers.search.ann and the factory-string path of helpers.search.index: each family against brute force on small data."""
import faiss
import numpy as np
import pytest

from helpers.evaluate.metrics import neighbour_recall
from helpers.search import ann
from helpers.search.index import build_index, search
from helpers.search.store import load_index, save_index


@pytest.fixture(scope="module")
def data():
    """Clustered unit vectors (a little like sentence embeddings) and queries near them."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((40, 32)).astype(np.float32)
    X = centres[rng.integers(0, 40, 4000)] + 0.4 * rng.standard_normal((4000, 32)).astype(np.float32)
    Q = centres[rng.integers(0, 40, 50)] + 0.4 * rng.standard_normal((50, 32)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    exact = np.argsort(-(Q @ X.T), axis=1, kind="stable")[:, :10]
    return X, Q, exact


@pytest.mark.parametrize("factory,params,low", [
    ("Flat", {}, 1.0),                                    # exact
    ("HNSW16,Flat", {"efSearch": 256}, 0.97),
    ("IVF16,Flat", {"nprobe": 16}, 1.0),                  # every list probed: exact
    ("IVF16,SQ8", {"nprobe": 16}, 0.9),
    ("IVF16,PQ8x4fs", {"nprobe": 16}, 0.1),  # 4 bytes a vector: coarse alone, yet 40x a random guess (0.0025)
    ("IVF16,PQ8x4fs,RFlat", {"nprobe": 16, "k_factor": 20}, 0.97),  # re-ranked exactly from 200 candidates
])
def test_family_recall_against_brute_force(data, factory, params, low):
    X, Q, exact = data
    index = build_index(X, kind=factory, metric="cosine", seed=0)
    _, ids = search(index, Q, k=10, **params)
    assert neighbour_recall(ids, exact) >= low
    if low == 1.0:
        assert np.array_equal(np.sort(ids, axis=1), np.sort(exact, axis=1))


def test_knobs_change_recall_in_the_expected_direction(data):
    X, Q, exact = data
    refine = build_index(X, kind="IVF16,PQ8x4fs,RFlat", seed=0)
    few = neighbour_recall(search(refine, Q, k=10, nprobe=1, k_factor=1)[1], exact)
    many = neighbour_recall(search(refine, Q, k=10, nprobe=16, k_factor=20)[1], exact)
    assert many > few
    hnsw = build_index(X, kind="HNSW16,Flat")
    low = neighbour_recall(search(hnsw, Q, k=10, efSearch=10)[1], exact)
    high = neighbour_recall(search(hnsw, Q, k=10, efSearch=200)[1], exact)
    assert high >= low


def test_cosine_scores_are_cosines(data):
    X, Q, _ = data
    scores, ids = search(build_index(X * 3, kind="HNSW16,Flat", metric="cosine"), Q * 2, k=5, efSearch=64)
    assert np.allclose(scores, np.einsum("qd,qkd->qk", Q, X[ids]), atol=1e-5)


def test_search_parameters_nest_through_refine_and_pretransform():
    index = faiss.index_factory(32, "OPQ8,IVF16,PQ8,RFlat")
    params = ann.search_parameters(index, nprobe=3, k_factor=5)
    assert isinstance(params, faiss.IndexRefineSearchParameters) and params.k_factor == 5
    inner = faiss.downcast_SearchParameters(params.base_index_params) if hasattr(
        faiss, "downcast_SearchParameters") else params.base_index_params
    assert inner is not None
    assert ann.search_parameters(index) is None
    assert ann.family(index) == "transform + IVF + PQ + refine"
    assert ann.family(faiss.index_factory(32, "HNSW16,Flat")) == "HNSW"


@pytest.mark.parametrize("factory,knob,message", [
    ("IVF16,PQ8", {"efSearch": 16}, "efSearch applies to HNSW indexes; this index is IVF \\+ PQ: set nprobe"),
    ("HNSW16,Flat", {"nprobe": 4}, "nprobe applies to IVF indexes; this index is HNSW: set efSearch"),
    ("IVF16,PQ8", {"k_factor": 4}, "needs a refinement stage"),
    ("IVF16,Flat", {"nprobe": 17}, "nprobe=17 is more than the index's nlist=16"),
    ("IVF16,PQ8,RFlat", {"k_factor": 0.5}, "k_factor must be a number >= 1"),
])
def test_a_knob_on_the_wrong_kind_is_refused(factory, knob, message):
    with pytest.raises(ValueError, match=message):
        ann.search_parameters(faiss.index_factory(32, factory), **knob)


@pytest.mark.parametrize("factory,message", [
    ("IVF16,PQ7", "should be a multiple of the number of subquantizers"),
    ("Nonsense42", "could not parse index string"),
    ("hnsw", "kind must be one of"),
])
def test_a_factory_string_faiss_refuses_says_why(data, factory, message):
    with pytest.raises(ValueError, match=message):
        build_index(data[0], kind=factory)


def test_training_sets_too_small_are_refused_or_warned(data):
    X = data[0]
    with pytest.raises(ValueError, match="cannot train the IVF coarse quantizer with nlist=64: it needs at least 64"):
        build_index(X[:50], kind="IVF64,Flat")
    with pytest.raises(ValueError, match="PQ codebooks of 256 centroids"):
        build_index(X[:200], kind="PQ8")


def test_a_too_small_training_set_gets_the_remedy_of_its_own_component(data):
    """PQ has no lists, so its refusal names fewer bits, not nlist; an IVF refusal names a smaller nlist."""
    X = data[0]
    with pytest.raises(ValueError) as pq_refusal:
        build_index(X[:200], kind="PQ8")
    assert "fewer bits per code" in str(pq_refusal.value) and "nlist" not in str(pq_refusal.value)
    with pytest.raises(ValueError) as ivf_refusal:
        build_index(X[:50], kind="IVF64,Flat")
    assert "smaller nlist" in str(ivf_refusal.value) and "bits" not in str(ivf_refusal.value)
    with pytest.warns(UserWarning, match="k-means wants at least 39 per centroid"):   # 200 < 39 x 16, but allowed
        x4 = build_index(X[:200], kind="PQ8x4fs", metric="ip")   # the remedy works: 16 centroids need 16 vectors
    assert x4.ntotal == 200
    with pytest.warns(UserWarning, match="k-means wants at least 39 per centroid \\(2,496\\)"):
        build_index(X[:1000], kind="IVF64,Flat")
    with pytest.raises(ValueError, match="efConstruction applies to HNSW"):
        build_index(X, kind="IVF16,Flat", efConstruction=40)


def test_training_on_a_separate_sample(data):
    X, Q, exact = data
    index = build_index(X, kind="IVF16,Flat", train=X[:1000])
    assert index.ntotal == len(X)
    _, ids = search(index, Q, k=10, nprobe=16)
    assert neighbour_recall(ids, exact) == 1.0


def test_bytes_per_vector_follow_the_code_size(data):
    X = data[0]
    flat = build_index(X, kind="Flat").faiss_index
    sq8 = build_index(X, kind="SQ8").faiss_index
    pq = build_index(X, kind="PQ8x4fs").faiss_index
    assert ann.bytes_per_vector(flat) == pytest.approx(32 * 4, abs=1)   # float32: 4 bytes per dimension
    assert ann.bytes_per_vector(sq8) == pytest.approx(32, abs=1)        # one byte per dimension, plus ranges
    assert 4 <= ann.bytes_per_vector(pq) < 8                             # 8 sub-spaces x 4 bits, plus codebooks
    with pytest.raises(ValueError, match="empty"):
        ann.bytes_per_vector(faiss.IndexFlatIP(8))


def test_save_and_load_keep_the_factory_string(tmp_path, data):
    X, Q, _ = data
    index = build_index(X, kind="IVF16,PQ8x4fs,RFlat", model_id="m/x")
    save_index(index, tmp_path / "i")
    loaded, _ = load_index(tmp_path / "i")
    assert loaded.kind == "IVF16,PQ8x4fs,RFlat"
    a = search(index, Q, k=5, nprobe=4, k_factor=4)[1]
    b = search(loaded, Q, k=5, nprobe=4, k_factor=4)[1]
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="inconsistent"):
        ann.check_loaded("HNSW16,Flat", loaded.faiss_index)


@pytest.mark.parametrize("factory", ["Flat", "IVF8,Flat", "IVF8,SQ8", "IVF8,PQ8x4fs", "IVF8,PQ8x4fs,RFlat",
                                     "HNSW8,Flat", "HNSW8,SQ8", "PQ8", "OPQ8,IVF8,PQ8", "IVF8_HNSW8,Flat"])
def test_check_loaded_accepts_the_same_factory_after_a_round_trip(data, factory):
    X = data[0]
    index = build_index(X, kind=factory)
    again = faiss.deserialize_index(faiss.serialize_index(index.faiss_index))
    ann.check_loaded(factory, again)


@pytest.mark.parametrize("saved, claimed", [("IVF8,Flat", "IVF16,Flat"), ("HNSW8,Flat", "HNSW16,Flat"),
                                            ("IVF8,PQ8x4fs", "IVF8,PQ4x4fs"), ("IVF8,SQ8", "IVF8,SQ4"),
                                            ("PQ8", "PQ8x4")])
def test_check_loaded_sees_settings_of_the_same_class(data, saved, claimed):
    """Same faiss class, other nlist / degree / PQ layout / SQ type: the class alone used to pass."""
    index = build_index(data[0], kind=saved)
    with pytest.raises(ValueError, match="inconsistent"):
        ann.check_loaded(claimed, index.faiss_index)


def test_the_pair_check_refuses_a_manifest_whose_factory_differs_from_the_file(tmp_path, data):
    """An edited manifest is caught by its own hash first; the pair check is the second line (a manifest
    written by another tool, or re-hashed): same class IndexIVFFlat, other nlist."""
    import json

    from helpers.search import store
    index = build_index(data[0], kind="IVF8,Flat")
    save_index(index, tmp_path / "i")
    manifest = json.loads((tmp_path / "i" / "index.json").read_text())
    store._check_pair(manifest, index.faiss_index, tmp_path / "i")   # as saved: accepted
    with pytest.raises(ValueError, match="kind='IVF16,Flat'.*inconsistent"):
        store._check_pair({**manifest, "kind": "IVF16,Flat"}, index.faiss_index, tmp_path / "i")


@pytest.mark.parametrize("bad, match", [(lambda X: X[0], r"\(n, d\)"), (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), "NaN or inf")])
def test_ann_build_refuses_what_as_vectors_would(data, bad, match):
    with pytest.raises(ValueError, match=match):
        ann.build(bad(data[0]), "Flat")
    with pytest.raises(ValueError, match="train must be"):
        ann.build(data[0], "IVF8,Flat", train=data[0][:, :4])
    with pytest.raises(ValueError, match="d must be an int"):
        ann.parse("Flat", 0)
