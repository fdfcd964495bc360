"""helpers.exercises.nb04: each check recomputes from the learner's values, accepts a right answer
found another way than the notebook's solution, and says why a wrong one is wrong."""
import faiss
import numpy as np
import pytest

from helpers.exercises import nb04 as check
from helpers.search.index import build_index, search


@pytest.fixture(scope="module")
def corpus():
    """400 clustered unit vectors (8 clusters in 16-d), 60 queries, and their exact top 10 by numpy."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(8, 16))
    X = (centres[rng.integers(0, 8, 400)] + 0.6 * rng.normal(size=(400, 16))).astype(np.float32)
    Q = (centres[rng.integers(0, 8, 60)] + 0.6 * rng.normal(size=(60, 16))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    exact = np.argsort(-(Q @ X.T), axis=1, kind="stable")[:, :10]  # brute force, not faiss
    return X, Q, exact


def brute_share_and_recall(X, Q, exact, nlist, nprobe):
    """Recall and share scanned computed without the check's code path: lists from the centroids by numpy."""
    ivf = build_index(X, kind="ivf", metric="cosine", nlist=nlist, seed=0)
    centroids = ivf.faiss_index.quantizer.reconstruct_n(0, nlist)
    member = np.argmax(X @ centroids.T, axis=1)
    probed = np.argsort(-(Q @ centroids.T), axis=1, kind="stable")[:, :nprobe]
    shares, hits = [], 0
    for q, lists in enumerate(probed):
        rows = np.flatnonzero(np.isin(member, lists))
        shares.append(len(rows) / len(X))
        top = rows[np.argsort(-(X[rows] @ Q[q]), kind="stable")[:10]]
        hits += len(set(top.tolist()) & set(exact[q].tolist()))
    return hits / exact.size, float(np.mean(shares))


def test_ivf_settings_accepts_a_pair_found_by_brute_force(corpus, capsys):
    X, Q, exact = corpus
    found = None
    for nlist in (4, 6, 8, 10):  # the training rule allows 400 // 39 = 10
        for nprobe in range(1, nlist + 1):
            recall, share = brute_share_and_recall(X, Q, exact, nlist, nprobe)
            if recall >= 0.95:
                if found is None or share < found[0]:
                    found = (share, nlist, nprobe)
                break
    share, nlist, nprobe = found
    assert check.ivf_settings((nlist, nprobe), X, Q, exact, beat=share)
    out = capsys.readouterr().out
    assert out.startswith("Correct: ") and f"nlist={nlist}, nprobe={nprobe}" in out
    assert check.ivf_settings({"nlist": np.int64(nlist), "nprobe": nprobe}, X, Q, exact, beat=share)


@pytest.mark.parametrize("answer,beat,match", [
    ((11, 3), 1.0, "training rule allows at most"),       # 400 // 39 = 10
    ((8, 9), 1.0, "only 8 lists"),
    ((8, 1), 1.0, "probe more lists"),                    # nprobe=1 misses neighbours on this data
    ((4, 4), 0.5, "scans more than the 0.5000 allowed"),                  # all lists: recall 1, share 1
    ((8.0, 2), 1.0, "must be ints"),
    ("8,2", 1.0, "a pair (nlist, nprobe)"),
])
def test_ivf_settings_says_why_a_choice_is_wrong(corpus, capsys, answer, beat, match):
    X, Q, exact = corpus
    assert not check.ivf_settings(answer, X, Q, exact, beat=beat)
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and match in out


def test_nprobe_for_question_accepts_the_smallest_found_by_trying(corpus, capsys):
    X, Q, exact = corpus
    ivf = build_index(X, kind="ivf", metric="cosine", nlist=10, seed=0)
    wants = [next(p for p in range(1, 11)  # the right answers by trial and error, not from the quantizer
                  if set(search(ivf, Q[q], k=10, nprobe=p)[1][0].tolist()) == set(exact[q].tolist()))
             for q in range(len(Q))]
    q = int(np.argmax(wants))
    want = wants[q]
    assert want >= 2
    assert check.nprobe_for_question(want, ivf, Q[q], exact[q])
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.nprobe_for_question(want - 1, ivf, Q[q], exact[q])
    assert "later in the question's order" in capsys.readouterr().out
    assert not check.nprobe_for_question(want + 1, ivf, Q[q], exact[q])
    assert f"nprobe={want} does too" in capsys.readouterr().out
    assert not check.nprobe_for_question(11, ivf, Q[q], exact[q])
    assert "only nlist=10" in capsys.readouterr().out
    assert not check.nprobe_for_question("3", ivf, Q[q], exact[q])
    assert "an int" in capsys.readouterr().out


