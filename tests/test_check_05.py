"""Each exercise check of notebook 05 accepts a right answer and rejects wrong ones."""
import numpy as np
import pytest

from helpers import check, scores


@pytest.fixture
def stsb_like():
    rng = np.random.default_rng(0)
    cos = rng.uniform(-0.1, 1.0, 300)
    human = np.clip(5 * cos + rng.normal(0, 1, 300), 0, 5)
    return cos, human


@pytest.fixture
def retrieval_like():
    rng = np.random.default_rng(1)
    n = 600
    top1 = rng.uniform(0.3, 0.8, n)
    margin = rng.exponential(0.05, n)
    correct = rng.uniform(0, 1, n) < np.clip(0.3 + 8 * margin + 0.2 * (top1 - 0.55), 0, 1)
    top2 = np.stack([top1, top1 - margin], axis=1)
    return top2, correct, np.arange(n) % 2 == 0


def test_raw_cosine_brier(stsb_like, capsys):
    cos, human = stsb_like
    right = np.mean((np.clip(cos, 0, 1) - (human >= 4)) ** 2)
    assert check.raw_cosine_brier(right, cos, human)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.raw_cosine_brier(np.mean((cos - (human >= 4)) ** 2), cos, human)
    assert "clip" in capsys.readouterr().out
    assert not check.raw_cosine_brier(np.mean((np.clip(cos, 0, 1) - human / 5) ** 2), cos, human)
    assert "binary" in capsys.readouterr().out
    assert not check.raw_cosine_brier([0.1, 0.2], cos, human)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_stsb_probability(stsb_like, capsys):
    cos, human = stsb_like
    right = scores.Calibrator("logistic").fit(cos, human >= 3).predict([0.63])[0]
    assert check.stsb_probability(right, cos, human)
    assert capsys.readouterr().out.startswith("Correct: ")
    at_4 = scores.Calibrator("logistic").fit(cos, human >= 4).predict([0.63])[0]
    assert not check.stsb_probability(at_4, cos, human)
    assert "P(score >= 4)" in capsys.readouterr().out
    assert not check.stsb_probability(0.63, cos, human)
    assert "raw cosine" in capsys.readouterr().out
    expected_score = scores.Calibrator("isotonic").fit(cos, human).predict([0.63])[0]
    assert not check.stsb_probability(expected_score, cos, human)
    assert "not a probability" in capsys.readouterr().out
    assert not check.stsb_probability(0.01, cos, human)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_margin_threshold(retrieval_like, capsys):
    top2, correct, is_cal = retrieval_like
    margin = top2[:, 0] - top2[:, 1]
    chosen = scores.choose_threshold(margin[is_cal], correct[is_cal], 0.8)
    right = scores.evaluate_threshold(margin[~is_cal], correct[~is_cal], chosen.threshold)
    assert check.margin_threshold(right, top2, correct, is_cal)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.margin_threshold(chosen, top2, correct, is_cal)
    assert "held-out" in capsys.readouterr().out
    on_top = scores.choose_threshold(top2[is_cal, 0], correct[is_cal], 0.8)
    assert not check.margin_threshold(on_top, top2, correct, is_cal)
    assert "margin" in capsys.readouterr().out
    assert not check.margin_threshold(chosen.threshold, top2, correct, is_cal)
    assert "ThresholdResult" in capsys.readouterr().out
