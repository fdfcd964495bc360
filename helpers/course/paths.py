"""Where the course keeps things on disk: the repository root, the embedding cache, assembled models.

Introduced in notebooks/00_start_here.ipynb (REPO_ROOT); the cache folder in notebooks/01_pooling.ipynb.
In the lowest layer so that every module that writes under the cache (helpers.encode.cache for
embeddings, helpers.encode.onnx_backend for exported models) finds it without importing the other.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    """$COURSE_CACHE_DIR if set, else .cache/embeddings in the repository (git ignores it)."""
    return Path(os.environ.get("COURSE_CACHE_DIR", REPO_ROOT / ".cache" / "embeddings"))


def models_dir() -> Path:
    """$COURSE_MODELS_DIR if set, else .cache/models in the repository: models the course assembles."""
    return Path(os.environ.get("COURSE_MODELS_DIR", REPO_ROOT / ".cache" / "models"))
