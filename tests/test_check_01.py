"""helpers.check, notebook 01: each check accepts the right answer and explains a wrong one."""
import numpy as np
import torch

from helpers import check
from helpers.pooling import mean_pool, naive_mean_pool


def _batch():
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 5, 4, generator=generator)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])
    return hidden, mask


def test_mean_pooling_accepts_the_masked_mean(capsys):
    hidden, mask = _batch()
    assert check.mean_pooling(mean_pool(hidden, mask), hidden, mask)
    assert capsys.readouterr().out.startswith("Correct: ")


def test_mean_pooling_names_the_padding_bug(capsys):
    hidden, mask = _batch()
    assert not check.mean_pooling(naive_mean_pool(hidden, mask), hidden, mask)
    assert ".mean(dim=1)" in capsys.readouterr().out


def test_mean_pooling_rejects_a_wrong_shape(capsys):
    hidden, mask = _batch()
    assert not check.mean_pooling(np.zeros((3, 3)), hidden, mask)
    assert "shape" in capsys.readouterr().out


def test_verdict_is_truthy_and_shows_nothing_more():
    verdict = check._report(True, "fine")
    assert verdict and repr(verdict) == "Correct: fine"
    assert verdict._ipython_display_() is None


def test_stsb_dot_spearman(encoder, capsys):
    from scipy.stats import spearmanr

    from helpers.cache import cached_encode
    from helpers.data import load_stsb
    pairs = load_stsb("test")
    a = cached_encode(encoder, pairs.sentence1.tolist(), normalize=False)
    b = cached_encode(encoder, pairs.sentence2.tolist(), normalize=False)
    right = spearmanr((a * b).sum(axis=1), pairs.score).statistic
    assert check.stsb_dot_spearman(right)
    assert "cosine" in capsys.readouterr().out
    assert not check.stsb_dot_spearman(0.8203)
    assert not check.stsb_dot_spearman([1.0, 2.0])
