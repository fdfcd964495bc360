"""How recall@10 at fixed settings, and the settings that keep it at 0.95, move with n: notebook 08's families at 4 sizes.

Introduced in notebooks/08_compression_graphs.ipynb, which reads the saved results (section 6) instead of rebuilding
million-vector indexes.

Data. The real reference set is every real text the course has (SQuAD dev paragraphs, their sentences and
questions, STS-B sentences), encoded with all-MiniLM-L6-v2 and cached; 1,000 held-out SQuAD questions are the
queries. The corpus is SYNTHETIC: `helpers.evaluate.synthetic.sample` draws max(--sizes) vectors from a mixture fitted
to the real vectors, and each size is a prefix of that one sample (nested corpora, so the sizes differ only in n).

Indexes at each size n. IVF uses nlist = 4*sqrt(n) (notebook 04's rule) trained on --train-per-list * nlist vectors
(the faiss wiki's guideline is 30 to 256 per list); one k-means quantizer is shared by IVF,SQ8, IVF,PQ48x4fs
(+ rescoring from disk) and IVF_HNSW32,SQ8 (the same centroids in an HNSW graph, searched with quantizer_efSearch).
IVF1024,SQ8 trained on 40,000 vectors, what the course used before, is measured beside it as the departure from the
rule. HNSW32,Flat is built on one thread (deterministic). "Rescoring from disk" rows re-rank candidates with the
float32 rows (read from RAM here, `rerank`: the same ranking as helpers.search.rescore.rescore reading a file).

Measurements. Recall@10 against exact search (faiss.IndexFlatIP), with its standard error over the queries;
queries per second, best of --repeats batched searches on --threads threads (1 by default: the machine is shared);
RAM bytes per vector = serialised index / n; disk adds the float32 vectors that rescoring reads back.

Usage: python benchmarks/ann.py [--sizes 30000,100000,300000,1000000] [--threads 1] [--repeats 2]
Writes benchmarks/results/ann_scaling.csv (one row per size, family and setting) as it goes, then
benchmarks/results/ann.csv (the largest size's rows, for the Pareto table) and benchmarks/results/ann_scaling.png.
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
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.course import repro  # noqa: E402
from helpers.course.files import atomic_write_bytes  # noqa: E402
from helpers.course.paths import REPO_ROOT  # noqa: E402
from helpers.encode.embed import TextEncoder, TruncationWarning  # noqa: E402
from helpers.evaluate import synthetic  # noqa: E402
from helpers.evaluate.pareto import best_time  # noqa: E402
from helpers.search import ann, rescore  # noqa: E402

D = 384
HNSW_EF = (16, 32, 64, 128, 256, 512)
PROBES = (4, 8, 16, 32, 64, 128)
DEPTHS = (40, 160, 640)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=[30_000, 100_000, 300_000, 1_000_000])
    parser.add_argument("--train-per-list", type=int, default=50, help="k-means training vectors per IVF list")
    parser.add_argument("--centres", type=int, default=2500, help="mixture centres fitted to the real vectors")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per setting; the best is kept")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", type=lambda s: set(s.split(",")), default=set(),
                        help="families to leave out: any of binary,pq,departure,hnsw (to fill in one size quickly)")
    parser.add_argument("--merge", type=Path, nargs="*", default=[],
                        help="measure nothing: add these runs' ann_scaling.csv rows to --out's, then re-plot")
    parser.add_argument("--merge-pareto", type=Path, default=None,
                        help="with --merge: also add the HNSW, binary and IVF1024 rows of an older Pareto run's "
                             "ann.csv (the 1,000,000-vector run of 2026-11-28), marked by their source column")
    parser.add_argument("--resume", action="store_true", help="keep the finished sizes already in the CSV")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    return parser.parse_args()


def per_query_recall(ids: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Each query's share of its exact top 10 found (ids assumed unique per row, -1 never in exact)."""
    return np.array([len(set(a.tolist()) & set(e.tolist())) / len(e) for a, e in zip(ids, exact)])


