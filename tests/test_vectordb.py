"""helpers.search.vectordb on Milvus Lite: exact answers on small data, round trips, and clear errors."""
import numpy as np
import pytest

pymilvus = pytest.importorskip("pymilvus")

from helpers.search import vectordb  # noqa: E402

DIM = 8


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, DIM)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q = rng.standard_normal((20, DIM)).astype(np.float32)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    return X, Q


@pytest.fixture
def client(tmp_path, milvus_lite):
    return milvus_lite(tmp_path / "test.db")  # closed, with its server, by conftest's milvus_lite


def _filled(client, X, name="docs", index_type="FLAT", params=None):
    vectordb.create_collection(client, name, DIM, text_fields={"group": 10})
    records = [{"group": "even" if i % 2 == 0 else "odd"} for i in range(len(X))]
    assert vectordb.insert(client, name, X, records) == len(X)
    vectordb.build_index(client, name, index_type, metric="cosine", params=params)
    return records


def _exact(X, Q, k, allowed=None):
    sims = Q @ X.T
    if allowed is not None:
        sims[:, ~allowed] = -np.inf
    return np.argsort(-sims, axis=1, kind="stable")[:, :k], np.sort(sims, axis=1)[:, ::-1][:, :k]


def test_flat_search_equals_brute_force(client, data):
    X, Q = data
    _filled(client, X)
    scores, ids = vectordb.search(client, "docs", Q, k=5)
    want_ids, want_scores = _exact(X, Q, 5)
    assert scores.dtype == np.float32 and ids.dtype == np.int64 and ids.shape == (20, 5)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)


def test_filter_returns_only_matching_rows_exactly(client, data):
    X, Q = data
    _filled(client, X)
    _, ids = vectordb.search(client, "docs", Q, k=5, filter='group == "odd"')
    odd = np.arange(len(X)) % 2 == 1
    np.testing.assert_array_equal(ids, _exact(X, Q, 5, allowed=odd)[0])


def test_upsert_and_delete_are_seen_by_the_next_search(client, data):
    X, Q = data
    _filled(client, X)
    client.upsert("docs", [{"id": 7, "vector": Q[0].tolist(), "group": "odd"}])
    assert vectordb.search(client, "docs", Q[:1], k=1)[1][0, 0] == 7
    client.delete("docs", ids=[7])
    _, ids = vectordb.search(client, "docs", Q[:1], k=3)
    assert 7 not in ids[0]


def test_a_reopened_database_gives_the_same_results(tmp_path, data, milvus_lite):
    X, Q = data
    path = tmp_path / "persist.db"
    first = milvus_lite(path)
    _filled(first, X, index_type="HNSW", params={"M": 8, "efConstruction": 64})
    before = vectordb.search(first, "docs", Q, k=5, search_params={"ef": 64})
    milvus_lite.close(first)  # the client and its server: the second one reads the files on disk
    second = milvus_lite(path)
    second.load_collection("docs")
    after = vectordb.search(second, "docs", Q, k=5, search_params={"ef": 64})
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0], atol=1e-6)


def test_ivf_parameters_arrive_and_nprobe_all_is_exact(client, data):
    X, Q = data
    _filled(client, X, index_type="IVF_FLAT", params={"nlist": 4})
    built = client.describe_index("docs", "vector")
    assert built["index_type"] == "IVF_FLAT" and int(built["params"]["nlist"]) == 4
    _, ids = vectordb.search(client, "docs", Q, k=5, search_params={"nprobe": 4})
    np.testing.assert_array_equal(ids, _exact(X, Q, 5)[0])


def test_an_existing_collection_is_refused_unless_replaced(client, data):
    X, _ = data
    vectordb.create_collection(client, "docs", DIM)
    with pytest.raises(vectordb.VectorDBError, match="already exists; pass replace=True"):
        vectordb.create_collection(client, "docs", DIM)
    vectordb.create_collection(client, "docs", DIM, replace=True)
    assert client.has_collection("docs")


def test_dimension_mismatch_is_refused(client, data):
    X, Q = data
    _filled(client, X)
    with pytest.raises(ValueError, match=r"holds 8-d vectors: encode with the model"):
        vectordb.search(client, "docs", np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="holds 8-d vectors"):
        vectordb.insert(client, "docs", np.ones((2, 3), np.float32))


