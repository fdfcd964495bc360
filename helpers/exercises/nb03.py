"""Checks for notebook 03's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/03_flat_index.ipynb, which imports it as
`from helpers.exercises import nb03 as check`.
"""
from __future__ import annotations

from typing import Any

import re

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from helpers.exercises._verdict import Verdict, _as_array, _report


def gold_ranks(Q: Any, P: Any, gold: Any) -> np.ndarray:
    """Rank (1 = best) of each query's gold row when all of P is ranked by inner product."""
    Q, P, gold = np.asarray(Q, np.float32), np.asarray(P, np.float32), np.asarray(gold)
    ranks = np.empty(len(Q), dtype=np.int64)
    for start in range(0, len(Q), 2048):   # blocks keep the score matrix small
        S = Q[start:start + 2048] @ P.T
        own = S[np.arange(len(S)), gold[start:start + 2048]]
        ranks[start:start + 2048] = (S > own[:, None]).sum(axis=1) + 1
    return ranks


def own_paragraph_ranks(answer: Any, Q: Any, P: Any, gold: Any) -> Verdict:
    """Exercise 03.1: for every question, the rank (1 = best) of its own paragraph among all paragraphs."""
    want = gold_ranks(Q, P, gold)
    got = _as_array(answer)
    if got is None or got.shape != want.shape:
        return _report(False, f"expected one rank per question, shape {want.shape}, got "
                              f"{getattr(got, 'shape', type(answer).__name__)}.")
    if np.allclose(got, want - 1):
        return _report(False, "these start at 0; rank 1 is the best hit, so add 1 to the position.")
    if np.allclose(got, len(P) + 1 - want, atol=1):
        return _report(False, "these count from the worst paragraph: higher inner product is better.")
    off = np.abs(got - want) > 1        # a tie within float rounding may move a rank by one
    if off.mean() > 1e-3:
        bad = int(np.flatnonzero(off)[0])
        return _report(False, f"question {bad}: its paragraph ranks {want[bad]}, you have {got[bad]:g}. Search "
                              "with k = index.ntotal, then find the column where the id equals the gold row.")
    return _report(True, f"median rank {np.median(want):g}; rank 1 for {np.mean(want == 1):.4f} of the questions "
                         f"(recall@1), beyond 10 for {int((want > 10).sum()):,} of them.")


CAUSES = ("paraphrase", "answer in another paragraph", "truncation", "ambiguous question", "other")


def answer_token_position(tokenizer: Any, context: str, char_start: int) -> int:
    """Position (counting [CLS] as 0) of the token where the answer starting at `char_start` begins."""
    offsets = tokenizer(context, return_offsets_mapping=True, truncation=False, verbose=False)["offset_mapping"]
    return 1 + sum(1 for start, end in offsets if end > start and start < char_start)


_WORD = re.compile(r"[a-z0-9]+")


def content_words(text: str) -> set[str]:
    """The lower-cased words of `text`, less scikit-learn's English stop words and single characters."""
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in ENGLISH_STOP_WORDS}


def answer_sentence(context: str, char_start: int) -> str:
    """The sentence of `context` (split after . ! or ? and a space) in which the answer at `char_start` begins."""
    bounds = [0, *(m.end() for m in re.finditer(r"(?<=[.!?])\s+", context)), len(context)]
    return next((context[a:b] for a, b in zip(bounds, bounds[1:]) if a <= char_start < b), context)


