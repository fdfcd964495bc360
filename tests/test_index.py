"""helpers.search.index against numpy brute force, plus every refusal of bad input and bad files."""
import json
import warnings

import faiss
import numpy as np
import pytest

from helpers.search.index import VectorIndex, build_index, search, size_bytes
from helpers.search.similarity import cosine_scores, dot_scores, l2_distances
from helpers.search.store import load_index, save_index

KINDS = [("flat", {}), ("ivf", {"nlist": 8, "nprobe": 8})]  # nprobe == nlist: IVF is exact


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(400, 16)).astype(np.float32), rng.normal(size=(7, 16)).astype(np.float32)


def brute_force(X, Q, metric, k):
    """Expected (scores, ids) computed in numpy: similarities descending, squared distances ascending."""
    if metric == "l2":
        scores = l2_distances(Q, X, squared=True)
        ids = np.argsort(scores, axis=1, kind="stable")[:, :k]
    else:
        scores = cosine_scores(Q, X) if metric == "cosine" else dot_scores(Q, X)
        ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, ids, axis=1), ids


@pytest.mark.parametrize("kind,params", KINDS)
@pytest.mark.parametrize("metric", ["cosine", "ip", "l2"])
def test_search_matches_numpy_brute_force(data, kind, params, metric):
    X, Q = data
    index = build_index(X, kind=kind, metric=metric, seed=0, **params)
    scores, ids = search(index, Q, k=5)
    want_scores, want_ids = brute_force(X, Q, metric, 5)
    assert scores.dtype == np.float32 and ids.dtype == np.int64 and ids.shape == (7, 5)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("metric,order", [("cosine", -1), ("ip", -1), ("l2", 1)])
def test_scores_are_sorted_best_first(data, metric, order):
    X, Q = data
    scores, _ = search(build_index(X, metric=metric), Q, k=10)
    assert (np.diff(scores, axis=1) * order >= 0).all()
    assert build_index(X, metric=metric).higher_is_better == (order == -1)


def test_cosine_leaves_the_callers_arrays_untouched(data):
    X, Q = data
    X0, Q0 = X.copy(), Q.copy()
    scores, _ = search(build_index(X, metric="cosine"), Q, k=3)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Q, Q0)
    assert (np.abs(scores) <= 1 + 1e-6).all()


def test_k_larger_than_index_returns_what_exists_and_says_so(data):
    X, Q = data
    index = build_index(X[:4], metric="l2")
    with pytest.warns(UserWarning, match="holds 4 vectors"):
        scores, ids = search(index, Q, k=10)
    assert ids.shape == (7, 4) and (ids >= 0).all() and np.isfinite(scores).all()