def test_a_closed_client_gets_a_clear_error(tmp_path, data, milvus_lite):
    c = milvus_lite(tmp_path / "closed.db")
    c.close()
    with pytest.raises(vectordb.VectorDBError, match=r"client is closed; open a new one .* vectordb\.search\(\)$"):
        vectordb.search(c, "docs", data[1])
    # each public function names itself, not the first pymilvus call it makes (review 10 finding 14)
    for call, name in [(lambda: vectordb.insert(c, "docs", data[0]), "insert"),
                       (lambda: vectordb.build_index(c, "docs", "FLAT"), "build_index"),
                       (lambda: vectordb.create_collection(c, "docs", DIM), "create_collection"),
                       (lambda: vectordb.collection_dim(c, "docs"), "collection_dim")]:
        with pytest.raises(vectordb.VectorDBError, match=rf"before calling vectordb\.{name}\(\)$"):
            call()


@pytest.mark.parametrize("bad, error, match", [
    ({"name": "1bad"}, ValueError, "letters, digits and underscores"),
    ({"dim": 0}, ValueError, "dim must be a positive int"),
    ({"dim": True}, ValueError, "dim must be a positive int"),
    ({"text_fields": {"id": 10}}, ValueError, "clash with"),
    ({"text_fields": {"a": 10}, "int_fields": ["a"]}, ValueError, "clash with"),
    ({"text_fields": {"a": 0}}, ValueError, "maximum length from 1 to 65,535"),
])
def test_bad_collection_arguments(client, bad, error, match):
    args = {"name": "docs", "dim": DIM, **bad}
    with pytest.raises(error, match=match):
        vectordb.create_collection(client, args.pop("name"), args.pop("dim"), **args)


def test_bad_inserts_are_refused(client, data):
    X, _ = data
    vectordb.create_collection(client, "docs", DIM)
    with pytest.raises(ValueError, match="one of each per row"):
        vectordb.insert(client, "docs", X, ids=[1, 2])
    with pytest.raises(ValueError, match="distinct integers"):
        vectordb.insert(client, "docs", X[:2], ids=[3, 3])
    with pytest.raises(ValueError, match="NaN or inf"):
        vectordb.insert(client, "docs", np.full((1, DIM), np.nan))
    with pytest.raises(TypeError, match="real numeric array"):
        vectordb.insert(client, "docs", np.ones((1, DIM), complex))


def test_results_to_arrays_pads_missing_hits():
    hits = [[{"id": 3, "distance": 0.9}], []]
    scores, ids = vectordb.results_to_arrays(hits, 2)
    assert ids.tolist() == [[3, -1], [-1, -1]]
    assert scores[0, 0] == pytest.approx(0.9) and np.isneginf(scores[0, 1]) and np.isneginf(scores[1]).all()


@pytest.mark.parametrize("results, k, error, match", [
    ([[{"id": 1, "distance": 0.5}]], 0, ValueError, "k must be an int"),
    ("hits", 2, TypeError, "what MilvusClient.search returns"),
    ([[{"id": 1}]], 2, ValueError, r"results\[0\]\[0\] is not a Milvus hit"),
    ([[{"id": 1, "distance": 1}] * 3], 2, ValueError, "pass the k used"),
])
def test_results_to_arrays_refuses_bad_input(results, k, error, match):
    with pytest.raises(error, match=match):
        vectordb.results_to_arrays(results, k)


def test_squad_recall_against_faiss_is_at_least_the_notebooks_figure(tmp_path, milvus_lite):
    """Notebook 10 prints HNSW (M=16, efConstruction=200, ef=64) recall@10 vs exact FAISS; this repeats it."""
    from helpers.course.data import load_squad
    from helpers.encode.cache import cached_encode
    from helpers.encode.embed import TextEncoder
    from helpers.evaluate.metrics import neighbour_recall
    paragraphs, questions = load_squad()
    encoder = TextEncoder()
    with pytest.warns(UserWarning, match="longer than max_length"):
        P = cached_encode(encoder, paragraphs.context.tolist())
    Q = cached_encode(encoder, questions.question.tolist())[:2000]
    exact = np.argsort(-(Q @ P.T), axis=1)[:, :10]
    c = milvus_lite(tmp_path / "squad.db")
    vectordb.create_collection(c, "squad", P.shape[1])
    vectordb.insert(c, "squad", P)
    # built in Milvus Lite's server threads, which this thread's faiss.omp_set_num_threads does not reach:
    # the graph can differ from run to run, hence a bound rather than the notebook's exact figure
    vectordb.build_index(c, "squad", "HNSW", params={"M": 16, "efConstruction": 200})
    _, ids = vectordb.search(c, "squad", Q, k=10, search_params={"ef": 64})
    assert neighbour_recall(ids, exact) >= 0.99


