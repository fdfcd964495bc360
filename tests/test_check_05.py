"""Each exercise check of notebook 05 accepts a right answer and rejects wrong ones."""
import numpy as np
import pytest

from helpers.evaluate import scores
from helpers.exercises import nb05 as check


@pytest.fixture
def stsb_like():
    rng = np.random.default_rng(0)
    cos = rng.uniform(-0.1, 1.0, 300)
    human = np.clip(5 * cos + rng.normal(0, 1, 300), 0, 5)
    return cos, human


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


def test_raw_cosine_brier_accepts_a_float32_answer(stsb_like, capsys):
    """The same Brier score computed in float32 (another dtype, another routine) is within the stated tolerance."""
    from sklearn.metrics import brier_score_loss
    cos, human = stsb_like
    in_float32 = np.float32(brier_score_loss(human >= 4, np.clip(cos.astype(np.float32), 0, 1)))
    assert in_float32.dtype == np.float32
    assert check.raw_cosine_brier(in_float32, cos, human)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.raw_cosine_brier(float(in_float32) + 10 * check.BRIER_TOLERANCE, cos, human)
    assert "more than 1e-06 from the right figure" in capsys.readouterr().out


def test_stsb_cut(stsb_like, capsys):
    cos, human = stsb_like
    test_cos, test_human = cos[::-1].copy(), human[::-1].copy()
    at_3 = scores.Calibrator("logistic").fit(cos, human >= 3)
    grid = np.linspace(-1, 1, 400_001)  # the right cut by searching a grid, not by inverting the fit
    right = float(grid[np.argmax(at_3.predict(grid) >= 0.8)])
    assert check.stsb_cut(right, cos, human, test_cos, test_human)
    out = capsys.readouterr().out
    assert out.startswith("Correct: ") and "rated 3 or more" in out
    at_4 = scores.Calibrator("logistic").fit(cos, human >= 4)
    cut_4 = float(grid[np.argmax(at_4.predict(grid) >= 0.8)])
    assert not check.stsb_cut(cut_4, cos, human, test_cos, test_human)
    assert "P(score >= 4)" in capsys.readouterr().out
    assert not check.stsb_cut(right - 0.05, cos, human, test_cos, test_human)
    assert "raise the cut" in capsys.readouterr().out
    assert not check.stsb_cut(right + 0.05, cos, human, test_cos, test_human)
    assert "find the smallest" in capsys.readouterr().out
    from sklearn.linear_model import LogisticRegression
    default = LogisticRegression().fit(cos[:, None], human >= 3)  # sklearn's default: regularised, C=1.0
    cut_default = float(grid[np.argmax(default.predict_proba(grid[:, None])[:, 1] >= 0.8)])
    assert abs(cut_default - right) > 2 * check.CUT_TOLERANCE  # the penalty moves the cut on these data
    assert not check.stsb_cut(cut_default, cos, human, test_cos, test_human)
    out = capsys.readouterr().out
    assert "regularised (C=1.0)" in out and "find the smallest" not in out
    assert not check.stsb_cut(0.8, cos, human, test_cos, test_human)
    assert "the probability to reach" in capsys.readouterr().out
    assert not check.stsb_cut([0.5, 0.6], cos, human, test_cos, test_human)
    assert "one cosine" in capsys.readouterr().out


def test_orphan_margin_auc(capsys):
    rng = np.random.default_rng(2)
    orphan = rng.uniform(size=500) < 0.1
    top1 = rng.uniform(0.3, 0.8, 500) - 0.05 * orphan
    gap = rng.exponential(0.03, 500) * np.where(orphan, 0.5, 1.0)
    s10 = np.stack([top1, top1 - gap, top1 - gap - 0.01], axis=1)
    # the right answer by counting pairs (the AUC's definition), not by sklearn
    m_in, m_out = gap[~orphan], gap[orphan]
    right = ((m_in[:, None] > m_out[None]).sum() + 0.5 * (m_in[:, None] == m_out[None]).sum()) / (len(m_in) * len(m_out))
    assert check.orphan_margin_auc(right, s10, orphan)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.orphan_margin_auc(1 - right, s10, orphan)
    assert "~orphan" in capsys.readouterr().out
    raw = ((top1[~orphan][:, None] > top1[orphan][None]).mean())
    assert not check.orphan_margin_auc(raw, s10, orphan)
    assert "raw top score" in capsys.readouterr().out
    assert not check.orphan_margin_auc(0.5, s10, orphan)
    assert "roc_auc_score(~orphan, margin)" in capsys.readouterr().out
    assert not check.orphan_margin_auc("high", s10, orphan)
    assert "one number" in capsys.readouterr().out
    assert not check.orphan_margin_auc(right, s10[:, :1], orphan)
    assert "k >= 2" in capsys.readouterr().out
