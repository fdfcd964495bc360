"""helpers.search.lexical.BM25Index against the formula computed by hand, against bm25s, and its save/load."""
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import bm25s
import numpy as np
import pytest

from helpers.search.lexical import ARRAYS, META, BM25Index

DOCS = ["the cat sat on the mat", "a dog chased the cat and the cat ran", "dogs and cats living together",
        "stock markets fell sharply today", "the market for cat food grew"]


def _brute(docs_tokens, query_tokens, k1, b):
    n = len(docs_tokens)
    avgdl = sum(map(len, docs_tokens)) / n
    out = []
    for doc in docs_tokens:
        s = 0.0
        for t in query_tokens:
            df = sum(t in d for d in docs_tokens)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = doc.count(t)
            s += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        out.append(s)
    return np.array(out)


def test_hand_computed_single_term():
    index = BM25Index(DOCS, stopwords=None, stemmer=None, k1=1.2, b=0.75)
    # "cat": in docs 0, 1, 4 (N=5, df=3); doc 1 has it twice and 8 tokens (words of 2+ letters: "a" is dropped)
    lengths = [6, 8, 5, 5, 6]
    avgdl = sum(lengths) / 5
    idf = math.log(1 + (5 - 3 + 0.5) / (3 + 0.5))
    want1 = idf * 2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 8 / avgdl))
    assert index.lengths.tolist() == lengths
    assert index.scores(["cat"])[0, 1] == pytest.approx(want1, rel=1e-6)
    assert index.scores(["cat"])[0, 2] == 0.0   # "cats" is another token without a stemmer


@pytest.mark.parametrize("k1,b", [(1.5, 0.75), (0.9, 0.4), (2.0, 1.0), (1.2, 0.0)])
def test_scores_match_the_formula_by_brute_force(k1, b):
    index = BM25Index(DOCS, k1=k1, b=b)
    queries = ["cat markets", "the dogs that chased cats", "cat cat food"]
    docs_tokens = index.tokenize(DOCS)
    got = index.scores(queries)
    for q, tokens in zip(queries, index.tokenize(queries)):
        assert np.allclose(got[queries.index(q)], _brute(docs_tokens, tokens, k1, b), rtol=1e-5, atol=1e-6)


def test_search_is_top_k_of_scores_with_ties_by_id():
    index = BM25Index(DOCS)
    scores, ids = index.search(["cat", "market"], k=5)
    full = index.scores(["cat", "market"])
    for row in range(2):
        want = sorted(range(5), key=lambda j: (-full[row, j], j))
        assert ids[row].tolist() == want
        assert np.allclose(scores[row], full[row, want])
    assert scores.dtype == np.float32 and ids.dtype == np.int64


def test_agrees_with_bm25s():
    import Stemmer
    corpus = DOCS * 3 + ["cat " * 5, "markets markets dog"]
    index = BM25Index(corpus)
    retriever = bm25s.BM25()
    stemmer = Stemmer.Stemmer("english")
    retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    queries = ["cat on a mat", "falling stock markets", "dogs"]
    want = np.array([retriever.get_scores(q) for q in bm25s.tokenize(queries, stopwords="en", stemmer=stemmer,
                                                                      return_ids=False, show_progress=False)])
    assert np.allclose(index.scores(queries), want, rtol=1e-5, atol=1e-6)


def test_save_load_round_trip(tmp_path):
    index = BM25Index(DOCS, k1=1.1, b=0.6, stopwords=["the", "on"], stemmer="english")
    index.save(tmp_path / "bm25")
    assert sorted(p.name for p in (tmp_path / "bm25").iterdir()) == sorted([ARRAYS, META])
    loaded = BM25Index.load(tmp_path / "bm25")
    queries = ["the cat", "market"]
    assert np.array_equal(loaded.scores(queries), index.scores(queries))
    assert (loaded.k1, loaded.b, loaded.stopwords, loaded.vocab) == (1.1, 0.6, ["the", "on"], index.vocab)
    assert b"pickle" not in (tmp_path / "bm25" / META).read_bytes()


