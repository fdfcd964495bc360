"""Each exercise check of notebook 07 accepts a right answer computed another way and rejects wrong ones with a reason."""
import numpy as np

from helpers.exercises import nb07 as check
from helpers.search import fusion


def test_rrf_agreement(capsys):
    # solved another way: search the rank by brute force with fusion.rrf instead of the inequality
    answer = []
    for k in (60, 5):
        wins = []
        for r in range(2, 200):
            first = np.array([[0, *range(2, r), 1]])           # A (id 0) first, B (id 1) at rank r
            second = np.array([[*range(1000, 999 + r), 1]])    # B at rank r, A absent
            scores, ids = fusion.rrf([first, second], k=k, limit=2 * r)
            b_score = scores[0, list(ids[0]).index(1)]
            a_score = scores[0, list(ids[0]).index(0)]
            wins.append((r, b_score > a_score))
        answer.append(max(r for r, w in wins if w))
    assert check.rrf_agreement(tuple(answer))
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.rrf_agreement((62, 7))                   # where the two tie
    assert "tie" in capsys.readouterr().out
    out_right = check.rrf_agreement(tuple(answer)).message
    assert "small k reward" in out_right and "first place" not in out_right   # the follow-up stays open
    capsys.readouterr()
    assert not check.rrf_agreement((121, 11))                 # 2(k + 1) > r: the k dropped from one side
    assert "algebra" in capsys.readouterr().out
    assert not check.rrf_agreement((1, 1))                    # B never wins: one list's 1/(k + r) only
    assert "each of the two lists" in capsys.readouterr().out
    assert not check.rrf_agreement(61)
    assert "tuple" in capsys.readouterr().out
    for from_zero in ((60, 5), (59, 4)):                      # ranks counted from 0
        assert not check.rrf_agreement(from_zero)
        assert "ranks from 1" in capsys.readouterr().out
    assert not check.rrf_agreement((30, 3))
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


def _random_window_case(seed: int = 7, n: int = 60):
    """Random windows and answers in 3 documents of 1,000 characters, paragraphs of 200."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 900, size=40)
    spans = [(int(s), int(s) + int(rng.integers(60, 120))) for s in starts]
    paragraph_start = np.tile(np.arange(0, 1000, 200), 3)          # 15 paragraphs, 5 per document
    gold_paragraph = rng.integers(0, 15, size=n)
    gold_doc = gold_paragraph // 5
    top_doc = np.where(rng.random(n) < 0.8, gold_doc, (gold_doc + 1) % 3)
    best = rng.integers(0, 40, size=n)
    answer_starts, lengths = rng.integers(0, 190, size=n), rng.integers(1, 30, size=n)
    return top_doc, best, gold_doc, gold_paragraph, spans, paragraph_start, answer_starts, lengths


def test_answer_in_window_second_way(capsys):
    # solved another way: character sets instead of interval comparisons, in plain Python
    top_doc, best, gold_doc, gold_p, spans, p_start, starts, lengths = args = _random_window_case()
    inside = []
    for i in range(len(top_doc)):
        if top_doc[i] == gold_doc[i]:
            first = p_start[gold_p[i]] + starts[i]
            window = set(range(*spans[best[i]]))
            inside.append(set(range(first, first + lengths[i])) <= window)
    share = sum(inside) / len(inside)
    assert 0 < share < 1
    assert check.answer_in_window(share, *args)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert check.answer_in_window(np.float32(share), *args)          # float32
    assert check.answer_in_window(round(share, 3), *args)            # the value as the solution prints it
    out = capsys.readouterr().out
    assert out.count("Correct: ") == 2
    assert "won on another passage" not in out                       # the follow-up stays open
    assert not check.answer_in_window(share + 0.01, *args)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_answer_in_window_end_past_the_window(capsys):
    # one question, right document; its answer starts inside window 0 (0-40) and ends at 45
    args = (np.array([0]), np.array([0]), np.array([0]), np.array([0]), [(0, 40)], np.array([0]),
            np.array([35]), np.array([10]))
    assert check.answer_in_window(0.0, *args)
    capsys.readouterr()
    assert not check.answer_in_window(1.0, *args)                   # counted it by its start only
    assert "entirely inside" in capsys.readouterr().out


def _k1_case():
    """A small random corpus (seed 25) where k1 changes MRR@10 and the best k1 over all questions is not the calibration half's."""
    words = ("cat dog fish mat rug market pie apple pear tart plum jam red blue green shop tree lake road hill "
             "stone bird frog wind").split()
    rng = np.random.default_rng(25)
    texts = [" ".join(rng.choice(words, size=rng.integers(3, 15))) for _ in range(30)]
    gold = rng.integers(0, 30, size=40)
    queries = [" ".join(rng.choice(texts[g].split(), size=3)) for g in gold]
    return texts, queries, gold, np.arange(40) % 2 == 0


