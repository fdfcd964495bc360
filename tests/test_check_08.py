"""Checks of notebook 08's exercises: right answers computed another way pass, wrong ones fail with a reason."""
import faiss
import numpy as np
import pandas as pd
import pytest

from helpers.evaluate.metrics import neighbour_recall
from helpers.exercises import nb08 as check
from helpers.search.rescore import rescore


def test_ivfpq_gigabytes():
    n = 100_000_000
    assert check.ivfpq_gigabytes(4.0, n_vectors=n, m=64, nbits=4)           # 100M x (32 + 8) bytes
    assert check.ivfpq_gigabytes(np.float64(n * 40 / 1e9), n_vectors=n, m=64, nbits=4)
    codes_only = check.ivfpq_gigabytes(3.2, n_vectors=n, m=64, nbits=4)
    assert not codes_only and "8-byte id" in codes_only.message
    bytes_codes = check.ivfpq_gigabytes(7.2, n_vectors=n, m=64, nbits=4)
    assert not bytes_codes and "4 bits per code" in bytes_codes.message
    assert "gigabytes of 10**9" in check.ivfpq_gigabytes(4.0e9, n_vectors=n, m=64, nbits=4).message   # bytes
    assert "gigabytes of 10**9" in check.ivfpq_gigabytes(4e9 / 2**30, n_vectors=n, m=64, nbits=4).message  # GiB
    assert "one number" in check.ivfpq_gigabytes("four", n_vectors=n, m=64, nbits=4).message


def _bytes_per_added_vector(factory, d, n_train=2048, block=320):
    """faiss's own answer: how much the serialised index grows per vector added (one list, so no padding varies)."""
    rng = np.random.default_rng(0)
    index = faiss.index_factory(d, factory, faiss.METRIC_INNER_PRODUCT)
    index.train(rng.standard_normal((n_train, d)).astype(np.float32))
    sizes = []
    for _ in range(2):
        index.add(rng.standard_normal((block, d)).astype(np.float32))   # 320: a multiple of fast-scan's 32-code blocks
        sizes.append(faiss.serialize_index(index).size)
    return (sizes[1] - sizes[0]) / block


def test_ivfpq_gigabytes_with_refinement_measured_by_faiss():
    """Exercise 1 solved a second way: faiss's serialised size per added vector, at the exercise's d, m and bits."""
    n, d = 100_000_000, 768
    per_vector = _bytes_per_added_vector("IVF1,PQ64x4fs,RFlat", d)
    assert per_vector == 64 * 4 / 8 + 8 + 4 * d   # codes, id and the full vector: nothing else grows
    assert check.ivfpq_gigabytes(n * per_vector / 1e9, n_vectors=n, m=64, nbits=4, refine_d=d)
    no_refine = check.ivfpq_gigabytes(n * 40 / 1e9, n_vectors=n, m=64, nbits=4, refine_d=d)
    assert not no_refine and "keeps every vector in full" in no_refine.message
    no_ids = check.ivfpq_gigabytes(n * (32 + 4 * d) / 1e9, n_vectors=n, m=64, nbits=4, refine_d=d)
    assert not no_ids and "8-byte id" in no_ids.message
    one_byte = check.ivfpq_gigabytes(n * (32 + 8 + d) / 1e9, n_vectors=n, m=64, nbits=4, refine_d=d)
    assert not one_byte and "4 bytes per dimension" in one_byte.message


@pytest.fixture
def table():
    return pd.DataFrame({
        "index": ["Flat (exact)", "HNSW32,Flat", "IVF1024,PQ48x4fs,RFlat", "IVF1024,PQ48x4fs",
                  "IVF1024,PQ48x4fs + rescoring from disk", "binary + rescoring from disk"],
        "settings": ["-", "efSearch=64", "nprobe=16, k_factor=4", "nprobe=16", "nprobe=16, depth=40", "depth=40"],
        "recall@10": [1.0, 0.97, 0.96, 0.55, 0.93, 0.88],
        "ram_bytes_per_vector": [1536.0, 1812.0, 1570.0, 34.0, 34.0, 48.0]})


