"""Every notebook keeps the house structure (shared/STYLE.md): title, objectives, imports first,
summary and exercises, executed in order, course kernel, linked to its neighbours, small.

00_start_here is the course map: it has no exercises, summary or "Before this", and its table's
time estimates must agree with each notebook's own "Time estimate" line.
"""
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
MAX_BYTES = 3 * 1024 * 1024
IMPORT = re.compile(r"^\s*(import\s+\w|from\s+\S+\s+import\s)")
LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+\.ipynb)\)")
MINUTES = re.compile(r"\*\*Time estimate:?\*\*:?\s*(?:about\s+)?(\d+)(?:\s*[-–]\s*(\d+))?\s*min", re.I)


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _is_map(path: Path) -> bool:
    return path.name.startswith("00_")


def _code_cells(nb) -> list[tuple[int, object]]:
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _markdown_lines(nb) -> list[str]:
    return [line.strip() for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]


def _outside_solution(cell) -> list[str]:
    """The cell's lines, minus a solution cell's BEGIN..END body."""
    lines, inside, kept = cell.source.splitlines(), False, []
    is_solution = "solution" in cell.metadata.get("tags", [])
    for line in lines:
        if is_solution and line.strip() == "# BEGIN SOLUTION":
            inside = True
        elif is_solution and line.strip() == "# END SOLUTION":
            inside = False
        elif not inside:
            kept.append(line)
    return kept


def time_estimate(nb) -> str | None:
    """'30' or '30-40': the minutes a notebook's own **Time estimate** line states."""
    match = MINUTES.search(nb.cells[0].source) if nb.cells else None
    return None if match is None else "-".join(g for g in match.groups() if g)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_number_matches_position(path):
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"
    position = NOTEBOOKS.index(path)
    assert path.name[:2] == f"{position:02d}", \
        f"{path.name}: notebook numbers must run 00, 01, 02, ... without gaps; this is number {position}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_and_header(path):
    nb = _read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{path.name}, cell 0: the first cell must be a markdown title"
    title = first.source.splitlines()[0] if first.source else ""
    assert re.fullmatch(rf"# {path.name[:2]} · \S.*", title), \
        f"{path.name}, cell 0: title must read '# {path.name[:2]} · Title', got {title!r}"
    header = first.source
    needed = ["Learning objectives", "Time estimate"] + ([] if _is_map(path) else ["Before this"])
    for word in needed:
        assert word in header, f"{path.name}, cell 0: the header needs a **{word}** line"
    assert time_estimate(nb), f"{path.name}, cell 0: write the time as '**Time estimate:** about N minutes'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_imports_only_in_first_code_cell_which_calls_setup(path):
    cells = _code_cells(_read(path))
    assert cells, f"{path.name}: no code cells"
    first_index, first = cells[0]
    assert re.search(r"\brepro\.setup\(", first.source), \
        f"{path.name}, cell {first_index}: the first code cell must call repro.setup()"
    for i, cell in cells[1:]:
        imports = [line for line in _outside_solution(cell) if IMPORT.match(line)]
        assert not imports, f"{path.name}, cell {i}: imports belong in the first code cell: {imports}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_path_hacks_or_installs(path):
    for i, cell in _code_cells(_read(path)):
        assert "sys.path" not in cell.source, f"{path.name}, cell {i}: no sys.path edits; helpers is installed"
        bad = [line for line in cell.source.splitlines() if re.match(r"\s*[!%]\s*(pip|conda)\b", line)]
        assert not bad, f"{path.name}, cell {i}: no install cells ({bad}); `make install` does that"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not _is_map(p)], ids=lambda p: p.stem)
