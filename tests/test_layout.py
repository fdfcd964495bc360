"""The layout of helpers/: layers imported only downwards, no import circle, modules a sitting long,
and the map in helpers/__init__.py naming exactly the modules on disk.

Every module under helpers/ is parsed with `ast` (nothing is imported except in the last test), so
an import inside a function counts as much as one at the top of the file.
"""
import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers"
LAYERS = ("course", "encode", "search", "evaluate", "exercises")  # bottom to top
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _defined(name: str) -> set[str]:
    """The names a module defines at its top level; a package's __init__ also what it imports.

    A name that a module only imports from another is not counted: importing it from there would be
    an alias of its real home (`from helpers.course.data import REPO_ROOT`, which lives in paths).
    """
    names, package = set(), MODULES[name].name == "__init__.py"
    for node in ast.parse(MODULES[name].read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and package:
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def _imported(tree: ast.AST, name: str) -> set[str]:
    """The helpers modules (or packages) that a parsed module imports, wherever the import stands."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "helpers"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "helpers":
            for alias in node.names:  # `from helpers.search import ann` imports the module helpers.search.ann
                sub = f"{node.module}.{alias.name}"
                package = node.module in MODULES and MODULES[node.module].name == "__init__.py"
                # from a package, a name it does not define is a module, which must exist (`from helpers import check`)
                found.add(sub if sub in MODULES or (package and alias.name not in _defined(node.module)) else node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{name}: relative import; write the full path (from helpers.search.index import ...)")
    return found


GRAPH = {name: _imported(ast.parse(path.read_text(), str(path)), name) for name, path in MODULES.items()}


def _layer(name: str) -> int:
    parts = name.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 else -1  # helpers/__init__.py: below every layer


def test_every_module_sits_in_a_layer():
    loose = [name for name in MODULES if name != "helpers" and name.split(".")[1] not in LAYERS]
    assert not loose, f"modules outside the five layers {LAYERS}: {loose}; move each into the layer it serves"


def test_every_import_names_a_module_that_exists():
    missing = {name: sorted(m for m in imports if m not in MODULES) for name, imports in GRAPH.items()}
    missing = {name: bad for name, bad in missing.items() if bad}
    assert not missing, f"imports of helpers modules that do not exist (an old path?): {missing}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_from_a_higher_layer(name):
    upward = sorted(m for m in GRAPH[name] if m in MODULES and _layer(m) > _layer(name))
    assert not upward, (f"{name} (layer {LAYERS[_layer(name)]}) imports {upward} from a layer above; "
                        f"the layers run {' < '.join(LAYERS)}: move the shared piece down instead")


def test_no_import_circle():
    state, stack = {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for other in sorted(GRAPH.get(name, ())):
            if state.get(other) == "open":
                circle = stack[stack.index(other):] + [other]
                raise AssertionError(f"import circle: {' -> '.join(circle)}")
            if other not in state:
                visit(other)
        stack.pop()
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_long_modules_say_why(name):
    source = MODULES[name].read_text()
    lines = len(source.splitlines())
    if lines <= MAX_LINES:
        return
    first_paragraph = (ast.get_docstring(ast.parse(source)) or "").split("\n\n")[0]
    assert re.search(rf"\b{MAX_LINES} lines\b", first_paragraph), (
        f"{name} has {lines} lines, over {MAX_LINES}: split it by idea, or say in the first paragraph of its "
        f"docstring why it stays whole ('... over {MAX_LINES} lines because ...')")


def _named_in_package_docstring() -> set[str]:
    doc = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text()))
    return set(re.findall(r"\bhelpers(?:\.\w+)+", doc))


def test_the_package_map_names_every_module_and_only_modules_that_exist():
    named = _named_in_package_docstring()
    public = {name for name in MODULES if not name.rsplit(".", 1)[-1].startswith("_")} - {"helpers"}
    assert not named - set(MODULES), f"helpers/__init__.py names modules that do not exist: {sorted(named - set(MODULES))}"
    assert not public - named, f"helpers/__init__.py does not name these modules: {sorted(public - named)}"


def test_importing_the_package_and_its_layers_loads_nothing_heavy():
    heavy = ("torch", "faiss", "transformers", "pymilvus", "ray", "onnxruntime", "bm25s", "matplotlib", "pandas")
    code = (f"import sys; import {', '.join(['helpers'] + [f'helpers.{layer}' for layer in LAYERS])}; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]" and out.stderr == ""


def _code_outside_helpers():
    """(where, parsed code) for every Python file in tests/, benchmarks/, scripts/ and every notebook code cell."""
    for folder in ("tests", "benchmarks", "scripts"):
        for path in sorted((ROOT / folder).glob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_text())
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":
                source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                yield f"{path.name}, cell {i}", ast.parse(source)


def _missing_names(tree: ast.AST) -> list[str]:
    """`module.name` for each `from helpers.x.y import name` whose module file does not define the name."""
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MODULES and not MODULES[node.module].name == "__init__.py":
            missing += [f"{node.module}.{alias.name}" for alias in node.names if alias.name not in _defined(node.module)]
    return missing


def test_every_imported_name_exists_in_its_module():
    bad = {name: _missing_names(ast.parse(path.read_text())) for name, path in MODULES.items()}
    bad = {name: names for name, names in bad.items() if names}
    assert not bad, f"names imported from helpers modules that do not define them (moved?): {bad}"


def test_notebooks_tests_benchmarks_and_scripts_import_only_what_exists():
    stale = [(where, sorted(m for m in _imported(tree, str(where)) if m not in MODULES) + _missing_names(tree))
             for where, tree in _code_outside_helpers()]
    stale = [(where, bad) for where, bad in stale if bad]
    assert not stale, f"imports of helpers paths or names that do not exist (old paths? see helpers/__init__.py): {stale}"
