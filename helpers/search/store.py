"""Save and load a VectorIndex: all-or-nothing, safe with concurrent savers, checked on load.

Introduced in notebooks/03_flat_index.ipynb.

A saved index is a folder holding `index.faiss` (faiss's own format) and `index.json` (metric,
kind, faiss class, dimension, count, model id, a checksum of the faiss file, a checksum of the
JSON itself and one record per vector). How a save stays all-or-nothing (after an exception or a
SIGKILL at any moment the folder loads as the old index or as the new one, never as neither):

1. the new faiss file is written under its content's name, `index.<sha256[:16]>.faiss`
   (to a temporary file, flushed to disk, then renamed);
2. `index.json` is replaced atomically: this is the commit. From here on the folder loads as the
   new index: `load_index` takes the faiss file whose checksum index.json records, whether it is
   still called `index.<sha>.faiss` or already `index.faiss`;
3. `index.<sha>.faiss` is renamed over `index.faiss`, leaving the usual two files.

Savers take an exclusive `flock` on the folder itself (no lock file is left behind), loaders a
shared one, so two processes saving at once take turns and the last one wins. Each save first
finishes a save that a crash interrupted after step 2 and deletes what a crashed save left
(temporary files and uncommitted `index.<sha>.faiss`).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

import faiss
import numpy as np

from helpers.course.files import atomic_write_bytes, fsync_dir, locked_folder
from helpers.search.index import KINDS, MAX_SQUARED_NORM, METRICS, VectorIndex, _as_vector_index

FORMAT, OLD_FORMATS = "helpers.index/2", ("helpers.index/1",)  # names of a file format, kept when modules move
INDEX_FILE, META_FILE = "index.faiss", "index.json"
_PENDING = re.compile(r"^index\.[0-9a-f]{16}\.faiss$")
_TEMPORARY = re.compile(r"^\.index\.(faiss|json|[0-9a-f]{16}\.faiss)\..+\.tmp$")
UNIT_NORM_TOL = 1e-3  # float32 vectors normalised by faiss are within ~1e-6 of 1


def _step(name: str) -> None:
    """Called between the steps of a save; tests replace it to crash (or SIGKILL) at each step."""


def _pending_name(sha: str) -> str:
    return f"index.{sha[:16]}.faiss"


_fsync_dir = fsync_dir   # helpers.course.files: shared with helpers.search.lexical's BM25 saves
_locked = locked_folder


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _records_json(metadata: Any, ntotal: int) -> list[dict] | None:
    if metadata is None:
        return None
    if isinstance(metadata, (str, bytes, dict)) or not hasattr(metadata, "__len__"):
        raise TypeError(f"metadata must be a list of dicts, one per vector, got {type(metadata).__name__}")
    if len(metadata) != ntotal:
        raise ValueError(f"metadata has {len(metadata)} records but the index holds {ntotal} vectors: "
                         "give one record per vector, in the order they were added")
    for i, record in enumerate(metadata):
        if not isinstance(record, dict):
            raise TypeError(f"metadata[{i}] is {type(record).__name__}; each record must be a dict")
        try:
            json.dumps(record, default=_json_default, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise TypeError(f"metadata[{i}] cannot be saved as JSON ({err}); use str, int, float, "
                            "bool, None, lists and dicts") from None
    return json.loads(json.dumps(list(metadata), default=_json_default))


def faiss_class(faiss_index: faiss.Index) -> str:
    """The faiss type name of an index (IndexFlatIP, IndexIVFFlat, IndexHNSWFlat, ...)."""
    return type(faiss.downcast_index(faiss_index)).__name__


def stored_vectors(faiss_index: faiss.Index) -> np.ndarray | None:
    """The raw float32 vectors an index stores, where it stores them uncompressed; else None."""
    index = faiss.downcast_index(faiss_index)
    n, d = int(index.ntotal), int(index.d)
    if isinstance(index, faiss.IndexFlat):
        return faiss.rev_swig_ptr(index.get_xb(), n * d).reshape(n, d) if n else np.zeros((0, d), np.float32)
    if isinstance(index, faiss.IndexIVFFlat):
        lists = index.invlists
        parts = [faiss.rev_swig_ptr(lists.get_codes(i), lists.list_size(i) * 4 * d).view(np.float32)
                 for i in range(index.nlist) if lists.list_size(i)]
        return np.concatenate(parts).reshape(-1, d) if parts else np.zeros((0, d), np.float32)
    storage = getattr(index, "storage", None)  # HNSW and friends keep a flat storage index
    return stored_vectors(storage) if isinstance(storage, faiss.Index) else None


def _manifest_checksum(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _check_folder(path: Any, action: str) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise TypeError(f"path must be a folder path (str or pathlib.Path), got {type(path).__name__} {path!r:.60}")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} is a file, but {action} works on a folder holding "
                                 f"{INDEX_FILE} and {META_FILE}: pass a folder path")
    return path


def _clean(path: Path) -> None:
    """Finish a save that a crash cut after its commit, then delete what crashed saves left."""
    sha = None
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sha = json.loads((path / META_FILE).read_text(encoding="utf-8")).get("faiss_sha256")
    if isinstance(sha, str) and (path / _pending_name(sha)).is_file():
        os.replace(path / _pending_name(sha), path / INDEX_FILE)  # the commit happened: roll forward
    for entry in path.iterdir():
        if _PENDING.match(entry.name) or _TEMPORARY.match(entry.name):
            entry.unlink(missing_ok=True)


def save_index(index: VectorIndex, path: str | os.PathLike, metadata: list[dict] | None = None,
               model_id: str | None = None) -> Path:
    """Write index.faiss and index.json into the folder `path`, all-or-nothing (see the module docstring)."""
    index = _as_vector_index(index)
    if model_id is not None and not isinstance(model_id, str):
        raise TypeError(f"model_id must be a str such as 'sentence-transformers/all-MiniLM-L6-v2', got {model_id!r}")
    if model_id is not None and index.model_id is not None and model_id != index.model_id:
        raise ValueError(f"model_id={model_id!r} differs from the index's {index.model_id!r}")
    path = _check_folder(path, "save_index")
    records = _records_json(metadata, index.ntotal)
    blob = faiss.serialize_index(index.faiss_index).tobytes()
    sha = hashlib.sha256(blob).hexdigest()
    manifest = {"format": FORMAT, "kind": index.kind, "faiss_class": faiss_class(index.faiss_index),
                "metric": index.metric, "dim": index.dim, "ntotal": index.ntotal, "nlist": index.nlist,
                "nprobe": index.nprobe, "model_id": model_id or index.model_id,
                "n_records": None if records is None else len(records), "faiss_file": INDEX_FILE,
                "faiss_sha256": sha, "faiss_version": faiss.__version__, "records": records}
    manifest["manifest_sha256"] = _manifest_checksum(manifest)
    text = json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=False)
    path.mkdir(parents=True, exist_ok=True)
    with _locked(path, exclusive=True):
        _clean(path)
        pending = path / _pending_name(sha)
        try:
            atomic_write_bytes(pending, blob)
            _step("faiss written")
            atomic_write_bytes(path / META_FILE, (text + "\n").encode("utf-8"))  # the commit
        except BaseException:
            pending.unlink(missing_ok=True)
            raise
        _step("json written")
        os.replace(pending, path / INDEX_FILE)
        _fsync_dir(path)
        _step("done")
    return path


def _read_manifest(path: Path) -> dict:
    file = path / META_FILE
    if not file.is_file():
        raise FileNotFoundError(f"{file} is missing; save_index writes {INDEX_FILE} and {META_FILE} "
                                "into a folder: is this the folder you saved to?")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{file} is corrupt ({err}); save the index again") from None
    if not isinstance(manifest, dict) or manifest.get("format") not in (FORMAT, *OLD_FORMATS):
        raise ValueError(f"{file} is not a {FORMAT} file; was it written by save_index? Save the index again")
    if manifest["format"] == FORMAT and manifest.get("manifest_sha256") != _manifest_checksum(manifest):
        raise ValueError(f"{file} was edited after saving (its fields no longer match its manifest_sha256): "
                         "an edited metric, kind or record would give wrong results; save the index again")
    return manifest


def _read_blob(path: Path, manifest: dict) -> bytes:
    """The faiss file whose checksum index.json records: index.faiss, or a committed index.<sha>.faiss."""
    sha = manifest.get("faiss_sha256")
    if not isinstance(sha, str):
        raise ValueError(f"{path / META_FILE} has no faiss_sha256 checksum; save the index again")
    candidates = [path / INDEX_FILE, path / _pending_name(sha)]
    if not any(c.is_file() for c in candidates):
        raise FileNotFoundError(f"{path / INDEX_FILE} is missing; save_index writes {INDEX_FILE} and "
                                f"{META_FILE}: save the index again")
    for candidate in candidates:
        with contextlib.suppress(FileNotFoundError):
            blob = candidate.read_bytes()
            if hashlib.sha256(blob).hexdigest() == sha:
                return blob
    raise ValueError(f"{path / INDEX_FILE} does not match {META_FILE} (checksum differs): the two were "
                     "not saved together or one is corrupt; save the index again")


def _kind_of(faiss_index: faiss.Index) -> str | None:
    if isinstance(faiss.try_extract_index_ivf(faiss_index), faiss.IndexIVF):
        return "ivf"
    return "flat" if isinstance(faiss.downcast_index(faiss_index), faiss.IndexFlat) else None


def _check_pair(manifest: dict, faiss_index: faiss.Index, path: Path) -> None:
    """Compare what index.json says with the faiss index itself; refuse any mismatch."""
    file = path / META_FILE

    def refuse(what: str) -> None:
        raise ValueError(f"{file}: {what}; the saved pair is inconsistent: save the index again")

    is_l2 = faiss_index.metric_type == faiss.METRIC_L2
    metric, kind = manifest.get("metric"), manifest.get("kind")
    if metric not in METRICS or (metric == "l2") != is_l2:
        measures = "'l2'" if is_l2 else "'ip' or 'cosine' (inner product)"
        refuse(f"says metric={metric!r} but the faiss index measures {measures}")
    if not isinstance(kind, str) or (kind in KINDS and _kind_of(faiss_index) != kind):
        refuse(f"says kind={kind!r} but the faiss index is a {faiss_class(faiss_index)}")
    if "faiss_class" in manifest and manifest["faiss_class"] != faiss_class(faiss_index):
        refuse(f"says faiss_class={manifest['faiss_class']!r} but the faiss file holds a {faiss_class(faiss_index)}")
    ntotal = int(faiss_index.ntotal)
    for key, value in (("dim", int(faiss_index.d)), ("ntotal", ntotal)):
        if manifest.get(key) != value or isinstance(manifest.get(key), bool):
            refuse(f"says {key}={manifest.get(key)!r} but the saved data has {value!r}")
    records, n_records = manifest.get("records"), manifest.get("n_records")
    if records is not None and (not isinstance(records, list) or not all(isinstance(r, dict) for r in records)):
        refuse(f"'records' must be a list of dicts (one per vector) or null, got {type(records).__name__}")
    if n_records != (None if records is None else len(records)) or (records is not None and len(records) != ntotal):
        got = None if records is None else len(records)
        refuse(f"says n_records={n_records!r} but the saved data has {got!r} records for {ntotal} vectors")
    if not isinstance(manifest.get("model_id"), (str, type(None))):
        refuse(f"model_id must be a string or null, got {manifest.get('model_id')!r}")
    vectors = stored_vectors(faiss_index)
    if vectors is None or not len(vectors):
        return
    squares = np.concatenate([_squared_norms(vectors[i:i + 65536]) for i in range(0, len(vectors), 65536)])
    if not np.isfinite(squares).all():
        refuse(f"the faiss file stores NaN or inf in {int((~np.isfinite(squares)).sum())} vectors")
    if metric != "cosine" and squares.max() > MAX_SQUARED_NORM:
        refuse(f"the faiss file stores vectors with norms up to {np.sqrt(squares.max()):.3g}, whose scores "
               "overflow float32")
    worst = float(np.abs(np.sqrt(squares) - 1).max())
    if metric == "cosine" and worst > UNIT_NORM_TOL:
        refuse(f"says metric='cosine' but the stored vectors are not unit length (a norm is off by {worst:.3g}); "
               "scores would not be cosines")


def _squared_norms(block: np.ndarray) -> np.ndarray:
    """Squared norms in float64, one block at a time (no float64 copy of a whole corpus); NaN/inf kept."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.einsum("ij,ij->i", block.astype(np.float64), block.astype(np.float64))