def test_summary_and_exercises(path):
    nb = _read(path)
    lines = _markdown_lines(nb)
    assert "## Summary" in lines, f"{path.name}: needs a '## Summary' section"
    assert "## Exercises" in lines, f"{path.name}: needs a '## Exercises' section"
    assert lines.index("## Summary") < lines.index("## Exercises"), f"{path.name}: Summary comes before Exercises"
    exercises = [line for line in lines if line.startswith("### Exercise")]
    assert len(exercises) >= 2, f"{path.name}: needs at least 2 '### Exercise N: title' cells, found {len(exercises)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_in_order(path):
    nb = _read(path)
    cells = [(i, c) for i, c in _code_cells(nb) if c.source.strip()]
    counts = [c.execution_count for _, c in cells]
    assert counts == list(range(1, len(cells) + 1)), \
        f"{path.name}: execution counts must be 1..{len(cells)} top to bottom (re-run " \
        f"scripts/execute_notebooks.py); got {counts}"
    assert any(c.outputs for _, c in cells), f"{path.name}: no stored outputs; commit it executed"
    for i, cell in cells:
        errors = [o.get("ename") for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}, cell {i}: stored output is an error {errors}"
        streams = [o.text[:80] for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not streams, f"{path.name}, cell {i}: stderr in a stored output (warnings, progress bars): {streams}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_course_kernel(path):
    spec = _read(path).metadata.get("kernelspec", {})
    assert spec.get("name") == "semantic-search-course", f"{path.name}: kernelspec must be semantic-search-course"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_last_cell_links_neighbours(path):
    nb = _read(path)
    last = nb.cells[-1]
    where = f"{path.name}, cell {len(nb.cells) - 1}"
    assert last.cell_type == "markdown", f"{where}: the last cell must be markdown linking the neighbours"
    targets = LINK.findall(last.source)
    for target in targets:
        assert (NOTEBOOK_DIR / target).is_file(), f"{where}: links to {target}, which does not exist"
    position = NOTEBOOKS.index(path)
    if position > 0:
        previous = NOTEBOOKS[position - 1].name
        assert "Previous" in last.source and previous in targets, f"{where}: needs 'Previous: [..]({previous})'"
    if position + 1 < len(NOTEBOOKS):
        following = NOTEBOOKS[position + 1].name
        assert "Next" in last.source and following in targets, f"{where}: needs 'Next: [..]({following})'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_small(path):
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name}: {size / 1e6:.1f} MB; keep notebooks under 3 MB (smaller figures, fewer outputs)"


def _map_rows() -> dict[str, str]:
    """00's course-map table: notebook file -> its time-estimate cell."""
    nb = _read(NOTEBOOKS[0])
    rows = {}
    for line in _markdown_lines(nb):
        cells = [c.strip() for c in line.strip("|").split("|")] if line.startswith("|") else []
        links = LINK.findall(cells[0]) if cells else []
        if links and len(cells) >= 4:
            rows[links[0]] = cells[2]
    return rows


@pytest.mark.skipif(not NOTEBOOKS or not _is_map(NOTEBOOKS[0]), reason="no 00_start_here notebook yet")
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not _is_map(p)], ids=lambda p: p.stem)
def test_start_here_map_agrees_with_notebook(path):
    rows = _map_rows()
    assert path.name in rows, f"{NOTEBOOKS[0].name}: the course map has no row for {path.name}"
    stated = time_estimate(_read(path))
    in_map = re.sub(r"\s*[-–]\s*", "-", rows[path.name])
    assert re.search(rf"\b{stated}\s*min", in_map), \
        f"{NOTEBOOKS[0].name}: the map says {rows[path.name]!r} for {path.name}, whose own header says " \
        f"about {stated} minutes; update the map's row"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_time_estimate_follows_the_reading_model(path):
    """Each header's minutes are scripts/time_estimate.py's, the one reading model README states."""
    spec = importlib.util.spec_from_file_location("time_estimate", NOTEBOOK_DIR.parent / "scripts" / "time_estimate.py")
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    expected = model.estimate(nbformat.read(path, as_version=4))
    assert time_estimate(_read(path)) == str(expected), \
        f"{path.name}: the header says about {time_estimate(_read(path))} minutes, the reading model " \
        f"{expected}; run: python scripts/time_estimate.py --write notebooks/*.ipynb"


@pytest.mark.skipif(not NOTEBOOKS or not _is_map(NOTEBOOKS[0]), reason="no 00_start_here notebook yet")
def test_start_here_map_lists_only_existing_notebooks():
    missing = [name for name in _map_rows() if not (NOTEBOOK_DIR / name).is_file()]
    assert not missing, f"{NOTEBOOKS[0].name}: the course map lists notebooks that do not exist: {missing}"


