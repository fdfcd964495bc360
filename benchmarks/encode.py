"""Encoding throughput: helpers.embed.TextEncoder against sentence-transformers, same run.

Baseline: sentence_transformers.SentenceTransformer.encode on the same model folder, the same
2,000 real sentences (STS-B test), the same batch size, in the same process, runs alternating.
For contrast, the row-by-row loop that many tutorials use (one sentence per forward pass).
Each method's time is the best (minimum) of its rounds, as `timeit` recommends: on a shared
machine, noise only ever adds time. The median ratio is printed too, as a check on the best.
Usage: python benchmarks/encode.py [--rounds 5] [--batch-size 32]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from helpers import repro
from helpers.data import load_stsb
from helpers.embed import TextEncoder
from helpers.models import DEFAULT_TEXT_MODEL, resolve_model
from helpers.pooling import mean_pool


def sentences(n: int = 2000) -> list[str]:
    pairs = load_stsb("test")
    return (pairs.sentence1.tolist() + pairs.sentence2.tolist())[:n]


def row_by_row(enc: TextEncoder, texts: list[str]) -> np.ndarray:
    """One sentence per forward pass: no padding, but no batching either."""
    rows = []
    with torch.inference_mode():
        for text in texts:
            batch = enc.tokenizer([text], truncation=True, max_length=enc.max_length, return_tensors="pt")
            pooled = mean_pool(enc.model(**batch).last_hidden_state, batch["attention_mask"])
            rows.append(torch.nn.functional.normalize(pooled, dim=1).numpy()[0])
    return np.vstack(rows)


def timed(fn) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    repro.setup()
    from sentence_transformers import SentenceTransformer

    texts = sentences()
    ours = TextEncoder(DEFAULT_TEXT_MODEL)
    theirs = SentenceTransformer(str(resolve_model(DEFAULT_TEXT_MODEL)), device="cpu")
    runs = {"TextEncoder.encode": lambda: ours.encode(texts, batch_size=args.batch_size),
            "SentenceTransformer.encode (baseline)": lambda: theirs.encode(
                texts, batch_size=args.batch_size, normalize_embeddings=True)}
    for fn in runs.values():
        fn()  # warm-up: first-call allocations and lazy initialisation
    seconds = {name: [] for name in runs}
    vectors = {}
    for _ in range(args.rounds):
        for name, fn in runs.items():  # alternate, so drift in machine load hits both alike
            took, vectors[name] = timed(fn)
            seconds[name].append(took)
    took_rows, rows = timed(lambda: row_by_row(ours, texts))

    print(f"{len(texts)} STS-B test sentences, batch size {args.batch_size}, "
          f"{torch.get_num_threads()} threads, best of {args.rounds} alternating runs")
    base = min(seconds["SentenceTransformer.encode (baseline)"])
    for name, times in seconds.items():
        print(f"  {name:40s} {len(texts) / min(times):8.1f} sentences/s   ratio {base / min(times):5.2f}")
    print(f"  {'row by row (1 sentence per pass)':40s} {len(texts) / took_rows:8.1f} sentences/s   "
          f"ratio {base / took_rows:5.2f}")
    a, b = vectors.values()
    print(f"max |difference| TextEncoder vs baseline: {np.abs(a - b).max():.2e}; "
          f"row by row vs TextEncoder: {np.abs(rows - a).max():.2e}")
    median_ratio = (statistics.median(seconds["SentenceTransformer.encode (baseline)"])
                    / statistics.median(seconds["TextEncoder.encode"]))
    print(f"throughput ratio TextEncoder / SentenceTransformer: {base / min(seconds['TextEncoder.encode']):.2f} "
          f"(best of {args.rounds}; median ratio {median_ratio:.2f})")


if __name__ == "__main__":
    main()
