"""What a search score means: metric conversions, per-query normalisations, calibration, thresholds.

Introduced in notebooks/05_score_interpretation.ipynb.

Scores come in two directions. Cosine and inner product are similarities (higher is better);
faiss's `IndexFlatL2` returns *squared* L2 distances (lower is better). On unit vectors the two
are the same information: d^2 = 2 - 2 cos. A calibrated score is different in kind: a number
fitted against human judgements (an expected 0-5 rating, or a probability) on labelled pairs.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.course.files import atomic_write_json

METRICS = ("cosine", "ip", "l2")
KINDS = ("isotonic", "logistic")
MIN_POINTS = 10  # fewer labelled pairs than this cannot say anything about calibration
FORMAT = "helpers.scores.Calibrator/1"  # the name of a file format, kept when modules move
_UNIT_TOL = 1e-5  # float32 round-off allowed outside [-1, 1] and [0, 4]


def _as_scores(x: Any, name: str = "scores", ndim: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a rectangular array of numbers; its rows have different lengths") from None
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} is complex ({arr.dtype}); scores are real numbers: pass x.real explicitly if meant")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be numeric, got {type(x).__name__} of dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if ndim == 1 and arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}"
                         + (": pass the (n_queries, k) scores from a search" if ndim == 2 else ""))
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr.ravel()))[:5].tolist()
        raise ValueError(f"{name} contains NaN or inf at flat positions {bad}; drop or fix those entries first")
    return arr


def _check_range(x: np.ndarray, low: float, high: float, what: str,
                 hint: str = "for unit vectors: were the vectors normalised?") -> None:
    if x.size and (x.min() < low - _UNIT_TOL or x.max() > high + _UNIT_TOL):
        raise ValueError(f"{what} must lie in [{low:g}, {high:g}], got values in "
                         f"[{x.min():.4g}, {x.max():.4g}] ({hint})")


# --- conversions ----------------------------------------------------------------------------------

def cosine_to_squared_l2(cos: Any) -> np.ndarray:
    """Squared L2 distance between unit vectors with cosine `cos`: d^2 = 2 - 2 cos (lower is better)."""
    cos = _as_scores(cos, "cos", np.ndim(cos) or 1)
    _check_range(cos, -1.0, 1.0, "cosine")
    return 2.0 - 2.0 * cos


def squared_l2_to_cosine(d2: Any) -> np.ndarray:
    """Cosine of unit vectors whose squared L2 distance is `d2` (what IndexFlatL2 returns): 1 - d^2 / 2."""
    d2 = _as_scores(d2, "d2", np.ndim(d2) or 1)
    _check_range(d2, 0.0, 4.0, "squared L2 distance")
    return 1.0 - d2 / 2.0


def to_similarity(scores: Any, metric: str) -> np.ndarray:
    """Scores from a search with `metric`, as a similarity where higher is better (cosine for l2)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if metric == "l2":
        return squared_l2_to_cosine(scores)
    return _as_scores(scores, "scores", np.ndim(scores) or 1)


def inverse_distance(d: Any) -> np.ndarray:
    """1 / (1 + d): maps a distance into (0, 1], monotone decreasing; NOT a probability of anything."""
    d = _as_scores(d, "d", np.ndim(d) or 1)
    if d.size and d.min() < 0:
        raise ValueError(f"distances must be >= 0, got a minimum of {d.min():.4g}: is this a similarity?")
    return 1.0 / (1.0 + d)


# --- per-query normalisations ---------------------------------------------------------------------

def _spread_rows(scores: np.ndarray, spread: np.ndarray, how: str) -> None:
    flat = np.flatnonzero(spread == 0)
    if scores.shape[1] < 2 or flat.size:
        raise ValueError(f"{how} needs at least 2 different scores per query; rows {flat[:5].tolist()} "
                         f"of a (n, {scores.shape[1]}) array are constant: search with k >= 2")


def minmax_per_query(scores: Any) -> np.ndarray:
    """Rescale each row of (n_queries, k) scores to [0, 1].

    Caveat: the best hit of EVERY query becomes 1.0, even a query with nothing relevant in the
    corpus. The result ranks hits within a query exactly as before and says nothing across queries.
    """
    scores = _as_scores(scores, "scores", ndim=2)
    low, high = scores.min(1, keepdims=True), scores.max(1, keepdims=True)
    _spread_rows(scores, (high - low)[:, 0], "min-max normalisation")
    return (scores - low) / (high - low)


def zscore_per_query(scores: Any) -> np.ndarray:
    """Standardise each row of (n_queries, k) scores to mean 0 and standard deviation 1.

    Caveat: the value depends on k and on how the other hits happen to score; the best hit of a
    query with nothing relevant still stands out from its neighbours, so a high z is not a match.
    """
    scores = _as_scores(scores, "scores", ndim=2)
    std = scores.std(1, keepdims=True)
    _spread_rows(scores, std[:, 0], "z-score normalisation")
    return (scores - scores.mean(1, keepdims=True)) / std


