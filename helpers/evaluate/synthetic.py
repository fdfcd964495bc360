"""The real reference set of the course's texts, and a synthetic set fitted to it for benchmarks at scale.

Introduced in notebooks/08_compression_graphs.ipynb; benchmarks/ann.py uses it at 1,000,000 vectors.

`reference_set` encodes every real text the course ships (SQuAD dev paragraphs, their sentences and
questions, STS-B sentences), drops repeated texts, and holds out a fixed sample of questions as
queries. `fit_mixture` fits a model to those vectors: k-means centres, and for each centre the
deviations of its own members, so that `sample` draws new vectors near a centre with noise only in
the directions its members actually vary in (the cluster's principal subspace), never in all 384.
That keeps the low intrinsic dimension of real sentence embeddings, which is what makes graphs and
product quantization work on them; isotropic noise on top of a few centres does not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from helpers.course.data import load_squad, load_stsb
from helpers.encode.cache import cached_encode
from helpers.encode.embed import TextEncoder
from helpers.search._validate import check_int

# A sentence ends at . ! or ? (perhaps closed by a quote or bracket) followed by a space and a capital or digit.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(paragraph: str, min_words: int = 3) -> list[str]:
    """A paragraph's sentences (a simple rule, good enough for Wikipedia prose); fragments under min_words dropped."""
    if not isinstance(paragraph, str):
        raise TypeError(f"paragraph must be a str, got {type(paragraph).__name__}")
    return [s.strip() for s in SENTENCE_END.split(paragraph) if len(s.split()) >= min_words]


@dataclass
class ReferenceSet:
    """Real vectors: `corpus` (n, d) with `source` and `texts` per row; `queries` are held-out SQuAD questions."""

    corpus: np.ndarray
    source: np.ndarray
    texts: list[str]
    queries: np.ndarray
    query_texts: list[str]


def reference_set(encoder: TextEncoder, n_queries: int = 1000, seed: int = 0) -> ReferenceSet:
    """Every real text of the course, encoded once (cached_encode), each text once; n_queries questions held out."""
    paragraphs, questions = load_squad()
    dev, test = load_stsb("dev"), load_stsb("test")
    sentences = [s for p in paragraphs.context for s in split_sentences(p)]
    # the same calls as the earlier notebooks make, so their cache entries are reused
    parts = {"paragraph": paragraphs.context.tolist(), "sentence": sentences,
             "question": questions.question.tolist(), "stsb": None}
    vectors = {name: cached_encode(encoder, texts) for name, texts in parts.items() if texts is not None}
    stsb_texts = [t for frame in (dev, test) for col in ("sentence1", "sentence2") for t in frame[col]]
    vectors["stsb"] = np.vstack([cached_encode(encoder, frame[col].tolist())
                                 for frame in (dev, test) for col in ("sentence1", "sentence2")])
    parts["stsb"] = stsb_texts
    rng = np.random.default_rng(seed)
    held_out = set(rng.choice(len(questions), n_queries, replace=False).tolist())
    seen: set[str] = set()
    rows, source, texts, q_rows, q_texts = [], [], [], [], []
    for name, part in parts.items():
        for i, text in enumerate(part):
            if name == "question" and i in held_out:
                q_rows.append(vectors[name][i])
                q_texts.append(text)
            elif text not in seen:
                seen.add(text)
                rows.append(vectors[name][i])
                source.append(name)
                texts.append(text)
    return ReferenceSet(np.asarray(rows, dtype=np.float32), np.asarray(source), texts,
                        np.asarray(q_rows, dtype=np.float32), q_texts)


@dataclass
class Mixture:
    """k-means centres of real vectors plus each centre's member deviations (rows of `residuals`, grouped by centre)."""

    centres: np.ndarray
    residuals: np.ndarray
    offsets: np.ndarray  # centre c's deviations are residuals[offsets[c]:offsets[c + 1]]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)


def _rows(x: Any, name: str) -> np.ndarray:
    """`x` as a finite float32 (n, d) array with n, d >= 1, else a ValueError that says what was expected."""
    arr = np.ascontiguousarray(x, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array of vectors, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or inf in {int((~np.isfinite(arr)).any(axis=1).sum())} rows; drop or fix them")
    return arr


def fit_mixture(real: np.ndarray, n_centres: int, seed: int = 0, niter: int = 20) -> Mixture:
    """Fit the model that `sample` draws from: spherical k-means on the real unit vectors, and each member's deviation."""
    n_centres = check_int(n_centres, "n_centres")
    real = _rows(real, "real")
    if len(real) < 2 * n_centres:
        fix = (f"use n_centres <= {len(real) // 2}" if len(real) >= 2 else "pass at least 2 vectors")
        raise ValueError(f"need at least 2 vectors per centre, got {len(real)} vectors for n_centres={n_centres}: {fix}")
    kmeans = faiss.Kmeans(real.shape[1], int(n_centres), niter=niter, seed=seed, spherical=True,
                          min_points_per_centroid=1, max_points_per_centroid=len(real))
    kmeans.train(real)
    assign = kmeans.index.search(real, 1)[1][:, 0]
    order = np.argsort(assign, kind="stable")
    counts = np.bincount(assign, minlength=n_centres)
    centres = np.zeros_like(kmeans.centroids)
    np.add.at(centres, assign, real)
    centres /= np.maximum(counts, 1)[:, None]  # the members' mean (not normalised): deviations then average zero
    residuals = real[order] - centres[assign[order]]
    return Mixture(centres.astype(np.float32), residuals.astype(np.float32),
                   np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))


