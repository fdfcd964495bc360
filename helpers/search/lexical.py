"""BM25 keyword search over a list of texts, with results shaped like helpers.search.index.search's.

Introduced in notebooks/07_keywords_hybrid.ipynb.

Tokens come from `bm25s.tokenize` (lower case, words of 2+ letters or digits, a stopword list, a
Snowball stemmer from PyStemmer), so they are the tokens bm25s itself would index. The score is
the formula bm25s calls method="lucene", Lucene's BM25Similarity (Kamphuis et al., ECIR 2020):

    score(q, d) = sum over query tokens t of  IDF(t) * tf / (tf + k1 * (1 - b + b * |d| / avgdl))
    IDF(t)      = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

tf: how often t occurs in d; |d|: d's length in tokens (after stopwords); avgdl: the mean length;
N: the number of documents; df(t): how many contain t. A token repeated in the query counts twice.
Lengths are exact here (Lucene itself stores them in one lossy byte).

Saved as two files, never pickle: `bm25.npz` (the sparse term counts; document lengths are their row
sums, recomputed on load) and `bm25.json` (settings, vocabulary, a checksum of the npz), committed
as a pair the way helpers.search.store saves a FAISS index: the npz is written under its content's
name (`bm25.<sha256[:16]>.npz`), then the JSON is replaced atomically (the commit), then the npz is
renamed to `bm25.npz`. A save interrupted at any moment leaves a folder that loads as the old index
or the new one, and savers hold an exclusive flock on the folder (loaders a shared one), so two
processes saving at once take turns.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Sequence

import bm25s
import numpy as np
import scipy.sparse as sp
import Stemmer

from helpers.course.files import atomic_write_bytes, atomic_write_json, finish_pair, fsync_dir, locked_folder
from helpers.search._validate import check_int
from helpers.search.fusion import top_k

FORMAT = "helpers.lexical.BM25Index/1"  # the name of a file format, kept when modules move
ARRAYS, META = "bm25.npz", "bm25.json"
_PENDING = re.compile(r"^bm25\.[0-9a-f]{16}\.npz$")
_TEMPORARY = re.compile(r"^\.bm25\.(npz|json|[0-9a-f]{16}\.npz)\..+\.tmp$")


def _step(name: str) -> None:
    """Called between the steps of a save; tests replace it to crash (or SIGKILL) at each step."""


def _pending(sha: str) -> str:
    return f"bm25.{sha[:16]}.npz"


def _clean(path: Path) -> None:
    """Finish a save that a crash cut after its commit, then delete what crashed saves left."""
    finish_pair(path, META, "arrays_sha256", ARRAYS, _pending, (_PENDING, _TEMPORARY))


def _texts(texts: Any, name: str) -> list[str]:
    if isinstance(texts, str):
        raise TypeError(f"{name} must be a list of strings; wrap a single text: [{name[:-1] or name}]")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"{name} must be a list of strings, got {type(texts).__name__}") from None
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"{name}[{bad[0]}] is {type(texts[bad[0]]).__name__}; every item must be a str")
    return texts


class BM25Index:
    """BM25 over `texts`: `.search(queries, k)` gives (scores (nq, k) float32, ids (nq, k) int64), best first.

    k1 (term-frequency saturation) and b (length normalisation) default to bm25s's 1.5 and 0.75
    (Lucene's defaults are k1 = 1.2, b = 0.75). `stopwords`: "en", None or a list of words;
    `stemmer`: a Snowball language name such as "english", or None.
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75,
                 stopwords: str | list[str] | None = "en", stemmer: str | None = "english") -> None:
        texts = _texts(texts, "texts")
        if not texts:
            raise ValueError("texts is empty: BM25 needs at least one document to index")
        self._settings(k1, b, stopwords, stemmer)
        tokens = self.tokenize(texts)
        empty = [i for i, t in enumerate(tokens) if not t]
        if len(empty) == len(tokens):
            raise ValueError("no document has a single token after stopword removal: nothing to index")
        self.vocab = {t: i for i, t in enumerate(sorted({t for doc in tokens for t in doc}))}
        rows = np.repeat(np.arange(len(tokens)), [len(t) for t in tokens])
        cols = np.fromiter((self.vocab[t] for doc in tokens for t in doc), dtype=np.int64, count=len(rows))
        tf = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(tokens), len(self.vocab)))
        tf.sum_duplicates()
        self._build(tf)

    def _settings(self, k1: Any, b: Any, stopwords: Any, stemmer: Any) -> None:
        if isinstance(k1, bool) or not isinstance(k1, (int, float)) or not k1 >= 0:
            raise ValueError(f"k1 must be a number >= 0 (0: term counts ignored; 1.2-2 is usual), got {k1!r}")
        if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0 <= b <= 1:
            raise ValueError(f"b must be a number in [0, 1] (0: no length normalisation, 1: full), got {b!r}")
        if stopwords not in (None, "en", "english") and not (
                isinstance(stopwords, (list, tuple)) and all(isinstance(w, str) for w in stopwords)):
            raise ValueError(f"stopwords must be 'en', None or a list of words, got {stopwords!r:.60}")
        if stemmer is not None and stemmer not in Stemmer.algorithms():
            raise ValueError(f"stemmer must be None or one of PyStemmer's languages {Stemmer.algorithms()}, "
                             f"got {stemmer!r}")
        self.k1, self.b, self.stemmer_language = float(k1), float(b), stemmer
        self.stopwords = list(stopwords) if isinstance(stopwords, (list, tuple)) else stopwords
        self._stemmer = None if stemmer is None else Stemmer.Stemmer(stemmer)

    def _build(self, tf: sp.csr_matrix) -> None:
        """Precompute each (document, token) contribution from the term counts."""
        self.tf = tf
        self.lengths = np.asarray(tf.sum(axis=1)).ravel()
        self.n_docs = tf.shape[0]
        self.avgdl = float(self.lengths.mean())
        df = np.diff(tf.tocsc().indptr)
        self.idf = np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avgdl)
        w = tf.copy().astype(np.float64)
        counts = w.data
        w.data = self.idf[w.indices] * counts / (counts + np.repeat(norm, np.diff(w.indptr)))
        self.weights = w.astype(np.float32).tocsc()   # (n_docs, vocab): column t holds token t's scores

    def __repr__(self) -> str:
        return (f"BM25Index({self.n_docs:,} docs, {len(self.vocab):,} tokens, k1={self.k1}, b={self.b}, "
                f"stopwords={self.stopwords if isinstance(self.stopwords, str) or self.stopwords is None else 'custom'!r}, "
                f"stemmer={self.stemmer_language!r})")

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """The tokens each text becomes: lower case, stopwords removed, stemmed (what BM25 matches on)."""
        texts = _texts(texts, "texts")
        if not texts:
            return []
        return bm25s.tokenize(texts, stopwords=self.stopwords, stemmer=self._stemmer,
                              return_ids=False, show_progress=False)

    def _query_matrix(self, queries: Sequence[str]) -> sp.csr_matrix:
        queries = _texts(queries, "queries")
        if not queries:
            raise ValueError("queries is empty: pass at least one query string")
        tokens = self.tokenize(queries)
        known = [[self.vocab[t] for t in q if t in self.vocab] for q in tokens]
        unknown = [i for i, q in enumerate(known) if not q]
        if unknown:
            i = unknown[0]
            raise ValueError(f"{len(unknown)} of {len(queries)} queries have no token that occurs in the corpus "
                             f"(query {i}: {queries[i]!r:.60} -> tokens {tokens[i]}), so BM25 scores every "
                             "document 0: rephrase them with content words, or drop them (queries "
                             f"{unknown[:5]})")
        rows = np.repeat(np.arange(len(known)), [len(q) for q in known])
        cols = np.fromiter((t for q in known for t in q), dtype=np.int64, count=len(rows))
        return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(known), len(self.vocab)))

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """Every document's BM25 score for each query: a dense (nq, n_docs) float32 array."""
        return np.asarray((self._query_matrix(queries) @ self.weights.T).todense(), dtype=np.float32)

    def search(self, queries: Sequence[str], k: int = 10, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Top-k documents per query, best first: (scores (nq, k) float32, ids (nq, k) int64); ties by id.

        Only documents that share a token with the query are results: when fewer than k do, the rest of
        the row is id -1 with score -inf (the course's "no result", as helpers.search.index gives), not
        zero-score documents in id order that a fusion would then credit as if BM25 had found them.
        """
        check_int(k, "k")
        if k > self.n_docs:
            warnings.warn(f"k={k} but the index holds {self.n_docs} documents: returning {self.n_docs} "
                          "columns per query", stacklevel=2)
            k = self.n_docs
        q = self._query_matrix(queries)
        out_s, out_i = [], []
        for start in range(0, q.shape[0], batch_size):
            dense = (q[start:start + batch_size] @ self.weights.T).toarray()
            s, i = top_k(dense, k)
            none = s <= 0               # BM25 scores are >= 0; 0 means no query token in the document
            s, i = np.where(none, -np.inf, s), np.where(none, -1, i)
            out_s.append(s.astype(np.float32))
            out_i.append(i.astype(np.int64))
        return np.concatenate(out_s), np.concatenate(out_i)

    def save(self, path: str | os.PathLike) -> Path:
        """Write bm25.npz (the sparse term counts) and bm25.json (settings, vocabulary, checksum) into the
        folder `path`, all-or-nothing and one saver at a time (see the module docstring)."""
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise TypeError(f"path must be a folder path (str or pathlib.Path), got {type(path).__name__}")
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(f"{path} is a file; BM25Index.save writes {META} and {ARRAYS} into a folder")
        buffer = io.BytesIO()
        np.savez(buffer, data=self.tf.data, indices=self.tf.indices, indptr=self.tf.indptr,
                 shape=np.array(self.tf.shape), allow_pickle=False)
        blob = buffer.getvalue()
        sha = hashlib.sha256(blob).hexdigest()
        vocab = sorted(self.vocab, key=self.vocab.get)
        meta = {"format": FORMAT, "k1": self.k1, "b": self.b, "stopwords": self.stopwords,
                "stemmer": self.stemmer_language, "n_docs": self.n_docs, "vocab": vocab,
                "arrays_file": ARRAYS, "arrays_sha256": sha, "bm25s_version": bm25s.__version__}
        path.mkdir(parents=True, exist_ok=True)
        with locked_folder(path, exclusive=True):
            _clean(path)
            pending = path / _pending(sha)
            try:
                atomic_write_bytes(pending, blob)
                _step("arrays written")
                atomic_write_json(path / META, meta)  # the commit
            except BaseException:
                pending.unlink(missing_ok=True)
                raise
            _step("json written")
            os.replace(pending, path / ARRAYS)
            fsync_dir(path)
            _step("done")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BM25Index":
        """Read a folder written by `save`, checking that its two files belong together."""
        path = Path(path)
        if not (path / META).is_file():
            raise FileNotFoundError(f"{path / META} is missing; BM25Index.save writes {META} and {ARRAYS}")
        with locked_folder(path, exclusive=False):
            meta, blob = cls._read_pair(path)
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            tf = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
        if tf.shape != (meta["n_docs"], len(meta["vocab"])):
            raise ValueError(f"{path}: the arrays hold {tf.shape} but {META} says {meta['n_docs']} documents and "
                             f"{len(meta['vocab'])} tokens; save the index again")
        index = cls.__new__(cls)
        index._settings(meta["k1"], meta["b"], meta["stopwords"], meta["stemmer"])
        index.vocab = {t: i for i, t in enumerate(meta["vocab"])}
        index._build(tf)
        return index

    @staticmethod
    def _read_pair(path: Path) -> tuple[dict, bytes]:
        """bm25.json and the npz its checksum names: bm25.npz, or a committed bm25.<sha>.npz."""
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{path / META} is corrupt ({err}); save the index again") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{path / META} is not a {FORMAT} file; was it written by BM25Index.save?")
        sha = meta.get("arrays_sha256")
        candidates = [path / ARRAYS] + ([path / _pending(sha)] if isinstance(sha, str) else [])
        if not any(c.is_file() for c in candidates):
            raise FileNotFoundError(f"{path / ARRAYS} is missing; BM25Index.save writes {META} and {ARRAYS}")
        for candidate in candidates:
            with contextlib.suppress(FileNotFoundError):
                blob = candidate.read_bytes()
                if hashlib.sha256(blob).hexdigest() == sha:
                    return meta, blob
        raise ValueError(f"{path / ARRAYS} does not match {META} (checksum differs): the two were not "
                         "saved together or one is corrupt; save the index again")