# --- calibration ----------------------------------------------------------------------------------

def _check_fit_input(scores: Any, labels: Any, kind: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = _as_scores(scores, "scores"), _as_scores(labels, "labels")
    if len(x) != len(y):
        raise ValueError(f"scores and labels must have the same length, got {len(x)} and {len(y)}")
    if len(x) < MIN_POINTS:
        raise ValueError(f"calibration needs at least {MIN_POINTS} labelled pairs, got {len(x)}")
    if np.ptp(x) == 0:
        raise ValueError("all scores are equal: there is nothing to map from")
    if kind == "logistic" and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("kind='logistic' needs binary labels (0/1 or bool): threshold graded "
                         "labels first, e.g. labels = human_score >= 4; or use kind='isotonic'")
    if np.ptp(y) == 0:
        raise ValueError(f"all labels are {y[0]:g} (a single class): calibration needs both "
                         "good and bad matches")
    return x, y


class Calibrator:
    """Maps a similarity score to a calibrated one, fitted on labelled pairs.

    kind="isotonic": a non-decreasing step-and-line map to the expected label (e.g. a 0-5 human
    score); kind="logistic": P(label = 1) = 1 / (1 + exp(-(coef * score + intercept))).
    Predictions use only the stored parameters, so they are identical after save/load.
    """

    def __init__(self, kind: str = "isotonic"):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.kind = kind
        self.params: dict[str, Any] | None = None
        self.n_fit = 0

    def __repr__(self) -> str:
        state = f"fitted on {self.n_fit} pairs" if self.params else "not fitted"
        return f"Calibrator(kind={self.kind!r}, {state})"

    def fit(self, scores: Any, labels: Any) -> "Calibrator":
        """Fit on 1-D similarity scores (higher is better) and their labels; returns self."""
        x, y = _check_fit_input(scores, labels, self.kind)
        if self.kind == "isotonic":
            from sklearn.isotonic import IsotonicRegression
            iso = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, y)
            self.params = {"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()}
        else:
            from sklearn.linear_model import LogisticRegression
            lr = LogisticRegression(C=np.inf, max_iter=1000).fit(x[:, None], y.astype(int))
            coef, intercept = float(lr.coef_[0, 0]), float(lr.intercept_[0])
            if coef <= 0:
                raise ValueError(f"the fitted slope is {coef:.4g} <= 0: higher scores mean less relevant "
                                 "here. Distances? convert them with to_similarity() first")
            self.params = {"coef": coef, "intercept": intercept}
        self.n_fit = len(x)
        return self

    def predict(self, scores: Any) -> np.ndarray:
        """Calibrated values for `scores`: expected label (isotonic) or probability (logistic)."""
        if self.params is None:
            raise ValueError("this Calibrator is not fitted: call fit(scores, labels) or "
                             "Calibrator.load(path)")
        x = _as_scores(scores, "scores")
        if self.kind == "isotonic":  # np.interp holds the end values outside the fitted range
            return np.interp(x, np.asarray(self.params["x"]), np.asarray(self.params["y"]))
        z = self.params["coef"] * x + self.params["intercept"]
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow

    def to_dict(self) -> dict[str, Any]:
        """The fitted calibrator as plain JSON-able data."""
        if self.params is None:
            raise ValueError("nothing to save: fit the Calibrator first")
        return {"format": FORMAT, "kind": self.kind, "n_fit": self.n_fit, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "the data") -> "Calibrator":
        """Rebuild a Calibrator from `to_dict()` output, checking every field (`source` names it in errors)."""
        def refuse(what: str) -> None:
            raise ValueError(f"{source} is not a saved Calibrator in working order: {what}; fit it again and save() it")

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            refuse(f"expected a JSON object with format {FORMAT!r}, got "
                   + (f"format {data.get('format')!r}" if isinstance(data, dict) else type(data).__name__))
        if data.get("kind") not in KINDS:
            refuse(f"kind must be one of {KINDS}, got {data.get('kind')!r}")
        params, kind = data.get("params"), data["kind"]
        need = {"x", "y"} if kind == "isotonic" else {"coef", "intercept"}
        if not isinstance(params, dict) or set(params) != need:
            refuse(f"a {kind} Calibrator needs params {sorted(need)}, got "
                   f"{sorted(params) if isinstance(params, dict) else type(params).__name__}")
        n_fit = data.get("n_fit", 0)
        if isinstance(n_fit, bool) or not isinstance(n_fit, int) or n_fit < 0:
            refuse(f"n_fit must be a count >= 0, got {n_fit!r}")
        for name in sorted(need):
            values = params[name] if kind == "isotonic" else [params[name]]
            if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                       for v in values) or not np.isfinite(values).all():
                refuse(f"params[{name!r}] must be {'a list of ' if kind == 'isotonic' else ''}finite numbers, "
                       f"got {params[name]!r:.60}")
        if kind == "isotonic":
            x, y = np.asarray(params["x"], float), np.asarray(params["y"], float)
            if len(x) != len(y) or len(x) < 1:
                refuse(f"params x and y must be equally long and non-empty, got {len(x)} and {len(y)} values")
            if (np.diff(x) < 0).any() or (np.diff(y) < 0).any():
                refuse("params x and y must both be non-decreasing (an isotonic map never goes down)")
        elif params["coef"] <= 0:
            refuse(f"coef is {params['coef']!r}; a fitted logistic calibrator has a slope > 0")
        cal = cls(kind)
        cal.params, cal.n_fit = dict(params), n_fit
        return cal

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted parameters as JSON (atomically; floats round-trip exactly)."""
        _check_path(path)
        atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Calibrator":
        """Read a Calibrator written by `save`; a missing, truncated or inconsistent file is refused by name."""
        path = _check_path(path)
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder; Calibrator.load reads the JSON file that save() wrote")
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist: save a fitted Calibrator there first (cal.save(path))")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{path} is not valid JSON ({err}): is it empty or truncated? Fit the Calibrator "
                             "again and save() it") from None
        return cls.from_dict(data, source=str(path))


def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise TypeError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__} {path!r:.60}")
    return Path(path)


# --- thresholds -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdResult:
    """Accept a hit when score >= threshold; what that gives on the data it was measured on."""

    threshold: float
    precision: float
    recall: float
    coverage: float  # fraction of all queries accepted
    n_accepted: int


def _check_binary(scores: Any, correct: Any) -> tuple[np.ndarray, np.ndarray]:
    x = _as_scores(scores, "scores")
    c = np.asarray(correct)
    if c.shape != x.shape:
        raise ValueError(f"scores and correct must have the same length, got {x.shape} and {c.shape}")
    if not np.isin(c, (0, 1)).all():
        raise ValueError("correct must be binary (bool or 0/1): was the top hit the right one?")
    if len(x) < MIN_POINTS:
        raise ValueError(f"need at least {MIN_POINTS} scored queries, got {len(x)}")
    if c.sum() == 0:
        raise ValueError("no query is correct (a single class): no threshold can reach any precision")
    return x, c.astype(bool)


def precision_recall_by_threshold(scores: Any, correct: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds descending, precision, recall) for the rule score >= t, one t per distinct score."""
    x, c = _check_binary(scores, correct)
    order = np.argsort(-x, kind="stable")
    xs, tp = x[order], np.cumsum(c[order])
    last = np.r_[xs[1:] != xs[:-1], True]  # tied scores are accepted or rejected together
    n = np.arange(1, len(xs) + 1)[last]
    return xs[last], tp[last] / n, tp[last] / c.sum()