def test_results_to_arrays_reads_pymilvus_columns_as_the_hits_say(client, data):
    X, Q = data
    _filled(client, X)
    results = client.search("docs", data=Q.tolist(), limit=5, filter='group == "odd"')
    assert hasattr(results[0], "ids") and hasattr(results[0], "distances")  # the fast path is taken
    scores, ids = vectordb.results_to_arrays(results, 7)   # more slots than hits: padded
    for q, hits in enumerate(results):
        want = [(hit["id"], hit["distance"]) for hit in hits]   # the dict per hit, as pymilvus documents it
        assert ids[q, :5].tolist() == [i for i, _ in want] and (ids[q, 5:] == -1).all()
        np.testing.assert_allclose(scores[q, :5], [s for _, s in want], atol=0)
        assert np.isneginf(scores[q, 5:]).all()


def test_close_alone_leaves_server_and_connection_open_and_the_leak_check_sees_them(tmp_path):
    """Why conftest's milvus_lite fixture exists: MilvusClient.close() on a shared connection (the
    default) stops neither the in-process server nor the gRPC channel. conftest's nothing_left_behind
    must see both, or a test that forgets them would pass and leave them pinging for the session."""
    import threading
    from conftest import close_milvus_lite, leftovers, open_milvus
    from milvus_lite.server_manager import server_manager_instance
    from pymilvus import MilvusClient
    from pymilvus.client.connection_manager import ConnectionManager
    before, milvus, path = set(threading.enumerate()), open_milvus(), tmp_path / "left.db"
    shared = MilvusClient(str(path))
    shared.close()
    left = leftovers(before, milvus, wait=0)
    ConnectionManager.get_instance().close_all()
    server_manager_instance.release_server(str(path))
    assert [x.split(" for ")[0].split(" to ")[0] for x in left] == ["a Milvus Lite server", "a pymilvus connection"]
    dedicated = MilvusClient(str(path), dedicated=True)
    assert len(leftovers(before, milvus, wait=0)) == 2
    close_milvus_lite(dedicated, path)
    assert leftovers(before, milvus) == []


def test_a_second_chunk_with_default_ids_is_refused_not_lost(client, data):
    """Milvus keeps one row per primary key: default ids 0..n-1 twice would overwrite the first chunk."""
    X, Q = data
    vectordb.create_collection(client, "docs", DIM)
    assert vectordb.insert(client, "docs", X[:120]) == 120
    with pytest.raises(vectordb.VectorDBError, match="already in 'docs'.*ids that continue"):
        vectordb.insert(client, "docs", X[120:])
    assert vectordb.insert(client, "docs", X[120:], ids=np.arange(120, len(X))) == len(X) - 120
    vectordb.build_index(client, "docs", "FLAT", metric="cosine")
    assert client.get_collection_stats("docs")["row_count"] == len(X)
    np.testing.assert_array_equal(vectordb.search(client, "docs", Q, k=5)[1], _exact(X, Q, 5)[0])


@pytest.mark.parametrize("batch_size", [0, -1, True, 2.5])
def test_a_batch_size_that_inserts_nothing_is_refused(client, data, batch_size):
    vectordb.create_collection(client, "docs", DIM)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        vectordb.insert(client, "docs", data[0], batch_size=batch_size)


def test_records_may_not_carry_the_key_or_vector(client, data):
    vectordb.create_collection(client, "docs", DIM)
    with pytest.raises(ValueError, match="without 'id' or 'vector'"):
        vectordb.insert(client, "docs", data[0][:2], records=[{"id": 5}, {}])


def test_a_build_parameter_the_engine_would_ignore_is_refused(client, data):
    vectordb.create_collection(client, "docs", DIM)
    vectordb.insert(client, "docs", data[0])
    with pytest.raises(ValueError, match=r"HNSW takes the build parameters \['M', 'efConstruction'\], not \['m'\]"):
        vectordb.build_index(client, "docs", "HNSW", metric="cosine", params={"m": 8})


def test_a_refusal_says_what_milvus_said(client, data):
    """pymilvus 3's MilvusException has an empty repr; the error must carry its code and message."""
    with pytest.raises(vectordb.VectorDBError, match=r"Milvus refused describe_collection\(\): \w*Exception "
                                                     r"\(code \d+\): .*'nope'"):
        vectordb.search(client, "nope", data[1])
