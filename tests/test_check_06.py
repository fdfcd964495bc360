"""Each exercise check of notebook 06 accepts a right answer and rejects wrong ones."""
import numpy as np

from helpers.exercises import nb06 as check


def _unit(rng, n, d=6):
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_stretch_to_win_accepts_a_factor_found_by_bisection_with_faiss(capsys):
    """The right factor found another way: bisect on f, searching a faiss IndexFlatIP of the stretched photos."""
    import faiss
    rng = np.random.default_rng(0)
    images = _unit(rng, 12).astype(np.float32)
    texts = (images[rng.integers(0, 12, 60)] + 0.8 * rng.standard_normal((60, 6))).astype(np.float32)
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)

    def wins(f):
        stretched = images.copy()
        stretched[3] *= f
        index = faiss.IndexFlatIP(6)
        index.add(stretched)
        return int((index.search(texts, 1)[1][:, 0] == 3).sum())

    low, high = 1e-3, 1e3
    assert wins(low) < 15 <= wins(high)
    for _ in range(60):
        mid = (low * high) ** 0.5
        low, high = (low, mid) if wins(mid) >= 15 else (mid, high)
    assert check.stretch_to_win(high, texts, images, photo=3, share=0.25)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert not check.stretch_to_win(high * 0.98, texts, images, photo=3, share=0.25)
    assert "fewer than 15" in capsys.readouterr().out
    assert not check.stretch_to_win(high * 1.02, texts, images, photo=3, share=0.25)
    assert "a smaller factor already reaches 15" in capsys.readouterr().out
    assert not check.stretch_to_win("2", texts, images, photo=3, share=0.25)
    assert "one number" in capsys.readouterr().out


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
