"""The course's figures, drawn with matplotlib and returned for the notebook to show.

Introduced in notebooks/02_cosine_similarity.ipynb.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize, TwoSlopeNorm


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
                       vmin: float = -1.0, vmax: float = 1.0, cmap: str = "RdBu_r"):
    """A square heatmap of a similarity matrix with each cell's value written in it.

    By default the colours span cosine's whole range [-1, 1] on a diverging map centred on 0:
    white is orthogonal (0), red similar, blue opposite, so a negative cosine never looks like zero.
    """
    matrix, labels = _finite(matrix, "matrix"), _labels(labels)
    width = _positive_int(width, "width")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or len(labels) != matrix.shape[0]:
        raise ValueError(f"expected an (n, n) matrix and n labels, got {matrix.shape} and {len(labels)}")
    if not vmin < vmax:
        raise ValueError(f"vmin must be below vmax, got vmin={vmin}, vmax={vmax}; for cosines use -1 and 1")
    n = len(labels)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * n + 0.08 * width, 0.6 + 0.6 * n))
    norm = TwoSlopeNorm(vcenter=0.0, vmin=vmin, vmax=vmax) if vmin < 0 < vmax else Normalize(vmin, vmax)
    image = ax.imshow(matrix, cmap=cmap, norm=norm)
    short = [_short(label, width) for label in labels]
    ax.set_xticks(range(n), short, rotation=40, ha="right")
    ax.set_yticks(range(n), short)
    for i in range(n):
        for j in range(n):
            strong = abs(float(image.norm(matrix[i, j])) - 0.5) > 0.3   # dark ends of the map: white text
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if strong else "black")
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
        raise TypeError("table must be the dict that helpers.evaluate.scores.reliability_table(probs, labels) returns "
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
        ax.annotate(str(label), (x, y), textcoords="offset points", xytext=(4, 5), fontsize=8)
    if baseline_ms is not None:
        ax.plot([baseline_ms], [1.0], marker="s", color="black", ls="none", label=baseline_label)
    if target is not None:
        ax.axhline(target, color="tab:red", ls=":", label=f"target recall {target}")
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())  # minor labels overlap when the range is under a decade
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


def ivf_cells(points, centroids, query, neighbour: int, probed: dict[int, Sequence[int]], title: str = ""):
    """IVF on a 2-D set: the k-means cells, one query, and the cells probed at each nprobe; notebook 04.

    `probed` maps an nprobe to the list ids searched at that setting (nearest centroid first); one panel
    per entry shades those cells, and circles the query's true nearest neighbour `neighbour` (a row of
    `points`) in green where a probed cell holds it, in red where it is missed.
    """
    points, centroids, query = (np.asarray(a, dtype=np.float64) for a in (points, centroids, query))
    if points.ndim != 2 or points.shape[1] != 2 or centroids.ndim != 2 or centroids.shape[1] != 2 or query.shape != (2,):
        raise ValueError(f"points (n, 2), centroids (nlist, 2) and query (2,) expected, got {points.shape}, "
                         f"{centroids.shape} and {query.shape}")
    if not probed:
        raise ValueError("probed must map at least one nprobe to the lists it searches")
    low, high = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], 300), np.linspace(low[1], high[1], 300))
    grid = np.c_[xs.ravel(), ys.ravel()]
    cell = ((grid[:, None, :] - centroids[None]) ** 2).sum(-1).argmin(1).reshape(xs.shape)
    owner = int(((points[neighbour] - centroids) ** 2).sum(-1).argmin())
    fig, axes = plt.subplots(1, len(probed), figsize=(4.2 * len(probed), 4), squeeze=False)
    for ax, (nprobe, lists) in zip(axes[0], probed.items()):
        shade = np.isin(cell, list(lists)).astype(float)
        ax.contourf(xs, ys, shade, levels=[-0.5, 0.5, 1.5], colors=["white", "#cfe3f7"])
        ax.contour(xs, ys, cell, levels=np.arange(len(centroids)) + 0.5, colors="grey", linewidths=0.6)
        ax.scatter(points[:, 0], points[:, 1], s=5, color="grey", label="corpus vector")
        ax.scatter(centroids[:, 0], centroids[:, 1], marker="x", s=40, color="black", label="centroid")
        ax.scatter(*query, marker="*", s=180, color="tab:orange", edgecolor="black", zorder=3, label="query")
        hit = owner in list(lists)
        ax.scatter(*points[neighbour], s=160, facecolor="none", edgecolor="tab:green" if hit else "tab:red",
                   linewidth=2, zorder=3, label="true nearest neighbour")
        ax.set_title(f"nprobe={nprobe}: shaded cells searched; neighbour {'found' if hit else 'MISSED'}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][0].legend(loc="lower left", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# --- 08_compression_graphs ---------------------------------------------------------------------

def pareto_plot(table, title: str = "", target: float | None = None, ram_budget: float | None = None):
    """Recall@10 against RAM bytes per vector (left) and against queries per second (right), one colour per family."""
    needed = {"index", "recall@10", "qps", "ram_bytes_per_vector"}
    if not needed <= set(table.columns) or not len(table):
        raise ValueError(f"table must be a non-empty DataFrame with columns {sorted(needed)}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for i, (name, rows) in enumerate(table.groupby("index", sort=False)):
        style = {"marker": "os^vDP*Xhp"[i % 10], "label": name, "color": f"C{i % 10}"}
        left.plot(rows["ram_bytes_per_vector"], rows["recall@10"], ls="none", **style)
        right.plot(rows["qps"], rows["recall@10"], ls="-", **style)
    for ax, xlabel in ((left, "RAM bytes per vector (log scale)"), (right, "queries per second (log scale)")):
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        if target is not None:
            ax.axhline(target, color="tab:red", ls=":", lw=1)
    if ram_budget is not None:
        left.axvline(ram_budget, color="tab:red", ls="--", lw=1, label=f"RAM budget {ram_budget:g} B")
    left.set_ylabel("recall@10 against exact search")
    right.legend(loc="lower left", fontsize=7)
    if ram_budget is not None:
        left.legend(handles=left.get_legend_handles_labels()[0][-1:], loc="lower right", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def pq_picture(vector, codes, decoded, m: int, title: str = ""):
    """Product quantization of one vector: its values split into m sub-vectors, the m codes, the decoded values."""
    vector, decoded, codes = np.asarray(vector), np.asarray(decoded), np.asarray(codes)
    if vector.shape != decoded.shape or vector.ndim != 1 or len(codes) != m or len(vector) % m:
        raise ValueError(f"need a (d,) vector and decoding with d divisible by m={m}, and m codes; got "
                         f"{vector.shape}, {decoded.shape}, {codes.shape}")
    dsub = len(vector) // m
    fig, axes = plt.subplots(3, 1, figsize=(11, 3.6), gridspec_kw={"height_ratios": [1, 1, 1]})
    limit = float(np.abs(np.concatenate([vector, decoded])).max())
    for ax, values, label in ((axes[0], vector, "the vector (float32)"), (axes[2], decoded, "decoded from codes")):
        ax.imshow(values[None, :], aspect="auto", cmap="coolwarm", vmin=-limit, vmax=limit)
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        for j in range(1, m):
            ax.axvline(j * dsub - 0.5, color="black", lw=0.4)
    axes[0].set_xticks([])
    axes[2].set_xlabel(f"dimension (split into {m} sub-vectors of {dsub})")
    axes[1].imshow(codes[None, :], aspect="auto", cmap="viridis", extent=(-0.5, len(vector) - 0.5, 0, 1))
    for j, c in enumerate(codes):
        axes[1].text((j + 0.5) * dsub - 0.5, 0.5, str(int(c)), ha="center", va="center", fontsize=5.5,
                     rotation=90, color="white")
    axes[1].set_yticks([])
    axes[1].set_xticks([])
    axes[1].set_ylabel(f"{m} codes (1 byte each)", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