def sample(model: Mixture, n: int, seed: int = 0, spread: float = 1.0) -> np.ndarray:
    """n unit vectors: a centre chosen in proportion to its members, plus Gaussian noise with that centre's covariance.

    The noise is a random combination of the centre's own member deviations (scaled by `spread`), so it lies in the
    subspace those members span: a handful of directions per centre, as in real embeddings.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(spread, bool) or not isinstance(spread, (int, float, np.floating)) or not np.isfinite(spread) \
            or spread < 0:
        raise ValueError(f"spread must be a finite number >= 0 (1.0: the members' own spread), got {spread!r}")
    rng = np.random.default_rng(seed)
    sizes = model.sizes
    picks = rng.choice(len(sizes), size=int(n), p=sizes / sizes.sum())
    out = np.empty((int(n), model.centres.shape[1]), dtype=np.float32)
    rows = np.argsort(picks, kind="stable")
    counts = np.bincount(picks, minlength=len(sizes))
    start = 0
    for c in np.flatnonzero(counts):
        block = rows[start:start + counts[c]]
        start += counts[c]
        members = model.residuals[model.offsets[c]:model.offsets[c + 1]]
        weights = rng.standard_normal((len(block), len(members)), dtype=np.float32)
        weights *= np.float32(spread / np.sqrt(max(len(members) - 1, 1)))
        out[block] = model.centres[c] + weights @ members
    faiss.normalize_L2(out)
    return out


def comparison_configs(nlist: int = 256) -> list:
    """One fixed setting per family, away from recall 1.0 so that a difference between data sets can show."""
    from helpers.evaluate.pareto import Config

    return [Config("HNSW32,Flat", "HNSW32,Flat", [{"efSearch": 16}]),
            Config(f"IVF{nlist},Flat", f"IVF{nlist},Flat", [{"nprobe": 4}]),
            Config(f"IVF{nlist},SQ8", f"IVF{nlist},SQ8", [{"nprobe": 4}]),
            Config(f"IVF{nlist},PQ48x4fs", f"IVF{nlist},PQ48x4fs", [{"nprobe": 8}]),
            Config(f"IVF{nlist},PQ48x4fs + rescoring", f"IVF{nlist},PQ48x4fs", [{"nprobe": 8, "depth": 40}], True),
            Config("binary + rescoring", "binary", [{"depth": 40}])]


def exact_top(X: np.ndarray, Q: np.ndarray, k: int = 10) -> np.ndarray:
    """The exact top-k ids by inner product (faiss.IndexFlatIP), the reference every recall is measured against."""
    k = check_int(k, "k")
    X, Q = _rows(X, "X"), _rows(Q, "Q")
    if Q.shape[1] != X.shape[1]:
        raise ValueError(f"Q has dimension {Q.shape[1]} but X has {X.shape[1]}: encode both with the same model")
    index = faiss.IndexFlatIP(X.shape[1])
    index.add(X)
    return index.search(Q, k)[1]  # k > len(X): faiss pads each row with id -1


def compare(real: np.ndarray, synthetic: np.ndarray, Q: np.ndarray, configs: list | None = None,
            tolerance: float = 0.05, seed: int = 0) -> Any:
    """Recall@10 of each family at fixed settings on the real vectors and on as many synthetic ones, side by side."""
    import pandas as pd

    from helpers.evaluate.pareto import sweep

    if len(synthetic) != len(real):
        raise ValueError(f"compare on equal sizes: {len(real):,} real vectors but {len(synthetic):,} synthetic ones; "
                         "pass synthetic[:len(real)] or sample len(real) vectors")
    configs = configs or comparison_configs()
    runs = [sweep(X, Q, configs, exact_top(X, Q), repeats=1, seed=seed) for X in (real, synthetic)]
    table = pd.DataFrame({"family": runs[0]["index"], "settings": runs[0]["settings"],
                          "recall real": runs[0]["recall@10"], "recall synthetic": runs[1]["recall@10"]})
    table["difference"] = table["recall synthetic"] - table["recall real"]
    table["within"] = table["difference"].abs() <= tolerance
    return table


def nearest_neighbour_cosine(X: np.ndarray, sample: int = 2000, seed: int = 0) -> float:
    """Median cosine between a vector and its nearest other vector, over a random sample of rows (unit vectors)."""
    X, sample = _rows(X, "X"), check_int(sample, "sample")
    if len(X) < 2:
        raise ValueError(f"X has {len(X)} vector(s): a nearest *other* vector needs at least 2")
    rows = np.random.default_rng(seed).choice(len(X), min(sample, len(X)), replace=False)
    scores = X[rows] @ X.T
    scores[np.arange(len(rows)), rows] = -np.inf
    return float(np.median(scores.max(axis=1)))
