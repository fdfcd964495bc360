"""Re-execute notebooks in place, top to bottom, with the course kernel; print each one's time.

Usage: python scripts/execute_notebooks.py notebooks/*.ipynb
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.course.files import atomic_write_bytes


def execute(path: Path) -> float:
    """Execute one notebook from its own folder and write it back atomically; return seconds."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, record_timing=False, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    atomic_write_bytes(path, nbformat.writes(nb).encode("utf-8") + b"\n")
    return seconds


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: python scripts/execute_notebooks.py NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    total = 0.0
    for name in sorted(paths):
        seconds = execute(Path(name))
        total += seconds
        print(f"{name:45s} {seconds:6.1f} s", flush=True)
    print(f"{'all notebooks':45s} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
