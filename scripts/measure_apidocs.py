"""Measure data/apidocs (issue 25's corpus): sizes, lengths, duplicates, See Also, and a feasibility check.

    COURSE_CACHE_DIR=/work/cache/embeddings .venv/bin/python scripts/measure_apidocs.py

Prints every figure of the corpus report. The feasibility check: a document's summary line is the
query and the rest of its docstring the one relevant document (strict), or it and its exact and
near duplicates (lenient: a search cannot tell those apart); BM25 (helpers.lexical.BM25Index)
against all-MiniLM-L6-v2 exact search (helpers.embed.TextEncoder, helpers.cache.cached_encode).
See Also as relevance: the query is a document's summary, the relevant documents its See Also
targets, the corpus every document's summary and body, the query's own document left out.
The full-corpus encoding is timed only when its vectors are not cached yet (one run, on whatever
machine this is: say whether it was shared).
"""
from __future__ import annotations

import argparse
import builtins
import gzip
import importlib.util
import json
import os
import platform
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

from helpers.course.paths import cache_dir
from helpers.encode.cache import cache_key, cached_encode
from helpers.encode.embed import TextEncoder
from helpers.evaluate.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from helpers.search.fusion import top_k
from helpers.search.lexical import BM25Index

CORPUS = Path(__file__).resolve().parents[1] / "data" / "apidocs" / "corpus.jsonl.gz"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
LIBS = ("numpy", "scipy", "pandas", "sklearn")
SPLITS = {"A: numpy+scipy | pandas+sklearn": ({"numpy", "scipy"}, {"pandas", "sklearn"}),
          "B: numpy+scipy+pandas | sklearn": ({"numpy", "scipy", "pandas"}, {"sklearn"})}


def full_text(d: dict) -> str:
    return d["summary"] + "\n\n" + d["body"]


def pct(values, qs=(10, 25, 50, 75, 90, 99)) -> str:
    v = np.asarray(values)
    return ", ".join(f"p{q} {np.percentile(v, q):,.0f}" for q in qs) + f", max {v.max():,}"


def section(title: str) -> None:
    print(f"\n## {title}")


def counts(docs: list[dict]) -> None:
    section("documents per library and kind")
    kinds = ("class", "function", "method", "property", "object")
    c = Counter((d["library"], d["kind"]) for d in docs)
    print("library  " + "  ".join(f"{k:>8}" for k in kinds) + "     total")
    for lib in LIBS:
        print(f"{lib:8} " + "  ".join(f"{c[lib, k]:8,}" for k in kinds) + f"  {sum(c[lib, k] for k in kinds):8,}")
    print(f"{'all':8} " + "  ".join(f"{sum(c[l, k] for l in LIBS):8,}" for k in kinds) + f"  {len(docs):8,}")


def lengths(docs: list[dict], encoder: TextEncoder) -> None:
    section("lengths (document = summary + blank line + body; tokens of all-MiniLM-L6-v2 with [CLS] and [SEP])")
    texts = [full_text(d) for d in docs]
    chars = np.array([len(t) for t in texts])
    tokens = encoder.token_counts(texts)
    body_tokens = encoder.token_counts([d["body"] for d in docs])
    summary_tokens = encoder.token_counts([d["summary"] for d in docs])
    print(f"characters: {pct(chars)}; mean {chars.mean():,.0f}")
    print(f"tokens:     {pct(tokens)}; mean {tokens.mean():,.0f}")
    for limit in (128, 256):
        print(f"  documents over {limit} tokens: {(tokens > limit).sum():,} of {len(docs):,} "
              f"({(tokens > limit).mean():.1%}); bodies over {limit}: {(body_tokens > limit).sum():,} "
              f"({(body_tokens > limit).mean():.1%})")
    print(f"summary tokens: {pct(summary_tokens)}; summaries over 128 tokens: {(summary_tokens > 128).sum()}")
    for lib in LIBS:
        m = np.array([d["library"] == lib for d in docs])
        print(f"  {lib:8} median {np.median(chars[m]):,.0f} chars, {np.median(tokens[m]):,.0f} tokens; "
              f"over 256 tokens {(tokens[m] > 256).mean():.1%}, over 128 {(tokens[m] > 128).mean():.1%}")
    tokens_sum = int(tokens.sum())
    print(f"all documents: {chars.sum():,} characters, {tokens_sum:,} tokens "
          f"({int(np.minimum(tokens, 256).sum()):,} of them within the 256-token window)")


