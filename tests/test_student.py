"""Student copies (scripts/make_student.py): solutions removed, nothing else changed, bad markers refused.

That the solutions themselves run and pass their checks is covered by nbval, which re-executes the
committed notebooks, and by each notebook's tests/test_check_NN.py.
"""
import importlib
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_student.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BEGIN, END, PLACEHOLDER = "# BEGIN SOLUTION", "# END SOLUTION", "# YOUR CODE HERE"


def _is_solution(cell) -> bool:
    return cell.cell_type == "code" and "solution" in cell.metadata.get("tags", [])


def _solution_body(source: str) -> list[str]:
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
    stop = next(i for i, line in enumerate(lines) if line.strip() == END)
    return lines[start + 1:stop]


def _after_end(source: str) -> list[str]:
    lines = source.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.strip() == END) + 1:]


def _run(source_dir: Path, target_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(source_dir), str(target_dir)],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("student")
    result = _run(ROOT / "notebooks", target)
    assert result.returncode == 0, f"make_student.py failed:\n{result.stderr}"
    return target


def _pair(student_dir: Path, path: Path):
    teacher = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    assert len(student.cells) == len(teacher.cells), f"{path.name}: the student copy has a different cell count"
    return teacher, student


def test_every_notebook_gets_a_student_copy(student_dir):
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"
    assert sorted(p.name for p in student_dir.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solution_text_leaks(student_dir, path):
    teacher, student = _pair(student_dir, path)
    # A line that also appears outside the solution cells (a blank line, a shared call) is no leak.
    elsewhere = {line.strip() for c in teacher.cells if not _is_solution(c) for line in c.source.splitlines()}
    student_lines = {line.strip() for c in student.cells for line in c.source.splitlines()}
    for i, cell in enumerate(teacher.cells):
        if not _is_solution(cell):
            continue
        leaked = [line for line in _solution_body(cell.source)
                  if line.strip() and line.strip() not in elsewhere and line.strip() in student_lines]
        assert not leaked, f"{path.name}, cell {i}: solution lines left in the student copy: {leaked}"
    text = (student_dir / path.name).read_text()
    assert BEGIN not in text and END not in text, f"{path.name}: a solution marker is left in the student copy"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_solution_cells_become_placeholders(student_dir, path):
    teacher, student = _pair(student_dir, path)
    n_solutions = 0
    for i, (old, new) in enumerate(zip(teacher.cells, student.cells)):
        if not _is_solution(old):
            continue
        n_solutions += 1
        where = f"{path.name}, cell {i}"
        assert new.source.count(PLACEHOLDER) == 1, f"{where}: expected one {PLACEHOLDER!r} line"
        assert new.source.splitlines()[-len(_after_end(old.source)) - 1:] == \
            [PLACEHOLDER] + _after_end(old.source), f"{where}: the check line after END must be kept"
        assert new.outputs == [] and new.execution_count is None, f"{where}: outputs must be cleared"
        assert "source_hidden" not in new.metadata.get("jupyter", {}), f"{where}: still collapsed"
        assert new.metadata["tags"] == old.metadata["tags"], f"{where}: tags must be kept"
    in_code = sum(c.source.count(PLACEHOLDER) for c in student.cells if c.cell_type == "code")
    assert in_code == n_solutions, f"{path.name}: {in_code} {PLACEHOLDER!r} lines for {n_solutions} solution cells"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_other_cells_and_metadata_are_unchanged(student_dir, path):
    teacher, student = _pair(student_dir, path)
    assert student.metadata == teacher.metadata, f"{path.name}: notebook metadata changed"
    for i, (old, new) in enumerate(zip(teacher.cells, student.cells)):
        if not _is_solution(old):
            assert new == old, f"{path.name}, cell {i}: a non-solution cell changed in the student copy"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not p.name.startswith("00_")], ids=lambda p: p.stem)
def test_each_notebook_imports_its_own_checks(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    line = f"from helpers.exercises import nb{path.name[:2]} as check"
    assert line in [code.split("#")[0].strip() for code in first_code.source.splitlines()], \
        f"{path.name}: its first code cell must say {line!r}"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not p.name.startswith("00_")], ids=lambda p: p.stem)
def test_solutions_call_existing_checks(path):
    nb = nbformat.read(path, as_version=4)
    module = f"helpers/exercises/nb{path.name[:2]}.py"
    check = importlib.import_module(module[:-3].replace("/", "."))
    for i, cell in enumerate(nb.cells):
        if _is_solution(cell):
            for name in re.findall(r"\bcheck\.(\w+)\s*\(", cell.source):
                assert callable(getattr(check, name, None)), \
                    f"{path.name}, cell {i}: check.{name}(...) is not defined in {module}"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not p.name.startswith("00_")], ids=lambda p: p.stem)
def test_each_notebook_has_at_least_two_solution_cells(path):
    nb = nbformat.read(path, as_version=4)
    count = sum(_is_solution(c) for c in nb.cells)
    assert count >= 2, f"{path.name}: {count} solution cell(s); each notebook needs 2-3 checked exercises"


def _write_notebook(folder: Path, name: str, solution_source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · Test"),
                nbformat.v4.new_code_cell(solution_source, metadata={"tags": ["solution"]})]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("source", [
    "answer = 1\ncheck.x(answer)",                                         # no markers
    "# BEGIN SOLUTION\nanswer = 1\ncheck.x(answer)",                        # BEGIN only
    "# END SOLUTION\nanswer = 1\n# BEGIN SOLUTION\ncheck.x(answer)",        # out of order
    "# BEGIN SOLUTION\n# BEGIN SOLUTION\nanswer = 1\n# END SOLUTION\ncheck.x(answer)",  # repeated
], ids=["missing", "begin-only", "reversed", "repeated"])
def test_bad_markers_are_refused_clearly(tmp_path, source):
    _write_notebook(tmp_path / "in", "01_good.ipynb", "# BEGIN SOLUTION\na = 1\n# END SOLUTION\ncheck.x(a)")
    _write_notebook(tmp_path / "in", "02_bad.ipynb", source)
    result = _run(tmp_path / "in", tmp_path / "out")
    assert result.returncode != 0
    assert "02_bad.ipynb, cell 1" in result.stderr and "BEGIN SOLUTION" in result.stderr
    assert not (tmp_path / "out").exists(), "nothing may be written when a notebook is refused"


def test_indented_solution_keeps_its_indentation_and_check_line(tmp_path):
    source = "for _ in range(1):\n    # BEGIN SOLUTION\n    answer = 42\n    # END SOLUTION\ncheck.x(answer)"
    _write_notebook(tmp_path / "in", "01_indent.ipynb", source)
    assert _run(tmp_path / "in", tmp_path / "out").returncode == 0
    cell = nbformat.read(tmp_path / "out" / "01_indent.ipynb", as_version=4).cells[1]
    assert cell.source == "for _ in range(1):\n    # YOUR CODE HERE\ncheck.x(answer)"


def test_usage_error_without_arguments():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "usage" in result.stderr
