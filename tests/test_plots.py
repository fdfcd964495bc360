"""helpers.plots.similarity_heatmap (notebook 02): cosine's range [-1, 1] on a diverging map centred on 0."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.plots import similarity_heatmap  # noqa: E402


def test_heatmap_centres_zero_and_spans_minus_one_to_one():
    S = np.array([[1.0, -0.5, 0.0], [-0.5, 1.0, 0.2], [0.0, 0.2, 1.0]])
    fig = similarity_heatmap(S, ["a", "b", "c"])
    image = fig.axes[0].images[0]
    assert [float(image.norm(v)) for v in (-1.0, 0.0, 1.0)] == [0.0, 0.5, 1.0]
    assert image.get_cmap().name == "RdBu_r"
    red, _, blue, _ = image.cmap(image.norm(-0.5))
    assert blue > red, "a negative cosine must be drawn in the map's blue half, not like zero"
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["1.00", "-0.50", "0.00"]
    plt.close(fig)


def test_heatmap_rejects_bad_shapes_and_ranges():
    with pytest.raises(ValueError, match=r"\(n, n\) matrix and n labels"):
        similarity_heatmap(np.ones((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="vmin must be below vmax"):
        similarity_heatmap(np.eye(2), ["a", "b"], vmin=1, vmax=0)