def duplicates(docs: list[dict]) -> None:
    section("duplicates, near-duplicates, aliases")
    by_text = defaultdict(list)
    by_body = defaultdict(list)
    by_summary = defaultdict(list)
    for d in docs:
        by_text[d["summary"], d["body"]].append(d["doc_id"])
        by_body[d["body"]].append(d["doc_id"])
        by_summary[d["summary"]].append(d["doc_id"])
    for name, groups in (("summary and body", by_text), ("body", by_body), ("summary", by_summary)):
        multi = [g for g in groups.values() if len(g) > 1]
        print(f"identical {name}: {len(multi):,} groups holding {sum(map(len, multi)):,} documents "
              f"(largest {max(map(len, multi)) if multi else 0})")
    top = sorted(by_summary.items(), key=lambda kv: -len(kv[1]))[:8]
    print("  most shared summaries: " + "; ".join(f"{s[:50]!r} x{len(g)}" for s, g in top))
    pairs = {tuple(sorted((d["doc_id"], n))) for d in docs for n in d["near_duplicates"]}
    print(f"near-duplicate pairs (Jaccard >= 0.8 on word 5-shingles, not identical): {len(pairs):,}, "
          f"{sum(bool(d['near_duplicates']) for d in docs):,} documents")
    lib_of = {d["doc_id"]: d["library"] for d in docs}
    cross = Counter(tuple(sorted((lib_of[a], lib_of[b]))) for a, b in pairs if lib_of[a] != lib_of[b])
    print(f"  across libraries: {dict(cross) or 0}")
    inherited = other = 0
    owners = Counter()
    for d in docs:
        for a in d["aliases"]:
            if d["owner"] and a.rsplit(".", 1)[0] != d["owner"]:
                inherited += 1
                owners[d["doc_id"]] += 1
            else:
                other += 1
    print(f"alias paths: {inherited + other:,} on {sum(bool(d['aliases']) for d in docs):,} documents; "
          f"{inherited:,} are the same method or property reached through another class (inherited), "
          f"{other:,} other names (module-level aliases, re-exports)")
    print("  most inherited: " + "; ".join(f"{k} x{v}" for k, v in owners.most_common(6)))
    print(f"deprecated (kept, flagged): {sum(bool(d['deprecated']) for d in docs)}")


