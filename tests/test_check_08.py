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


def test_rescoring_depth():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 64)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q = X[:100] + 0.3 * rng.standard_normal((100, 64)).astype(np.float32)
    exact = np.argsort(-(Q @ X.T), axis=1, kind="stable")[:, :10]
    index = faiss.IndexBinaryFlat(64)
    index.add(np.packbits(X > 0, axis=1))
    bq = np.packbits(Q > 0, axis=1)
    recalls = {dp: neighbour_recall(rescore(Q, index.search(bq, dp)[1], X, k=10)[1], exact)
               for dp in (10, 20, 40, 80, 160, 320)}
    target = recalls[40]   # random 64-d vectors are hard for binary codes: aim at what depth 40 reaches
    want = min(dp for dp, r in recalls.items() if r >= target)
    args = (index, bq, Q, X, exact, target)
    assert check.rescoring_depth(want, *args)
    if want < 320:
        too_deep = check.rescoring_depth(320, *args)
        assert not too_deep and "already reaches" in too_deep.message
    if want > 10:
        assert "rescore more" in check.rescoring_depth(10, *args).message
    assert "as an int" in check.rescoring_depth(15, *args).message
