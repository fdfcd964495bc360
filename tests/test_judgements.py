"""Judgement files and qrels are read back exactly and bad lines refused; pooling, unjudged share and kappa by hand;
the shipped qrels.txt is what the judgements give; the course's metrics equal pytrec_eval's on the judged set."""
import json

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from helpers.course.apidocs import load_queries
from helpers.evaluate import judgements as J
from helpers.evaluate.metrics import mrr_at_k, ndcg_at_k, recall_at_k


def _write(tmp_path, lines):
    path = tmp_path / "j.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


GOOD = ['{"query_id": "q1", "doc_id": "a", "grade": 2, "judge": "me"}',
        '{"query_id": "q1", "doc_id": "b", "grade": 0, "judge": "me"}',
        '',
        '{"query_id": "q2", "doc_id": "a", "grade": 1, "judge": "me"}']


def test_judgements_round_trip_through_qrels(tmp_path):
    rows = J.read_judgements(_write(tmp_path, GOOD))
    assert rows == [J.Judgement("q1", "a", 2, "me"), J.Judgement("q1", "b", 0, "me"), J.Judgement("q2", "a", 1, "me")]
    qrels = J.to_qrels(rows)
    assert qrels == {"q1": {"a": 2, "b": 0}, "q2": {"a": 1}}
    path = J.write_qrels(qrels, tmp_path / "qrels.txt")
    assert path.read_text() == "q1 0 a 2\nq1 0 b 0\nq2 0 a 1\n"
    assert J.read_qrels(path) == qrels


@pytest.mark.parametrize("line, words", [
    ('{"query_id": "q1", "doc_id": "c", "grade": 3, "judge": "me"}', ["line 5", "grade is 3", "(0, 1, 2)"]),
    ('{"query_id": "q1", "doc_id": "c", "grade": "2", "judge": "me"}', ["line 5", "grade is '2'"]),
    ('{"query_id": "q1", "doc_id": "c", "grade": true, "judge": "me"}', ["line 5", "grade is True"]),
    ('{"query_id": "q1", "doc_id": "c", "judge": "me"}', ["line 5", "missing field", "grade"]),
    ('{"query_id": "q1", "doc_id": "c" "grade": 1}', ["line 5", "not valid JSON"]),
    ('["q1", "c", 1]', ["line 5", "JSON object"]),
    ('{"query_id": "q1", "doc_id": "my doc", "grade": 1, "judge": "me"}', ["line 5", "without spaces"]),
    ('{"query_id": "q1", "doc_id": "a", "grade": 1, "judge": "me"}', ["line 5", "already on line 1"]),
])
def test_bad_judgement_lines_are_refused_by_number(tmp_path, line, words):
    with pytest.raises(ValueError) as err:
        J.read_judgements(_write(tmp_path, GOOD + [line]))
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_pair_graded_by_two_judges_cannot_become_qrels_and_is_found_as_doubly_judged(tmp_path):
    rows = J.read_judgements(_write(tmp_path, GOOD + ['{"query_id": "q1", "doc_id": "a", "grade": 1, "judge": "you"}']))
    with pytest.raises(ValueError, match="graded twice"):
        J.to_qrels(rows)
    assert J.doubly_judged(rows) == [("q1", "a", {"me": 2, "you": 1})]


@pytest.mark.parametrize("text, words", [("q1 0 a\n", ["line 1", "3 fields"]), ("q1 0 a 2\nq1 0 a x\n", ["line 2", "'x'"]),
                                         ("q1 0 a 2\n\nq1 0 a 1\n", ["line 3", "twice"])])
def test_bad_qrels_lines_are_refused(tmp_path, text, words):
    path = tmp_path / "qrels.txt"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        J.read_qrels(path)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_pooling_is_the_union_of_each_runs_top_depth():
    runs = {"x": {"q1": ["a", "b", "c"], "q2": ["d"]}, "y": {"q1": ["c", "e", "a"]}}
    assert J.pool(runs, depth=2) == {"q1": ["a", "b", "c", "e"], "q2": ["d"]}
    assert J.pool(runs, depth=1) == {"q1": ["a", "c"], "q2": ["d"]}
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="depth"):
            J.pool(runs, depth=bad)


