"""Each exercise check of notebook 12 accepts a right answer computed another way and rejects wrong ones with a reason."""
import faiss
import numpy as np
import pytest

from helpers.course.apidocs import TRAIN_LIBRARIES, load_apidocs
from helpers.evaluate import metrics
from helpers.exercises import nb12 as check
from helpers.search.lexical import BM25Index
from helpers.search.negatives import false_negative, training_pairs


class FixedEncoder:
    """Stands for the fine-tuned TextEncoder in the check: returns the query vectors it was given."""

    def __init__(self, vectors):
        self.vectors = vectors

    def encode(self, texts):
        return self.vectors[:len(texts)]


def _unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def mismatch():
    rng = np.random.default_rng(0)
    docs, base_q = _unit(rng.normal(size=(50, 16))), _unit(rng.normal(size=(8, 16)))
    moved_q = _unit(base_q + 0.5 * rng.normal(size=base_q.shape))
    doc_ids, qids = [f"d{i}" for i in range(50)], [f"q{i}" for i in range(8)]
    qrels = {q: {f"d{(3 * i + j) % 50}": 1 + j % 2 for j in range(4)} for i, q in enumerate(qids[:6])}
    return FixedEncoder(moved_q), FixedEncoder(base_q), docs, [f"text {i}" for i in range(8)], qids, doc_ids, qrels


def test_mismatch_moved(mismatch, capsys):
    moved, base, docs, texts, qids, doc_ids, qrels = mismatch
    index = faiss.IndexFlatIP(docs.shape[1])  # another way: faiss in float32, the course's nDCG
    index.add(docs)

    def ndcg_of(queries):
        run = metrics.run_from_ids(index.search(queries, 10)[1], qids, doc_ids)
        return np.mean([metrics.ndcg_at_k({q: run[q]}, {q: qrels[q]}, 10) for q in qrels])

    ndcg = ndcg_of(moved.encode(texts))
    cosine = np.einsum("ij,ij->i", moved.encode(texts), base.encode(texts)).mean()
    assert check.mismatch_moved((ndcg, cosine), *mismatch)
    assert check.mismatch_moved(np.array([ndcg, cosine], dtype=np.float32), *mismatch)
    assert not check.mismatch_moved((cosine, ndcg), *mismatch)
    assert "swapped" in capsys.readouterr().out.splitlines()[-1]
    assert not check.mismatch_moved((ndcg_of(base.encode(texts)), cosine), *mismatch)
    assert "against its own index" in capsys.readouterr().out.splitlines()[-1]
    assert not check.mismatch_moved((ndcg + 0.05, cosine), *mismatch)
    assert not check.mismatch_moved((ndcg, 1.0), *mismatch)
    assert "row-wise dot product" in capsys.readouterr().out.splitlines()[-1]
    assert not check.mismatch_moved(ndcg, *mismatch)
    assert "two numbers" in capsys.readouterr().out.splitlines()[-1]


@pytest.fixture(scope="module")
def sample():
    train_docs = load_apidocs(TRAIN_LIBRARIES)
    by_id = {d.doc_id: d for d in train_docs}
    return training_pairs(train_docs, n=90, seed=0), by_id, training_pairs(train_docs)


def test_false_negative_shares(sample, capsys):
    pairs, by_id, corpus = sample
    bm25 = BM25Index([p[2] for p in corpus])  # another way: one BM25 search, grouped by library afterwards
    ids = bm25.search([p[1] for p in pairs], k=11)[1]
    counts = {lib: [0, 0] for lib in TRAIN_LIBRARIES}
    for p, row in zip(pairs, ids):
        hardest = next(corpus[i][0] for i in row if i >= 0 and false_negative(by_id[p[0]], by_id[corpus[i][0]])
                       != "the document itself")
        counts[by_id[p[0]].library][0] += false_negative(by_id[p[0]], by_id[hardest]) is not None
        counts[by_id[p[0]].library][1] += 1
    right = {lib: n / total for lib, (n, total) in counts.items()}
    assert check.false_negative_shares(right, pairs, by_id, corpus)
    assert check.false_negative_shares({lib: round(v, 3) for lib, v in right.items()}, pairs, by_id, corpus)
    assert not check.false_negative_shares({lib: 100 * v for lib, v in right.items()}, pairs, by_id, corpus)
    assert "not percentages" in capsys.readouterr().out
    assert not check.false_negative_shares({lib: n for lib, (n, _) in counts.items()}, pairs, by_id, corpus)
    assert not check.false_negative_shares({**right, "numpy": right["numpy"] + 0.01}, pairs, by_id, corpus)
    assert "numpy is off" in capsys.readouterr().out.splitlines()[-1]
    assert not check.false_negative_shares({"numpy": 0.5}, pairs, by_id, corpus)
    assert not check.false_negative_shares([0.1, 0.2, 0.3], pairs, by_id, corpus)