def test_load_refuses_a_mismatched_pair(tmp_path):
    BM25Index(DOCS).save(tmp_path / "a")
    BM25Index(DOCS[:2]).save(tmp_path / "b")
    (tmp_path / "a" / ARRAYS).write_bytes((tmp_path / "b" / ARRAYS).read_bytes())
    with pytest.raises(ValueError, match="checksum"):
        BM25Index.load(tmp_path / "a")
    meta = json.loads((tmp_path / "b" / META).read_text())
    meta["format"] = "something else"
    (tmp_path / "b" / META).write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="not a"):
        BM25Index.load(tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="missing"):
        BM25Index.load(tmp_path / "nowhere")


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="empty"):
        BM25Index([])
    with pytest.raises(TypeError, match="wrap a single text"):
        BM25Index("one text")
    with pytest.raises(ValueError, match="no document has a single token"):
        BM25Index(["the", "a of"])
    with pytest.raises(ValueError, match="k1"):
        BM25Index(DOCS, k1=-1)
    with pytest.raises(ValueError, match="b must be"):
        BM25Index(DOCS, b=2)
    with pytest.raises(ValueError, match="stemmer"):
        BM25Index(DOCS, stemmer="klingon")
    index = BM25Index(DOCS)
    with pytest.raises(ValueError, match="no token that occurs in the corpus"):
        index.search(["what is it?"], k=2)
    with pytest.raises(ValueError, match="no token that occurs in the corpus"):
        index.search(["zebra"], k=2)
    with pytest.raises(ValueError, match="k must be"):
        index.search(["cat"], k=0)
    with pytest.raises(ValueError, match="queries is empty"):
        index.search([], k=2)
    with pytest.warns(UserWarning, match="returning 5"):
        assert index.search(["cat"], k=9)[1].shape == (1, 5)


# --- faults and concurrency during a save (issue 29): the old index or the new, never neither -------

SAVE_CHILD = textwrap.dedent("""
    import os, signal, sys
    from helpers.search import lexical
    folder, when, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lexical._step = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == when else None
    docs = [f"document {i} about cats and dogs number {i}" for i in range(n)]
    if when == "loop":
        print("ready", flush=True)
        while True:
            lexical.BM25Index(docs).save(folder)
    lexical.BM25Index(docs).save(folder)
""")


def _child(*args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.Popen([sys.executable, "-c", SAVE_CHILD, *map(str, args)], env=env, **kwargs)


def _saved(folder, n):
    BM25Index([f"document {i} about cats and dogs number {i}" for i in range(n)]).save(folder)


@pytest.mark.parametrize("when,expect", [("arrays written", 3), ("json written", 5), ("done", 5)])
def test_sigkill_mid_save_leaves_the_old_or_the_new_index(tmp_path, when, expect):
    folder = tmp_path / "bm25"
    _saved(folder, 3)
    child = _child(folder, when, 5)
    assert child.wait(timeout=120) == -9  # it really died of SIGKILL
    assert BM25Index.load(folder).n_docs == expect
    _saved(folder, 4)  # the next save finishes or discards what the crash left
    assert sorted(p.name for p in folder.iterdir()) == sorted([ARRAYS, META])
    assert BM25Index.load(folder).n_docs == 4


def test_sigkill_from_outside_at_random_moments(tmp_path):
    folder = tmp_path / "bm25"
    _saved(folder, 3)
    rng = np.random.default_rng(0)
    for _ in range(4):
        child = _child(folder, "loop", 7, stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0, 0.05))
        child.kill()
        child.wait(timeout=60)
        child.stdout.close()
        assert BM25Index.load(folder).n_docs in (3, 7)


def test_two_concurrent_savers_take_turns(tmp_path):
    folder = tmp_path / "bm25"
    script = SAVE_CHILD.replace('if when == "loop":', 'if when == "repeat":\n    for _ in range(15): lexical.BM25Index(docs).save(folder)\n    sys.exit(0)\nif when == "loop":')
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    children = [subprocess.Popen([sys.executable, "-c", script, str(folder), "repeat", str(n)], env=env) for n in (6, 9)]
    while any(child.poll() is None for child in children):
        if (folder / META).exists():
            assert BM25Index.load(folder).n_docs in (6, 9)  # a reader never sees a broken pair
    assert [child.returncode for child in children] == [0, 0]
    assert BM25Index.load(folder).n_docs in (6, 9)
    assert sorted(p.name for p in folder.iterdir()) == sorted([ARRAYS, META])


def test_an_exception_mid_save_keeps_the_old_index_and_no_leftovers(tmp_path, monkeypatch):
    from helpers.search import lexical
    folder = tmp_path / "bm25"
    _saved(folder, 3)

    def boom(name):
        if name == "arrays written":
            raise KeyboardInterrupt  # a learner's Ctrl-C
    monkeypatch.setattr(lexical, "_step", boom)
    with pytest.raises(KeyboardInterrupt):
        _saved(folder, 5)
    assert BM25Index.load(folder).n_docs == 3
    assert sorted(p.name for p in folder.iterdir()) == sorted([ARRAYS, META])


def test_save_refuses_a_file_path(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError, match="writes bm25.json and bm25.npz into a folder"):
        BM25Index(DOCS).save(tmp_path / "f")
