"""helpers.search.store: save_index is all-or-nothing under exceptions, SIGKILL and concurrent savers;
load_index refuses every edited, forged or corrupt file, naming the file and what is wrong."""
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import faiss
import numpy as np
import pytest

from helpers.search import store
from helpers.search.index import build_index, search
from helpers.search.store import load_index, save_index

ROOT = Path(__file__).resolve().parents[1]


def vectors(seed, n=60, d=8):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def listing(folder):
    return sorted(p.name for p in Path(folder).iterdir())


@pytest.fixture()
def old(tmp_path):
    """A folder holding a saved index whose model id is 'old'."""
    folder = tmp_path / "idx"
    save_index(build_index(vectors(0), model_id="old"), folder, metadata=[{"i": i} for i in range(60)])
    return folder


def test_index_does_not_import_store_saving_lives_in_store_alone():
    from helpers.search import index
    assert not hasattr(index, "save_index") and not hasattr(index, "load_index")
    assert callable(store.save_index) and callable(store.load_index)


# --- faults during a save -------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from helpers.search import store
    from helpers.search.index import build_index
    folder, when = sys.argv[1], sys.argv[2]
    real_write = store.atomic_write_bytes

    def kill():
        os.kill(os.getpid(), signal.SIGKILL)

    def half_write(path, data):  # leave a half-written temporary file, then die
        if (when == "json half" and path.name == "index.json") or (when == "faiss half" and path.suffix == ".faiss"):
            with open(path.parent / f".{path.name}.crash.tmp", "wb") as f:
                f.write(data[: len(data) // 2])
            kill()
        real_write(path, data)

    store.atomic_write_bytes = half_write
    store._step = lambda name: kill() if name == when else None
    X = np.random.default_rng(1).normal(size=(90, 8)).astype(np.float32)
    store.save_index(build_index(X, model_id="new"), folder, metadata=[{"j": j} for j in range(90)])
""")


def run_child(script, *args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], env=env, **kwargs)


@pytest.mark.parametrize("when,expect", [("faiss half", "old"), ("faiss written", "old"), ("json half", "old"),
                                         ("json written", "new"), ("done", "new")])
def test_sigkill_at_any_step_leaves_the_old_or_the_new_index(old, when, expect):
    child = run_child(CHILD, old, when)
    assert child.wait(timeout=120) == -9  # it really died of SIGKILL
    index, records = load_index(old)
    assert index.model_id == expect and index.ntotal == (60 if expect == "old" else 90)
    assert len(records) == index.ntotal
    # the next save finishes or discards what the crash left: only the two usual files remain
    save_index(build_index(vectors(2), model_id="next"), old)
    assert listing(old) == ["index.faiss", "index.json"]
    assert load_index(old)[0].model_id == "next"


def test_sigkill_from_outside_at_random_moments(old):
    """A saver in a loop is killed by its parent at random moments; the folder always loads."""
    script = CHILD.replace("store.save_index(", "print('ready', flush=True)\nwhile True: store.save_index(")
    rng = np.random.default_rng(0)
    for _ in range(4):
        child = run_child(script, old, "never", stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0, 0.05))
        child.kill()
        child.wait(timeout=60)
        child.stdout.close()
        assert load_index(old)[0].model_id in ("old", "new")


@pytest.mark.parametrize("when,expect", [("faiss written", "old"), ("json written", "new")])
def test_an_exception_mid_save_leaves_a_loadable_folder(old, monkeypatch, when, expect):
    def boom(name):
        if name == when:
            raise KeyboardInterrupt  # what a learner's Ctrl-C raises
    monkeypatch.setattr(store, "_step", boom)
    with pytest.raises(KeyboardInterrupt):
        save_index(build_index(vectors(1), model_id="new"), old)
    assert load_index(old)[0].model_id == expect
    if expect == "old":  # nothing committed: nothing left behind either
        assert listing(old) == ["index.faiss", "index.json"]


def test_a_failed_json_write_keeps_the_old_index_and_no_leftovers(old, monkeypatch):
    real = store.atomic_write_bytes

    def disk_full(path, data):
        if path.name == "index.json":
            raise OSError(28, "No space left on device")
        real(path, data)
    monkeypatch.setattr(store, "atomic_write_bytes", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_index(build_index(vectors(1), model_id="new"), old)
    assert load_index(old)[0].model_id == "old"
    assert listing(old) == ["index.faiss", "index.json"]


def test_two_concurrent_savers_and_a_reader(tmp_path):
    folder = tmp_path / "shared"
    script = textwrap.dedent("""
        import sys
        import numpy as np
        from helpers.search.index import build_index
        from helpers.search.store import save_index
        folder, who = sys.argv[1], sys.argv[2]
        X = np.random.default_rng(int(who)).normal(size=(200 + int(who), 16)).astype(np.float32)
        index = build_index(X, model_id=f"saver {who}")
        for _ in range(15):
            save_index(index, folder, metadata=[{"who": who}] * len(X))
    """)
    children = [run_child(script, folder, who) for who in (1, 2)]
    loads = 0
    while any(child.poll() is None for child in children):
        if (folder / "index.json").exists():
            index, records = load_index(folder)  # a reader never sees a broken folder
            assert records[0]["who"] in ("1", "2") and index.ntotal == 200 + int(records[0]["who"])
            loads += 1
    assert [child.returncode for child in children] == [0, 0]
    index, records = load_index(folder)
    assert index.model_id in ("saver 1", "saver 2")
    assert listing(folder) == ["index.faiss", "index.json"]


def test_load_finishes_nothing_but_reads_a_committed_pending_file(old):
    """The state a crash right after the commit leaves: index.json new, index.faiss still old."""
    new = build_index(vectors(1), model_id="new")
    blob = faiss.serialize_index(new.faiss_index).tobytes()
    save_index(new, old.parent / "other")
    sha = hashlib.sha256(blob).hexdigest()
    (old / f"index.{sha[:16]}.faiss").write_bytes(blob)
    (old / "index.json").write_bytes((old.parent / "other" / "index.json").read_bytes())
    assert load_index(old)[0].model_id == "new"
    assert f"index.{sha[:16]}.faiss" in listing(old)  # loading never writes


# --- paths and arguments --------------------------------------------------------------------------

def test_save_and_load_refuse_a_file_and_a_missing_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file.*pass a folder path"):
        save_index(build_index(vectors(0)), tmp_path / "f")
    with pytest.raises(NotADirectoryError, match="is a file"):
        load_index(tmp_path / "f")
    with pytest.raises(FileNotFoundError, match="does not exist: pass the folder that save_index wrote"):
        load_index(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="index.json is missing"):
        load_index(tmp_path)
    for bad in (None, 3, ""):
        with pytest.raises(TypeError, match="path must be a folder path"):
            load_index(bad)


@pytest.mark.parametrize("kwargs,error,match", [({"metric": "cos"}, ValueError, "metric must be one of"),
                                                ({"dim": 0}, ValueError, "dim must be a positive int"),
                                                ({"dim": True}, ValueError, "dim must be a positive int")])
def test_load_refuses_bad_expectations(old, kwargs, error, match):
    with pytest.raises(error, match=match):
        load_index(old, **kwargs)


def test_save_refuses_a_non_string_model_id(tmp_path):
    with pytest.raises(TypeError, match="model_id must be a str"):
        save_index(build_index(vectors(0)), tmp_path, model_id=3)


# --- edited, forged and corrupt files -------------------------------------------------------------

def rewrite(folder, checksum=True, **changes):
    """Edit index.json; with checksum=True also recompute its own checksum, as a careful forger would."""
    manifest = json.loads((folder / "index.json").read_text())
    manifest.update(changes)
    if checksum:
        manifest["manifest_sha256"] = store._manifest_checksum(manifest)
    (folder / "index.json").write_text(json.dumps(manifest))


def forge_faiss(folder, faiss_index):
    blob = faiss.serialize_index(faiss_index).tobytes()
    (folder / "index.faiss").write_bytes(blob)
    rewrite(folder, faiss_sha256=hashlib.sha256(blob).hexdigest())


def test_an_edited_metric_is_refused_even_with_a_consistent_checksum(old):
    rewrite(old, checksum=False, metric="ip")
    with pytest.raises(ValueError, match="index.json was edited after saving.*save the index again"):
        load_index(old)
    rewrite(old, metric="l2")
    with pytest.raises(ValueError, match=r"index.json: says metric='l2' but the faiss index measures 'ip'"):
        load_index(old)


def test_cosine_over_vectors_that_are_not_unit_length_is_refused(tmp_path):
    save_index(build_index(vectors(0), metric="ip"), tmp_path)
    rewrite(tmp_path, metric="cosine")  # an ip index relabelled cosine would return non-cosines
    with pytest.raises(ValueError, match="not unit length"):
        load_index(tmp_path)


def test_a_forged_faiss_file_with_huge_vectors_is_refused(old):
    forged = faiss.IndexFlatIP(8)
    forged.add(np.full((60, 8), 1e18, np.float32))  # would give scores around 1e37
    forge_faiss(old, forged)
    with pytest.raises(ValueError, match="not unit length"):
        load_index(old)
    forged = faiss.IndexFlatIP(8)
    forged.add(np.full((60, 8), np.inf, np.float32))
    forge_faiss(old, forged)
    with pytest.raises(ValueError, match="NaN or inf"):
        load_index(old)


@pytest.mark.parametrize("changes,match", [
    ({"kind": "ivf"}, "says kind='ivf' but the faiss index is a IndexFlatIP"),
    ({"faiss_class": "IndexHNSWFlat"}, "says faiss_class='IndexHNSWFlat'"),
    ({"dim": 9}, "says dim=9 but the saved data has 8"),
    ({"ntotal": 61}, "says ntotal=61"),
    ({"ntotal": True}, "says ntotal=True"),
    ({"records": 5}, "'records' must be a list of dicts"),
    ({"records": ["x"] * 60}, "'records' must be a list of dicts"),
    ({"records": [{}] * 59}, "n_records=60 but the saved data has 59 records for 60 vectors"),
    ({"model_id": 7}, "model_id must be a string or null"),
    ({"faiss_sha256": None}, "has no faiss_sha256 checksum"),
    ({"format": "helpers.index/9"}, "is not a helpers.index/2 file"),
])
def test_a_consistently_forged_manifest_is_refused_naming_the_field(old, changes, match):
    rewrite(old, **changes)
    with pytest.raises(ValueError, match=match):
        load_index(old)


@pytest.mark.parametrize("content", [b"", b"\x00" * 100, b"{not json", b"[1, 2]", "é".encode("latin-1")])
def test_a_corrupt_index_json_names_the_file(old, content):
    (old / "index.json").write_bytes(content)
    with pytest.raises(ValueError, match=r"index.json is (corrupt|not a helpers.index/2 file).*(?i:save the index again)"):
        load_index(old)


def test_a_corrupt_faiss_file_with_a_matching_checksum_names_the_file(old):
    blob = b"IxFl" + b"\x07" * 40  # a faiss header with nonsense after it
    (old / "index.faiss").write_bytes(blob)
    rewrite(old, faiss_sha256=hashlib.sha256(blob).hexdigest())
    with pytest.raises(ValueError, match="index.faiss is not a readable faiss index.*save the index again"):
        load_index(old)
    (old / "index.faiss").write_bytes(b"")
    with pytest.raises(ValueError, match="checksum differs"):
        load_index(old)


def test_a_folder_written_by_the_previous_format_still_loads(tmp_path):
    X = vectors(0, n=100)
    index = build_index(X, kind="ivf", nlist=2, nprobe=2, metric="l2", model_id="m")
    save_index(index, tmp_path)
    manifest = json.loads((tmp_path / "index.json").read_text())
    for key in ("faiss_class", "manifest_sha256"):
        del manifest[key]
    (tmp_path / "index.json").write_text(json.dumps({**manifest, "format": "helpers.index/1"}))
    loaded, _ = load_index(tmp_path)
    assert (loaded.kind, loaded.metric, loaded.nprobe) == ("ivf", "l2", 2)
    np.testing.assert_array_equal(search(loaded, X[:3], k=4)[1], search(index, X[:3], k=4)[1])


def test_stored_vectors_reads_flat_ivf_and_hnsw(tmp_path):
    X = vectors(0, n=100)
    flat = build_index(X, metric="ip").faiss_index
    np.testing.assert_array_equal(store.stored_vectors(flat), X)
    ivf = build_index(X, kind="ivf", nlist=2, metric="ip").faiss_index
    got = store.stored_vectors(ivf)
    np.testing.assert_array_equal(np.sort(got, axis=0), np.sort(X, axis=0))
    hnsw = faiss.IndexHNSWFlat(8, 4)
    hnsw.add(X)
    np.testing.assert_array_equal(store.stored_vectors(hnsw), X)
    assert store.stored_vectors(faiss.IndexPQ(8, 2, 4)) is None
    assert store.faiss_class(hnsw) == "IndexHNSWFlat"
