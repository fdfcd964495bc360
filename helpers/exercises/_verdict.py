"""What every notebook's exercise checks share: the Verdict they return and the line they print.

Introduced in notebooks/01_pooling.ipynb (its first exercise). Each check in helpers.exercises.nbNN
prints one line starting with "Correct" or "Not yet" and returns a `Verdict`, which is truthy when
the answer is right and shows nothing more in a notebook (the printed line says it all).
"""
from __future__ import annotations

from typing import Any

import numpy as np


class Verdict:
    """The result of a check: truthy when right; its text is the line the check printed."""

    def __init__(self, ok: bool, message: str) -> None:
        self.ok, self.message = bool(ok), message

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        """Show nothing: the check already printed its line (avoids a stray `True` in notebooks)."""


def _report(ok: bool, message: str) -> Verdict:
    line = ("Correct: " if ok else "Not yet: ") + message
    print(line)
    return Verdict(ok, line)


def _as_array(answer: Any) -> np.ndarray | None:
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _one_number(answer: Any) -> float | None:
    """The answer as a float if it is one number (a 0-d value, not a list of one); else None."""
    got = _as_array(answer)
    return None if got is None or got.shape != () else float(got)


def _int_answer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)
