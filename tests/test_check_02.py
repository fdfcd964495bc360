"""helpers.exercises.nb02: each check accepts a right answer found another way and explains a wrong one."""
import numpy as np

from helpers.exercises import nb02 as check
from helpers.search.similarity import normalize


def test_dot_cosine_disagree_accepts_a_pair_found_by_search(capsys):
    # found by a random search, not the notebook's hand-made vectors
    rng = np.random.default_rng(1)
    for _ in range(1000):
        q, d1, d2 = rng.normal(size=(3, 4)) * rng.uniform(0.1, 5, size=(3, 1))
        if (q @ d1 > q @ d2) != (q @ d1 / np.linalg.norm(d1) > q @ d2 / np.linalg.norm(d2)):
            break
    assert check.dot_cosine_disagree(q, d1, d2)
    assert capsys.readouterr().out.startswith("Correct: dot product ranks")


def test_dot_cosine_disagree_explains_unit_vectors_agreement_and_bad_input(capsys):
    q, d1, d2 = normalize(np.array([[1.0, 0.2], [1.0, 0.0], [0.0, 1.0]]))
    assert not check.dot_cosine_disagree(q, d1, d2)               # without a hint: the symptom only
    out = capsys.readouterr().out
    assert "the two measures agree" in out and "hint=True" in out
    assert "length" not in out.replace("(dot", "") and "lengthen" not in out  # the property stays the question
    assert not check.dot_cosine_disagree(q, d1, d2, hint=True)
    assert "same length" in capsys.readouterr().out
    assert not check.dot_cosine_disagree(q, 3 * d1, d2, hint=True)  # longer AND better direction: still agree
    assert "lengthen d2" in capsys.readouterr().out
    assert not check.dot_cosine_disagree(q, np.zeros(2), d2)
    assert "zero vector" in capsys.readouterr().out
    assert not check.dot_cosine_disagree(q, d1, [1.0, 2.0, 3.0])
    assert "same length" in capsys.readouterr().out


def test_dot_cosine_disagree_hints_depend_on_the_sign_of_the_dot_products(capsys):
    q = np.array([1.0, 0.0])
    # d2 points away from q: lengthening it can never help, the hint must not say so
    assert not check.dot_cosine_disagree(q, np.array([1.0, 1.0]), np.array([-1.0, 2.0]), hint=True)
    out = capsys.readouterr().out
    assert "points away from q" in out and "lengthen d2 (" not in out
    # both point away: lengthening the cosine winner is what flips the dot product
    d1, d2 = np.array([-1.0, 3.0]), np.array([-2.0, 1.0])
    assert not check.dot_cosine_disagree(q, d1, d2, hint=True)
    assert "lengthen d1 instead" in capsys.readouterr().out
    # following that hint works, and the verdict explains the negative case (found by scaling, in float32)
    assert check.dot_cosine_disagree(q.astype(np.float32), (10 * d1).astype(np.float32), d2.astype(np.float32))
    assert "negative cosine" in capsys.readouterr().out


def _corpus():
    rng = np.random.default_rng(0)
    P = normalize(rng.normal(size=(40, 8)).astype(np.float32))
    Q = normalize(rng.normal(size=(12, 8)).astype(np.float32))
    return Q, P


def test_l2_top5_accepts_distances_computed_with_a_loop(capsys):
    Q, P = _corpus()
    answer = np.array([sorted(range(len(P)), key=lambda j: float(np.linalg.norm(q - P[j])))[:5] for q in Q])
    assert check.l2_top5(answer, Q, P)
    assert "same 5 rows as ranking by cosine" in capsys.readouterr().out


def test_l2_top5_explains_descending_sort_and_shape(capsys):
    Q, P = _corpus()
    d = np.linalg.norm(Q[:, None] - P[None], axis=2)
    assert not check.l2_top5(np.argsort(-d, axis=1)[:, :5], Q, P)
    assert "sort ascending" in capsys.readouterr().out
    assert not check.l2_top5(np.argsort(d, axis=1)[:, :3], Q, P)
    assert "shape" in capsys.readouterr().out
    wrong = np.argsort(d, axis=1)[:, :5].copy()
    wrong[0, 0], wrong[0, 4] = wrong[0, 4], wrong[0, 0]
    assert not check.l2_top5(wrong, Q, P)
    assert "query 0" in capsys.readouterr().out
