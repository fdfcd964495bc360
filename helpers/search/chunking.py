"""Long documents: overlapping token windows with their character spans, and window scores to documents.

Introduced in notebooks/07_keywords_hybrid.ipynb.

An encoder reads at most `max_length` tokens and silently drops the rest. `token_windows` cuts a
text into windows of at most `size` tokens that overlap by at least `overlap` tokens, never
splitting a word where it can avoid it, and returns each window's text as a slice of the original:
`text[chunk.start:chunk.end] == chunk.text`, so a hit can be shown in place. Sizes count the text's
own tokens; the encoder adds its special tokens ([CLS] and [SEP]: 2 for BERT-like models) on top.

`max_per_document` turns a search over windows into a ranking of documents: a document scores the
best score of any of its windows (max aggregation), and remembers which window that was.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.search._validate import check_ids, check_int


@dataclass(frozen=True)
class Chunk:
    """One window of a text: its characters text[start:end] and its tokens [first_token, end_token)."""

    text: str
    start: int
    end: int
    first_token: int
    end_token: int

    @property
    def n_tokens(self) -> int:
        return self.end_token - self.first_token


def _window_ends(word: list[int], size: int, overlap: int) -> list[tuple[int, int]]:
    """Token ranges [s, e) of at most `size` tokens, overlapping by >= `overlap`, snapped to word starts."""
    n, spans, s = len(word), [], 0

    def word_start(i: int) -> int:         # first token of the word that token i belongs to
        while i > 0 and word[i - 1] == word[i]:
            i -= 1
        return i

    while True:
        e = min(s + size, n)
        # do not cut a word in two, unless snapping back would leave a window no longer than the overlap
        # (words long against the window): then the promised overlap wins and the word is cut
        if e < n and word_start(e) - s > overlap:
            e = word_start(e)
        spans.append((s, e))
        if e >= n:
            return spans
        nxt = word_start(e - overlap)      # e - s > overlap here, so e - overlap > s: the windows move on
        s = nxt if nxt > s else e - overlap


def token_windows(text: str, tokenizer: Any, size: int, overlap: int = 0) -> list[Chunk]:
    """Cut `text` into windows of at most `size` tokens overlapping by at least `overlap`, with character spans.

    `tokenizer` is a Hugging Face *fast* tokenizer (it must give offsets), e.g. `encoder.tokenizer`.
    A text of at most `size` tokens gives one window: the whole text.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty str, got {text!r:.40}")
    check_int(size, "size")
    check_int(overlap, "overlap", low=0)
    if overlap >= size:
        raise ValueError(f"overlap ({overlap}) must be smaller than size ({size}): each window must move on "
                         f"by size - overlap tokens; e.g. size={size}, overlap={size // 4}")
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError("tokenizer must be a Hugging Face fast tokenizer (it gives character offsets): "
                        "AutoTokenizer.from_pretrained(..., use_fast=True), or encoder.tokenizer")
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False)
    offsets, words = enc["offset_mapping"], enc.word_ids()
    if not offsets:
        raise ValueError(f"the tokenizer finds no tokens in {text!r:.40}")
    chunks = []
    for s, e in _window_ends(words, int(size), int(overlap)):
        start, end = offsets[s][0], offsets[e - 1][1]
        chunks.append(Chunk(text[start:end], int(start), int(end), s, e))
    return chunks


def max_per_document(scores: Any, chunk_ids: Any, chunk_doc: Any, k: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents ranked by their best window: (doc scores, doc ids, best window id), each (nq, k).

    `scores`, `chunk_ids`: a search over windows, (nq, depth), best first, higher is better;
    `chunk_doc[c]` is the document of window c. Documents with no window in the list are not ranked,
    so search deep enough to see k documents; missing slots get id -1 and score -inf. Ties by doc id.
    """
    ids = check_ids(chunk_ids, "chunk_ids")
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != ids.shape:
        raise ValueError(f"scores has shape {s.shape} but chunk_ids has {ids.shape}; pass both arrays of one search")
    doc_of = np.asarray(chunk_doc)
    if doc_of.ndim != 1 or not np.issubdtype(doc_of.dtype, np.integer) or (doc_of < 0).any():
        raise ValueError("chunk_doc must be a 1-D array of document ids (ints >= 0), one per window")
    if ids.size and ids.max() >= len(doc_of):
        raise ValueError(f"chunk_ids go up to {ids.max()} but chunk_doc describes only {len(doc_of)} windows")
    k = ids.shape[1] if k is None else check_int(k, "k")
    nq, depth = ids.shape
    docs = np.where(ids >= 0, doc_of[np.maximum(ids, 0)], -1)
    s = np.where(ids >= 0, s, -np.inf)
    # best window per (query, doc): sort by doc, then score descending, then window id; keep each doc's first
    order = np.lexsort((ids, -s, docs), axis=1)
    d, sc, c = (np.take_along_axis(a, order, 1) for a in (docs, s, ids))
    first = np.ones_like(d, dtype=bool)
    first[:, 1:] = d[:, 1:] != d[:, :-1]
    first &= d >= 0
    d, sc, c = np.where(first, d, -1), np.where(first, sc, -np.inf), np.where(first, c, -1)
    order = np.lexsort((np.where(d < 0, np.iinfo(np.int64).max, d), -sc), axis=1)[:, :k]
    out = [np.take_along_axis(a, order, 1) for a in (sc, d, c)]
    if out[0].shape[1] < k:
        pad = k - out[0].shape[1]
        out = [np.pad(a, ((0, 0), (0, pad)), constant_values=v) for a, v in zip(out, (-np.inf, -1, -1))]
    return out[0], out[1], out[2]