def see_also(docs: list[dict]) -> None:
    section("See Also")
    ids = {d["doc_id"] for d in docs}
    lib_of = {d["doc_id"]: d["library"] for d in docs}
    edges = {(d["doc_id"], t) for d in docs for t in d["see_also"]}
    assert all(t in ids for _, t in edges)
    with_section = sum(bool(d["see_also"] or d["see_also_unresolved"]) for d in docs)
    print(f"documents with a See Also section: {with_section:,}; with at least one resolved link: "
          f"{sum(bool(d['see_also']) for d in docs):,}")
    unresolved = sum(len(d["see_also_unresolved"]) for d in docs)
    print(f"links: {len(edges):,} resolved, {unresolved:,} unresolved "
          f"({len(edges) / (len(edges) + unresolved):.1%} resolved)")
    recip = sum((b, a) in edges for a, b in edges)
    print(f"reciprocal: {recip:,} of {len(edges):,} links ({recip / len(edges):.1%}) have the reverse link")
    cross = Counter((lib_of[a], lib_of[b]) for a, b in edges if lib_of[a] != lib_of[b])
    print(f"links across libraries: {sum(cross.values()):,}: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in
                                                                         sorted(cross.items())))
    parent = {d: d for d in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in edges:
        parent[find(a)] = find(b)
    linked = {x for e in edges for x in e}
    sizes = Counter(find(x) for x in linked)
    comp = sorted(sizes.values(), reverse=True)
    print(f"connected components (undirected) among the {len(linked):,} linked documents: {len(comp):,}; "
          f"largest {comp[0]:,}, then {comp[1:6]}; components of 2: {comp.count(2):,}; "
          f"documents with no link either way: {len(ids) - len(linked):,}")
    out_deg = np.array([len(d["see_also"]) for d in docs if d["see_also"]])
    print(f"resolved links per linking document: {pct(out_deg, (50, 90, 99))}")
    kinds = Counter()
    for d in docs:
        for t in d["see_also_unresolved"]:
            head = t.split(".")[0]
            if head not in ("numpy", "scipy", "pandas", "sklearn", "np", "pd") and (
                    hasattr(builtins, head) or (head.isidentifier() and importlib.util.find_spec(head) is not None)):
                kinds["outside the four libraries (standard library, builtins, matplotlib ...)"] += 1
            elif "." not in t and ("-" in t or not t.isidentifier()):
                kinds["a user-guide label or free text"] += 1
            else:
                kinds["a name with no document here (a module, a removed or private object, a typo)"] += 1
    print("unresolved targets: " + "; ".join(f"{k}: {v}" for k, v in kinds.most_common()))


def encoder_texts(encoder, texts):
    return cached_encode(encoder, texts, batch_size=32, normalize=True)


def hit_at_k(run: dict, qrels: dict, k: int) -> float:
    """Share of queries with at least one relevant document in the top k (recall@k when one is relevant)."""
    return float(np.mean([any(qrels[q].get(d, 0) > 0 for d in run[q][:k]) for q in qrels]))


def evaluate(name: str, ids: np.ndarray, query_ids: list, doc_ids: list, qrels: dict,
             recall: bool = False) -> dict:
    run = {q: [doc_ids[j] for j in row] for q, row in zip(query_ids, ids.tolist()) if q in qrels}
    scores = {"hit@1": hit_at_k(run, qrels, 1), "hit@10": hit_at_k(run, qrels, 10)}
    if recall:
        scores["recall@10"] = recall_at_k(run, qrels, 10)
    scores.update({"MRR@10": mrr_at_k(run, qrels, 10), "nDCG@10": ndcg_at_k(run, qrels, 10)})
    print(f"  {name:46} " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()))
    return scores


def per_query(ids: np.ndarray) -> dict[str, np.ndarray]:
    """hit@1, hit@10 and reciprocal rank@10 of each query whose one relevant document is its own row."""
    own = np.arange(len(ids))[:, None]
    match = ids[:, :10] == own
    rank = np.where(match.any(axis=1), match.argmax(axis=1) + 1, 0)
    return {"hit@1": match[:, 0].astype(float), "hit@10": match.any(axis=1).astype(float),
            "MRR@10": np.where(rank > 0, 1.0 / np.maximum(rank, 1), 0.0)}


def paired_difference(a: np.ndarray, b: np.ndarray, label: str, n: int = 2000) -> None:
    """BM25 minus MiniLM per metric, with a 95% paired bootstrap interval over queries (seed 0)."""
    pa, pb = per_query(a), per_query(b)
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(a), size=(n, len(a)))
    parts = []
    for metric in pa:
        diff = pa[metric] - pb[metric]
        boot = diff[draws].mean(axis=1)
        parts.append(f"{metric} {diff.mean():+.3f} [{np.percentile(boot, 2.5):+.3f}, {np.percentile(boot, 97.5):+.3f}]")
    print(f"  BM25 - MiniLM, {label} (95% paired bootstrap, {n} resamples): " + "; ".join(parts))


def bm25_top(docs_texts: list[str], queries: list[str], k: int) -> np.ndarray:
    index = BM25Index(docs_texts)
    _, ids = index.search(queries, k=k)
    return ids


def dense_top(q: np.ndarray, d: np.ndarray, k: int, exclude_self: bool = False) -> np.ndarray:
    out = []
    for start in range(0, len(q), 1024):
        s = q[start:start + 1024] @ d.T
        if exclude_self:
            s[np.arange(len(s)), np.arange(start, start + len(s))] = -np.inf
        out.append(top_k(s, k)[1])
    return np.concatenate(out)