def load_index(path: str | os.PathLike, model_id: str | None = None, metric: str | None = None,
               dim: int | None = None) -> tuple[VectorIndex, list[dict] | None]:
    """Read a save_index folder, check the pair (and any expected model_id/metric/dim); return (index, records)."""
    path = _check_folder(path, "load_index")
    if metric is not None and metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS} or None, got {metric!r}")
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1):
        raise ValueError(f"dim must be a positive int or None, got {dim!r}")
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist: pass the folder that save_index wrote")
    with _locked(path, exclusive=False):
        manifest = _read_manifest(path)
        blob = _read_blob(path, manifest)
    try:
        faiss_index = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
    except RuntimeError as err:
        raise ValueError(f"{path / INDEX_FILE} is not a readable faiss index ({str(err).strip()[:200]}); "
                         "save the index again") from None
    _check_pair(manifest, faiss_index, path)
    for key, wanted in (("model_id", model_id), ("metric", metric), ("dim", dim)):
        if wanted is not None and manifest.get(key) != wanted:
            raise ValueError(f"{path} holds an index with {key}={manifest.get(key)!r}, not {wanted!r}: "
                             "load the index built for this model and metric, or rebuild it")
    index = VectorIndex(faiss_index, manifest["metric"], manifest["kind"], manifest.get("model_id"))
    return index, manifest.get("records")