def test_choose_index(table):
    args = dict(n_vectors=50_000_000, ram_gb=8, recall_target=0.9)   # 160 bytes per vector
    right = table[(table["ram_bytes_per_vector"] <= 160) & (table["recall@10"] >= 0.9)].iloc[0]
    assert check.choose_index((right["index"], right["settings"]), table, **args)
    refine = check.choose_index(("IVF1024,PQ48x4fs,RFlat", "nprobe=16, k_factor=4"), table, **args)
    assert not refine and "keeps the full vectors in RAM" in refine.message
    low = check.choose_index(("IVF1024,PQ48x4fs", "nprobe=16"), table, **args)
    assert not low and "below 0.9" in low.message
    assert "not a row" in check.choose_index(("HNSW32,Flat", "efSearch=16"), table, **args).message
    assert "tuple" in check.choose_index("HNSW32,Flat", table, **args).message
    cheaper = table.copy()
    cheaper.loc[5, "recall@10"] = 0.95
    cheaper.loc[5, "ram_bytes_per_vector"] = 24.0
    more = check.choose_index(("IVF1024,PQ48x4fs + rescoring from disk", "nprobe=16, depth=40"), cheaper, **args)
    assert not more and "only 24.0 bytes" in more.message
    assert "no row fits" in check.choose_index(("Flat (exact)", "-"), table, 10**12, 1, 0.9).message


def test_choose_index_with_a_drive_that_caps_rescoring(table):
    table = pd.concat([table, pd.DataFrame({"index": ["binary + rescoring from disk", "IVF256,SQ8"],
                                            "settings": ["depth=160", "nprobe=16"],
                                            "recall@10": [0.99, 0.95], "ram_bytes_per_vector": [48.0, 406.5]})],
                      ignore_index=True)
    args = dict(n_vectors=30_000_000, ram_gb=16, recall_target=0.95, qps=500, iops=50_000)  # depth <= 100
    deep = check.choose_index(("binary + rescoring from disk", "depth=160"), table, **args)
    assert not deep and "80,000 random reads/s" in deep.message and "at most 100 per query" in deep.message
    assert check.choose_index(("IVF256,SQ8", "nprobe=16"), table, **args)
    # without the drive's limits, the least RAM wins, as before
    no_drive = {k: v for k, v in args.items() if k not in ("qps", "iops")}
    assert check.choose_index(("binary + rescoring from disk", "depth=160"), table, **no_drive)
    assert not check.choose_index(("IVF256,SQ8", "nprobe=16"), table, **no_drive)


def _clustered(rng, n, d, centres=30, spread=0.35):
    points = rng.standard_normal((centres, d))[rng.integers(0, centres, n)] + spread * rng.standard_normal((n, d))
    points = points.astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_rescoring_ceiling():
    """Exercise 3 solved a second way (numpy broadcasting, not neighbour_recall); wrong answers explained."""
    rng = np.random.default_rng(0)
    X, S = _clustered(rng, 3000, 64), _clustered(rng, 3000, 64)
    Q = X[:50] + 0.2 * rng.standard_normal((50, 64)).astype(np.float32)
    exact, exact_S = (np.argsort(-(Q @ V.T), axis=1, kind="stable")[:, :10] for V in (X, S))

    def found_share(candidates, exact):
        return float((candidates[:, :, None] == exact[:, None, :]).any(axis=1).mean())

    args = (X, Q, exact, S, exact_S)
    assert check.rescoring_ceiling(found_share, *args)
    first_stage = check.rescoring_ceiling(lambda c, e: found_share(c[:, :10], e), *args)
    assert not first_stage and "first stage's own recall@10" in first_stage.message
    assert "ceiling(candidates, exact)" in check.rescoring_ceiling(0.9, *args).message
    assert "raised ZeroDivisionError" in check.rescoring_ceiling(lambda c, e: 1 / 0, *args).message
    uses_real_store = check.rescoring_ceiling(
        lambda c, e: neighbour_recall(rescore(Q, c, X, k=10)[1], e), *args)   # right on X, wrong on S
    assert not uses_real_store and "synthetic" in uses_real_store.message