def feasibility(docs: list[dict], summary_vecs: np.ndarray, body_vecs: np.ndarray) -> None:
    section("feasibility: summary line as the query, the rest of the docstring as the document")
    for scope in (("pandas", "sklearn"), ("numpy", "scipy"), LIBS):
        rows = [i for i, d in enumerate(docs) if d["library"] in scope]
        sub = [docs[i] for i in rows]
        ids = [d["doc_id"] for d in sub]
        inside = set(ids)
        strict = {d["doc_id"]: {d["doc_id"]: 1} for d in sub}
        lenient = {d["doc_id"]: {x: 1 for x in [d["doc_id"], *d["duplicates"], *d["near_duplicates"]] if x in inside}
                   for d in sub}
        shared = Counter(d["summary"] for d in sub)
        unique = {q: v for q, v in strict.items() if shared[sub[ids.index(q)]["summary"]] == 1}
        print(f"{'+'.join(scope)}: {len(sub):,} queries, {len(sub):,} documents; lenient counts "
              f"{sum(len(v) > 1 for v in lenient.values()):,} queries with more than one right answer; "
              f"{len(unique):,} queries have a summary no other document in scope shares")
        bm = bm25_top([d["body"] for d in sub], [d["summary"] for d in sub], 10)
        dn = dense_top(summary_vecs[rows], body_vecs[rows], 10)
        for label, qrels in (("strict", strict), ("lenient", lenient), ("unique summaries", unique)):
            evaluate(f"BM25 (bm25s tokens, stemmed) {label}", bm, ids, ids, qrels)
            evaluate(f"MiniLM exact {label}", dn, ids, ids, qrels)
        paired_difference(bm, dn, "strict")
        if scope != ("pandas", "sklearn"):
            continue
        for group in ("class", "function", "method", "property", "pandas", "sklearn"):
            qrels = {q: v for q, v in strict.items() if group in (sub[ids.index(q)]["kind"], sub[ids.index(q)]["library"])}
            print(f"  strict, the {len(qrels):,} queries of {group} documents (same search over all {len(sub):,}):")
            evaluate("  BM25", bm, ids, ids, qrels)
            evaluate("  MiniLM exact", dn, ids, ids, qrels)
        keep = [j for j, d in enumerate(sub) if d["kind"] in ("function", "class")]
        small = [ids[j] for j in keep]
        qrels = {q: {q: 1} for q in small}
        print(f"  strict, functions and classes only: {len(keep):,} queries searching those {len(keep):,} documents")
        bm_small = bm25_top([sub[j]["body"] for j in keep], [sub[j]["summary"] for j in keep], 10)
        dn_small = dense_top(summary_vecs[rows][keep], body_vecs[rows][keep], 10)
        evaluate("  BM25", bm_small, small, small, qrels)
        evaluate("  MiniLM exact", dn_small, small, small, qrels)
        paired_difference(bm_small, dn_small, "functions and classes only")


def see_also_relevance(docs: list[dict], summary_vecs: np.ndarray, full_vecs: np.ndarray) -> None:
    section("See Also as relevance: query = a document's summary, relevant = its See Also targets")
    for scope in (("pandas", "sklearn"), LIBS):
        rows = [i for i, d in enumerate(docs) if d["library"] in scope]
        sub = [docs[i] for i in rows]
        ids = [d["doc_id"] for d in sub]
        inside = set(ids)
        queries = [j for j, d in enumerate(sub) if any(t in inside for t in d["see_also"])]
        qids = [ids[j] for j in queries]
        qrels = {ids[j]: {t: 1 for t in sub[j]["see_also"] if t in inside} for j in queries}
        n_rel = np.array([len(v) for v in qrels.values()])
        print(f"{'+'.join(scope)}: {len(queries):,} queries with a See Also target in scope, {len(sub):,} documents "
              f"(summary + body); relevant per query: median {np.median(n_rel):.0f}, mean {n_rel.mean():.2f}; "
              "the query's own document is left out of its ranking")
        texts = [full_text(d) for d in sub]
        index = BM25Index(texts)
        scores = index.scores([sub[j]["summary"] for j in queries])
        scores[np.arange(len(queries)), queries] = -np.inf
        bm = top_k(scores, 10)[1]
        sv = full_vecs[rows]
        qv = summary_vecs[[rows[j] for j in queries]]
        s = qv @ sv.T
        s[np.arange(len(queries)), queries] = -np.inf
        dn = top_k(s, 10)[1]
        evaluate("BM25 (bm25s tokens, stemmed)", bm, qids, ids, qrels, recall=True)
        evaluate("MiniLM exact", dn, qids, ids, qrels, recall=True)
        # a target that links back names the query's callable in its own See Also, often with the
        # query's summary as the description: words the query shares with its judged document
        links = {(q, t) for q in qids for t in qrels[q]}
        for label, back in (("links back", True), ("does not link back", False)):
            chosen = [(k, t) for k, q in enumerate(qids) for t in qrels[q] if ((t, q) in links) == back]
            found = {name: np.mean([ids.index(t) in set(top[k].tolist()) for k, t in chosen])
                     for name, top in (("BM25", bm), ("MiniLM", dn))}
            print(f"  links whose target {label}: {len(chosen):,}; target in the top 10: BM25 {found['BM25']:.3f}, "
                  f"MiniLM {found['MiniLM']:.3f}")


