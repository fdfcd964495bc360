"""Each exercise check of notebook 06 accepts a right answer and rejects wrong ones."""
import numpy as np

from helpers.exercises import nb06 as check


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


def _photos():
    """Five photo vectors and class probabilities over four classes; photo 0 is the query."""
    vectors = np.array([[1.0, 0.0, 0.0], [0.9, 0.43589, 0.0], [0.8, 0.0, 0.6], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    probs = np.array([[0.5, 0.3, 0.15, 0.05],
                      [0.6, 0.1, 0.1, 0.2],
                      [0.1, 0.2, 0.6, 0.1],
                      [0.05, 0.5, 0.05, 0.4],
                      [0.0, 0.0, 0.0, 1.0]])
    classes = ["tabby, tabby cat", "desk", "washbasin, handbasin", "pizza, pizza pie"]
    return vectors, probs, classes


def test_explained_neighbours_accepts_the_most_shared_class(capsys):
    vectors, probs, classes = _photos()
    scores = vectors @ vectors[0]  # the neighbours by brute force: 1, 2, 3 (photo 4 is orthogonal)
    scores[0] = -np.inf
    assert sorted(np.argsort(-scores)[:3].tolist()) == [1, 2, 3]
    # products with photo 0 (0.5, 0.3, 0.15, 0.05), by a loop rather than numpy: 1 -> tabby, 2 -> washbasin, 3 -> desk
    names = [c.split(",")[0] for c in classes]
    right = {j: names[max(range(4), key=lambda c: probs[0][c] * probs[j][c])] for j in (1, 2, 3)}
    assert right == {1: "tabby", 2: "washbasin", 3: "desk"}
    assert check.explained_neighbours({1: "tabby, tabby cat", 2: "washbasin", 3: "desk"}, vectors, probs, classes, 0)
    assert capsys.readouterr().out.startswith("Correct: ")


def test_explained_neighbours_says_why_an_answer_is_wrong(capsys):
    vectors, probs, classes = _photos()
    wrong = [({1: "tabby", 2: "washbasin", 4: "pizza"}, "are not [1, 2, 4]"),
             ({0: "tabby", 1: "tabby", 2: "washbasin"}, "the query itself"),
             ({1: "tabby", 2: "cat food", 3: "desk"}, "not an ImageNet class name"),
             ({1: "tabby", 2: "desk", 3: "desk"}, "another class gives"),
             ([1, 2, 3], "a dict")]
    for answer, match in wrong:
        assert not check.explained_neighbours(answer, vectors, probs, classes, 0)
        out = capsys.readouterr().out
        assert out.startswith("Not yet: ") and match in out, (answer, out)
