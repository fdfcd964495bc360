"""helpers.encode.onnx_backend._cached: concurrent builders of one file take turns, a chain of stages
built cold in one process does not deadlock, and a failed build installs nothing (no model needed)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.encode import onnx_backend

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from helpers.encode import onnx_backend
    folder = Path(sys.argv[1])
    onnx_backend.onnx_dir = lambda: folder
    def log(stage):
        with open(folder / "builds.log", "a") as f:
            f.write(f"{stage} {os.getpid()}\\n")
    def build_a(out, _):
        log("a"); time.sleep(1.0); out.write_bytes(b"stage a")
    def build_b(out, src):
        log("b"); time.sleep(0.5); out.write_bytes(src.read_bytes() + b" + stage b")
    a = lambda: onnx_backend._cached("a", {"k": 1}, build_a)
    print(onnx_backend._cached("b", {"k": 1}, build_b, source=a))
""")


def _run_children(folder: Path, n: int) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(n)]
    results = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0] * n, [err.decode()[-2000:] for _, err in results]
    return [out.decode().strip() for out, _ in results]


def test_a_cold_chain_in_one_process_builds_each_stage_once_without_deadlock(tmp_path):
    """The fresh-clone deadlock: the second stage resolved the first inside its own lock."""
    (out,) = _run_children(tmp_path, 1)
    assert Path(out).read_bytes() == b"stage a + stage b"
    assert [line.split()[0] for line in (tmp_path / "builds.log").read_text().splitlines()] == ["a", "b"]


def test_concurrent_builders_of_one_chain_take_turns_and_build_each_file_once(tmp_path):
    outs = _run_children(tmp_path, 3)
    assert len(set(outs)) == 1 and Path(outs[0]).read_bytes() == b"stage a + stage b"
    stages = sorted(line.split()[0] for line in (tmp_path / "builds.log").read_text().splitlines())
    assert stages == ["a", "b"]   # three processes, each file built once
    assert all(onnx_backend.is_intact(p) for p in tmp_path.glob("*.onnx"))
    assert not list(tmp_path.glob(".build-*"))


def test_a_failed_build_installs_nothing_and_the_next_call_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_backend, "onnx_dir", lambda: tmp_path)

    def broken(out, _):
        out.write_bytes(b"half a mod")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError, match="export failed"):
        onnx_backend._cached("a", {"k": 2}, broken)
    assert not list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob(".build-*"))
    path = onnx_backend._cached("a", {"k": 2}, lambda out, _: out.write_bytes(b"whole"))
    assert path.read_bytes() == b"whole" and onnx_backend.is_intact(path)
