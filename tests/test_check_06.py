"""Each exercise check of notebook 06 accepts a right answer and rejects wrong ones."""
import numpy as np

from helpers import check


def _unit(rng, n, d=6):
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_zero_shot_label(capsys):
    rng = np.random.default_rng(0)
    labels, vectors, image = ["a dog", "a cat", "a bus"], _unit(rng, 3), _unit(rng, 1)[0]
    scores = vectors @ image
    assert check.zero_shot_label(labels[int(scores.argmax())], labels, vectors, image)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.zero_shot_label(labels[int(scores.argmin())], labels, vectors, image)
    assert "LOWEST" in capsys.readouterr().out
    assert not check.zero_shot_label("a horse", labels, vectors, image)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_caption_recall_at_5(capsys):
    ids = np.array([[0, 1, 2, 3, 4, 5], [1, 0, 2, 3, 4, 5], [9, 8, 7, 6, 5, 2]])
    relevant = np.array([0, 0, 2])  # first row: hit at 1; second: at 2; third: at 6 (not in the top 5)
    assert check.caption_recall_at_5(2 / 3, ids, relevant)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.caption_recall_at_5(1 / 3, ids, relevant)
    assert "R@1" in capsys.readouterr().out
    assert not check.caption_recall_at_5(1.0, ids, relevant)
    assert capsys.readouterr().out.startswith("Not yet: ")
    assert not check.caption_recall_at_5(2 / 3, ids[:, :3], relevant)
    assert "k=5" in capsys.readouterr().out


def test_nearest_other_photo(capsys):
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    assert check.nearest_other_photo(1, vectors, 0)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.nearest_other_photo(0, vectors, 0)
    assert "itself" in capsys.readouterr().out
    assert not check.nearest_other_photo(2, vectors, 0)
    assert not check.nearest_other_photo(True, vectors, 0)
    assert capsys.readouterr().out.count("Not yet: ") == 2