def rerank(Q: np.ndarray, candidates: np.ndarray, X: np.ndarray, k: int = 10, block: int = 100) -> np.ndarray:
    """Exact re-ranking of each query's candidates by inner product with their float32 rows: the top k ids.

    The same ranking as helpers.search.rescore.rescore (which reads an np.memmap row by row), vectorised over
    blocks of queries; slots stage 1 left empty (id -1) score -inf. faiss returns no id twice per query.
    """
    out = np.empty((len(Q), k), dtype=np.int64)
    for i in range(0, len(Q), block):
        ids = candidates[i:i + block]
        scores = np.einsum("qcd,qd->qc", X[np.maximum(ids, 0)], Q[i:i + block])
        scores[ids < 0] = -np.inf
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        out[i:i + block] = np.take_along_axis(ids, order, axis=1)
    return out


class Recorder:
    """Collects rows and rewrites the CSV after each family, so an interrupted run keeps what it measured."""

    def __init__(self, path: Path, meta: dict):
        self.path, self.meta, self.rows = path, meta, []

    def add(self, n, nlist, family, factory, setting, ids, exact, seconds, ram, disk, build_s):
        r = per_query_recall(ids, exact)
        self.rows.append({"n": n, "nlist": nlist, "family": family, "factory": factory, "settings": setting,
                          "recall@10": r.mean(), "recall_se": r.std(ddof=1) / np.sqrt(len(r)),
                          "qps": len(exact) / seconds, "ram_bytes_per_vector": ram,
                          "disk_bytes_per_vector": disk, "build_s": build_s, **self.meta})
        print(f"  n={n:>9,} {family:<34} {setting:<34} recall@10 {r.mean():.4f} (se {self.rows[-1]['recall_se']:.4f}) "
              f"{len(exact) / seconds:>9,.0f} q/s", flush=True)

    def save(self) -> pd.DataFrame:
        table = pd.DataFrame(self.rows)
        atomic_write_bytes(self.path, table.to_csv(index=False, float_format="%.6g").encode())
        return table


def trained_quantizer(train: np.ndarray, nlist: int, seed: int) -> faiss.IndexFlatIP:
    """k-means centroids in a flat inner-product index: the coarse quantizer every IVF family at this size shares."""
    clus = faiss.Clustering(D, nlist)
    clus.niter, clus.seed, clus.verbose = 10, seed, False  # 10 iterations: what faiss's IndexIVF trains with
    clus.max_points_per_centroid = 256
    quantizer = faiss.IndexFlatIP(D)
    clus.train(train, quantizer)
    return quantizer


def measure_size(n, X, Q, store, args, rec: Recorder) -> pd.DataFrame:
    Xn = X[:n]
    rep = args.repeats
    flat = faiss.IndexFlatIP(D)
    flat.add(Xn)
    seconds, (_, exact) = best_time(lambda: flat.search(Q, 10), rep)
    rec.add(n, 0, "Flat (exact)", "Flat", "-", exact, exact, seconds, 4 * D, 4 * D, 0.0)
    del flat
    if "binary" not in args.skip:
        measure_binary(n, Xn, Q, exact, store, rep, rec)
    # IVF, nlist by the rule, one shared quantizer
    nlist = int(round(4 * np.sqrt(n)))
    n_train = min(n, args.train_per_list * nlist)
    start = time.perf_counter()
    quantizer = trained_quantizer(Xn[:n_train], nlist, args.seed)
    kmeans_s = time.perf_counter() - start
    print(f"  n={n:,}: k-means {nlist} lists on {n_train:,} vectors in {kmeans_s:.1f} s", flush=True)
    ivf_families(n, nlist, Xn, Q, exact, store, quantizer, kmeans_s, args, rec, with_variants=True)
    rec.save()
    if n >= 40_000 and "departure" not in args.skip:  # 1,024 lists trained on 40,000 vectors, as the course used
        start = time.perf_counter()
        q1024 = trained_quantizer(Xn[:40_000], 1024, args.seed)
        ivf_families(n, 1024, Xn, Q, exact, store, q1024, time.perf_counter() - start, args, rec, with_variants=False)
        rec.save()
    if "hnsw" not in args.skip:
        measure_hnsw(n, Xn, Q, exact, rep, rec)
    return rec.save()


