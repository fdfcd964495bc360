"""The course's figures, drawn with matplotlib and returned for the notebook to show.

Introduced in notebooks/02_cosine_similarity.ipynb.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np


def _finite(values, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers, got {type(values).__name__} {values!r:.60}") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf, which cannot be drawn: drop or fix those values first")
    return arr


def _labels(labels, name: str = "labels") -> list[str]:
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise TypeError(f"{name} must be a list of strings, one per row, got {type(labels).__name__} {labels!r:.40}")
    return [str(label) for label in labels]


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _short(label: str, width: int) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def similarity_heatmap(matrix, labels: Sequence[str], title: str = "", width: int = 32,
                       vmin: float | None = None, vmax: float | None = None):
    """A square heatmap of a similarity matrix with each cell's value written in it."""
    matrix, labels = _finite(matrix, "matrix"), _labels(labels)
    width = _positive_int(width, "width")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or len(labels) != matrix.shape[0]:
        raise ValueError(f"expected an (n, n) matrix and n labels, got {matrix.shape} and {len(labels)}")
    n = len(labels)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * n + 0.08 * width, 0.6 + 0.6 * n))
    image = ax.imshow(matrix, cmap="viridis", vmin=vmin, vmax=vmax)
    short = [_short(label, width) for label in labels]
    ax.set_xticks(range(n), short, rotation=40, ha="right")
    ax.set_yticks(range(n), short)
    for i in range(n):
        for j in range(n):
            bright = image.norm(matrix[i, j]) > 0.6
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if bright else "white")
    fig.colorbar(image, ax=ax, fraction=0.04)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def score_histograms(groups: dict[str, np.ndarray], xlabel: str, bins: int = 60, title: str = ""):
    """Overlaid density histograms of score groups (e.g. relevant vs non-relevant pairs); notebook 05."""
    if not isinstance(groups, dict):
        raise TypeError(f"groups must be a dict {{name: scores}}, e.g. {{'relevant': a, 'other': b}}, got "
                        f"{type(groups).__name__}")
    groups = {name: _finite(v, f"groups[{name!r}]") for name, v in groups.items()}
    if not groups or any(v.ndim != 1 or len(v) == 0 for v in groups.values()):
        raise ValueError("groups must map names to non-empty 1-D score arrays")
    bins = _positive_int(bins, "bins")
    values = np.concatenate(list(groups.values()))
    edges = np.linspace(values.min(), values.max(), bins + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, v in groups.items():
        ax.hist(v, bins=edges, density=True, alpha=0.5, label=f"{name} (n={len(v):,})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def reliability_diagram(table: dict[str, np.ndarray], title: str = ""):
    """Observed frequency against mean predicted probability per bin (from scores.reliability_table)."""
    if not isinstance(table, dict) or not {"predicted", "observed", "count"} <= set(table):
        raise TypeError("table must be the dict that helpers.scores.reliability_table(probs, labels) returns "
                        "(keys 'predicted', 'observed', 'count')")
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
    ax.plot(table["predicted"], table["observed"], marker="o", label="calibrator")
    for x, y, n in zip(table["predicted"], table["observed"], table["count"]):
        ax.annotate(f"{n}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def recall_latency_curve(latency_ms: Sequence[float], recall: Sequence[float], labels: Sequence,
                         baseline_ms: float | None = None, baseline_label: str = "flat (exact)",
                         target: float | None = None, title: str = ""):
    """Recall against query latency (log scale), one labelled point per setting such as nprobe; notebook 04."""
    if not len(latency_ms) == len(recall) == len(labels) or not len(labels):
        raise ValueError("latency_ms, recall and labels must be non-empty and of the same length")
    if (_finite(latency_ms, "latency_ms") <= 0).any():
        raise ValueError("latency_ms must be > 0 (it is drawn on a log scale)")
    _finite(recall, "recall")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(latency_ms, recall, marker="o", label="IVF, one point per nprobe")
    for x, y, label in zip(latency_ms, recall, labels):
        ax.annotate(str(label), (x, y), textcoords="offset points", xytext=(4, -11), fontsize=8)
    if baseline_ms is not None:
        ax.plot([baseline_ms], [1.0], marker="s", color="black", ls="none", label=baseline_label)
    if target is not None:
        ax.axhline(target, color="tab:red", ls=":", label=f"target recall {target}")
    ax.set_xscale("log")
    ax.set_xlabel("time per query (ms, log scale)")
    ax.set_ylabel("recall@10 against exact search")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def image_grid(images: Sequence, titles: Sequence[str], ncols: int = 5, thumb: int = 160,
               title: str = ""):
    """Thumbnails of PIL images with a small caption under each (search results); notebook 06."""
    if not len(images) or len(images) != len(titles):
        raise ValueError(f"images and titles must be non-empty and of the same length, got "
                         f"{len(images)} and {len(titles)}")
    ncols, thumb = _positive_int(ncols, "ncols"), _positive_int(thumb, "thumb")
    for i, image in enumerate(images):
        if not hasattr(image, "thumbnail"):
            raise TypeError(f"images[{i}] is {type(image).__name__}; pass PIL images (PIL.Image.open(path))")
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.8 * ncols, 1.9 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, text in zip(axes.flat, images, titles):
        small = image.copy()
        small.thumbnail((thumb, thumb))  # small pixels keep the stored notebook small
        ax.imshow(small)
        ax.set_title(text, fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
