"""Does `CPU=avx2` compute what an AMD AVX2 CPU computes? Run the same small work three ways and compare.

    .venv/bin/python scripts/cpu_paths_agree.py      # about 10 minutes on 2 cores (the emulated run)

The work (one thread): TextEncoder.encode of 8 sentences (torch: ATen, MKL), faiss k-means and a flat
search on 4,000 seeded vectors (faiss's AVX2 code, its OpenBLAS), and a numpy matrix product (numpy's
OpenBLAS). It runs natively, under `scripts/cpu_path.sh avx2`, and under `scripts/cpu_path.sh
epyc-rome` (qemu-user with an AMD EPYC-Rome CPUID, no variable set), then prints, for each result,
whether the first two equal the emulated AMD run bit for bit, or their largest difference.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["A man is playing a guitar.", "Stocks fell sharply on Monday.", "The cat sat on the mat.",
         "Two dogs run through a field of tall grass.", "A woman is slicing an onion.",
         "Scientists discovered a new species of frog.", "The train was late again.", "He plays the piano."]


def compute(out: str) -> None:
    """The work itself, on whatever CPU path this process runs; saved to `out` (.npz)."""
    from helpers.course import repro
    repro.setup(threads=1)
    import faiss
    from helpers.encode.embed import TextEncoder
    results = {"TextEncoder.encode": TextEncoder().encode(TEXTS)}
    X = np.random.default_rng(0).standard_normal((4000, 64)).astype(np.float32)
    kmeans = faiss.Kmeans(64, 16, niter=10, seed=1)
    kmeans.train(X)
    D, I = kmeans.index.search(X[:500], 4)
    results.update({"faiss k-means centroids": kmeans.centroids, "faiss flat distances": D,
                    "faiss flat ids": I, "numpy matmul": X[:300] @ X[300:600].T})
    np.savez(out, **results)


def main() -> int:
    if sys.argv[1:2] == ["--compute"]:
        compute(sys.argv[2])
        return 0
    folder = Path(tempfile.mkdtemp())
    runs = {"native": [], "avx2": ["scripts/cpu_path.sh", "avx2"], "epyc-rome": ["scripts/cpu_path.sh", "epyc-rome"]}
    for name, prefix in runs.items():
        command = [*prefix, sys.executable, "scripts/cpu_paths_agree.py", "--compute", str(folder / f"{name}.npz")]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    amd = np.load(folder / "epyc-rome.npz")
    print(f"{'result':<26} {'native vs EPYC-Rome':<22} avx2 vs EPYC-Rome")
    for key in amd.files:
        cells = []
        for name in ("native", "avx2"):
            x = np.load(folder / f"{name}.npz")[key]
            cells.append("identical" if np.array_equal(x, amd[key]) else f"max diff {np.abs(x - amd[key]).max():.2g}")
        print(f"{key:<26} {cells[0]:<22} {cells[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
