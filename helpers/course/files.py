"""Atomic file writes (a reader sees the old file or the new one, never half of one) and folder locks.

Introduced in notebooks/03_flat_index.ipynb (saving an index).
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


def _mode_for(path: Path) -> int:
    """The existing file's permissions, else what a plain open() would give under the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise TypeError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__} {path!r:.60}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}: encode text first, e.g. "
                        "text.encode('utf-8'), or use atomic_write_json")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; pass the path of the file to write inside it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; keep the usual permissions
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    """Serialise `obj` as indented UTF-8 JSON (no NaN allowed) and write it atomically."""
    try:
        text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise type(err)(f"cannot save this object as JSON to {path} ({err}): use dicts, lists, str, int, finite "
                        "float, bool and None (convert numpy values with .tolist() or float())") from None
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))


@contextlib.contextmanager
def locked_folder(path: str | os.PathLike, exclusive: bool) -> Iterator[None]:
    """flock on the folder itself: exclusive for a save, shared for a load (no lock file is left behind).

    Without fcntl (Windows) this does nothing: saves stay atomic, concurrent ones are not serialised.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def fsync_dir(path: str | os.PathLike) -> None:
    """Flush a folder's entries (renames) to disk, where the platform and file system allow it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