def test_ivf_short_lists_are_reported_not_silent():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(4, 8)) * 10
    X = np.concatenate([c + rng.normal(size=(50, 8)) for c in centres]).astype(np.float32)
    index = build_index(X, kind="ivf", metric="l2", nlist=4, nprobe=1, seed=0)
    with pytest.warns(UserWarning, match="id -1: raise nprobe"):
        scores, ids = search(index, X[:3], k=100)
    assert (ids == -1).any() and np.isinf(scores[ids == -1]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, ids = search(index, X[:3], k=100, nprobe=4)
    assert (ids >= 0).all()


def test_ivf_default_nprobe_is_one_and_search_override_does_not_stick(data):
    X, Q = data
    index = build_index(X, kind="ivf", nlist=8)
    assert index.nprobe == 1
    exact = search(build_index(X), Q, k=5)[1]
    np.testing.assert_array_equal(search(index, Q, k=5, nprobe=8)[1], exact)
    assert index.nprobe == 1
    index.nprobe = 8
    np.testing.assert_array_equal(search(index, Q, k=5)[1], exact)


def test_ivf_is_deterministic_for_a_seed(data):
    X, Q = data
    a = build_index(X, kind="ivf", nlist=8, nprobe=2, seed=3)
    b = build_index(X, kind="ivf", nlist=8, nprobe=2, seed=3)
    np.testing.assert_array_equal(search(a, Q, k=5)[1], search(b, Q, k=5)[1])


def test_ivf_too_few_training_points_gives_a_clear_message(data):
    X, _ = data
    with pytest.warns(UserWarning, match=r"at least 39 per list \(1,248 vectors\).*nlist <= 10"):
        index = build_index(X, kind="ivf", nlist=32)
    assert index.ntotal == len(X)


@pytest.mark.parametrize("kwargs,match", [
    ({"kind": "ivf", "nlist": 401}, "nlist=401 is more than the 400 vectors"),
    ({"kind": "ivf"}, "needs nlist"),
    ({"kind": "ivf", "nlist": 0}, "nlist must be an int >= 1"),
    ({"kind": "ivf", "nlist": 8, "nprobe": 9}, "nprobe=9 is more than"),
    ({"kind": "hnsw"}, "kind must be one of"),
    ({"metric": "cos"}, "metric must be one of"),
])
def test_build_refuses_bad_parameters(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_index(data[0], **kwargs)


@pytest.mark.parametrize("X,error,match", [
    (np.zeros((0, 4), np.float32), ValueError, "empty"),
    (np.array([[1.0, np.nan], [1.0, 2.0]], np.float32), ValueError, "NaN or inf"),
    (np.array([[1.0, 2.0], [np.inf, 2.0]], np.float32), ValueError, r"rows \[1\]"),
    (np.array([[0.0, 0.0], [1.0, 2.0]], np.float32), ValueError, "zero vector"),
    (np.ones(4, np.float32), ValueError, "one vector"),
    (np.array([["a", "b"]]), TypeError, "numeric array"),
])
def test_build_refuses_bad_vectors(X, error, match):
    with pytest.raises(error, match=match):
        build_index(X, metric="cosine")


def test_float64_is_cast_with_a_note(data):
    X, Q = data
    with pytest.warns(UserWarning, match="float64.*cast to float32"):
        index = build_index(X.astype(np.float64))
    with pytest.warns(UserWarning, match="Q is float64"):
        ids64 = search(index, Q.astype(np.float64), k=3)[1]
    np.testing.assert_array_equal(ids64, search(index, Q, k=3)[1])


@pytest.mark.parametrize("Q,k,match", [
    (np.ones((2, 15), np.float32), 3, "dimension 15 but the index holds 16-d"),
    (np.ones((2, 3, 16), np.float32), 3, r"shape \(n, d\)"),
    (np.full((1, 16), np.nan, np.float32), 3, "NaN or inf"),
    (np.ones((2, 16), np.float32), 0, "k must be an int >= 1"),
    (np.ones((2, 16), np.float32), -1, "k must be an int >= 1"),
    (np.ones((2, 16), np.float32), 2.0, "k must be an int >= 1"),
    (np.ones((2, 16), np.float32), True, "k must be an int >= 1"),
])
def test_search_refuses_bad_queries_and_k(data, Q, k, match):
    with pytest.raises(ValueError, match=match):
        search(build_index(data[0]), Q, k=k)


def test_search_takes_one_vector_as_one_query_and_a_bare_faiss_index(data):
    X, Q = data
    index = build_index(X, metric="ip")
    np.testing.assert_array_equal(search(index, Q[0], k=3)[1], search(index, Q[:1], k=3)[1])
    bare = faiss.IndexFlatIP(16)
    bare.add(X)
    np.testing.assert_array_equal(search(bare, Q, k=3)[1], search(index, Q, k=3)[1])
    with pytest.raises(TypeError, match="build_index or load_index"):
        search(X, Q, k=3)
    with pytest.raises(ValueError, match="only applies to kind='ivf'"):
        search(index, Q, k=3, nprobe=2)


def test_size_bytes_is_four_bytes_per_float_for_flat(data):
    X, _ = data
    assert size_bytes(build_index(X)) >= X.nbytes
    assert size_bytes(build_index(X)) < X.nbytes + 1024


@pytest.mark.parametrize("kind,params", KINDS)
def test_save_load_round_trip(tmp_path, data, kind, params):
    X, Q = data
    index = build_index(X, kind=kind, metric="cosine", model_id="m/x", **({**params, "nprobe": 3} if params else {}))
    records = [{"id": np.int64(i), "text": f"doc {i}", "tags": ["a"]} for i in range(len(X))]
    save_index(index, tmp_path / "idx", metadata=records)
    loaded, got = load_index(tmp_path / "idx", model_id="m/x", metric="cosine", dim=16)
    assert (loaded.kind, loaded.metric, loaded.model_id, loaded.nprobe) == (kind, "cosine", "m/x", index.nprobe)
    assert got[5] == {"id": 5, "text": "doc 5", "tags": ["a"]}
    np.testing.assert_array_equal(search(loaded, Q, k=5)[1], search(index, Q, k=5)[1])
    manifest = json.loads((tmp_path / "idx" / "index.json").read_text())
    assert {k: manifest[k] for k in ("metric", "dim", "ntotal", "n_records", "model_id")} == {
        "metric": "cosine", "dim": 16, "ntotal": 400, "n_records": 400, "model_id": "m/x"}
    assert sorted(p.name for p in (tmp_path / "idx").iterdir()) == ["index.faiss", "index.json"]


def test_save_without_metadata_and_model_id_keyword(tmp_path, data):
    save_index(build_index(data[0]), tmp_path, model_id="model-a")
    index, records = load_index(tmp_path)
    assert records is None and index.model_id == "model-a"


@pytest.mark.parametrize("metadata,error,match", [
    ([{"a": 1}] * 3, ValueError, "3 records but the index holds 400"),
    (["x"] * 400, TypeError, r"metadata\[0\] is str"),
    ([{"a": {1, 2}}] * 400, TypeError, "cannot be saved as JSON"),
    ([{"a": float("nan")}] * 400, TypeError, "cannot be saved as JSON"),
    ({"a": 1}, TypeError, "list of dicts"),
])
def test_save_refuses_bad_metadata(tmp_path, data, metadata, error, match):
    with pytest.raises(error, match=match):
        save_index(build_index(data[0]), tmp_path, metadata=metadata)
    assert not (tmp_path / "index.json").exists()


def test_save_refuses_a_conflicting_model_id(tmp_path, data):
    with pytest.raises(ValueError, match="differs from the index's"):
        save_index(build_index(data[0], model_id="a"), tmp_path, model_id="b")


@pytest.fixture()
def saved(tmp_path, data):
    save_index(build_index(data[0], model_id="m"), tmp_path / "a", metadata=[{"i": i} for i in range(400)])
    return tmp_path / "a"


def test_load_refuses_a_mismatched_pair(saved, tmp_path, data):
    save_index(build_index(data[0][:10], model_id="m"), tmp_path / "b")
    (saved / "index.faiss").write_bytes((tmp_path / "b" / "index.faiss").read_bytes())
    with pytest.raises(ValueError, match="checksum differs"):
        load_index(saved)


def test_load_refuses_an_edited_manifest(saved):
    manifest = json.loads((saved / "index.json").read_text())
    (saved / "index.json").write_text(json.dumps({**manifest, "metric": "l2"}))
    with pytest.raises(ValueError, match="index.json was edited after saving"):
        load_index(saved)
    (saved / "index.json").write_text(json.dumps({**manifest, "records": manifest["records"][:-1]}))
    with pytest.raises(ValueError, match="index.json was edited after saving"):
        load_index(saved)  # tests/test_store.py forges consistent checksums too


def test_load_refuses_corrupt_or_missing_files(saved):
    (saved / "index.json").write_text('{"format": "helpers.index/1", "metric": ')
    with pytest.raises(ValueError, match="is corrupt"):
        load_index(saved)
    (saved / "index.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="written by save_index"):
        load_index(saved)
    save_index(build_index(np.eye(4, dtype=np.float32)), saved)
    (saved / "index.faiss").unlink()
    with pytest.raises(FileNotFoundError, match="index.faiss is missing"):
        load_index(saved)


@pytest.mark.parametrize("kwargs,match", [({"model_id": "other"}, "model_id='m', not 'other'"),
                                          ({"metric": "l2"}, "metric='cosine', not 'l2'"),
                                          ({"dim": 384}, "dim=16, not 384")])
def test_load_refuses_an_unexpected_model_metric_or_dim(saved, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_index(saved, **kwargs)


def test_vector_index_repr_names_metric_and_lists(data):
    index = build_index(data[0], kind="ivf", nlist=8, nprobe=2)
    assert isinstance(index, VectorIndex)
    assert repr(index).startswith("VectorIndex(kind='ivf', metric='cosine', dim=16, ntotal=400, nlist=8, nprobe=2")
    with pytest.raises(ValueError, match="nprobe=9 is more than"):
        index.nprobe = 9


# --- hostile vectors and parameters (issue 12) ----------------------------------------------------

@pytest.mark.parametrize("X,error,match", [
    (np.float32(3.0), ValueError, r"shape \(n, d\), got \(\)"),                 # a 0-dimensional array
    (np.zeros((5, 0), np.float32), ValueError, "dimension 0 hold nothing"),
    (np.ones((3, 4), np.complex64), TypeError, "is complex.*pass x.real"),      # never silently drop .imag
    ([[1.0, 2.0], [3.0]], ValueError, "rectangular.*same length"),
    (None, TypeError, "numeric array"),
    (np.ones((3, 4), bool), TypeError, "numeric array"),
    (np.full((3, 4), 1e39), ValueError, "NaN or inf.*float32's range"),
])
def test_build_refuses_more_bad_vectors(X, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the float64 -> float32 note
        with pytest.raises(error, match=match):
            build_index(X, metric="ip")


@pytest.mark.parametrize("metric", ["l2", "ip"])
def test_vectors_whose_scores_would_overflow_float32_are_refused_at_build_and_search(data, metric):
    X, Q = data
    with pytest.raises(ValueError, match="would overflow float32.*Scale the vectors down"):
        build_index(X * np.float32(1e19), metric=metric)
    with pytest.raises(ValueError, match="Q rows .* would overflow float32"):
        search(build_index(X, metric=metric), Q * np.float32(1e19), k=3)


def test_a_bare_faiss_index_whose_scores_overflow_is_an_error_not_a_nprobe_hint(data):
    X, Q = data
    bare = faiss.IndexFlatL2(16)
    bare.add(X * np.float32(1e20))  # built outside build_index, so nothing refused it
    with pytest.raises(ValueError, match="scores overflowed float32"):
        search(bare, Q * np.float32(1e18), k=3)


def test_cosine_handles_vectors_whose_squares_over_or_underflow_float32(data):
    X, Q = data
    for scale in (np.float32(1e25), np.float32(1e-25)):
        index = build_index(X * scale, metric="cosine")
        np.testing.assert_array_equal(search(index, Q * scale, k=5)[1], search(build_index(X), Q, k=5)[1])


@pytest.mark.parametrize("kwargs,error,match", [
    ({"nlist": 8}, ValueError, "nlist=8 applies to kind='ivf' only"),
    ({"kind": "ivf", "nlist": 8, "seed": -1}, ValueError, "seed must be an int >= 0"),
    ({"kind": "ivf", "nlist": 8, "seed": "0"}, ValueError, "seed must be an int >= 0"),
    ({"kind": "ivf", "nlist": 2.0}, ValueError, "nlist must be an int >= 1"),
    ({"model_id": 5}, TypeError, "model_id must be a str"),
    ({"metric": ["l2"]}, ValueError, "metric must be one of"),
])
def test_build_refuses_more_bad_parameters(data, kwargs, error, match):
    with pytest.raises(error, match=match):
        build_index(data[0], **kwargs)


def test_missing_nlist_gives_the_course_rule_with_both_numbers(data):
    with pytest.raises(ValueError) as caught:
        build_index(data[0], kind="ivf")
    message = str(caught.value)
    assert "4·sqrt(n) to 16·sqrt(n) lists (faiss wiki, 'Guidelines to choose an index')" in message
    assert "here 80 to 320 for n = 400 vectors" in message                  # 4 and 16 x sqrt(400) = 20
    assert "at most n/39 = 10 so that k-means gets 39 training points per list" in message


def test_vector_index_refuses_a_metric_that_contradicts_its_faiss_index(data):
    flat_ip = build_index(data[0], metric="ip").faiss_index
    with pytest.raises(ValueError, match="metric='l2' does not match the faiss index"):
        VectorIndex(flat_ip, "l2", "flat")
    with pytest.raises(ValueError, match="metric must be one of"):
        VectorIndex(flat_ip, "cos", "flat")
    with pytest.raises(TypeError, match="faiss_index must be a faiss index"):
        VectorIndex(data[0], "ip", "flat")


def test_a_factory_ivf_index_with_empty_slots_warns_instead_of_reporting_overflow():
    """Empty slots are normal for any IVF family at a low nprobe; only a flat index never has them."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 16)).astype(np.float32)
    index = build_index(X, kind="IVF32,Flat", metric="ip")
    with pytest.warns(UserWarning, match="id -1: raise the search knob"):
        scores, ids = search(index, X[:20], k=200, nprobe=1)
    assert (ids < 0).any() and np.isneginf(scores[ids < 0]).all()


def test_a_factory_string_index_keeps_its_nprobe(data):
    """nprobe given to build_index reaches the IVF inside a factory string (it used to stay at 1)."""
    X, Q = data
    index = build_index(X, kind="IVF4,Flat", metric="cosine", nprobe=4)
    assert (index.nlist, index.nprobe) == (4, 4)
    exact = build_index(X, kind="flat", metric="cosine")
    np.testing.assert_array_equal(search(index, Q, k=10)[1], search(exact, Q, k=10)[1])  # all lists: exact
    index.nprobe = 2
    assert index.faiss_index.nprobe == 2


def test_a_factory_string_refuses_nlist_and_a_flat_index_refuses_nprobe(data):
    X, _ = data
    with pytest.raises(ValueError, match="write it into kind"):
        build_index(X, kind="IVF4,Flat", nlist=16)
    with pytest.raises(ValueError, match="applies to kind='ivf' only"):
        build_index(X, kind="flat", nprobe=4)
    with pytest.raises(ValueError, match="nprobe applies to IVF indexes"):
        build_index(X, kind="HNSW8,Flat", nprobe=4)
    with pytest.raises(ValueError, match="more than the index's nlist=4"):
        build_index(X, kind="IVF4,Flat", nprobe=5)