@pytest.mark.skipif(not NOTEBOOKS or not _is_map(NOTEBOOKS[0]), reason="no 00_start_here notebook yet")
def test_readme_map_repeats_start_here_map():
    """The README's course map is 00's, row for row, with links into notebooks/."""
    readme = (NOTEBOOK_DIR.parent / "README.md").read_text(encoding="utf-8")
    for name, time_cell in _map_rows().items():
        rows = [line for line in readme.splitlines() if f"](notebooks/{name})" in line]
        assert rows, f"README.md: the course map has no row for notebooks/{name}; copy it from 00_start_here"
        assert f"| {time_cell} |" in rows[0], \
            f"README.md: the row for {name} should say {time_cell!r}, as 00_start_here's map does"


EXERCISE = re.compile(r"### Exercise (\d+) \[(core|stretch)(, thinking)?\]: \S.*")
TRY_IT = "## Try it yourself"


def _exercise_headings(nb) -> list[tuple[int, str]]:
    """(cell index, line) of every markdown line that starts with '### Exercise'."""
    return [(i, line.strip()) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
            for line in c.source.splitlines() if line.strip().startswith("### Exercise")]


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not _is_map(p)], ids=lambda p: p.stem)
def test_exercise_headings_are_marked(path):
    """'### Exercise N [core]: Title', '[stretch]', plus ', thinking' (shared CONVENTIONS.md), numbered 1, 2, ..."""
    headings = _exercise_headings(_read(path))
    for i, line in headings:
        assert EXERCISE.fullmatch(line), \
            f"{path.name}, cell {i}: exercise heading {line!r} must read '### Exercise N [core]: Title' " \
            "(or [stretch], and ', thinking' for a thinking exercise: '[core, thinking]')"
    numbers = [int(EXERCISE.fullmatch(line).group(1)) for _, line in headings]
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: exercises must be numbered 1, 2, ...; got {numbers}"
    assert 2 <= len(headings) <= 3, f"{path.name}: keep 2-3 checked exercises, found {len(headings)}"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not _is_map(p)], ids=lambda p: p.stem)
def test_at_least_one_thinking_exercise(path):
    """A thinking exercise: its answer is printed nowhere above and no one-literal change of a cell solves it."""
    thinking = [line for _, line in _exercise_headings(_read(path)) if ", thinking]" in line]
    assert thinking, f"{path.name}: needs at least one '### Exercise N [core, thinking]: ...' " \
                     "(or [stretch, thinking]) exercise"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not _is_map(p)], ids=lambda p: p.stem)
def test_try_it_yourself_cell(path):
    """After the exercises: a '## Try it yourself' markdown cell, then an unchecked code cell, then the last cell."""
    nb = _read(path)
    found = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "markdown" and TRY_IT in [line.strip() for line in c.source.splitlines()]]
    assert len(found) == 1, f"{path.name}: needs one markdown cell with a '{TRY_IT}' heading, found {len(found)}"
    i = found[0]
    headings = _exercise_headings(nb)
    assert headings and i > headings[-1][0], f"{path.name}, cell {i}: '{TRY_IT}' comes after the exercises"
    assert i + 1 < len(nb.cells) - 1 and nb.cells[i + 1].cell_type == "code", \
        f"{path.name}, cell {i}: '{TRY_IT}' must be followed by a code cell, before the final Previous/Next cell"
    code = nb.cells[i + 1]
    assert "solution" not in code.metadata.get("tags", []) and "check." not in code.source, \
        f"{path.name}, cell {i + 1}: the '{TRY_IT}' cell is unchecked: no solution tag, no check call"
    assert re.search(r"^my_\w+\s*=", code.source, re.M), \
        f"{path.name}, cell {i + 1}: start the '{TRY_IT}' cell with the learner's input, e.g. my_query = \"...\""
    rest = nb.cells[i + 2:]
    if rest and rest[0].cell_type == "markdown" and rest[0].source.startswith("## Clean up"):
        # a notebook that started something (a database, a cluster) releases it after the learner's cell
        assert len(rest) >= 2 and rest[1].cell_type == "code", \
            f"{path.name}: '## Clean up' must be followed by the one code cell that cleans up"
        rest = rest[2:]
    assert all(c.cell_type == "markdown" for c in rest), \
        f"{path.name}: only an optional '## Clean up' section and the final Previous/Next cell may follow " \
        f"the '{TRY_IT}' code cell"
