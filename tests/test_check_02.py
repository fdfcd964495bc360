"""helpers.check, notebook 02: each check accepts the right answer and explains a wrong one."""
import numpy as np

from helpers import check
from helpers.similarity import normalize


def _corpus():
    rng = np.random.default_rng(0)
    P = normalize(rng.normal(size=(20, 8)).astype(np.float32))
    gold = rng.integers(0, 20, size=50)
    Q = normalize(P[gold] + 0.9 * rng.normal(size=(50, 8)).astype(np.float32))
    return Q, P, gold


def _top(Q, P, gold, k):
    order = np.argsort(-(Q @ P.T), axis=1)[:, :k]
    return float((order == gold[:, None]).any(axis=1).mean())


def test_squad_top3_accepts_the_top3_fraction(capsys):
    Q, P, gold = _corpus()
    assert check.squad_top3(_top(Q, P, gold, 3), Q, P, gold)
    assert capsys.readouterr().out.startswith("Correct: ")


def test_squad_top3_explains_top1_and_counts(capsys):
    Q, P, gold = _corpus()
    assert _top(Q, P, gold, 1) != _top(Q, P, gold, 3)
    assert not check.squad_top3(_top(Q, P, gold, 1), Q, P, gold)
    assert "top-1" in capsys.readouterr().out
    assert not check.squad_top3(40, Q, P, gold)
    assert "at most 1" in capsys.readouterr().out
    assert not check.squad_top3("x", Q, P, gold)


def test_heatmap_neighbour(capsys):
    S = normalize(np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.9, 0.1]], dtype=np.float32))
    assert check.heatmap_neighbour(2, S)
    assert not check.heatmap_neighbour(3, S)
    assert "itself" in capsys.readouterr().out.splitlines()[-1]
    assert not check.heatmap_neighbour(0, S)
    assert not check.heatmap_neighbour(2.0, S)
