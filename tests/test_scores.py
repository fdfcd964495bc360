"""Tests for helpers.evaluate.scores: conversions, per-query normalisations, Calibrator, thresholds."""
import json

import faiss
import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve

from helpers.evaluate import scores
from helpers.evaluate.scores import Calibrator


def unit_rows(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def noisy_pairs(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores in [-0.2, 1] and 0-5 labels that rise with the score, plus noise (not separable)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.2, 1.0, n)
    return x, np.clip(5 * x + rng.normal(0, 1.0, n), 0, 5)


# --- conversions ------------------------------------------------------------------------------

def test_cosine_squared_l2_round_trip_exactly():
    cos = np.linspace(-1, 1, 2001)
    np.testing.assert_allclose(scores.squared_l2_to_cosine(scores.cosine_to_squared_l2(cos)), cos,
                               rtol=0, atol=1e-15)
    d2 = np.linspace(0, 4, 2001)
    np.testing.assert_allclose(scores.cosine_to_squared_l2(scores.squared_l2_to_cosine(d2)), d2,
                               rtol=0, atol=1e-15)


@pytest.mark.parametrize("metric", ["brute", "faiss"])
def test_squared_l2_to_cosine_matches_inner_product_of_unit_vectors(metric):
    corpus, queries = unit_rows(50), unit_rows(5, seed=1)
    if metric == "brute":
        d2 = ((queries[:, None, :] - corpus[None, :, :]) ** 2).sum(-1)
        cos = queries @ corpus.T
    else:
        l2, ip = faiss.IndexFlatL2(16), faiss.IndexFlatIP(16)
        l2.add(corpus)
        ip.add(corpus)
        d2, ids_l2 = l2.search(queries, 50)
        cos, ids_ip = ip.search(queries, 50)
        np.testing.assert_array_equal(ids_l2, ids_ip)  # the same ranking, opposite directions
    np.testing.assert_allclose(scores.squared_l2_to_cosine(d2), cos, atol=1e-5)
    np.testing.assert_allclose(scores.to_similarity(d2, "l2"), cos, atol=1e-5)
    np.testing.assert_allclose(scores.to_similarity(cos, "cosine"), cos, atol=0)


def test_inverse_distance_is_monotone_in_0_1():
    d = np.linspace(0, 4, 50)
    out = scores.inverse_distance(d)
    assert out[0] == 1.0 and (np.diff(out) < 0).all() and out.min() > 0


@pytest.mark.parametrize("call, message", [
    (lambda: scores.cosine_to_squared_l2([0.5, 1.2]), "normalised"),
    (lambda: scores.squared_l2_to_cosine([-0.5]), r"\[0, 4\]"),
    (lambda: scores.squared_l2_to_cosine([4.5]), r"\[0, 4\]"),
    (lambda: scores.to_similarity([0.1], "euclid"), "metric must be one of"),
    (lambda: scores.inverse_distance([-1.0]), "similarity"),
    (lambda: scores.cosine_to_squared_l2([0.1, np.nan]), "NaN"),
    (lambda: scores.cosine_to_squared_l2(["a"]), "numeric"),
])
def test_conversions_reject_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# --- per-query normalisations -----------------------------------------------------------------

def test_per_query_normalisations_keep_order_and_force_top_to_one():
    s = np.array([[0.9, 0.5, 0.1], [0.2, 0.15, 0.1]])  # a strong and a weak query
    mm = scores.minmax_per_query(s)
    np.testing.assert_allclose(mm[:, 0], [1.0, 1.0])  # the weak query's top hit is "1.0" too
    np.testing.assert_array_equal(np.argsort(-mm, axis=1), np.argsort(-s, axis=1))
    z = scores.zscore_per_query(s)
    np.testing.assert_allclose(z.mean(1), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(1), 1)
    np.testing.assert_array_equal(np.argsort(-z, axis=1), np.argsort(-s, axis=1))


@pytest.mark.parametrize("fn", [scores.minmax_per_query, scores.zscore_per_query])
@pytest.mark.parametrize("bad, message", [
    (np.array([[0.5, 0.5], [0.3, 0.1]]), "constant"),
    (np.array([[0.5], [0.3]]), "k >= 2"),
    (np.array([0.5, 0.3]), "2-D"),
    (np.array([[0.5, np.nan]]), "NaN"),
])
def test_normalisations_reject_bad_input(fn, bad, message):
    with pytest.raises(ValueError, match=message):
        fn(bad)


# --- Calibrator -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["isotonic", "logistic"])
def test_calibrated_predictions_are_monotone_in_the_score(kind):
    x, y = noisy_pairs()
    cal = Calibrator(kind).fit(x, y if kind == "isotonic" else y >= 4)
    grid = np.linspace(-1.5, 1.5, 3001)  # also outside the fitted range
    out = cal.predict(grid)
    assert (np.diff(out) >= 0).all()
    if kind == "logistic":
        assert (np.diff(out) > 0).all() and out.min() > 0 and out.max() < 1
    else:
        assert y.min() <= out.min() and out.max() <= y.max()


def test_isotonic_matches_sklearn():
    x, y = noisy_pairs()
    iso = IsotonicRegression(out_of_bounds="clip").fit(x, y)
    grid = np.linspace(-0.5, 1.5, 501)
    np.testing.assert_allclose(Calibrator("isotonic").fit(x, y).predict(grid), iso.predict(grid), atol=1e-12)


def test_logistic_matches_unpenalised_sklearn():
    x, y = noisy_pairs()
    lr = LogisticRegression(C=np.inf, max_iter=1000).fit(x[:, None], y >= 4)
    grid = np.linspace(-0.5, 1.5, 501)
    np.testing.assert_allclose(Calibrator("logistic").fit(x, y >= 4).predict(grid),
                               lr.predict_proba(grid[:, None])[:, 1], atol=1e-12)


@pytest.mark.parametrize("kind", ["isotonic", "logistic"])
def test_save_load_gives_identical_predictions(kind, tmp_path):
    x, y = noisy_pairs()
    cal = Calibrator(kind).fit(x, y if kind == "isotonic" else (y >= 4).astype(int))
    path = tmp_path / "cal.json"
    cal.save(path)
    loaded = Calibrator.load(path)
    grid = np.linspace(-1, 1, 1001)
    np.testing.assert_array_equal(loaded.predict(grid), cal.predict(grid))
    assert loaded.kind == kind and loaded.n_fit == len(x)
    assert json.loads(path.read_text())["format"] == scores.FORMAT  # plain JSON, no pickle


@pytest.mark.parametrize("kind, x, y, message", [
    ("isotonic", np.arange(20.0), np.arange(19.0), "same length"),
    ("isotonic", np.arange(5.0), np.arange(5.0), "at least 10"),
    ("isotonic", np.r_[np.arange(19.0), np.nan], np.arange(20.0), "NaN"),
    ("isotonic", np.arange(20.0), np.ones(20), "single class"),
    ("logistic", np.arange(20.0), np.zeros(20), "single class"),
    ("logistic", np.arange(20.0), np.arange(20.0), "binary labels"),
    ("logistic", np.ones(20), np.arange(20) % 2, "all scores are equal"),
    ("logistic", -np.r_[np.linspace(0, 1, 20), np.linspace(0.5, 1.5, 20)],
     np.r_[np.zeros(20), np.ones(20)], "to_similarity"),
])
def test_calibrator_fit_rejects_bad_input(kind, x, y, message):
    with pytest.raises(ValueError, match=message):
        Calibrator(kind).fit(x, y)


def test_calibrator_rejects_misuse(tmp_path):
    with pytest.raises(ValueError, match="kind must be one of"):
        Calibrator("platt")
    with pytest.raises(ValueError, match="not fitted"):
        Calibrator().predict([0.5])
    with pytest.raises(ValueError, match="fit the Calibrator first"):
        Calibrator().save(tmp_path / "c.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a saved Calibrator"):
        Calibrator.load(tmp_path / "other.json")
    bad = {"format": scores.FORMAT, "kind": "logistic", "params": {"x": [0, 1], "y": [0, 1]}}
    with pytest.raises(ValueError, match="needs params"):
        Calibrator.from_dict(bad)


# --- thresholds -------------------------------------------------------------------------------

def test_choose_threshold_takes_the_lowest_qualifying_threshold():
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    c = np.array([1, 1, 1, 0, 1, 1, 0, 0, 1, 0], dtype=bool)
    # precision at t=0.4 is 5/6 = 0.83; at 0.5 it is 4/5 = 0.8; at 0.9..0.7 it is 1
    res = scores.choose_threshold(s, c, 0.8)
    assert res.threshold == 0.4 and res.n_accepted == 6
    assert res.precision == pytest.approx(5 / 6) and res.recall == pytest.approx(5 / 6)
    assert res.coverage == pytest.approx(0.6)
    assert scores.choose_threshold(s, c, 1.0).threshold == 0.7


def test_tied_scores_are_never_split():
    s = np.array([0.9, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    c = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
    res = scores.choose_threshold(s, c, 0.5)  # accepting only one of the 0.8s would reach 2/2
    assert res.threshold == 0.8 and res.n_accepted == 4 and res.precision == 0.5


def test_precision_recall_matches_sklearn():
    rng = np.random.default_rng(0)
    s = np.round(rng.uniform(0, 1, 300), 2)  # many ties
    c = rng.uniform(0, 1, 300) < s
    t, p, r = scores.precision_recall_by_threshold(s, c)
    p_sk, r_sk, t_sk = precision_recall_curve(c, s)
    np.testing.assert_allclose(t, t_sk[::-1])
    np.testing.assert_allclose(p, p_sk[:-1][::-1])
    np.testing.assert_allclose(r, r_sk[:-1][::-1])


def test_evaluate_threshold_on_held_out():
    s = np.linspace(0, 1, 10)
    c = s > 0.45
    res = scores.evaluate_threshold(s, c, 0.5)
    assert (res.precision, res.recall, res.n_accepted) == (1.0, 1.0, 5)
    assert np.isnan(scores.evaluate_threshold(s, c, 2.0).precision)  # nothing accepted


@pytest.mark.parametrize("s, c, target, message", [
    (np.linspace(0, 1, 10), np.ones(9, bool), 0.9, "same length"),
    (np.linspace(0, 1, 10), np.arange(10), 0.9, "binary"),
    (np.linspace(0, 1, 5), np.ones(5, bool), 0.9, "at least 10"),
    (np.linspace(0, 1, 10), np.zeros(10, bool), 0.9, "single class"),
    (np.linspace(0, 1, 10), np.ones(10, bool), 1.5, r"\(0, 1\]"),
    (np.linspace(0, 1, 10), np.arange(10) % 2 == 0, 0.9, "lower the target"),
])
def test_choose_threshold_rejects_bad_input(s, c, target, message):
    with pytest.raises(ValueError, match=message):
        scores.choose_threshold(s, c, target)


def test_reliability_table():
    p = np.array([0.05, 0.05, 0.15, 0.95, 0.95, 1.0])
    y = np.array([0, 0, 1, 1, 1, 0])
    table = scores.reliability_table(p, y, n_bins=10)
    np.testing.assert_allclose(table["predicted"], [0.05, 0.15, (0.95 + 0.95 + 1.0) / 3])
    np.testing.assert_allclose(table["observed"], [0, 1, 2 / 3])
    np.testing.assert_array_equal(table["count"], [2, 1, 3])
    with pytest.raises(ValueError, match="probabilities must lie"):
        scores.reliability_table([1.5], [1])
    with pytest.raises(ValueError, match="n_bins"):
        scores.reliability_table([0.5], [1], n_bins=0)
    with pytest.raises(ValueError, match="same length"):
        scores.reliability_table([0.5, 0.2], [1])


# --- the notebook's two score figures (helpers.course.plots) ------------------------------------

def test_score_figures_draw_and_reject_bad_input():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.course import plots
    fig = plots.score_histograms({"relevant": np.linspace(0.3, 0.9, 50), "other": np.linspace(-0.1, 0.4, 80)},
                                 xlabel="cosine")
    assert len(fig.axes[0].patches) == 2 * 60
    table = scores.reliability_table(np.linspace(0, 1, 50), np.linspace(0, 1, 50) > 0.5)
    fig2 = plots.reliability_diagram(table)
    assert len(fig2.axes[0].lines) == 2
    plt.close("all")
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plots.score_histograms({"relevant": np.array([])}, xlabel="cosine")


# --- Calibrator.load on damaged files, and other hostile input (issue 12) -------------------------

def _fitted(kind="logistic"):
    rng = np.random.default_rng(0)
    scores = rng.uniform(-1, 1, 200)
    labels = (scores + rng.normal(0, 0.3, 200) > 0).astype(int)
    return Calibrator(kind).fit(scores, labels)


@pytest.mark.parametrize("content,match", [
    ("", "is not valid JSON .*empty or truncated"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "logi', "is not valid JSON"),
    ("[]", "expected a JSON object with format"),
    ('{"format": "helpers.scores.Calibrator/1"}', "kind must be one of"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "logistic", "params": {"coef": 1}}',
     r"needs params \['coef', 'intercept'\]"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "logistic", "params": {"coef": "1", "intercept": 0}}',
     "finite numbers"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "logistic", "params": {"coef": NaN, "intercept": 0}}',
     "finite numbers"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "logistic", "params": {"coef": -2, "intercept": 0}}',
     "slope > 0"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "isotonic", "params": {"x": [0, 1], "y": [0]}}',
     "equally long"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "isotonic", "params": {"x": [1, 0], "y": [0, 1]}}',
     "non-decreasing"),
    ('{"format": "helpers.scores.Calibrator/1", "kind": "isotonic", "n_fit": -3, "params": {"x": [0], "y": [0]}}',
     "n_fit must be a count"),
])
def test_calibrator_load_refuses_damaged_files_naming_the_path(tmp_path, content, match):
    path = tmp_path / "cal.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as caught:
        Calibrator.load(path)
    assert str(path) in str(caught.value) and "again" in str(caught.value)


