"""Encoding throughput: helpers.encode.embed.TextEncoder against sentence-transformers, same run.

Baseline: sentence_transformers.SentenceTransformer.encode on the same model folder, the same
2,000 real sentences (STS-B test), the same batch size, in the same process, runs alternating.
For contrast, the row-by-row loop that many tutorials use (one sentence per forward pass).
Each method's time is the best (minimum) of its rounds, as `timeit` recommends: on a shared
machine, noise only ever adds time. The median ratio is printed too, as a check on the best.

ONNX rows (notebook 09): TextEncoder(backend="onnx") as exported (session at ORT's basic graph
optimizations), with ORT's transformer fusion (attention, GELU, layer norm: the default), and
with int8 weights; and the reference row, the same int8 file inside SentenceTransformer.encode
with its transformer's forward replaced by the ONNX Runtime session: what a sentence-transformers
user would get from the same model. (sentence-transformers' own backend="onnx" needs the
optimum-onnx package, whose newest release requires transformers < 4.58: it cannot be installed
beside the course's transformers 5.23.) Each row also prints its STS-B test Spearman (all 1,379
pairs, encoded once outside the timing). --no-onnx keeps only the original three rows.
Usage: python benchmarks/encode.py [--rounds 5] [--batch-size 32] [--no-onnx]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from helpers.course import repro
from helpers.course.data import load_stsb
from helpers.encode.embed import TextEncoder
from helpers.encode.models import DEFAULT_TEXT_MODEL, resolve_model
from helpers.encode.onnx_backend import OnnxModel, build_onnx_model
from helpers.encode.pooling import mean_pool

BASELINE = "SentenceTransformer.encode (baseline)"


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


def swap_in_onnx(model, onnx: OnnxModel) -> None:
    """Make a SentenceTransformer's transformer module call an ONNX Runtime session instead of torch."""
    def forward(input_ids=None, attention_mask=None, **_ignored):  # token_type_ids are all 0 here
        return {"last_hidden_state": torch.from_numpy(onnx.run(input_ids.numpy(), attention_mask.numpy()))}
    model[0].model.forward = forward  # the module looks the method up on each call


def stsb_spearman(encode) -> float:
    pairs = load_stsb("test")
    x = encode(pairs.sentence1.tolist() + pairs.sentence2.tolist())
    a, b = x[:len(pairs)], x[len(pairs):]
    return float(spearmanr((a * b).sum(axis=1), pairs.score).statistic)


def onnx_runs(texts: list[str], batch_size: int) -> dict:
    """The ONNX rows: name -> a function of a list of texts that returns their vectors."""
    from sentence_transformers import SentenceTransformer
    folder = resolve_model(DEFAULT_TEXT_MODEL)
    plain = TextEncoder(DEFAULT_TEXT_MODEL, backend="onnx")
    plain.onnx = OnnxModel(build_onnx_model(folder, plain.model, plain.tokenizer, fuse=False), level="basic")
    fused = TextEncoder(DEFAULT_TEXT_MODEL, backend="onnx")
    int8 = TextEncoder(DEFAULT_TEXT_MODEL, backend="onnx", quantize="int8")
    reference = SentenceTransformer(str(folder), device="cpu")
    swap_in_onnx(reference, OnnxModel(int8.onnx.path))
    return {"TextEncoder ONNX fp32, as exported": lambda t: plain.encode(t, batch_size=batch_size),
            "TextEncoder ONNX fp32, fused": lambda t: fused.encode(t, batch_size=batch_size),
            "TextEncoder ONNX int8 (" + int8.onnx.path.name.split("-")[0] + ")":
                lambda t: int8.encode(t, batch_size=batch_size),
            "SentenceTransformer + same int8 session": lambda t: reference.encode(
                t, batch_size=batch_size, normalize_embeddings=True)}


