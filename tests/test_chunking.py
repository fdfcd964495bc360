"""helpers.search.chunking: windows that cover the text with the promised overlap, spans that slice it, max aggregation."""
import numpy as np
import pytest

from helpers.encode.models import load_text_model
from helpers.search.chunking import max_per_document, token_windows


@pytest.fixture(scope="module")
def tokenizer():
    return load_text_model("sentence-transformers/all-MiniLM-L6-v2")[0]


TEXT = ("The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, "
        "a region in France. They were descended from Norse raiders and pirates from Denmark, Iceland and "
        "Norway who, under their leader Rollo, agreed to swear fealty to King Charles III of West Francia. "
        "Through generations of assimilation and mixing with the native Frankish and Roman-Gaulish "
        "populations, their descendants would gradually merge with the Carolingian-based cultures of "
        "West Francia. Antidisestablishmentarianism is a long word.")


@pytest.mark.parametrize("size,overlap", [(16, 4), (20, 0), (33, 10), (1000, 32)])
def test_windows_cover_the_text_with_overlap_and_exact_spans(tokenizer, size, overlap):
    chunks = token_windows(TEXT, tokenizer, size, overlap)
    n = len(tokenizer(TEXT, add_special_tokens=False)["input_ids"])
    assert chunks[0].first_token == 0 and chunks[-1].end_token == n
    for a, b in zip(chunks, chunks[1:]):
        assert b.first_token > a.first_token                      # progress
        assert a.end_token - b.first_token >= overlap              # at least the overlap
    for c in chunks:
        assert 1 <= c.n_tokens <= size
        assert TEXT[c.start:c.end] == c.text
        # re-tokenizing the window's text gives exactly its tokens: it fits the encoder as counted
        assert len(tokenizer(c.text, add_special_tokens=False)["input_ids"]) == c.n_tokens
    if size >= n:
        assert len(chunks) == 1 and chunks[0].text == TEXT.strip()


def test_windows_refuse_bad_input(tokenizer):
    with pytest.raises(ValueError, match="smaller than size"):
        token_windows(TEXT, tokenizer, 32, 32)
    with pytest.raises(ValueError, match="size must be"):
        token_windows(TEXT, tokenizer, 0)
    with pytest.raises(ValueError, match="non-empty"):
        token_windows("   ", tokenizer, 10)
    with pytest.raises(TypeError, match="fast tokenizer"):
        token_windows(TEXT, object(), 10)


def test_max_per_document_against_brute_force():
    rng = np.random.default_rng(0)
    chunk_doc = rng.integers(0, 6, size=40)
    full = rng.integers(0, 5, size=(30, 40)).astype(float)        # ties on purpose
    ids = np.argsort(-full, axis=1, kind="stable")[:, :25]
    scores = np.take_along_axis(full, ids, 1)
    got_s, got_d, got_c = max_per_document(scores, ids, chunk_doc, k=4)
    for q in range(30):
        best = {}
        for c, s in zip(ids[q], scores[q]):
            d = chunk_doc[c]
            if d not in best or (s, -c) > (best[d][0], -best[d][1]):
                best[d] = (s, c)
        want = sorted(best, key=lambda d: (-best[d][0], d))[:4]
        assert got_d[q].tolist() == want
        assert got_s[q].tolist() == [best[d][0] for d in want]
        assert got_c[q].tolist() == [best[d][1] for d in want]
        assert all(chunk_doc[c] == d for c, d in zip(got_c[q], got_d[q]))


def test_max_per_document_pads_when_too_few_documents_and_refuses_bad_input():
    s, d, c = max_per_document(np.array([[0.9, 0.8]]), np.array([[0, 1]]), np.array([5, 5]), k=3)
    assert d.tolist() == [[5, -1, -1]] and c.tolist() == [[0, -1, -1]] and np.isinf(s[0, 1:]).all()
    with pytest.raises(ValueError, match="shape"):
        max_per_document(np.ones((1, 3)), np.array([[0, 1]]), np.array([0, 0]))
    with pytest.raises(ValueError, match="describes only"):
        max_per_document(np.ones((1, 2)), np.array([[0, 3]]), np.array([0, 0]))
    with pytest.raises(ValueError, match="k must be"):
        max_per_document(np.ones((1, 2)), np.array([[0, 1]]), np.array([0, 0]), k=0)


LONG_WORDS = " ".join(["Pneumonoultramicroscopicsilicovolcanoconiosis", "Antidisestablishmentarianism",
                       "Floccinaucinihilipilification", "Hippopotomonstrosesquippedaliophobia"] * 3)


@pytest.mark.parametrize("size,overlap", [(8, 4), (6, 5), (10, 7), (12, 3)])
def test_words_long_against_the_window_keep_the_promised_overlap(tokenizer, size, overlap):
    """Each of these words is 6 to 12 tokens: snapping a window to a word start would break the overlap."""
    chunks = token_windows(LONG_WORDS, tokenizer, size, overlap)
    n = len(tokenizer(LONG_WORDS, add_special_tokens=False)["input_ids"])
    assert chunks[0].first_token == 0 and chunks[-1].end_token == n
    for a, b in zip(chunks, chunks[1:]):
        assert b.first_token > a.first_token
        assert a.end_token - b.first_token >= overlap, (a, b)
    assert all(1 <= c.n_tokens <= size and LONG_WORDS[c.start:c.end] == c.text for c in chunks)