def test_unjudged_share_by_hand():
    qrels = {"q1": {"a": 1, "b": 0}, "q2": {"c": 2}}
    run = {"q1": ["a", "x", "b"], "q2": ["y", "z", "c"], "q3": ["w"]}   # q3 unjudged: not counted
    assert J.unjudged_at_k(run, qrels, k=3) == pytest.approx(3 / 6)
    assert J.unjudged_at_k(run, qrels, k=1) == pytest.approx(1 / 2)


@pytest.mark.parametrize("seed", range(4))
def test_kappa_equals_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, 200)
    b = np.where(rng.random(200) < 0.6, a, rng.integers(0, 3, 200))
    assert J.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert J.cohen_kappa(a, b, "linear") == pytest.approx(cohen_kappa_score(a, b, weights="linear"))


def test_kappa_by_hand():
    # 10 items: agree on 8 (po = 0.8); each judge says 1 half the time: pe = 0.5, kappa = 0.6
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    assert J.cohen_kappa(a, b) == pytest.approx(0.6)
    assert J.cohen_kappa(a, a) == 1.0
    with pytest.raises(ValueError, match="undefined"):
        J.cohen_kappa([1, 1], [1, 1])
    with pytest.raises(ValueError, match="equally long"):
        J.cohen_kappa([1, 0], [1])


def _build_qrels():
    import importlib.util
    from helpers.course.paths import REPO_ROOT
    spec = importlib.util.spec_from_file_location("build_qrels", REPO_ROOT / "scripts" / "build_qrels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_qrels_are_what_the_judgements_give():
    from helpers.course.apidocs import judged_path
    build = _build_qrels()
    want = J.qrels_text(build.primary_qrels(build.all_judgements()))
    assert judged_path("qrels.txt").read_text(encoding="utf-8") == want


def test_metrics_equal_pytrec_evals_on_the_judged_set():
    pytrec_eval = pytest.importorskip("pytrec_eval")
    from helpers.course.apidocs import judged_path, load_pool
    qrels = J.read_qrels(judged_path("qrels.txt"))
    answerable = {q["query_id"] for q in load_queries() if q["answerable"]}
    qrels = {q: g for q, g in qrels.items() if q in answerable and any(v > 0 for v in g.values())}
    rows = load_pool()
    for system in ("bm25", "minilm", "mpnet", "rrf"):
        run = {q: [] for q in qrels}
        for r in sorted((r for r in rows if r[f"rank_{system}"] is not None and r["query_id"] in qrels),
                        key=lambda r: r[f"rank_{system}"]):
            run[r["query_id"]].append(r["doc_id"])
        # pytrec_eval ranks by score (ties by doc id): distinct scores from the ranks keep the run's order
        scored = {q: {d: float(100 - i) for i, d in enumerate(docs)} for q, docs in run.items()}
        measures = {"ndcg_cut.10", "recall.10", "recip_rank"}
        per_query = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(scored)
        top10 = {q: docs[:10] for q, docs in run.items()}
        for ours, theirs in ((ndcg_at_k(run, qrels, 10), "ndcg_cut_10"), (recall_at_k(run, qrels, 10), "recall_10"),
                             (mrr_at_k(top10, qrels, 10), None)):
            if theirs is None:   # trec_eval's recip_rank has no cut-off: give it the top 10 only
                per = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(
                    {q: {d: float(100 - i) for i, d in enumerate(docs)} for q, docs in top10.items()})
                value = np.mean([per.get(q, {}).get("recip_rank", 0.0) for q in qrels])
            else:
                value = np.mean([per_query.get(q, {}).get(theirs, 0.0) for q in qrels])
            assert ours == pytest.approx(value, abs=1e-12), (system, theirs)


def test_linear_kappa_charges_the_grade_distance_even_when_a_grade_never_occurs():
    a, b = [0, 2, 0, 2, 0, 0], [0, 0, 2, 2, 0, 2]   # no judge gave a 1: 0 against 2 still costs 2
    assert J.cohen_kappa(a, b, "linear") == pytest.approx(cohen_kappa_score(a, b, labels=[0, 1, 2], weights="linear"))
    assert J.cohen_kappa([True, False, True], [True, True, False], "linear") == pytest.approx(
        cohen_kappa_score([1, 0, 1], [1, 1, 0], weights="linear"))
    with pytest.raises(ValueError, match="numbers"):
        J.cohen_kappa(["a", "b"], ["b", "a"], "linear")
