"""Checks for the exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/01_pooling.ipynb (first exercise); every notebook's exercises use it.
Each check prints one line starting with "Correct" or "Not yet" and returns True or False.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _report(ok: bool, message: str) -> bool:
    print(("Correct: " if ok else "Not yet: ") + message)
    return ok


def _as_array(answer: Any, name: str) -> np.ndarray | None:
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


# --- 01_pooling ---------------------------------------------------------------------------------

# --- 02_cosine_similarity -----------------------------------------------------------------------

# --- 03_flat_index ------------------------------------------------------------------------------

# --- 04_ivf_index -------------------------------------------------------------------------------

# --- 05_score_interpretation --------------------------------------------------------------------

# --- 06_multimodal_search -----------------------------------------------------------------------
