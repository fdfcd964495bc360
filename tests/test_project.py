"""The project's own promises: one set of pins, a light package import, notebooks that name the kernel."""
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(requirements):
    pins = {}
    for line in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.+]+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_pins_agree_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert all("==" in r for r in declared), "every dependency is pinned exactly"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == _pins(declared)
    assert "-e ." in pip_section


def test_torch_is_pinned_to_the_local_cpu_build():
    assert "torch==2.13.0" in (ROOT / "pyproject.toml").read_text()
    assert "torch==2.13.0" in (ROOT / "Makefile").read_text()


def test_importing_helpers_runs_nothing_heavy():
    code = "import sys, helpers; print(sorted(m for m in ('torch', 'faiss', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]" and out.stderr == ""


def test_every_notebook_uses_the_course_kernel():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        spec = json.loads(path.read_text())["metadata"]["kernelspec"]
        assert spec["name"] == "semantic-search-course", path.name


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
