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


def test_query_nodes_right_answer_passes_and_mistakes_are_named(capsys):
    bpv, n, replicas, node = 1680.0, 300_000_000, 3, 128
    one_copy_gib = n * bpv / 1024 ** 3
    nodes_per_copy = 1
    while nodes_per_copy * 0.9 * node < one_copy_gib:  # another way: count nodes up until one copy fits
        nodes_per_copy += 1
    right = replicas * nodes_per_copy
    assert check.query_nodes(right, bpv, vectors=n, replicas=replicas, node_gib=node)
    for wrong, reason in [(nodes_per_copy, "every replica"),
                          (int(np.ceil(replicas * one_copy_gib / (0.9 * node))), "cannot share a node"),
                          (replicas * int(np.ceil(one_copy_gib / node)), "90 %"),
                          (float(right), "whole number")]:
        assert wrong != right or type(wrong) is not type(right)
        capsys.readouterr()
        assert not check.query_nodes(wrong, bpv, vectors=n, replicas=replicas, node_gib=node)
        assert reason in capsys.readouterr().out, wrong
