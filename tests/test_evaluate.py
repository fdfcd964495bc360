"""helpers.evaluate.metrics against values computed by hand, and its refusals of bad input."""
import math

import numpy as np
import pytest

from helpers.evaluate.metrics import (mrr_at_k, ndcg_at_k, neighbour_recall, recall_at_k, retrieval_recall,
                                      run_from_ids, summary)

# q1: its one relevant doc first. q2: graded, the less relevant d3 (1) ranked above d2 (2).
# q3: its relevant doc never retrieved.
QRELS = {"q1": {"d1": 1}, "q2": {"d2": 2, "d3": 1, "d7": 0}, "q3": {"d9": 1}}
RUN = {"q1": ["d1", "d4", "d5"], "q2": ["d4", "d3", "d2"], "q3": ["d4", "d5"]}

# q2 by hand: DCG@3 = 0/log2(2) + 1/log2(3) + 2/log2(4); ideal = 2/log2(2) + 1/log2(3)
Q2_NDCG3 = (1 / math.log2(3) + 2 / 2) / (2 + 1 / math.log2(3))
Q2_NDCG2 = (1 / math.log2(3)) / (2 + 1 / math.log2(3))


@pytest.mark.parametrize("k,want", [(1, 1 / 3), (2, (1 + 0.5 + 0) / 3), (3, 2 / 3), (10, 2 / 3)])
def test_recall_by_hand(k, want):
    assert recall_at_k(RUN, QRELS, k) == pytest.approx(want)


@pytest.mark.parametrize("k,want", [(1, 1 / 3), (2, (1 + 1 / 2) / 3), (10, (1 + 1 / 2) / 3)])
def test_mrr_by_hand(k, want):
    assert mrr_at_k(RUN, QRELS, k) == pytest.approx(want)


@pytest.mark.parametrize("k,want", [(1, 1 / 3), (2, (1 + Q2_NDCG2) / 3), (3, (1 + Q2_NDCG3) / 3),
                                    (10, (1 + Q2_NDCG3) / 3)])
def test_ndcg_by_hand_with_graded_relevance(k, want):
    assert ndcg_at_k(RUN, QRELS, k) == pytest.approx(want, abs=1e-12)
    assert Q2_NDCG3 == pytest.approx(0.6199062332840657)


def test_ideal_ranking_scores_one_and_order_of_grades_matters():
    qrels = {"q": {"a": 3, "b": 2, "c": 1}}
    assert ndcg_at_k({"q": ["a", "b", "c"]}, qrels, 3) == pytest.approx(1.0)
    assert ndcg_at_k({"q": ["c", "b", "a"]}, qrels, 3) < ndcg_at_k({"q": ["b", "a", "c"]}, qrels, 3) < 1


def test_ideal_dcg_uses_all_judged_docs_cut_at_k():
    # two relevant docs, k=1: ideal DCG@1 is 1 (not 2), so finding one of them scores 1
    qrels = {"q": {"a": 1, "b": 1}}
    assert ndcg_at_k({"q": ["b", "x"]}, qrels, 1) == pytest.approx(1.0)
    assert recall_at_k({"q": ["b", "x"]}, qrels, 1) == pytest.approx(0.5)


def test_an_empty_result_list_scores_zero():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    run = {"q1": ["a"], "q2": []}
    assert (recall_at_k(run, qrels, 5), mrr_at_k(run, qrels, 5), ndcg_at_k(run, qrels, 5)) == (0.5, 0.5, 0.5)


@pytest.mark.parametrize("run,qrels,k,match", [
    (RUN, QRELS, 0, "k must be an int >= 1"),
    (RUN, QRELS, 2.5, "k must be an int >= 1"),
    ({"q1": ["d1"]}, QRELS, 5, "2 judged queries are not in the run"),
    ({**RUN, "q4": ["d1"]}, QRELS, 5, "1 run queries have no qrels"),
    ({**RUN, "q1": ["d1", "d1"]}, QRELS, 5, "distinct doc ids"),
    (RUN, {**QRELS, "q1": {"d1": 0}}, 5, "no relevant document"),
    ({}, {}, 5, "qrels is empty"),
])
def test_refuses_bad_input(run, qrels, k, match):
    for metric in (recall_at_k, mrr_at_k, ndcg_at_k):
        with pytest.raises(ValueError, match=match):
            metric(run, qrels, k)


def test_refuses_non_dicts():
    with pytest.raises(TypeError, match="run must be a dict .*run_from_ids"):
        recall_at_k([["d1"]], QRELS, 1)


def test_run_from_ids_maps_rows_to_doc_ids_and_drops_missing_slots():
    run = run_from_ids(np.array([[2, 0], [1, -1]]), ["qa", "qb"], ["x", "y", "z"])
    assert run == {"qa": ["z", "x"], "qb": ["y"]}
    with pytest.raises(ValueError, match="only 3 doc ids"):
        run_from_ids(np.array([[3]]), ["qa"], ["x", "y", "z"])
    with pytest.raises(ValueError, match=r"\(n_queries, k\) matrix of integer row ids"):
        run_from_ids(np.array([1, 2]), ["qa"], ["x", "y", "z"])
    with pytest.raises(ValueError, match=r"\(1, k\)"):
        run_from_ids(np.array([[1], [2]]), ["qa"], ["x", "y", "z"])


def test_neighbour_recall_by_hand():
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    approx = np.array([[4, 3, 9, -1], [5, 6, 7, 8]])
    assert neighbour_recall(approx, exact) == pytest.approx((2 / 4 + 4 / 4) / 2)
    with pytest.raises(ValueError, match="same nq"):
        neighbour_recall(approx[:1], exact)


