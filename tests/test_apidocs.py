"""data/apidocs, notebooks 11-14's corpus: read from the pinned libraries, and rebuilt identically."""
import gzip
import hashlib
import json
import platform
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APIDOCS = ROOT / "data" / "apidocs"
MANIFEST = json.loads((APIDOCS / "manifest.json").read_text())


def test_the_snapshot_was_read_from_the_pinned_library_versions():
    pins = {}
    for req in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        name, _, version = req.partition("==")
        pins[name.lower()] = version
    assert MANIFEST["versions"] == {name: pins[name] for name in ("numpy", "scipy", "pandas", "scikit-learn")}


def test_the_corpus_file_is_the_one_the_manifest_describes():
    data = gzip.decompress((APIDOCS / "corpus.jsonl.gz").read_bytes())
    assert hashlib.sha256(data).hexdigest() == MANIFEST["corpus_jsonl_sha256"]
    rows = [json.loads(line) for line in data.splitlines()]
    assert len(rows) == MANIFEST["documents"]
    ids = [r["doc_id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    known = set(ids)
    assert all(target in known for r in rows for target in r["see_also"])


@pytest.mark.skipif(sys.version.split()[0] != MANIFEST["python"] or
                    f"{platform.system()} {platform.machine()}" != MANIFEST["platform"],
                    reason="docstrings and signatures are rendered by the running Python and name the platform: "
                           f"the snapshot is rebuilt identically only on Python {MANIFEST['python']}, "
                           f"{MANIFEST['platform']}")
def test_the_build_script_rebuilds_the_snapshot_byte_for_byte():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_apidocs.py"), "--check"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


def test_load_apidocs_reads_every_document_and_splits_by_library():
    from helpers.course.apidocs import EVAL_LIBRARY, TRAIN_LIBRARIES, load_apidocs
    everything = load_apidocs()
    assert len(everything) == MANIFEST["documents"]
    held_out = load_apidocs([EVAL_LIBRARY])
    train = load_apidocs(TRAIN_LIBRARIES)
    assert len(held_out) + len(train) == len(everything)
    assert {d.library for d in held_out} == {EVAL_LIBRARY} and EVAL_LIBRARY not in {d.library for d in train}
    doc = next(d for d in held_out if d.doc_id == "sklearn.model_selection.train_test_split")
    assert doc.text.startswith("sklearn.model_selection.train_test_split\nSplit arrays or matrices")
    assert doc.summary not in doc.body


@pytest.mark.parametrize("bad", ["sklearn", [], ["scikit-learn"], ["torch"]])
def test_load_apidocs_refuses_libraries_it_does_not_hold(bad):
    from helpers.course.apidocs import load_apidocs
    with pytest.raises(ValueError, match="libraries must be a list drawn from"):
        load_apidocs(bad)
