"""Write student copies of the course notebooks: solution bodies replaced by "# YOUR CODE HERE".

Usage: python scripts/make_student.py notebooks student

In every code cell tagged "solution", the lines between `# BEGIN SOLUTION` and `# END SOLUTION`
(markers included) become one `# YOUR CODE HERE` line; the check line after END stays. That cell's
outputs, execution count and run-time metadata are cleared and it is no longer collapsed, so the
student sees it. Every other cell is copied unchanged. Each copy is written atomically; a solution
cell without exactly one balanced pair of markers stops the script with a message naming the
notebook and cell, before anything is written.
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat

from helpers.course.files import atomic_write_bytes

BEGIN, END, PLACEHOLDER = "# BEGIN SOLUTION", "# END SOLUTION", "# YOUR CODE HERE"
SOLUTION_TAG = "solution"


class SolutionMarkerError(ValueError):
    """Raised when a solution cell's BEGIN/END markers are missing, repeated or out of order."""


def is_solution(cell: dict) -> bool:
    """True for a code cell tagged "solution"."""
    return cell.get("cell_type") == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def strip_solution(source: str, where: str) -> str:
    """Replace the BEGIN..END block of a solution cell's source by the placeholder line."""
    lines = source.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        raise SolutionMarkerError(
            f"{where}: a cell tagged 'solution' needs exactly one '{BEGIN}' line followed by one "
            f"'{END}' line (found {len(begins)} BEGIN at lines {begins}, {len(ends)} END at lines "
            f"{ends}). Fix: wrap the solution code in the two markers and keep the check call after END.")
    start, stop = begins[0], ends[0]
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    return "\n".join(lines[:start] + [indent + PLACEHOLDER] + lines[stop + 1:])


def student_cell(cell: dict, where: str) -> dict:
    """Return the student version of one solution cell: no solution body, no outputs, visible."""
    cell = copy.deepcopy(cell)
    cell["source"] = strip_solution(cell["source"], where)
    cell["outputs"], cell["execution_count"] = [], None
    metadata = cell["metadata"]
    metadata.pop("execution", None)  # run timestamps of the teacher's execution
    jupyter = metadata.get("jupyter", {})
    jupyter.pop("source_hidden", None)
    if not jupyter:
        metadata.pop("jupyter", None)
    return cell


def student_notebook(path: Path) -> tuple[nbformat.NotebookNode, int]:
    """Read one notebook and return its student copy and its number of solution cells."""
    nb = nbformat.read(path, as_version=4)
    count = 0
    for i, cell in enumerate(nb.cells):
        if is_solution(cell):
            nb.cells[i] = nbformat.from_dict(student_cell(cell, f"{path.name}, cell {i}"))
            count += 1
    return nb, count


def main(argv: list[str]) -> int:
    """Write student copies of every notebooks/NN_*.ipynb in argv[0] into argv[1]."""
    if len(argv) != 2:
        print("usage: python scripts/make_student.py NOTEBOOK_DIR OUTPUT_DIR", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    paths = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print(f"error: no notebooks named NN_*.ipynb in {source}/", file=sys.stderr)
        return 2
    try:
        copies = [(path.name, *student_notebook(path)) for path in paths]
    except SolutionMarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        print("No student copies were written.", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    for name, nb, count in copies:
        atomic_write_bytes(target / name, nbformat.writes(nb).encode("utf-8") + b"\n")
        print(f"{target / name}: {count} solution cell(s) emptied")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
