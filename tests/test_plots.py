"""helpers.course.plots: the heatmap spans cosine's [-1, 1] centred on 0 (notebook 02); each figure refuses input it
cannot draw honestly, naming the argument."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from helpers.course import plots  # noqa: E402


@pytest.mark.parametrize("call,error,match", [
    (lambda: plots.similarity_heatmap(np.eye(2), "ab"), TypeError, "labels must be a list of strings"),
    (lambda: plots.similarity_heatmap(np.full((2, 2), np.nan), ["a", "b"]), ValueError, "matrix contains NaN"),
    (lambda: plots.similarity_heatmap([["x"]], ["a"]), TypeError, "matrix must hold numbers"),
    (lambda: plots.similarity_heatmap(np.eye(2), ["a", "b"], width=0), ValueError, "width must be a positive int"),
    (lambda: plots.score_histograms([1, 2], "x"), TypeError, "groups must be a dict"),
    (lambda: plots.score_histograms({"a": [1.0, np.inf]}, "x"), ValueError, r"groups\['a'\] contains NaN"),
    (lambda: plots.score_histograms({"a": np.ones(3)}, "x", bins=0), ValueError, "bins must be a positive int"),
    (lambda: plots.reliability_diagram({"x": 1}), TypeError, "reliability_table"),
    (lambda: plots.recall_latency_curve([np.nan], [0.5], ["a"]), ValueError, "latency_ms contains NaN"),
    (lambda: plots.recall_latency_curve([0.0], [0.5], ["a"]), ValueError, "log scale"),
    (lambda: plots.image_grid([Image.new("RGB", (4, 4))], ["a"], thumb=0), ValueError, "thumb must be"),
    (lambda: plots.image_grid([np.zeros((4, 4))], ["a"]), TypeError, r"images\[0\] is ndarray"),
])
def test_figures_refuse_what_they_cannot_draw(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_good_input_still_draws():
    fig = plots.similarity_heatmap(np.eye(2), ["a", "b"])
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    assert plots.score_histograms({"a": [0.1, 0.2], "b": [0.3]}, "cos").axes


def test_heatmap_centres_zero_and_spans_minus_one_to_one():
    S = np.array([[1.0, -0.5, 0.0], [-0.5, 1.0, 0.2], [0.0, 0.2, 1.0]])
    fig = plots.similarity_heatmap(S, ["a", "b", "c"])
    image = fig.axes[0].images[0]
    assert [float(image.norm(v)) for v in (-1.0, 0.0, 1.0)] == [0.0, 0.5, 1.0]
    assert image.get_cmap().name == "RdBu_r"
    red, _, blue, _ = image.cmap(image.norm(-0.5))
    assert blue > red, "a negative cosine must be drawn in the map's blue half, not like zero"
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["1.00", "-0.50", "0.00"]
    plt.close(fig)


def test_heatmap_rejects_bad_shapes_and_ranges():
    with pytest.raises(ValueError, match=r"\(n, n\) matrix and n labels"):
        plots.similarity_heatmap(np.ones((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="vmin must be below vmax"):
        plots.similarity_heatmap(np.eye(2), ["a", "b"], vmin=1, vmax=0)