def measure_binary(n, Xn, Q, exact, store, rep, rec) -> None:
    """sentence-transformers' binary codes in a faiss.IndexBinaryFlat, candidates re-ranked with float32 rows."""
    from sentence_transformers.util.quantization import quantize_embeddings
    start = time.perf_counter()
    binary = rescore.binary_index(quantize_embeddings(Xn, precision="ubinary"))
    build_s = time.perf_counter() - start
    bq = quantize_embeddings(Q, precision="ubinary")
    ram = faiss.serialize_index_binary(binary).size / n
    for depth in DEPTHS:
        seconds, ids = best_time(lambda: rerank(Q, binary.search(bq, depth)[1], store), rep)
        rec.add(n, 0, "binary + rescoring from disk", "binary", f"depth={depth}", ids, exact, seconds,
                ram, ram + 4 * D, build_s)
    del binary
    rec.save()


def measure_hnsw(n, Xn, Q, exact, rep, rec) -> None:
    """HNSW32,Flat built on one thread (a deterministic graph), searched at each efSearch."""
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(D, 32, faiss.METRIC_INNER_PRODUCT)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    hnsw.add(Xn)
    faiss.omp_set_num_threads(threads)
    build_s = time.perf_counter() - start
    ram = ann.bytes_per_vector(hnsw)
    for ef in HNSW_EF:
        params = faiss.SearchParametersHNSW(efSearch=ef)
        seconds, ids = best_time(lambda: hnsw.search(Q, 10, params=params)[1], rep)
        rec.add(n, 0, "HNSW32,Flat", "HNSW32,Flat", f"efSearch={ef}", ids, exact, seconds, ram, ram, build_s)
    del hnsw


