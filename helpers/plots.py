"""The course's figures, drawn with matplotlib and returned for the notebook to show.

Introduced in notebooks/02_cosine_similarity.ipynb.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np


def _short(label: str, width: int) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def similarity_heatmap(matrix, labels: Sequence[str], title: str = "", width: int = 32,
                       vmin: float | None = None, vmax: float | None = None):
    """A square heatmap of a similarity matrix with each cell's value written in it."""
    matrix = np.asarray(matrix, dtype=float)
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
