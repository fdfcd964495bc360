"""Checks of notebook 08's exercises: right answers computed another way pass, wrong ones fail with a reason."""
import faiss
import numpy as np
import pandas as pd
import pytest
from scipy import stats

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
    """benchmarks/ann.py's columns at three sizes: recall falls with n by a different amount per row."""
    sizes = [100_000, 300_000, 1_000_000]
    rows = [("HNSW32,Flat", "efSearch=64", 1808.0, [0.97, 0.95, 0.93]),
            ("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=16", 392.0, [0.975, 0.968, 0.962]),   # 0.96 at 1M, falling
            ("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=64", 392.0, [0.992, 0.990, 0.989]),
            ("IVF,PQ48x4fs + rescoring from disk (nlist 4*sqrt(n))", "nprobe=64, depth=40", 34.0, [0.90, 0.88, 0.86]),
            ("binary + rescoring from disk", "depth=160", 48.0, [0.985, 0.984, 0.983]),
            ("binary + rescoring from disk", "depth=40", 48.0, [0.93, 0.91, 0.88])]
    return pd.DataFrame([{"n": n, "family": f, "settings": s, "ram_bytes_per_vector": ram, "recall@10": r}
                         for f, s, ram, recalls in rows for n, r in zip(sizes, recalls)])


def _lower_bound(rows, n_target):
    """The same line a second way: scipy's linregress and the textbook standard error of a prediction."""
    x, y = np.log10(rows["n"].to_numpy(float)), rows["recall@10"].to_numpy(float)
    fit = stats.linregress(x, y)
    s = np.sqrt(((y - fit.intercept - fit.slope * x) ** 2).sum() / (len(x) - 2))
    x0 = np.log10(n_target)
    se = s * np.sqrt(1 / len(x) + (x0 - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
    return fit.intercept + fit.slope * x0 - stats.t.ppf(0.975, len(x) - 2) * se


def test_choose_index(table):
    """Exercise 2 solved a second way: filter the largest size's rows, then the least RAM."""
    args = dict(n_vectors=30_000_000, ram_gb=16, recall_target=0.95, qps=500, iops=20_000)   # 533 B, depth <= 40
    largest = table[table["n"] == table["n"].max()].copy()
    largest["low"] = [_lower_bound(table[(table["family"] == f) & (table["settings"] == s)], 30_000_000)
                      for f, s in zip(largest["family"], largest["settings"])]
    reads = largest["settings"].str.extract(r"depth=(\d+)")[0].astype(float).fillna(0)
    ok = largest[(largest["ram_bytes_per_vector"] * 30_000_000 <= 16e9) & (reads * 500 <= 20_000)
                 & (largest["low"] >= 0.95)].sort_values("ram_bytes_per_vector")
    right = ok.iloc[0]
    assert (right["family"], right["settings"]) == ("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=64")
    assert check.choose_index((right["family"], right["settings"]), table, **args)
    falling = check.choose_index(("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=16"), table, **args)
    assert not falling and "0.962 at 1,000,000 vectors" in falling.message and "lower 95 % bound" in falling.message
    ram = check.choose_index(("HNSW32,Flat", "efSearch=64"), table, **args)
    assert not ram and "54.2 GB" in ram.message
    deep = check.choose_index(("binary + rescoring from disk", "depth=160"), table, **args)
    assert not deep and "80,000 random reads/s" in deep.message
    assert not check.choose_index(("binary + rescoring from disk", "depth=40"), table, **args)
    assert "not a row" in check.choose_index(("HNSW32,Flat", "efSearch=16"), table, **args).message
    assert "tuple" in check.choose_index("HNSW32,Flat", table, **args).message
    assert "three" in check.choose_index(("HNSW32,Flat", "efSearch=64"), table[table["n"] > 100_000], **args).message
    # a faster drive admits the binary codes, which need less RAM: then SQ8 is no longer the least
    fast = dict(args, iops=100_000)
    assert check.choose_index(("binary + rescoring from disk", "depth=160"), table, **fast)
    more = check.choose_index(("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=64"), table, **fast)
    assert not more and "only 48.0 bytes" in more.message


def test_choose_index_breaks_a_ram_tie_by_the_fewest_lists_probed(table):
    """IVF,SQ8's settings share one index, so their RAM ties exactly: probing more lists is not the answer."""
    args = dict(n_vectors=30_000_000, ram_gb=16, recall_target=0.95, qps=500, iops=20_000)
    sq8 = table[(table["family"] == "IVF,SQ8 (nlist 4*sqrt(n))") & (table["settings"] == "nprobe=64")]
    wider = sq8.assign(settings="nprobe=128", **{"recall@10": sq8["recall@10"] + 0.005})
    tied = pd.concat([table, wider], ignore_index=True)
    assert check.choose_index(("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=64"), tied, **args)
    more = check.choose_index(("IVF,SQ8 (nlist 4*sqrt(n))", "nprobe=128"), tied, **args)
    assert not more and "probes only 64 lists" in more.message


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
    right = check.rescoring_ceiling(found_share, *args)
    assert right and "real vectors at depth 20, real vectors at depth 80, synthetic vectors at depth 80" in right.message
    first_stage = check.rescoring_ceiling(lambda c, e: found_share(c[:, :10], e), *args)
    assert not first_stage and "first stage's own recall@10" in first_stage.message
    assert "ceiling(candidates, exact)" in check.rescoring_ceiling(0.9, *args).message
    assert "raised ZeroDivisionError" in check.rescoring_ceiling(lambda c, e: 1 / 0, *args).message
    uses_real_store = check.rescoring_ceiling(
        lambda c, e: neighbour_recall(rescore(Q, c, X, k=10)[1], e), *args)   # right on X, wrong on S
    assert not uses_real_store and "synthetic" in uses_real_store.message
