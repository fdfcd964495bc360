"""Each exercise check of notebook 07 accepts a right answer computed another way and rejects wrong ones with a reason."""
import numpy as np

from helpers.exercises import nb07 as check
from helpers.search import fusion


def test_rrf_by_hand(capsys):
    a, b = np.array([4, 2, 9, 7]), np.array([9, 4, 1, 3])
    scores, ids = fusion.rrf([a[None], b[None]], k=60)
    right = float(scores[0, list(ids[0]).index(9)])           # the helper's value, computed another way
    assert check.rrf_by_hand(right, [a, b], 9)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.rrf_by_hand(1 / 62 + 1 / 60, [a, b], 9)   # ranks from 0
    assert "count from 1" in capsys.readouterr().out
    assert not check.rrf_by_hand(1 / 63, [a, b], 9)            # one list only
    assert "one list" in capsys.readouterr().out
    assert check.rrf_by_hand(1 / 62, [a, b], 2)                # in one list only (rank 2): that is right
    capsys.readouterr()
    assert not check.rrf_by_hand("0.03", [a, b], 9)
    assert capsys.readouterr().out.startswith("Not yet: ")


def _window_case():
    # two documents; windows (start, end) in document characters; paragraphs start at 0 and 50 of doc 0
    spans = [(0, 40), (30, 80), (0, 60)]
    paragraph_start = np.array([0, 50, 0])
    gold_paragraph = np.array([0, 1, 1, 2])
    gold_doc = np.array([0, 0, 0, 1])
    top_doc = np.array([0, 0, 0, 0])            # the last question has the wrong document first
    best = np.array([0, 1, 1, 1])
    starts, lengths = np.array([10, 5, 5, 0]), np.array([5, 10, 10, 5])
    return top_doc, best, gold_doc, gold_paragraph, spans, paragraph_start, starts, lengths


def test_answer_in_window(capsys):
    top_doc, best, gold_doc, gold_p, spans, p_start, starts, lengths = _window_case()
    args = (top_doc, best, gold_doc, gold_p, spans, p_start, starts, lengths)
    # by hand: q0 answer at 10-15 in window 0-40: yes; q1 and q2 at 55-65 in window 30-80: yes -> 3/3
    assert check.answer_in_window(1.0, *args)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.answer_in_window(1 / 3, *args)             # paragraph-relative starts 10, 5, 5: only q0
    assert "PARAGRAPH" in capsys.readouterr().out
    assert not check.answer_in_window(0.75, *args)              # over all four (q3 at 0-5, window 30-80: no)
    assert "all questions" in capsys.readouterr().out
    assert not check.answer_in_window(1.5, *args)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_lucene_k1(capsys):
    from helpers.search.lexical import BM25Index
    texts = ["the cat sat on the mat", "a dog chased the cat", "stock markets fell", "cat food market grew",
             "dogs bark at cats", "the market of fish", "cat cat cat", "mat and rug shop", "falling prices",
             "a dog and a cat", "fish markets open early", "rugs for cats"]
    queries = ["cat on mat", "dog", "market fell", "fish", "cat food", "rug shop"]
    gold = np.array([0, 1, 2, 5, 3, 7])
    ids = BM25Index(texts, k1=1.2).search(queries, k=10)[1]
    hit = ids == gold[:, None]
    mrr = float(np.mean([1 / (row.argmax() + 1) if row.any() else 0 for row in hit]))
    assert check.lucene_k1(mrr, ids, texts, queries, gold)
    assert capsys.readouterr().out.startswith("Correct: ")
    default_ids = BM25Index(texts).search(queries, k=10)[1]
    if not np.array_equal(default_ids, ids):
        assert not check.lucene_k1(mrr, default_ids, texts, queries, gold)
        assert "1.5" in capsys.readouterr().out
    assert not check.lucene_k1(float(hit[:, 0].mean()) + (1e-3 if hit[:, 0].mean() == mrr else 0), ids, texts,
                               queries, gold)
    assert capsys.readouterr().out.startswith("Not yet: ")
    assert not check.lucene_k1(mrr, ids[:, :5], texts, queries, gold)
    assert "shape" in capsys.readouterr().out