def test_calibrator_load_refuses_missing_paths_and_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist: save a fitted Calibrator there first"):
        Calibrator.load(tmp_path / "nope.json")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        Calibrator.load(tmp_path)
    with pytest.raises(TypeError, match="path must be a file path"):
        Calibrator.load(None)


def test_a_truncated_save_is_refused_and_a_good_one_round_trips(tmp_path):
    cal = _fitted()
    cal.save(tmp_path / "cal.json")
    text = (tmp_path / "cal.json").read_text()
    np.testing.assert_array_equal(Calibrator.load(tmp_path / "cal.json").predict([0.1, 0.5]), cal.predict([0.1, 0.5]))
    (tmp_path / "cal.json").write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="cal.json is not valid JSON"):
        Calibrator.load(tmp_path / "cal.json")


@pytest.mark.parametrize("call,error,match", [
    (lambda: scores.to_similarity(np.array([0.5 + 1j]), "cosine"), TypeError, "is complex"),
    (lambda: scores.choose_threshold(np.linspace(0, 1, 20), np.arange(20) > 10, "0.9"), ValueError, "target_precision"),
    (lambda: scores.choose_threshold(np.linspace(0, 1, 20), np.arange(20) > 10, True), ValueError, "target_precision"),
    (lambda: scores.evaluate_threshold(np.linspace(0, 1, 20), np.arange(20) > 10, float("nan")), ValueError,
     "threshold must be a finite number"),
    (lambda: scores.reliability_table(np.linspace(0, 1, 20), np.arange(20) > 10, n_bins=True), ValueError, "n_bins"),
    (lambda: scores.minmax_per_query([[1, 2], [3]]), ValueError, "rows have different lengths"),
])
def test_more_hostile_score_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