def splits(docs: list[dict]) -> None:
    section("candidate train | evaluation splits (by library)")
    lib_of = {d["doc_id"]: d["library"] for d in docs}
    for name, (train, test) in SPLITS.items():
        n_train = sum(lib_of[d] in train for d in lib_of)
        n_test = sum(lib_of[d] in test for d in lib_of)
        links = Counter()
        for d in docs:
            for t in d["see_also"]:
                a, b = lib_of[d["doc_id"]] in test, lib_of[t] in test
                links["eval->train" if a and not b else "train->eval" if b and not a else "inside"] += 1
        near = sum(1 for d in docs if lib_of[d["doc_id"]] in test
                   for n in d["duplicates"] + d["near_duplicates"] if lib_of[n] in train)
        summaries_train = {d["summary"] for d in docs if lib_of[d["doc_id"]] in train}
        shared = sum(d["summary"] in summaries_train for d in docs if lib_of[d["doc_id"]] in test)
        eval_linking = sum(1 for d in docs if lib_of[d["doc_id"]] in test and any(lib_of[t] in train for t in d["see_also"]))
        print(f"{name}: train {n_train:,}, evaluation {n_test:,} documents; See Also links eval->train "
              f"{links['eval->train']:,} (from {eval_linking:,} evaluation documents), train->eval "
              f"{links['train->eval']:,}; (near-)duplicate pairs across the boundary {near:,}; evaluation "
              f"summaries that also occur verbatim in training {shared:,}")


def timing(docs: list[dict], encoder: TextEncoder) -> np.ndarray:
    section("encoding the whole corpus with all-MiniLM-L6-v2 (torch, CPU)")
    texts = [full_text(d) for d in docs]
    if (cache_dir() / f"{cache_key(encoder, texts, 32, True)}.npy").is_file():
        print("the full-text vectors are in the embedding cache: not timed (point COURSE_CACHE_DIR at an empty "
              "folder to time a cold encoding)")
        return encoder_texts(encoder, texts)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    vecs = encoder_texts(encoder, texts)   # a cache miss: the model encodes every text, then the file is written
    seconds = time.perf_counter() - t0
    load1 = os.getloadavg()
    print(f"{len(texts):,} documents (summary + body, cut at {encoder.max_length} tokens), batch 32, "
          f"torch threads {torch.get_num_threads()}: {seconds:.1f} s, {len(texts) / seconds:.1f} documents/s")
    print(f"machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.platform()}; load average "
          f"{load0[0]:.2f} before, {load1[0]:.2f} after (1-minute)")
    return vecs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    torch.set_num_threads(2)
    docs = [json.loads(line) for line in gzip.open(CORPUS, "rt", encoding="utf-8")]
    print(f"{CORPUS.relative_to(CORPUS.parents[2])}: {len(docs):,} documents")
    counts(docs)
    encoder = TextEncoder(MODEL)
    lengths(docs, encoder)
    duplicates(docs)
    see_also(docs)
    splits(docs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # TruncationWarning: the lengths section counts what is cut
        summary_vecs = encoder_texts(encoder, [d["summary"] for d in docs])
        body_vecs = encoder_texts(encoder, [d["body"] for d in docs])
        feasibility(docs, summary_vecs, body_vecs)
        full_vecs = timing(docs, encoder)
    see_also_relevance(docs, summary_vecs, full_vecs)


if __name__ == "__main__":
    main()
