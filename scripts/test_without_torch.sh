#!/usr/bin/env bash
# Run the unit tests under another CPython (3.12, 3.13, 3.14) on Linux x86-64 without torch.
#
#   scripts/test_without_torch.sh /root/.pyenv/versions/3.13.0/bin/python3.13 /work/py313/venv
#
# For these Pythons torch 2.13.0 exists on PyPI only as its CUDA build (a 527 MB wheel plus 19 NVIDIA,
# CUDA and Triton packages), and PyTorch's CPU index is out of reach of the project's machines. This
# installs every other package of the resolution that scripts/check_pins_resolve.py makes for that
# Python (so exactly the versions a learner's pip would pick), the course itself, its kernel and its
# JupyterLab settings, into VENV (outside the repository), then runs the unit tests with
# COURSE_WITHOUT_TORCH=1: tests that fail only because torch is missing are reported as skipped,
# "needs torch" (tests/conftest.py). Two browser tests are deselected: they run notebooks on the
# course kernel, whose first cell imports torch. README, "Tested platforms", has the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 PYTHON VENV" >&2; exit 2; }
python="$1"; venv="$2"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
platform=x86_64-manylinux_2_28
python3 scripts/check_pins_resolve.py --only "$version" "$platform"
requirements=".cache/resolved/$platform-py$version.txt"
grep -v -E '^(torch|nvidia-[a-z0-9-]+|cuda-[a-z-]+|triton)==' "$requirements" > "$requirements.no-torch"
test -x "$venv/bin/python" || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install --no-deps -r "$requirements.no-torch"
"${pip[@]}" install --no-deps -e .
"$venv/bin/python" -m ipykernel install --sys-prefix --name semantic-search-course --display-name "Semantic search course"
mkdir -p "$venv/share/jupyter/lab/settings/overrides.d"
cp lab-settings/overrides.json "$venv/share/jupyter/lab/settings/overrides.d/semantic-search-course.json"
"$venv/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is not None)' || {
    echo "$venv has torch: run the ordinary make test instead" >&2; exit 1; }
COURSE_WITHOUT_TORCH=1 exec "$venv/bin/python" -m pytest tests -q -rs \
    --deselect tests/test_browser.py::test_start_here_runs_all_cells_on_the_course_kernel \
    --deselect tests/test_browser.py::test_student_copy_exercise_check_says_what_is_missing