def evaluate_threshold(scores: Any, correct: Any, threshold: float) -> ThresholdResult:
    """Precision, recall and coverage of accepting score >= threshold (e.g. on held-out queries)."""
    x, c = _check_binary(scores, correct)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) or not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number (accept score >= threshold), got {threshold!r}")
    accept = x >= threshold
    n = int(accept.sum())
    precision = float(c[accept].mean()) if n else float("nan")
    return ThresholdResult(float(threshold), precision, float((c & accept).sum() / c.sum()),
                           float(accept.mean()), n)


def choose_threshold(scores: Any, correct: Any, target_precision: float) -> ThresholdResult:
    """The lowest threshold t whose precision (over score >= t) is >= target: the most recall at it.

    Ties: every score equal to t is accepted, so tied queries are never split. Precision is not
    monotone in t; the lowest qualifying t is taken, which favours recall over a safety margin.
    """
    if isinstance(target_precision, bool) or not isinstance(target_precision, (int, float, np.number)) \
            or not 0 < target_precision <= 1:
        raise ValueError(f"target_precision must be in (0, 1], got {target_precision!r}")
    thresholds, precision, _ = precision_recall_by_threshold(scores, correct)
    ok = np.flatnonzero(precision >= target_precision)
    if not ok.size:
        raise ValueError(f"no threshold reaches precision {target_precision}; the best is "
                         f"{precision.max():.4f}: lower the target")
    return evaluate_threshold(scores, correct, thresholds[ok[-1]])


def reliability_table(probs: Any, labels: Any, n_bins: int = 10) -> dict[str, np.ndarray]:
    """Bins of predicted probability: mean prediction, observed frequency and count per bin."""
    p, y = _as_scores(probs, "probs"), _as_scores(labels, "labels")
    if len(p) != len(y):
        raise ValueError(f"probs and labels must have the same length, got {len(p)} and {len(y)}")
    _check_range(p, 0.0, 1.0, "probabilities", "use Calibrator(kind='logistic') outputs")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive int, got {n_bins!r}")
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    keep = count > 0
    mean_p = np.bincount(bins, p, n_bins)[keep] / count[keep]
    freq = np.bincount(bins, y, n_bins)[keep] / count[keep]
    return {"predicted": mean_p, "observed": freq, "count": count[keep]}
