"""Pool the candidates that judges grade for notebook 11's judged set (TREC-style depth pooling).

Usage: .venv/bin/python scripts/build_judging_pool.py [--depth 20] [--packets FOLDER]
       .venv/bin/python scripts/build_judging_pool.py --packets FOLDER --from-pool

For every query in data/apidocs/judged/queries.jsonl, four systems search the held-out library's
documents (scikit-learn; helpers.course.apidocs.EVAL_LIBRARY) and their top `depth` are pooled:
BM25 (helpers.search.lexical, bm25s's defaults, stemmed), all-MiniLM-L6-v2 and all-mpnet-base-v2
(exact cosine over unit vectors, each model's own window), and RRF (k = 60) of BM25's and MiniLM's
top 100. BM25 contributes only documents that share a word with the query (score > 0).
Writes data/apidocs/judged/pool.jsonl: one line per (query, document) with each system's rank
(null where that system did not return it within `depth`). With --packets, also writes one
markdown file per query for the judges: the query, its need, and the pooled documents in an order
that hides which system found them (sorted by a hash of query and doc_id). With --from-pool, the
packets are written from the committed pool.jsonl without running any system (seconds, not the
half hour MPNet's encoding takes on 2 cores).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from helpers.course import repro
from helpers.course.apidocs import EVAL_LIBRARY, load_apidocs
from helpers.course.data import data_path
from helpers.encode.cache import cached_encode
from helpers.encode.embed import TextEncoder
from helpers.search.fusion import rrf
from helpers.search.lexical import BM25Index
from helpers.search.similarity import top_k

SYSTEMS = ("bm25", "minilm", "mpnet", "rrf")
MODELS = {"minilm": "sentence-transformers/all-MiniLM-L6-v2", "mpnet": "sentence-transformers/all-mpnet-base-v2"}
BODY_CHARS = 1500  # of each document shown to a judge, after its path, signature and summary


def read_queries() -> list[dict]:
    path = data_path("apidocs", "judged", "queries.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rankings(queries: list[str], texts: list[str], depth: int) -> dict[str, np.ndarray]:
    """Each system's top `depth` document positions per query (-1 where a system returned nothing)."""
    bm25 = BM25Index(texts)
    scores, ids = bm25.search(queries, k=100)
    ids = np.where(scores > 0, ids, -1)
    runs = {"bm25": ids[:, :depth]}
    dense100 = {}
    for name, model_id in MODELS.items():
        encoder = TextEncoder(model_id)
        docs = cached_encode(encoder, texts)
        q = encoder.encode(queries)
        _, dense100[name] = top_k(q @ docs.T, 100)
        runs[name] = dense100[name][:, :depth]
    _, fused = rrf([ids, dense100["minilm"]], k=60, limit=depth)
    runs["rrf"] = fused
    return runs


def packet(query: dict, docs: list, pooled: list[int]) -> str:
    """The markdown a judge reads for one query: its need and the documents, in a system-blind order."""
    lines = [f"# {query['query_id']}: {query['query']}", "", f"**Need:** {query['expected']}", "",
             "Grade each document 0, 1 or 2 (GUIDELINES.md).", ""]
    for i in pooled:
        d = docs[i]
        body = d.body if len(d.body) <= BODY_CHARS else d.body[:BODY_CHARS] + " [...]"
        lines += [f"## {d.doc_id}  ({d.kind})", "", f"`{d.name}{d.signature or ''}`", "", d.summary, "",
                  body, ""]
    return "\n".join(lines)


def blind_order(query_id: str, doc_ids: list[str]) -> list[int]:
    """Positions of doc_ids in an order that hides which system found them: a hash of query and doc_id."""
    return sorted(range(len(doc_ids)), key=lambda i: hashlib.sha256(f"{query_id} {doc_ids[i]}".encode()).hexdigest())


def packets_from_pool(folder: Path) -> int:
    """Write one judge's packet per query from the committed pool.jsonl (no system is run)."""
    queries = read_queries()
    docs = load_apidocs([EVAL_LIBRARY])
    position = {d.doc_id: i for i, d in enumerate(docs)}
    pool_path = data_path("apidocs", "judged", "pool.jsonl")
    pooled: dict[str, list[str]] = {}
    for line in pool_path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["doc_id"] not in position:
            raise SystemExit(f"{pool_path}: {row['doc_id']!r} is not a {EVAL_LIBRARY} document of data/apidocs; "
                             "rebuild the pool with this script (without --from-pool)")
        pooled.setdefault(row["query_id"], []).append(row["doc_id"])
    folder.mkdir(parents=True, exist_ok=True)
    for query in queries:
        ids = pooled.get(query["query_id"], [])
        order = [position[ids[i]] for i in blind_order(query["query_id"], ids)]
        (folder / f"{query['query_id']}.md").write_text(packet(query, docs, order), encoding="utf-8")
    print(f"{len(queries)} packets, {sum(map(len, pooled.values()))} documents, written to {folder}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--packets", type=Path, default=None)
    parser.add_argument("--from-pool", action="store_true", help="write --packets from pool.jsonl only")
    args = parser.parse_args(argv)
    if args.from_pool:
        if args.packets is None:
            parser.error("--from-pool writes packets: give --packets FOLDER")
        return packets_from_pool(args.packets)
    repro.setup()
    queries = read_queries()
    docs = load_apidocs([EVAL_LIBRARY])
    runs = rankings([q["query"] for q in queries], [d.text for d in docs], args.depth)
    rows = []
    for qi, query in enumerate(queries):
        ranks: dict[int, dict[str, int | None]] = {}
        for name in SYSTEMS:
            for rank, doc in enumerate(runs[name][qi], start=1):
                if doc >= 0:
                    ranks.setdefault(int(doc), dict.fromkeys(SYSTEMS))[name] = rank
        found = list(ranks)
        blind = [found[j] for j in blind_order(query["query_id"], [docs[i].doc_id for i in found])]
        rows += [{"query_id": query["query_id"], "doc_id": docs[i].doc_id, **{f"rank_{s}": ranks[i][s] for s in SYSTEMS}}
                 for i in sorted(ranks, key=lambda i: docs[i].doc_id)]
        if args.packets:
            args.packets.mkdir(parents=True, exist_ok=True)
            (args.packets / f"{query['query_id']}.md").write_text(packet(query, docs, blind), encoding="utf-8")
    out = data_path("apidocs", "judged") / "pool.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    per_query = np.bincount([int(r["query_id"][1:]) for r in rows])[1:]
    print(f"{len(rows)} pooled (query, document) pairs for {len(queries)} queries at depth {args.depth}: "
          f"{per_query.min()} to {per_query.max()} per query, median {int(np.median(per_query))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
