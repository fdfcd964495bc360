"""Training pairs hidden in the corpus, and hard negatives mined with BM25 that skip false negatives.

Introduced in notebooks/12_choosing_the_encoder.ipynb. A pair is a docstring's summary line (the query)
and the rest of it (the document), from the training libraries only (helpers.course.apidocs:
scikit-learn is held out). A mined negative skips the documents that the text itself or a maintainer
says are related to the query's own (look-alikes, See Also links either way, the same summary):
taking them as negatives would teach the model to push away documents that are not wrong answers.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from helpers.course.apidocs import EVAL_LIBRARY, ApiDoc
from helpers.search.lexical import BM25Index

Pair = tuple[str, str, str]  # (doc_id, summary, body)


def training_pairs(docs: Sequence[ApiDoc], n: int | None = None, seed: int = 0,
                   exclude_library: str = EVAL_LIBRARY) -> list[Pair]:
    """(doc_id, summary, body) per distinct body, in doc_id order; n of them drawn per library if n is given."""
    held_out = sorted({d.doc_id for d in docs if d.library == exclude_library})
    if held_out:
        raise ValueError(f"{len(held_out)} documents of the held-out library {exclude_library!r} were passed "
                         f"(e.g. {held_out[0]}): train on load_apidocs(TRAIN_LIBRARIES) only")
    first: dict[str, ApiDoc] = {}
    for doc in sorted(docs, key=lambda d: d.doc_id):
        if doc.summary.strip() and doc.body.strip():
            first.setdefault(doc.body, doc)  # identical bodies: one pair, the first by doc_id
    pairs = sorted((d.doc_id, d.summary, d.body) for d in first.values())
    if n is None:
        return pairs
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(pairs):
        raise ValueError(f"n must be an int from 1 to {len(pairs)} (the distinct bodies), or None for all; got {n!r}")
    library = {d.doc_id: d.library for d in first.values()}
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(library[pair[0]], []).append(pair)
    quota = {lib: n * len(g) / len(pairs) for lib, g in groups.items()}  # proportional, largest remainder
    take = {lib: int(q) for lib, q in quota.items()}
    for lib in sorted(quota, key=lambda lib: (int(quota[lib]) - quota[lib], lib))[:n - sum(take.values())]:
        take[lib] += 1
    rng = np.random.default_rng(seed)
    chosen = [g[i] for lib, g in sorted(groups.items()) for i in rng.permutation(len(g))[:take[lib]]]
    return sorted(chosen)


def false_negative(doc: ApiDoc, candidate: ApiDoc) -> str | None:
    """Why `candidate` must not be a negative for `doc`'s summary, or None if it may be one."""
    if candidate.doc_id == doc.doc_id or candidate.doc_id in doc.aliases:
        return "the document itself"
    if candidate.body == doc.body or candidate.doc_id in doc.lookalikes or doc.doc_id in candidate.lookalikes:
        return "look-alike"
    if candidate.doc_id in doc.see_also or doc.doc_id in candidate.see_also:
        return "See Also"
    if candidate.summary.strip().casefold() == doc.summary.strip().casefold():
        return "same summary"
    return None


@dataclass
class MinedNegatives:
    """BM25-mined negatives per pair (a doc_id, or None when none was left), and what was skipped."""

    negatives: list[str | None]
    skipped: Counter = field(default_factory=Counter)  # reason -> candidates dropped
    hardest_was_false: int = 0                          # pairs whose top non-gold candidate was a false negative


def mine_bm25_negatives(pairs: Sequence[Pair], docs: Mapping[str, ApiDoc], k: int = 10, skip: int = 0,
                        corpus: Sequence[Pair] | None = None) -> MinedNegatives:
    """For each pair's summary, the (skip+1)-th best BM25 body of `corpus` (default: the pairs) that is
    neither its own nor a false negative; corpus bodies are searched, pairs' summaries are the queries."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1 or isinstance(skip, bool) or not isinstance(skip, int) \
            or not 0 <= skip < k:
        raise ValueError(f"need ints 1 <= k and 0 <= skip < k, got k={k!r}, skip={skip!r}")
    corpus = pairs if corpus is None else corpus
    missing = [p[0] for p in [*pairs, *corpus] if p[0] not in docs]
    if missing:
        raise KeyError(f"{len(missing)} pairs have no document in docs (e.g. {missing[0]}): pass "
                       "{d.doc_id: d for d in load_apidocs(...)} over the same libraries")
    bm25 = BM25Index([p[2] for p in corpus])
    _, ids = bm25.search([p[1] for p in pairs], k=min(k + 1, len(corpus)))
    mined = MinedNegatives(negatives=[])
    for row, pair in zip(ids, pairs):
        doc, kept, first = docs[pair[0]], [], True
        for i in row[row >= 0]:
            reason = false_negative(doc, docs[corpus[i][0]])
            if reason == "the document itself":
                continue
            if reason is not None:
                mined.skipped[reason] += 1
                mined.hardest_was_false += first
            else:
                kept.append(corpus[i][0])
            first = False
        mined.negatives.append(kept[skip] if len(kept) > skip else None)
    return mined


def training_rows(pairs: Sequence[Pair], negatives: Sequence[str | None] | None = None,
                  docs: Mapping[str, ApiDoc] | None = None) -> list[tuple[str, ...]]:
    """(summary, body) rows, or (summary, body, negative body) for the pairs that have a negative."""
    if negatives is None:
        return [(p[1], p[2]) for p in pairs]
    if len(negatives) != len(pairs) or docs is None:
        raise ValueError(f"negatives must have one entry per pair ({len(pairs)}, got {len(negatives)}) and docs "
                         "must map their doc_ids to documents")
    return [(p[1], p[2], docs[neg].body) for p, neg in zip(pairs, negatives) if neg is not None]
