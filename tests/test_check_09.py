"""Each exercise check of notebook 09 accepts a right answer computed another way and rejects wrong ones."""
import faiss
import numpy as np
import pytest

from helpers.exercises import nb09 as check


SECONDS = {"tokenize": 0.0712, "forward": 3.9031, "pool": 0.0113}


def test_speedup_ceiling_right_answer_another_way(capsys):
    # another way: the forward pass's share p, then Amdahl's 1 / (1 - p)
    p = SECONDS["forward"] / sum(SECONDS.values())
    assert check.speedup_ceiling(1 / (1 - p), SECONDS)
    assert capsys.readouterr().out.startswith("Correct: ")


@pytest.mark.parametrize("wrong, reason", [
    (SECONDS["forward"] / sum(SECONDS.values()), "share"),
    (SECONDS["forward"] / (SECONDS["tokenize"] + SECONDS["pool"]), "whole of today's time"),
    (sum(SECONDS.values()) / SECONDS["forward"], "other stages' time"),
    (sum(SECONDS.values()) / 0.08, "unrounded"),   # from the printed 0.07 s + 0.01 s
    (2.0, "old time / new time"),
    ("fast", "one number"),
])
def test_speedup_ceiling_wrong_answers_are_explained(capsys, wrong, reason):
    assert not check.speedup_ceiling(wrong, SECONDS)
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and reason in out


def _unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def encoders():
    """Two noisy encoders of the same 200 queries and 120 corpus rows, the last 20 rows repeating 20 others."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((100, 16))
    corpus = np.vstack([base, base[:20]])
    texts = [f"sentence {i}" for i in range(100)] + [f"sentence {i}" for i in range(20)]
    queries = base[rng.integers(0, 100, 200)] + 0.8 * rng.standard_normal((200, 16))
    ca, qa = _unit(corpus), _unit(queries)
    cb, qb = _unit(corpus + 0.15 * rng.standard_normal(corpus.shape)), _unit(queries + 0.15 * rng.standard_normal(queries.shape))
    return qa, ca, qb, cb, texts


def _faiss_top1(q, c):
    index = faiss.IndexFlatIP(c.shape[1])
    index.add(c)
    return index.search(q, 1)[1][:, 0]


def test_top1_agreement_right_answer_found_with_faiss_float32_passes(encoders, capsys):
    qa, ca, qb, cb, texts = encoders
    top_a, top_b = _faiss_top1(qa, ca), _faiss_top1(qb, cb)
    right = float(np.mean([texts[i] == texts[j] for i, j in zip(top_a, top_b)]))
    assert check.top1_agreement(right, qa, ca, qb, cb, corpus_texts=texts)
    assert capsys.readouterr().out.startswith("Correct: ")
    # a near-tie flipped one query the other way (float32 against float64) is still right
    assert check.top1_agreement(right - 1 / len(qa), qa, ca, qb, cb, corpus_texts=texts)


def test_top1_agreement_by_row_ignores_identical_texts(encoders, capsys):
    qa, ca, qb, cb, texts = encoders
    by_row = float(np.mean(_faiss_top1(qa, ca) == _faiss_top1(qb, cb)))
    by_text = float(np.mean([texts[i] == texts[j] for i, j in zip(_faiss_top1(qa, ca), _faiss_top1(qb, cb))]))
    assert by_text - by_row > 4 / len(qa)  # the duplicates matter in this fixture
    assert not check.top1_agreement(by_row, qa, ca, qb, cb, corpus_texts=texts)
    assert "same sentence" in capsys.readouterr().out
    assert check.top1_agreement(by_row, qa, ca, qb, cb)  # without texts, rows are the results
    capsys.readouterr()


def test_top1_agreement_other_mistakes_are_named(encoders, capsys):
    qa, ca, qb, cb, texts = encoders
    right = float(np.mean([texts[i] == texts[j] for i, j in zip(_faiss_top1(qa, ca), _faiss_top1(qb, cb))]))
    assert not check.top1_agreement(1 - right, qa, ca, qb, cb, corpus_texts=texts)
    assert "CHANGED" in capsys.readouterr().out
    assert not check.top1_agreement(right * 100, qa, ca, qb, cb, corpus_texts=texts)
    assert "percentage" in capsys.readouterr().out
    assert not check.top1_agreement(right, qa, ca[:10], qb, cb)
    assert "shapes" in capsys.readouterr().out
    assert not check.top1_agreement(right, qa, ca, qb, cb, corpus_texts=texts[:5])
    assert "corpus_texts" in capsys.readouterr().out