def failure_analysis(ranks: Any, causes: Any, Q: Any, P: Any, questions: Any, paragraphs: Any,
                     encoder: Any) -> Verdict:
    """Exercise 03.2: at least 5 questions ranked beyond 10, each rank right, each cause plausible.

    `ranks` and `causes` map question rows to the rank the learner measured and one of CAUSES.
    Verifiable causes are verified: 'truncation' needs the answer to start beyond the tokens the
    encoder read (and an answer that starts there must be called truncation); 'answer in another
    paragraph' needs an answer to appear in a paragraph ranked above; 'paraphrase' needs the sentence
    that holds the answer to share at most half of the question's content words. 'ambiguous question'
    and 'other' cannot be checked, so at most half of the questions may carry them.
    """
    if not isinstance(ranks, dict) or not isinstance(causes, dict):
        return _report(False, "expected two dicts keyed by question row: ranks {row: rank}, causes {row: cause}.")
    if set(ranks) != set(causes):
        return _report(False, f"ranks and causes should cover the same questions; only in one: "
                              f"{sorted(set(ranks) ^ set(causes))[:5]}.")
    if len(ranks) < 5:
        return _report(False, f"classify at least 5 questions, got {len(ranks)}.")
    gold = questions.paragraph_id.to_numpy()
    rows = [int(r) for r in ranks]
    want = gold_ranks(np.asarray(Q)[rows], P, gold[rows])
    for row, rank in zip(rows, want):
        if int(ranks[row]) != rank and abs(int(ranks[row]) - rank) > 1:
            return _report(False, f"question {row}: its paragraph ranks {rank}, not {ranks[row]}.")
        if rank <= 10:
            return _report(False, f"question {row}: its paragraph ranks {rank}, inside the top 10; pick questions "
                                  "ranked beyond 10.")
    labels = {row: str(causes[row]).strip().lower() for row in rows}
    for row in rows:
        if labels[row] not in CAUSES:
            return _report(False, f"question {row}: {causes[row]!r} is not one of {list(CAUSES)}.")
    n_other = sum(label == "other" for label in labels.values())
    if 2 * n_other > len(rows):
        return _report(False, f"{n_other} of your {len(rows)} questions are 'other', which names no cause: read "
                              "each question beside its own paragraph and the top hit again, and give at least "
                              "half of them one of the four causes (or choose misses you can explain).")
    n_unchecked = sum(label in ("other", "ambiguous question") for label in labels.values())
    if 2 * n_unchecked > len(rows):
        return _report(False, f"{n_unchecked} of your {len(rows)} questions are 'ambiguous question' or 'other', "
                              "which no test can confirm: give at least half of them a cause the check can "
                              "verify (paraphrase, answer in another paragraph, truncation).")
    for row in rows:
        cause = labels[row]
        q = questions.iloc[row]
        context = paragraphs.context[gold[row]]
        position = answer_token_position(encoder.tokenizer, context, int(min(q.answer_starts)))
        if position >= encoder.max_length - 1 and cause != "truncation":
            return _report(False, f"question {row}: its answer starts at token {position} of its paragraph (counting "
                                  f"[CLS] as 0), after the {encoder.max_length - 2} text tokens the encoder read "
                                  f"({encoder.max_length} with [CLS] and [SEP]), so the vector never held it: "
                                  f"that is truncation, whatever else ({cause!r}) is also true.")
        if cause == "truncation":
            if position < encoder.max_length - 1:
                return _report(False, f"question {row}: its answer starts at token {position} of its paragraph "
                                      f"(counting [CLS] as 0), inside the {encoder.max_length - 2} text tokens the "
                                      "encoder read; truncation did "
                                      "not hide it.")
        if cause == "paraphrase":
            asked = content_words(q.question)
            shared = sorted(asked & content_words(answer_sentence(context, int(min(q.answer_starts)))))
            if 2 * len(shared) > len(asked):
                return _report(False, f"question {row}: {len(shared)} of its {len(asked)} content words "
                                      f"({', '.join(shared)}) appear word for word in the sentence that holds the "
                                      "answer, so its paragraph says it in the question's own words, not in "
                                      "other ones; read what the paragraphs ranked above share with it.")
        if cause == "answer in another paragraph":
            scores = np.asarray(P) @ np.asarray(Q)[row]
            above = np.flatnonzero(scores > scores[gold[row]])
            texts = [paragraphs.context[i].lower() for i in above]
            if not any(a.lower() in t for a in q.answers for t in texts):
                return _report(False, f"question {row}: none of its answers {list(q.answers)} appears in the "
                                      f"{len(above)} paragraphs ranked above its own; choose another cause.")
    counts = {c: sum(label == c for label in labels.values()) for c in CAUSES}
    told = ", ".join(f"{c} {n}" for c, n in counts.items() if n)
    return _report(True, f"{len(rows)} questions, ranks confirmed ({told}); truncation checked by the answer's "
                         "token position, a paraphrase by the question's words in the answer's sentence, an "
                         "answer elsewhere only by its string appearing in a paragraph ranked above: read that "
                         "paragraph to judge it.")


def near_duplicates(answer: Any, P: Any, threshold: float) -> Verdict:
    """Exercise 03.3: the rows of P whose nearest OTHER row has cosine >= threshold (unit vectors)."""
    P = np.asarray(P, dtype=np.float32)
    S = P @ P.T
    np.fill_diagonal(S, -np.inf)
    best = S.max(axis=1)
    want = set(np.flatnonzero(best >= threshold).tolist())
    try:
        got = {int(x) for x in answer}
    except (TypeError, ValueError):
        return _report(False, "expected a collection of paragraph rows (integers).")
    if got == set(range(len(P))) and len(want) < len(P):
        return _report(False, "every paragraph is its own nearest neighbour (cosine 1): skip the hit whose id "
                              "is the query's own row, not simply the first column.")
    if got != want:
        extra, missing = sorted(got - want), sorted(want - got)
        if extra:
            return _report(False, f"row {extra[0]}'s nearest other paragraph has cosine {best[extra[0]]:.4f}, "
                                  f"below {threshold}.")
        return _report(False, f"row {missing[0]} is missing: its nearest other paragraph has cosine "
                              f"{best[missing[0]]:.4f}. Did you always drop column 0? With an exact duplicate "
                              "the query's own row need not come first.")
    return _report(True, f"{len(want)} paragraphs have a near-duplicate at cosine >= {threshold}.")