def _mrr_bm25s(texts, queries, gold, k1):
    """MRR@10 with the bm25s library itself (its own order of equal scores, whatever numpy gives)."""
    import bm25s
    import Stemmer
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(k1=k1, b=0.75)
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    ids, _ = retriever.retrieve(bm25s.tokenize(queries, stopwords="en", stemmer=stemmer, show_progress=False),
                                k=10, show_progress=False)
    hit = ids == np.asarray(gold)[:, None]
    return float(np.mean([1 / (row.argmax() + 1) if row.any() else 0.0 for row in hit]))


def test_choose_k1(capsys):
    texts, queries, gold, is_cal = _k1_case()
    candidates = (0.9, 1.2, 1.5, 2.0)
    pick = lambda mask: [q for q, m in zip(queries, mask) if m]  # noqa: E731
    cal = {c: _mrr_bm25s(texts, pick(is_cal), gold[is_cal], c) for c in candidates}
    chosen = max(cal, key=cal.get)
    held = _mrr_bm25s(texts, pick(~is_cal), gold[~is_cal], chosen)
    ok = check.choose_k1((chosen, held), texts, queries, gold, is_cal, candidates)
    out = capsys.readouterr().out
    assert ok, out
    assert out.startswith("Correct: ")
    assert not check.choose_k1((1.0, held), texts, queries, gold, is_cal, candidates)
    assert "candidates" in capsys.readouterr().out
    assert chosen == 0.9
    assert not check.choose_k1((1.5, held), texts, queries, gold, is_cal, candidates)   # best over all questions
    assert "ALL questions" in capsys.readouterr().out
    assert not check.choose_k1((1.2, held), texts, queries, gold, is_cal, candidates)
    assert "the highest is k1 = 0.9" in capsys.readouterr().out
    assert not check.choose_k1((chosen, cal[chosen]), texts, queries, gold, is_cal, candidates)
    assert "calibration half's" in capsys.readouterr().out
    assert not check.choose_k1((chosen, held + 0.1), texts, queries, gold, is_cal, candidates)
    assert capsys.readouterr().out.startswith("Not yet: ")
    assert not check.choose_k1(0.5, texts, queries, gold, is_cal, candidates)
    assert "two numbers" in capsys.readouterr().out


def test_choose_k1_accepts_any_order_of_ties(capsys):
    # two identical documents tie for every query that matches them: gold first or second among them
    texts = ["red apple pie", "red apple pie", "green pear tart", "blue plum jam", "apple tart recipe"]
    queries = ["apple pie", "pear tart", "plum", "apple pie", "tart"]
    gold, is_cal = np.array([1, 2, 3, 0, 4]), np.array([True, True, True, False, False])
    from helpers.search.lexical import BM25Index
    ids = BM25Index(texts, k1=0.9).search(queries[3:], k=5)[1]   # ties by id: doc 0 first, the gold one
    swapped = ids.copy()
    swapped[0, :2] = swapped[0, [1, 0]]                          # what another sort may return
    for run in (ids, swapped):
        hit = run == gold[3:, None]
        mrr = float(np.mean([1 / (row.argmax() + 1) if row.any() else 0.0 for row in hit]))
        assert check.choose_k1((0.9, mrr), texts, queries, gold, is_cal, (0.9,)), capsys.readouterr().out
        assert capsys.readouterr().out.startswith("Correct: ")
