"""How long a first-time learner needs for a notebook, from one stated reading model.

Usage: python scripts/time_estimate.py notebooks/*.ipynb          (print each estimate)
       python scripts/time_estimate.py --write notebooks/*.ipynb  (set each header and both course maps)

The model (CONTRIBUTING.md states it; tests/test_structure.py checks every header against it):
- prose: every word of the markdown cells at 200 words a minute (technical text, read once);
- code: 20 seconds for each non-empty code cell (run it, read its output) plus 4 seconds for each
  line of code that is not blank or a comment (read it); solution cells count like the others,
  since a learner who opens a solution reads it;
- exercises: 15 minutes for each exercise whose heading says "thinking", 10 for every other one.
The total is rounded to the nearest 5 minutes. Calibration: four cold reviews of notebooks 00-10
(December 2026), each estimating a first-time learner's time by its own reading, came within 20 %
of this model for every one of the eleven notebooks as they stood then.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

HEADER = re.compile(r"(\*\*Time estimate:\*\* about )(\d+)( minutes)")
MAP_ROW = re.compile(r"^(\| \[\d\d · [^]]+\]\((?:notebooks/)?(\d\d_[\w]+\.ipynb)\) \|.*\| about )(\d+)( min \|)", re.M)

WORDS_PER_MINUTE = 200
SECONDS_PER_CELL = 20
SECONDS_PER_LINE = 4
THINKING_MINUTES = 15
OTHER_EXERCISE_MINUTES = 10


def parts(nb) -> dict[str, float]:
    """The model's minutes for prose, code and exercises of one notebook."""
    words, cells, lines, thinking, other = 0, 0, 0, 0, 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            words += len(cell.source.split())
            for line in cell.source.splitlines():
                if line.startswith("### Exercise"):
                    thinking, other = (thinking + 1, other) if "thinking" in line else (thinking, other + 1)
        elif cell.cell_type == "code" and cell.source.strip():
            cells += 1
            lines += sum(1 for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#"))
    return {"prose": words / WORDS_PER_MINUTE,
            "code": (cells * SECONDS_PER_CELL + lines * SECONDS_PER_LINE) / 60,
            "exercises": thinking * THINKING_MINUTES + other * OTHER_EXERCISE_MINUTES}


def estimate(nb) -> int:
    """The whole notebook in minutes, rounded to the nearest 5 (at least 5)."""
    return max(5, 5 * round(sum(parts(nb).values()) / 5))


def write(paths: list[str]) -> None:
    """Set each notebook's header to its estimate, and its row in 00's and README's course maps."""
    minutes = {}
    for name in paths:
        path = Path(name)
        nb = nbformat.read(path, as_version=4)
        minutes[path.name] = estimate(nb)
        header = nb.cells[0]
        if not HEADER.search(header.source):
            raise SystemExit(f"{path}: cell 0 has no '**Time estimate:** about N minutes' line to set")
        header.source = HEADER.sub(lambda m: f"{m[1]}{minutes[path.name]}{m[3]}", header.source, count=1)
        nbformat.write(nb, path)
    rows = lambda text: MAP_ROW.sub(lambda m: f"{m[1]}{minutes.get(m[2], m[3])}{m[4]}", text)
    start = next((Path(p) for p in paths if Path(p).name.startswith("00_")), None)
    if start is not None:
        nb = nbformat.read(start, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = rows(cell.source)
        nbformat.write(nb, start)
        readme = start.parent.parent / "README.md"
        readme.write_text(rows(readme.read_text(encoding="utf-8")), encoding="utf-8")


def main(paths: list[str]) -> int:
    if paths[:1] == ["--write"]:
        paths = paths[1:]
        write(paths)
    if not paths:
        print("usage: python scripts/time_estimate.py [--write] NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    total = 0
    for name in sorted(paths):
        nb = nbformat.read(Path(name), as_version=4)
        p, minutes = parts(nb), estimate(nb)
        total += minutes
        print(f"{Path(name).name:40s} prose {p['prose']:5.1f}  code {p['code']:5.1f}  "
              f"exercises {p['exercises']:4.0f}  -> about {minutes} min")
    print(f"{'all':40s} {total} min")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
