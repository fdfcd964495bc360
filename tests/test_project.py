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


def test_readme_names_every_variable_of_the_avx2_path():
    script = (ROOT / "scripts" / "cpu_path.sh").read_text()
    avx2 = script[script.index("\navx2)"):script.index("\nepyc-rome)")]
    names = re.findall(r"^\s*export (\w+)=", avx2, re.M)
    assert len(names) == 6
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Reproducible on every machine"):]
    for name in names:
        value = re.search(rf'export {name}=("[^"]*"|\S+)', avx2).group(1)
        assert f"`{name}={value}" in section, f"README's table should give {name}={value}, as cpu_path.sh sets it"


def test_supported_pythons_agree_everywhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.15"
    script = (ROOT / "scripts" / "check_pins_resolve.py").read_text()
    assert 'PYTHONS = ["3.11", "3.12", "3.13", "3.14"]' in script
    assert "Python 3.11 to 3.14" in (ROOT / "README.md").read_text()
    assert "Python 3.11 to 3.14" in (ROOT / "TEACHING.md").read_text()


def test_ci_checks_resolution_and_the_avx2_path():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make resolve" in ci and "make unit CPU=avx2" in ci and "AVX2_NOTEBOOKS=" in ci