def ivf_families(n, nlist, Xn, Q, exact, store, quantizer, kmeans_s, args, rec, with_variants):
    rep = args.repeats
    start = time.perf_counter()
    sq8 = faiss.IndexIVFScalarQuantizer(quantizer, D, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sq8.train(Xn[:min(n, args.train_per_list * nlist, 100_000)])  # the quantizer is trained: this trains SQ8 only
    sq8.add(Xn)
    build_s = kmeans_s + time.perf_counter() - start
    ram = ann.bytes_per_vector(sq8)
    for p in PROBES:
        sq8.nprobe = p
        seconds, ids = best_time(lambda: sq8.search(Q, 10)[1], rep)
        rec.add(n, nlist, f"IVF,SQ8 (nlist {'4*sqrt(n)' if with_variants else '1024'})", f"IVF{nlist},SQ8",
                f"nprobe={p}", ids, exact, seconds, ram, ram, build_s)
    if not with_variants:
        return
    # the same lists behind an HNSW graph of the centroids: IVF{nlist}_HNSW32,SQ8 in factory notation
    hq = faiss.IndexHNSWFlat(D, 32, faiss.METRIC_INNER_PRODUCT)
    centroids = quantizer.reconstruct_n(0, nlist)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    hq.add(centroids)
    faiss.omp_set_num_threads(threads)
    start = time.perf_counter()
    hsq8 = faiss.IndexIVFScalarQuantizer(hq, D, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    hsq8.sq = sq8.sq  # the same trained 8-bit ranges
    hsq8.is_trained = True
    hsq8.add(Xn)
    hbuild_s = kmeans_s + time.perf_counter() - start
    hram = ann.bytes_per_vector(hsq8)
    space = faiss.ParameterSpace()
    for p in (16, 32, 64):
        for qef in (32, 128):
            space.set_index_parameters(hsq8, f"nprobe={p},quantizer_efSearch={qef}")
            seconds, ids = best_time(lambda: hsq8.search(Q, 10)[1], rep)
            rec.add(n, nlist, "IVF_HNSW32,SQ8 (nlist 4*sqrt(n))", f"IVF{nlist}_HNSW32,SQ8",
                    f"nprobe={p}, quantizer_efSearch={qef}", ids, exact, seconds, hram, hram, hbuild_s)
    del hsq8, sq8
    if "pq" in args.skip:
        return
    # 4-bit PQ fast-scan codes on the same lists, alone and rescored from disk
    start = time.perf_counter()
    pq = faiss.IndexIVFPQFastScan(quantizer, D, nlist, 48, 4, faiss.METRIC_INNER_PRODUCT)
    pq.train(Xn[:min(n, args.train_per_list * nlist, 100_000)])
    pq.add(Xn)
    build_s = kmeans_s + time.perf_counter() - start
    ram = ann.bytes_per_vector(pq)
    for p in (16, 64):
        pq.nprobe = p
        seconds, ids = best_time(lambda: pq.search(Q, 10)[1], rep)
        rec.add(n, nlist, "IVF,PQ48x4fs (nlist 4*sqrt(n))", f"IVF{nlist},PQ48x4fs", f"nprobe={p}", ids, exact,
                seconds, ram, ram, build_s)
        for depth in DEPTHS:
            seconds, ids = best_time(lambda: rerank(Q, pq.search(Q, depth)[1], store), rep)
            rec.add(n, nlist, "IVF,PQ48x4fs + rescoring from disk (nlist 4*sqrt(n))", f"IVF{nlist},PQ48x4fs",
                    f"nprobe={p}, depth={depth}", ids, exact, seconds, ram, ram + 4 * D, build_s)
    del pq


def plot(table: pd.DataFrame, path: Path) -> None:
    fixed = {"HNSW32,Flat": ["efSearch=64", "efSearch=256"],
             "IVF,SQ8 (nlist 4*sqrt(n))": ["nprobe=16", "nprobe=64"],
             "IVF,SQ8 (nlist 1024)": ["nprobe=16", "nprobe=64"],
             "binary + rescoring from disk": ["depth=160", "depth=640"],
             "IVF,PQ48x4fs + rescoring from disk (nlist 4*sqrt(n))": ["nprobe=64, depth=160", "nprobe=64, depth=640"]}
    fig, ax = plt.subplots(figsize=(8, 5))
    for family, settings in fixed.items():
        for s in settings:
            rows = table[(table["family"] == family) & (table["settings"] == s)].sort_values("n")
            if len(rows):
                ax.errorbar(rows["n"], rows["recall@10"], yerr=2 * rows["recall_se"], marker="o", capsize=3,
                            label=f"{family.replace(' from disk', '')} [{s}]")
    ax.axhline(0.95, color="grey", ls="--", lw=1)
    ax.set(xscale="log", xlabel="synthetic vectors n", ylabel="recall@10 (± 2 standard errors)",
           title="Recall@10 at fixed settings falls as n grows")
    ax.legend(fontsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())


PARETO_FAMILIES = {"HNSW32,Flat": "HNSW32,Flat", "binary + rescoring from disk": "binary + rescoring from disk",
                   "IVF1024,SQ8": "IVF,SQ8 (nlist 1024)",
                   "IVF1024,PQ48x4fs + rescoring from disk": "IVF1024,PQ48x4fs + rescoring from disk"}


def merge(args: argparse.Namespace) -> None:
    """Rows measured by separate runs (and, optionally, an older Pareto run) into one ann_scaling.csv."""
    path = args.out / "ann_scaling.csv"
    tables = [pd.read_csv(p) for p in [path, *args.merge]]
    for table in tables:
        table["source"] = table.get("source", "this script")
    if args.merge_pareto:
        old = pd.read_csv(args.merge_pareto)
        old = old[old["index"].isin(PARETO_FAMILIES)]
        n = 1_000_000  # the Pareto run's size: its log, benchmarks/results/ann.txt
        tables.append(pd.DataFrame({
            "n": n, "nlist": old["factory"].str.extract(r"IVF(\d+)")[0].fillna("0").astype(int),
            "family": old["index"].map(PARETO_FAMILIES), "factory": old["factory"], "settings": old["settings"],
            "recall@10": old["recall@10"], "recall_se": np.nan, "qps": old["qps"],
            "ram_bytes_per_vector": old["ram_bytes_per_vector"], "disk_bytes_per_vector": old["disk_bytes_per_vector"],
            "build_s": old["build_s"], "cpu": tables[0]["cpu"].iloc[0], "threads": 2, "faiss": "1.15.1",
            "compile": tables[0]["compile"].iloc[0],
            "source": "benchmarks/results/ann.csv (2026-11-28, 2 threads, HNSW built on both)"}))
    measured = {(n, f) for t in tables[:1 + len(args.merge)] for n, f in zip(t["n"], t["family"])}
    if args.merge_pareto:  # an older row only for a family this script did not measure at that size
        tables[-1] = tables[-1][[(n, f) not in measured for n, f in zip(tables[-1]["n"], tables[-1]["family"])]]
    table = pd.concat(tables, ignore_index=True).drop_duplicates(["n", "family", "settings"], keep="first")
    table = table.sort_values("n", kind="stable")
    atomic_write_bytes(path, table.to_csv(index=False, float_format="%.6g").encode())
    plot(table, args.out / "ann_scaling.png")
    print(f"merged {len(table)} rows at sizes {sorted(table['n'].unique())} into {path}")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    args = parse_args()
    if args.merge or args.merge_pareto:
        return merge(args)
    repro.setup(seed=args.seed, threads=args.threads)
    faiss.omp_set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=TruncationWarning)  # paragraphs over 256 tokens: see notebook 02
    reference = synthetic.reference_set(TextEncoder("sentence-transformers/all-MiniLM-L6-v2"), seed=args.seed)
    real, Q = reference.corpus, np.ascontiguousarray(reference.queries, dtype=np.float32)
    model = synthetic.fit_mixture(real, args.centres, seed=args.seed)
    X = synthetic.sample(model, max(args.sizes), seed=args.seed + 2)
    meta = {"cpu": cpu_name(), "threads": args.threads, "faiss": faiss.__version__,
            "compile": faiss.get_compile_options().strip()}
    print(f"{len(X):,} SYNTHETIC vectors, {len(Q):,} real queries; {meta}; {os.cpu_count()} CPUs", flush=True)
    rec = Recorder(args.out / "ann_scaling.csv", meta)
    done = set()
    if args.resume and (args.out / "ann_scaling.csv").is_file():  # keep the sizes a stopped run finished
        old = pd.read_csv(args.out / "ann_scaling.csv", keep_default_na=False)
        finished = old.groupby("n")["family"].apply(lambda f: (f == "HNSW32,Flat").any())
        done = set(finished[finished].index)
        rec.rows = old[old["n"].isin(done)].to_dict("records")
        print(f"resuming: sizes {sorted(done)} kept from {args.out / 'ann_scaling.csv'}", flush=True)
    store = X  # rescoring reads float32 rows from RAM here; a file on disk gives the same ranking (rescore.rescore)
    if True:
        for n in sorted(set(args.sizes) - done):
            start = time.perf_counter()
            table = measure_size(n, X, Q, store, args, rec)
            print(f"n={n:,} done in {time.perf_counter() - start:.0f} s", flush=True)
            plot(table, args.out / "ann_scaling.png")
    largest = table[table["n"] == table["n"].max()]
    atomic_write_bytes(args.out / "ann.csv", largest.to_csv(index=False, float_format="%.6g").encode())
    print(f"wrote {args.out / 'ann_scaling.csv'}, {args.out / 'ann_scaling.png'} and {args.out / 'ann.csv'}")


if __name__ == "__main__":
    main()
