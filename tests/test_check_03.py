"""helpers.check, notebook 03: each check accepts the right answer and explains a wrong one."""
import numpy as np
import pandas as pd

from helpers import check


def _distances():
    rng = np.random.default_rng(0)
    cos = np.sort(rng.uniform(-0.2, 0.9, size=(3, 5)), axis=1)[:, ::-1]
    return (2 - 2 * cos).astype(np.float32), cos   # squared L2 between unit vectors, ascending


def test_l2_to_cosine_accepts_one_minus_half_d2(capsys):
    d2, cos = _distances()
    assert check.l2_to_cosine(1 - d2 / 2, d2)
    assert capsys.readouterr().out.startswith("Correct: ")
    np.testing.assert_allclose(1 - d2 / 2, cos, atol=1e-6)


def test_l2_to_cosine_rejects_square_root_wrong_formula_and_shape(capsys):
    d2, _ = _distances()
    assert not check.l2_to_cosine(1 - np.sqrt(d2) / 2, d2)
    assert "already returns squared distances" in capsys.readouterr().out
    assert not check.l2_to_cosine(-d2, d2)
    assert "cos = 1 - d^2 / 2" in capsys.readouterr().out
    assert not check.l2_to_cosine((1 - d2 / 2)[0], d2)
    assert capsys.readouterr().out.startswith("Not yet: expected an array shaped like")


def _ranking():
    ids = np.array([[0, 3, 1], [2, 0, 1], [1, 2, 3], [3, 1, 0]])
    gold = np.array([0, 0, 1, 2])      # rows 0 and 2 have their gold first: recall@1 = 0.5
    return ids, gold


def test_recall_at_1_accepts_the_fraction(capsys):
    ids, gold = _ranking()
    assert check.recall_at_1_by_hand(0.5, ids, gold)
    assert "recall@1 = 0.5000" in capsys.readouterr().out


def test_recall_at_1_rejects_percentages_recall_at_k_and_lists(capsys):
    ids, gold = _ranking()
    assert not check.recall_at_1_by_hand(50.0, ids, gold)
    assert "percentage" in capsys.readouterr().out
    recall_at_3 = float((ids == gold[:, None]).any(axis=1).mean())
    assert recall_at_3 != 0.5 and not check.recall_at_1_by_hand(recall_at_3, ids, gold)
    assert "column 0" in capsys.readouterr().out
    assert not check.recall_at_1_by_hand([0.5, 0.5], ids, gold)
    assert "expected one number" in capsys.readouterr().out


def _results():
    return pd.DataFrame({"title": ["a", "b", "c"], "scores": [0.6, 0.75, 0.9]})


def test_sorted_best_first_accepts_ascending_distances(capsys):
    results = _results()
    assert check.sorted_best_first(results.sort_values("scores"), results)
    assert capsys.readouterr().out.startswith("Correct: ")


def test_sorted_best_first_rejects_descending_dropped_rows_and_non_tables(capsys):
    results = _results()
    assert not check.sorted_best_first(results.sort_values("scores", ascending=False), results)
    assert "sort ascending" in capsys.readouterr().out
    assert not check.sorted_best_first(results.iloc[:2], results)
    assert "keep the same 3 rows" in capsys.readouterr().out
    assert not check.sorted_best_first(3, results)
    assert "expected the results DataFrame" in capsys.readouterr().out
