"""Checks of notebook 10's exercises: wrong answers fail with a reason, right ones found another way pass."""
import numpy as np
import pytest

from helpers.exercises import nb10 as check


@pytest.fixture
def corpus():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((60, 16)).astype(np.float32)
    titles = np.array([f"t{i % 6}" for i in range(60)])
    gold = rng.integers(1, 60, size=200)
    Q = P[gold] + 1.2 * rng.standard_normal((200, 16)).astype(np.float32)  # noisy copies of their paragraph
    return P, Q, gold, titles


def _recall(P, Q, gold, titles, filtered):
    sims = Q @ P.T
    sims[:, 0] = -np.inf
    if filtered:  # another way: loop over questions, exact search inside the title's own rows
        top = [np.flatnonzero(titles == titles[g])[np.argmax(sims[i, titles == titles[g]])] for i, g in enumerate(gold)]
    else:
        top = sims.argmax(axis=1)
    return float(np.mean(np.array(top) == gold))


def test_filtered_recall_right_answer_found_another_way_passes(corpus, capsys):
    P, Q, gold, titles = corpus
    answer = _recall(P, Q, gold, titles, filtered=True)
    assert check.filtered_recall_at_1(answer, P, Q, gold, titles, deleted=[0])
    assert capsys.readouterr().out.startswith("Correct")


def test_filtered_recall_without_the_filter_is_named(corpus, capsys):
    P, Q, gold, titles = corpus
    unfiltered = _recall(P, Q, gold, titles, filtered=False)
    assert unfiltered < _recall(P, Q, gold, titles, filtered=True) - 0.02
    assert not check.filtered_recall_at_1(unfiltered, P, Q, gold, titles, deleted=[0])
    assert "without a filter" in capsys.readouterr().out


@pytest.mark.parametrize("bad, reason", [(5, "share of questions"), ("high", "one number"), (0.0, "exact search within")])
def test_filtered_recall_other_wrong_answers(corpus, capsys, bad, reason):
    P, Q, gold, titles = corpus
    assert not check.filtered_recall_at_1(bad, P, Q, gold, titles, deleted=[0])
    assert reason in capsys.readouterr().out


@pytest.mark.parametrize("wrap", [lambda x: [x], lambda x: np.array([x]), lambda x: np.array([[x]])])
def test_filtered_recall_one_number_in_a_list_or_array_gets_a_verdict_not_a_traceback(corpus, capsys, wrap):
    """review 10 finding 10: [0.6957] or np.mean(hits, keepdims=True) crashed at float(); now refused by name."""
    P, Q, gold, titles = corpus
    right = _recall(P, Q, gold, titles, filtered=True)
    assert not check.filtered_recall_at_1(wrap(right), P, Q, gold, titles, deleted=[0])
    assert "one number" in capsys.readouterr().out


@pytest.mark.parametrize("wrap", [float, np.float32, np.array])   # a 0-d array is one number
def test_filtered_recall_one_number_of_any_scalar_type_passes(corpus, capsys, wrap):
    P, Q, gold, titles = corpus
    assert check.filtered_recall_at_1(wrap(_recall(P, Q, gold, titles, filtered=True)), P, Q, gold, titles, deleted=[0])
    assert capsys.readouterr().out.startswith("Correct")


def test_filtered_recall_success_message_counts_the_questions_of_deleted_rows(corpus, capsys):
    P, Q, gold, titles = corpus
    gold = gold.copy()
    gold[:3] = 0   # three questions ask for row 0, which is deleted
    assert check.filtered_recall_at_1(_recall(P, Q, gold, titles, filtered=True), P, Q, gold, titles, deleted=[0])
    assert "(3 of the 200 questions ask for a deleted paragraph" in capsys.readouterr().out


def test_filtered_recall_success_message_leaves_the_why_to_the_learner(corpus, capsys):
    P, Q, gold, titles = corpus
    assert check.filtered_recall_at_1(_recall(P, Q, gold, titles, filtered=True), P, Q, gold, titles, deleted=[0])
    out = capsys.readouterr().out
    assert "outscore" not in out and "why" in out


def test_max_vectors_right_answer_passes_and_mistakes_are_named(capsys):
    bpv, nodes, replicas, node = 1679.9, 14, 3, 128   # the exercise's numbers: 14 nodes do not split evenly
    fits = 0
    step = 10_000_000
    while step >= 1:  # another way: grow the count until the smallest group (4 of 5, 5, 4 nodes) would overflow
        while (fits + step) * bpv <= min(5, 5, 4) * 0.9 * node * 1024 ** 3:
            fits += step
        step //= 10
    assert check.max_vectors(fits, bpv, nodes=nodes, replicas=replicas, node_gib=node)
    out = capsys.readouterr().out
    assert out.startswith("Correct") and "the smallest of 4 nodes (14 // 3)" in out
    assert check.max_vectors(int(4 * 0.9 * node * 2**30 / 1680), bpv, nodes=nodes, replicas=replicas, node_gib=node)
    capsys.readouterr()  # bytes per vector rounded to 1680: still right
    for wrong, reason in [(int(14 * 0.9 * node * 2**30 / bpv), "fills all 14 nodes"),
                          (int(14 / 3 * 0.9 * node * 2**30 / bpv), "nodes // replicas"),   # 4.67 nodes a copy
                          (int(fits / 0.9), "90 %"),
                          (int(4 * 0.9 * node * 1e9 / bpv), "2**30"),
                          (float(fits), "whole number"),
                          (fits // 2, "rounded down")]:
        assert not check.max_vectors(wrong, bpv, nodes=nodes, replicas=replicas, node_gib=node)
        assert reason in capsys.readouterr().out, wrong


def test_max_vectors_even_split_says_groups_of(capsys):
    bpv = 1679.9
    assert check.max_vectors(int(4 * 0.9 * 128 * 2**30 // bpv), bpv, nodes=12, replicas=3, node_gib=128)
    assert "12 nodes make 3 groups of 4" in capsys.readouterr().out
