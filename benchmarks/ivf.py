"""IVF versus flat search on 200,000 vectors of dimension 384, in one run: recall@10 and queries per second.

Introduced in notebooks/04_ivf_index.ipynb, which runs the same comparison on the 2,067 real SQuAD
paragraphs; this script shows what happens at a size where IVF pays off.

The corpus is a SYNTHETIC CLUSTERED SAMPLE shaped like the real embeddings, not 200,000 real
sentences (encoding those would take hours on 2 CPU cores): each vector is a real SQuAD dev paragraph
embedding (all-MiniLM-L6-v2) plus Gaussian noise drawn with the covariance of those embeddings, then
normalised. The noise scale is set so that a vector's nearest neighbour is about as similar as in
the real corpus (the script prints both). The queries are real SQuAD dev questions. The baseline is
faiss.IndexFlatIP (exact); recall@10 is measured against its top 10. Times are for one batched search
of all queries, best of --repeats runs, so they depend on the machine and on what else runs on it.

nlist follows the course's one rule (notebook 04, section 7): 4*sqrt(n) to 16*sqrt(n), from faiss's wiki
"Guidelines to choose an index", at most n // 39 so that k-means gets 39 training points per list. The
default is the low end, round(4*sqrt(n)): 1,789 lists for 200,000 vectors.
The generator is helpers.evaluate.lookalike.synthesize; notebook 04 draws the first 100,000 of these vectors.

Usage: python benchmarks/ivf.py [--n 200000] [--nlist N] [--nprobe 1,2,4,8,16,32,64] [--threads 2]
Writes benchmarks/results/ivf.csv and benchmarks/results/ivf.png.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import time
import warnings
from pathlib import Path

import faiss
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.course import plots, repro  # noqa: E402
from helpers.course.data import load_squad  # noqa: E402
from helpers.course.files import atomic_write_bytes  # noqa: E402
from helpers.course.paths import REPO_ROOT  # noqa: E402
from helpers.encode.cache import cached_encode  # noqa: E402
from helpers.encode.embed import TextEncoder, TruncationWarning  # noqa: E402
from helpers.evaluate.lookalike import nearest_neighbour_cosine, synthesize  # noqa: E402
from helpers.evaluate.metrics import neighbour_recall  # noqa: E402
from helpers.search.index import MIN_POINTS_PER_LIST, build_index, time_search  # noqa: E402


def sweep(X: np.ndarray, queries: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    """Time IndexFlatIP, then IVF at each nprobe, on the same queries; recall@10 against the flat result."""
    flat = build_index(X, kind="flat", metric="ip")
    flat_ms, exact = time_search(flat, queries, k=10, repeats=args.repeats)
    rows = [{"index": "IndexFlatIP (baseline)", "nlist": None, "nprobe": None, "recall@10": 1.0, "ms_per_query": flat_ms}]
    start = time.perf_counter()
    ivf = build_index(X, kind="ivf", metric="ip", nlist=args.nlist, seed=args.seed)
    print(f"IVF: trained {args.nlist} lists and added {len(X):,} vectors in {time.perf_counter() - start:.1f} s")
    for nprobe in args.nprobe:
        ms, ids = time_search(ivf, queries, k=10, nprobe=nprobe, repeats=args.repeats)
        rows.append({"index": "IndexIVFFlat", "nlist": args.nlist, "nprobe": nprobe,
                     "recall@10": neighbour_recall(ids, exact), "ms_per_query": ms})
    table = pd.DataFrame(rows)
    table["qps"] = 1000 / table["ms_per_query"]
    table["speedup_vs_flat"] = table["qps"] / table["qps"].iloc[0]
    return table


def save(table: pd.DataFrame, out: Path, target: float, title: str) -> None:
    """Write the table as CSV and the recall-versus-latency plot as PNG, each atomically."""
    atomic_write_bytes(out / "ivf.csv", table.to_csv(index=False, float_format="%.6g").encode())
    ivf = table[table["index"] == "IndexIVFFlat"]
    fig = plots.recall_latency_curve(ivf["ms_per_query"].tolist(), ivf["recall@10"].tolist(),
                                     [f"nprobe={int(n)}" for n in ivf["nprobe"]],
                                     baseline_ms=float(table["ms_per_query"].iloc[0]),
                                     baseline_label="IndexFlatIP (exact)", target=target, title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    atomic_write_bytes(out / "ivf.png", buffer.getvalue())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="corpus size (vectors)")
    parser.add_argument("--nlist", type=int, default=None,
                        help="IVF lists; default round(4 * sqrt(n)); the rule allows up to 16 * sqrt(n), at most n // 39")
    parser.add_argument("--nprobe", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--queries", type=int, default=1000, help="real SQuAD dev questions to search with")
    parser.add_argument("--spread", type=float, default=1.0, help="noise scale around each real vector")
    parser.add_argument("--target", type=float, default=0.95, help="recall@10 at which to report the speed-up")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per setting; the best is kept")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.nlist is None:
        args.nlist = round(4 * args.n ** 0.5)
    if args.nlist > args.n // MIN_POINTS_PER_LIST:
        raise SystemExit(f"--nlist {args.nlist} leaves k-means fewer than {MIN_POINTS_PER_LIST} training points per "
                         f"list; use at most n // {MIN_POINTS_PER_LIST} = {args.n // MIN_POINTS_PER_LIST}")
    repro.setup(seed=args.seed, threads=args.threads)
    # some SQuAD paragraphs exceed 256 tokens (notebook 02 measures them); the vectors are used as they are
    warnings.filterwarnings("ignore", category=TruncationWarning)
    rng = np.random.default_rng(args.seed)
    paragraphs, questions = load_squad()
    encoder = TextEncoder("sentence-transformers/all-MiniLM-L6-v2")
    real = cached_encode(encoder, paragraphs.context.tolist())
    queries = cached_encode(encoder, questions.question.tolist())[rng.choice(len(questions), args.queries, replace=False)]
    X = synthesize(real, args.n, args.spread, rng)
    print(f"corpus: {len(X):,} SYNTHETIC vectors of dimension {X.shape[1]}, clustered around the {len(real):,} real "
          f"SQuAD dev paragraph embeddings; queries: {len(queries):,} real SQuAD dev questions")
    print(f"median nearest-neighbour cosine: real paragraphs {nearest_neighbour_cosine(real, real, True):.3f}, "
          f"synthetic {nearest_neighbour_cosine(X[:2000], X, True):.3f}")
    print(f"faiss {faiss.__version__}, {args.threads} threads ({os.cpu_count()} CPUs, {platform.machine()}), "
          f"best of {args.repeats} batched searches of {len(queries):,} queries")
    table = sweep(X, queries, args)
    as_int = lambda v: "-" if v != v else f"{int(v)}"  # noqa: E731  (NaN for the flat baseline)
    print(table.to_string(index=False, na_rep="-", formatters={"nlist": as_int, "nprobe": as_int,
        "recall@10": "{:.4f}".format, "ms_per_query": "{:.4f}".format, "qps": "{:,.0f}".format,
        "speedup_vs_flat": "{:.1f}x".format}))
    good = table[(table["index"] == "IndexIVFFlat") & (table["recall@10"] >= args.target)]
    title = f"IVF vs flat, {len(X):,} synthetic 384-d vectors, nlist={args.nlist}"
    save(table, args.out, args.target, title)
    if good.empty:
        print(f"no nprobe reached recall@10 >= {args.target}: add larger --nprobe values")
        return
    best = good.iloc[0]
    verdict = "goal met" if best["speedup_vs_flat"] >= 8 else "goal NOT met"
    print(f"speed-up at recall@10 >= {args.target}: IVF nprobe={int(best['nprobe'])} reaches recall@10 "
          f"{best['recall@10']:.4f} at {best['qps']:,.0f} QPS, {best['speedup_vs_flat']:.1f}x the "
          f"{table['qps'].iloc[0]:,.0f} QPS of IndexFlatIP ({verdict}: >= 8x)")
    print(f"wrote {args.out / 'ivf.csv'} and {args.out / 'ivf.png'}")


if __name__ == "__main__":
    main()