def test_summary_lists_the_course_metrics():
    table = summary(RUN, QRELS)
    assert list(table) == ["recall@1", "recall@5", "recall@10", "MRR@10", "nDCG@10"]
    assert table["nDCG@10"] == pytest.approx(ndcg_at_k(RUN, QRELS, 10))


# --- hostile input (issue 12): never a silent 0 or NaN, never an error from inside ----------------

def _gen():
    yield "d1"


@pytest.mark.parametrize("run,qrels,error,match", [
    (RUN, {**QRELS, "q1": {"d1": float("nan")}}, ValueError, r"qrels\['q1'\]\['d1'\] is nan.*finite"),
    (RUN, {**QRELS, "q1": {"d1": float("inf")}}, ValueError, "finite numbers"),
    (RUN, {**QRELS, "q1": {"d1": "2"}}, TypeError, r"is '2' \(str\).*int\(grade\)"),
    (RUN, {**QRELS, "q1": {"d1": None}}, TypeError, "must be numbers"),
    (RUN, {**QRELS, "q1": ["d1"]}, TypeError, r"qrels\['q1'\] must be a dict.*\{d: 1 for d in docs\}"),
    ([["d1"]], QRELS, TypeError, "run must be a dict.*run_from_ids"),
    (None, QRELS, TypeError, "run must be a dict"),
    ((x for x in [1]), QRELS, TypeError, "generator can be read only once"),
    (RUN, [("q1", {"d1": 1})], TypeError, "qrels must be a dict"),
    ({**RUN, "q1": None}, QRELS, TypeError, r"run\['q1'\] must be a ranked list.*empty list"),
    ({**RUN, "q1": _gen()}, QRELS, TypeError, r"list\(...\) it first"),
    ({**RUN, "q1": "d1"}, QRELS, TypeError, "ranked list"),
    ({**RUN, "q1": [["d1"]]}, QRELS, TypeError, "unhashable doc ids"),
    ({1: ["d1"], 2: [], 3: []}, QRELS, ValueError, r"query ids are int but the qrels' are str.*str\(q\)"),
    ({"q": [1, 2]}, {"q": {"1": 1}}, TypeError, "doc ids are int .*qrels' are str.*run_from_ids"),
])
def test_hostile_runs_and_qrels_get_clear_errors(run, qrels, error, match):
    for metric in (recall_at_k, mrr_at_k, ndcg_at_k):
        with pytest.raises(error, match=match):
            metric(run, qrels, 5)


def test_numpy_ids_match_python_ids_and_bool_grades_count():
    qrels = {"q": {1: True, 2: 0}}
    assert recall_at_k({"q": np.array([2, 1])}, qrels, 2) == 1.0
    assert recall_at_k({"q": [np.int64(1)]}, {"q": {1: 1}}, 1) == 1.0


@pytest.mark.parametrize("args,error,match", [
    ((np.array([[0.5]]), ["q"], ["d"]), ValueError, "integer row ids"),
    ((np.array([[-2]]), ["q"], ["d"]), ValueError, "holds -2"),
    ((np.array([[0]]), "q", ["d"]), TypeError, "query_ids must be a list"),
    ((np.array([[0]]), ["q"], None), TypeError, "doc_ids must be a list"),
    ((np.array([[0], [0]]), ["q", "q"], ["d"]), ValueError, "repeated ids"),
])
def test_run_from_ids_refuses_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        run_from_ids(*args)


def test_neighbour_recall_and_summary_refuse_bad_input():
    with pytest.raises(ValueError, match="integer row ids"):
        neighbour_recall(np.array([[0.5]]), np.array([[1]]))
    with pytest.raises(ValueError, match="nq >= 1"):
        neighbour_recall(np.zeros((0, 3), int), np.zeros((0, 3), int))
    with pytest.raises(TypeError, match="ks must be a non-empty list"):
        summary(RUN, QRELS, ks=5)


# --- retrieval_recall: one relevant item per query (notebook 06) --------------------------------

def test_retrieval_recall_by_hand():
    items = np.eye(3, dtype=np.float32)
    queries = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1]], dtype=np.float32)  # 2nd query's item ranks 2nd
    assert retrieval_recall(queries, items, [0, 1, 2], ks=(1, 2)) == {1: pytest.approx(2 / 3), 2: 1.0}


def test_retrieval_recall_breaks_ties_by_id():
    items = np.ones((3, 2), dtype=np.float32)
    assert retrieval_recall(items[:1], items, [2], ks=(1, 3)) == {1: 0.0, 3: 1.0}


@pytest.mark.parametrize("q, items, relevant, ks, match", [
    (np.ones((2, 3)), np.ones((4, 2)), [0, 1], (1,), "same d"),
    (np.ones((2, 3)), np.ones((4, 3)), [0], (1,), "relevant"),
    (np.ones((2, 3)), np.ones((4, 3)), [0, 4], (1,), "relevant"),
    (np.ones((2, 3)), np.ones((4, 3)), [0, 1], (0,), "ks"),
])
def test_retrieval_recall_rejects_bad_input(q, items, relevant, ks, match):
    with pytest.raises(ValueError, match=match):
        retrieval_recall(q, items, relevant, ks)


@pytest.mark.parametrize("q, ks, error, match", [
    (np.ones((2, 3), np.complex64), (1,), TypeError, "complex"),
    (np.full((2, 3), np.nan), (1,), ValueError, "NaN or inf"),
    (np.ones((2, 3)), (True,), ValueError, "ks must be positive ints"),
    (np.ones((2, 3)), 5, ValueError, "ks must be positive ints"),
])
def test_retrieval_recall_refuses_more_bad_input(q, ks, error, match):
    with pytest.raises(error, match=match):
        retrieval_recall(q, np.ones((4, 3)), [0, 1], ks)
