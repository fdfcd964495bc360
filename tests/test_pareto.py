"""helpers.evaluate.pareto: sweep's recall against an exact answer computed another way, its refusals, and the front."""
import numpy as np
import pandas as pd
import pytest

from helpers.evaluate.pareto import Config, pareto_front, sweep


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 16)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q = rng.standard_normal((20, 16)).astype(np.float32)
    exact = np.argsort(-(Q @ X.T), axis=1, kind="stable")[:, :10]   # numpy, not faiss
    return X, Q, exact


def test_exact_families_have_recall_one_and_bytes_as_counted(data, tmp_path):
    X, Q, exact = data
    table = sweep(X, Q, [Config("flat", "Flat"), Config("binary + rescoring", "binary", [{"depth": 500}]),
                         Config("IVF all lists", "IVF4,Flat", [{"nprobe": 4}])],
                  exact, repeats=1, store_dir=tmp_path)
    assert table["recall@10"].tolist() == [1.0, 1.0, 1.0]   # every vector rescored / every list probed
    flat, binary = table.iloc[0], table.iloc[1]
    assert flat["ram_bytes_per_vector"] >= 4 * 16 and flat["disk_bytes_per_vector"] == flat["ram_bytes_per_vector"]
    assert binary["disk_bytes_per_vector"] == pytest.approx(binary["ram_bytes_per_vector"] + 4 * 16)
    assert list(tmp_path.iterdir()) == []   # the temporary vector store is removed


def test_a_corpus_smaller_than_k_is_refused_not_scored_half(data):
    X, Q, _ = data
    small = X[:5]
    exact = np.argsort(-(Q @ small.T), axis=1)[:, :5]
    with pytest.raises(ValueError, match="k=10 but X holds 5 vectors"):
        sweep(small, Q, [Config("flat", "Flat")], exact, k=10, repeats=1)


def test_exact_must_have_the_shape_of_the_answer(data):
    X, Q, exact = data
    with pytest.raises(ValueError, match="exact top 10 ids"):
        sweep(X, Q, [Config("flat", "Flat")], exact[:, :5], repeats=1)


def test_pareto_front_keeps_only_undominated_rows():
    table = pd.DataFrame({"ram_bytes_per_vector": [64, 8, 32, 16, 8], "recall@10": [1.0, 0.5, 0.9, 0.4, 0.6]})
    front = pareto_front(table)
    assert front.index.tolist() == [4, 2, 0]   # (8, 0.6), (32, 0.9), (64, 1.0); 1 and 3 are dominated