def _numpy_recall(index, X, Q, exact, nprobe):
    """Recall@10 of a faiss IVF index at nprobe, recomputed with numpy from its centroids and its lists' ids."""
    ivf = faiss.extract_index_ivf(index)
    centroids = ivf.quantizer.reconstruct_n(0, ivf.nlist)
    members = [faiss.rev_swig_ptr(ivf.invlists.get_ids(i), ivf.invlists.list_size(i)).copy() for i in range(ivf.nlist)]
    hits = 0
    for q, lists in enumerate(np.argsort(-(Q @ centroids.T), axis=1, kind="stable")[:, :nprobe]):
        rows = np.concatenate([members[i] for i in lists])
        top = rows[np.argsort(-(X[rows] @ Q[q]), kind="stable")[:10]]
        hits += len(set(top.tolist()) & set(exact[q].tolist()))
    return hits / exact.size


def test_raw_ivf_index_accepts_the_smallest_nprobe_found_with_numpy(corpus, capsys):
    X, Q, exact = corpus
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(16), 16, 10, faiss.METRIC_INNER_PRODUCT)  # 400 // 39 = 10
    index.train(X)
    index.add(X)
    smallest = next(p for p in range(1, 11) if _numpy_recall(index, X, Q, exact, p) >= 0.95)
    assert smallest < 10  # the data leave a real choice
    index.nprobe = smallest
    assert check.raw_ivf_index(index, Q, exact, len(X))
    assert capsys.readouterr().out.startswith("Correct: ")
    assert index.nprobe == smallest  # the check leaves the learner's nprobe as it was
    index.nprobe = 10  # every list: exact search in disguise
    assert not check.raw_ivf_index(index, Q, exact, len(X))
    assert "which is exact search" in capsys.readouterr().out
    if smallest + 1 < 10:
        index.nprobe = smallest + 1
        assert not check.raw_ivf_index(index, Q, exact, len(X))
        assert "find the smallest" in capsys.readouterr().out


def test_raw_ivf_index_refuses_one_list_or_too_many(corpus, capsys):
    X, Q, exact = corpus
    for nlist, match in ((1, "flat search"), (11, "training rule allows at most")):
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(16), 16, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.min_points_per_centroid = 1  # no faiss warning on stderr for 11 lists
        index.train(X)
        index.add(X)
        index.nprobe = 1
        assert not check.raw_ivf_index(index, Q, exact, len(X))
        assert match in capsys.readouterr().out


def test_raw_ivf_index_says_what_is_missing(capsys):
    rng = np.random.default_rng(1)  # unclustered data, where nprobe=1 misses many neighbours
    X, Q = rng.normal(size=(400, 16)).astype(np.float32), rng.normal(size=(40, 16)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    exact = np.argsort(-(Q @ X.T), axis=1, kind="stable")[:, :10]
    untrained = faiss.index_factory(16, "IVF8,Flat", faiss.METRIC_INNER_PRODUCT)
    assert not check.raw_ivf_index(untrained, Q, exact, len(X))
    assert "not trained" in capsys.readouterr().out
    untrained.train(X)
    assert not check.raw_ivf_index(untrained, Q, exact, len(X))
    assert "index.add(P)" in capsys.readouterr().out
    untrained.add(X)  # nprobe stays at faiss's default of 1
    assert not check.raw_ivf_index(untrained, Q, exact, len(X))
    assert "default is 1" in capsys.readouterr().out
    l2 = faiss.index_factory(16, "IVF8,Flat")
    assert not check.raw_ivf_index(l2, Q, exact, len(X))
    assert "METRIC_INNER_PRODUCT" in capsys.readouterr().out
    flat = faiss.IndexFlatIP(16)
    assert not check.raw_ivf_index(flat, Q, exact, len(X))
    assert "not an IVF index" in capsys.readouterr().out
    assert not check.raw_ivf_index(build_index(X, kind="ivf", metric="cosine", nlist=8), Q, exact, len(X))
    assert "the faiss index itself" in capsys.readouterr().out