def timed(fn) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def cpu_line() -> str:
    """The CPU the ratios were measured on: its name, the vector extensions that pick the kernels, torch's choice."""
    import platform
    import re
    from pathlib import Path
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        info = ""
    name = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    flags = set(re.search(r"^flags\s*:\s*(.+)$", info, re.M).group(1).split()) if "flags" in info else set()
    has = ", ".join(f"{label} {'yes' if flag in flags else 'no'}" for label, flag in
                    (("AVX2", "avx2"), ("AVX-512", "avx512f"), ("VNNI", "avx512_vnni")))
    return (f"CPU: {name.group(1).strip() if name else platform.processor() or platform.machine()} "
            f"({os.cpu_count()} cores; {has}; torch CPU capability {torch.backends.cpu.get_cpu_capability()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-onnx", action="store_true", help="only the torch rows")
    args = parser.parse_args()
    repro.setup()
    from sentence_transformers import SentenceTransformer

    texts = sentences()
    ours = TextEncoder(DEFAULT_TEXT_MODEL)
    theirs = SentenceTransformer(str(resolve_model(DEFAULT_TEXT_MODEL)), device="cpu")
    encoders = {"TextEncoder.encode": lambda t: ours.encode(t, batch_size=args.batch_size),
                BASELINE: lambda t: theirs.encode(t, batch_size=args.batch_size, normalize_embeddings=True)}
    if not args.no_onnx:
        encoders.update(onnx_runs(texts, args.batch_size))
    runs = {name: (lambda fn=fn: fn(texts)) for name, fn in encoders.items()}
    for fn in runs.values():
        fn()  # warm-up: first-call allocations and lazy initialisation
    seconds = {name: [] for name in runs}
    vectors = {}
    for _ in range(args.rounds):
        for name, fn in runs.items():  # alternate, so drift in machine load hits both alike
            took, vectors[name] = timed(fn)
            seconds[name].append(took)
    took_rows, rows = timed(lambda: row_by_row(ours, texts))

    print(cpu_line())
    print(f"{len(texts)} STS-B test sentences, batch size {args.batch_size}, "
          f"{torch.get_num_threads()} threads, best of {args.rounds} alternating runs")
    base = min(seconds[BASELINE])
    for name, times in seconds.items():
        quality = "" if args.no_onnx else f"   STS-B {stsb_spearman(encoders[name]):.5f}"
        print(f"  {name:42s} {len(texts) / min(times):8.1f} sentences/s   ratio {base / min(times):5.2f}"
              f"   median ratio {statistics.median(seconds[BASELINE]) / statistics.median(times):5.2f}{quality}")
    print(f"  {'row by row (1 sentence per pass)':42s} {len(texts) / took_rows:8.1f} sentences/s   "
          f"ratio {base / took_rows:5.2f}")
    a, b = vectors["TextEncoder.encode"], vectors[BASELINE]
    print(f"max |difference| TextEncoder vs baseline: {np.abs(a - b).max():.2e}; "
          f"row by row vs TextEncoder: {np.abs(rows - a).max():.2e}")
    if not args.no_onnx:
        fp32 = vectors["TextEncoder ONNX fp32, fused"]
        print(f"max |difference| ONNX fp32 (fused) vs TextEncoder torch: {np.abs(fp32 - a).max():.2e}")
    median_ratio = (statistics.median(seconds[BASELINE])
                    / statistics.median(seconds["TextEncoder.encode"]))
    print(f"throughput ratio TextEncoder / SentenceTransformer: {base / min(seconds['TextEncoder.encode']):.2f} "
          f"(best of {args.rounds}; median ratio {median_ratio:.2f})")
    if not args.no_onnx:
        int8_name = next(name for name in seconds if name.startswith("TextEncoder ONNX int8"))
        ratio = base / min(seconds[int8_name])
        reference = base / min(seconds["SentenceTransformer + same int8 session"])
        met = ratio >= 2.0 and ratio > reference
        print(f"goal (issue 16): TextEncoder ONNX int8 >= 2.00x the baseline and above the reference row: "
              f"{ratio:.2f}x vs reference {reference:.2f}x: {'met' if met else 'NOT met'} in this run")


if __name__ == "__main__":
    main()
