"""Each exercise check of notebook 09 accepts a right answer computed another way and rejects wrong ones."""
import numpy as np

from helpers.exercises import nb09 as check


def test_cluster_hours(capsys):
    # 10M sentences, 1,000 sentences/s per machine, 8 machines, 60 s start-up
    right = 60 / 3600 + 10_000_000 / 8_000 / 3600
    assert check.cluster_hours(right, 10_000_000, 1000.0, 8, 60.0)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.cluster_hours(right * 3600, 10_000_000, 1000.0, 8, 60.0)
    assert "seconds" in capsys.readouterr().out
    assert not check.cluster_hours(10_000_000 / 8_000 / 3600, 10_000_000, 1000.0, 8, 60.0)
    assert "start-up" in capsys.readouterr().out
    assert not check.cluster_hours((60 + 10_000_000 / 1000) / 3600, 10_000_000, 1000.0, 8, 60.0)
    assert "one machine" in capsys.readouterr().out
    assert not check.cluster_hours((8 * 60 + 10_000_000 / 8000) / 3600, 10_000_000, 1000.0, 8, 60.0)
    assert "parallel" in capsys.readouterr().out
    assert not check.cluster_hours("soon", 10_000_000, 1000.0, 8, 60.0)
    assert capsys.readouterr().out.startswith("Not yet: ")


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_top1_agreement(capsys):
    rng = np.random.default_rng(0)
    qa, ca = _unit(rng.standard_normal((50, 8))), _unit(rng.standard_normal((30, 8)))
    qb, cb = _unit(qa + 0.3 * rng.standard_normal(qa.shape)), _unit(ca + 0.3 * rng.standard_normal(ca.shape))
    # the right answer, by a loop instead of matrix products
    same = [max(range(30), key=lambda j: qa[i] @ ca[j]) == max(range(30), key=lambda j: qb[i] @ cb[j])
            for i in range(50)]
    right = sum(same) / 50
    assert 0 < right < 1  # the noise changes some top-1s, so the wrong answers below differ from it
    assert check.top1_agreement(right, qa, ca, qb, cb)
    assert capsys.readouterr().out.startswith("Correct: ")
    mixed = float(((qa @ ca.T).argmax(1) == (qb @ ca.T).argmax(1)).mean())
    if mixed != right:
        assert not check.top1_agreement(mixed, qa, ca, qb, cb)
        assert "OWN corpus" in capsys.readouterr().out
    assert not check.top1_agreement(1 - right, qa, ca, qb, cb)
    assert "CHANGED" in capsys.readouterr().out
    assert not check.top1_agreement(right * 100, qa, ca, qb, cb)
    assert "percentage" in capsys.readouterr().out
    assert not check.top1_agreement(right, qa, ca[:10], qb, cb)
    assert "shapes" in capsys.readouterr().out
