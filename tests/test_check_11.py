"""Each exercise check of notebook 11 accepts a right answer computed another way and rejects wrong ones with a reason."""
import statistics

import numpy as np
import pytest
from scipy import stats

from helpers.exercises import nb11 as check

RUNS = {"bm25": ["a", "b", "c", "d", "e"], "minilm": ["c", "f", "a", "g", "h"]}
GRADES = {"a": 1, "b": 0, "c": 2, "d": 0, "e": 0, "f": 1, "g": 0, "h": 0}


def _file(tmp_path, grades, extra=""):
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(f'{{"query_id": "new", "doc_id": "{d}", "grade": {g}, "judge": "me"}}\n'
                            for d, g in grades.items()) + extra)
    return path


def _ndcg_by_pytrec(run, grades, k=5):
    pytrec_eval = pytest.importorskip("pytrec_eval")
    evaluator = pytrec_eval.RelevanceEvaluator({"new": grades}, {f"ndcg_cut.{k}"})
    return evaluator.evaluate({"new": {d: float(10 - i) for i, d in enumerate(run)}})["new"][f"ndcg_cut_{k}"]


def test_judged_pool(tmp_path, capsys):
    path = _file(tmp_path, GRADES)
    right = _ndcg_by_pytrec(RUNS["minilm"], GRADES) - _ndcg_by_pytrec(RUNS["bm25"], GRADES)  # another library
    assert check.judged_pool(right, path, RUNS)
    message = capsys.readouterr().out
    assert message.startswith("Correct: ")
    assert "decides nothing" not in message and "could one query settle" in message  # asks, does not answer
    two_queries = tmp_path / "two.jsonl"   # the pooled grades, plus a line for another query
    two_queries.write_text(path.read_text() + '{"query_id": "q001", "doc_id": "a", "grade": 1, "judge": "me"}\n')
    assert not check.judged_pool(right, two_queries, RUNS)
    assert "['new', 'q001']" in capsys.readouterr().out
    other_id = tmp_path / "other.jsonl"    # the right grades, filed under a judged query's id
    other_id.write_text(path.read_text().replace('"new"', '"q001"'))
    assert not check.judged_pool(right, other_id, RUNS)
    assert "query_id \"new\"" in capsys.readouterr().out
    assert not check.judged_pool(-right, path, RUNS)
    assert "sign" in capsys.readouterr().out
    binary = {d: int(g > 0) for d, g in GRADES.items()}
    assert not check.judged_pool(_ndcg_by_pytrec(RUNS["minilm"], binary) - _ndcg_by_pytrec(RUNS["bm25"], binary), path, RUNS)
    assert "0, 1, 2" in capsys.readouterr().out
    assert not check.judged_pool(right, _file(tmp_path, {d: g for d, g in GRADES.items() if d != "h"}), RUNS)
    assert "no line" in capsys.readouterr().out
    assert not check.judged_pool(right, _file(tmp_path, dict.fromkeys(GRADES, 0)), RUNS)
    assert "undefined" in capsys.readouterr().out
    bad = _file(tmp_path, GRADES, '{"query_id": "new", "doc_id": "z", "grade": 5, "judge": "me"}\n')
    assert not check.judged_pool(right, bad, RUNS)
    assert "line 9" in capsys.readouterr().out
    assert not check.judged_pool("0.2", path, RUNS)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_paired_rrf_minilm(capsys):
    rng = np.random.default_rng(5)
    minilm = rng.random(60)
    rrf = np.clip(minilm + 0.03 + 0.15 * rng.standard_normal(60), 0, 1)
    # another way: scipy's paired bootstrap, and the sample size from the standard library's NormalDist
    ci = stats.bootstrap((rrf, minilm), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
                         paired=True, n_resamples=2000, method="percentile", rng=np.random.default_rng(0)).confidence_interval
    z = statistics.NormalDist().inv_cdf(0.975) + statistics.NormalDist().inv_cdf(0.8)
    n = int(np.ceil((z * np.std(rrf - minilm, ddof=1) / abs(np.mean(rrf - minilm))) ** 2))
    assert check.paired_rrf_minilm((ci.low, ci.high, n), rrf, minilm)
    message = capsys.readouterr().out
    assert message.startswith("Correct: ")
    assert "contains 0:" not in message and "cannot tell" not in message and "does the interval contain 0" in message
    assert not check.paired_rrf_minilm((-ci.high, -ci.low, n), rrf, minilm)
    assert "RRF first" in capsys.readouterr().out
    unpaired = [stats.bootstrap((x,), np.mean, n_resamples=2000, method="percentile", rng=np.random.default_rng(0))
                .confidence_interval for x in (rrf, minilm)]
    assert not check.paired_rrf_minilm((unpaired[0].low - unpaired[1].high, unpaired[0].high - unpaired[1].low, n),
                                       rrf, minilm)
    assert "paired" in capsys.readouterr().out
    n_wrong = int(np.ceil((z * np.std(rrf, ddof=1) / abs(np.mean(rrf - minilm))) ** 2))
    assert not check.paired_rrf_minilm((ci.low, ci.high, n_wrong), rrf, minilm)
    assert "DIFFERENCES" in capsys.readouterr().out
    assert not check.paired_rrf_minilm(0.1, rrf, minilm)
    assert "three numbers" in capsys.readouterr().out
