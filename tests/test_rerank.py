"""helpers.search.rerank: a second stage re-orders its candidates, never adds or drops one, and says what it needs."""
import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer, util

from helpers.encode.models import resolve_model
from helpers.search import rerank


def test_rerank_only_reorders_and_keeps_first_stage_order_on_ties():
    candidates = ["a", "b", "c", "d"]
    assert rerank.rerank(candidates, [0.1, 0.9, 0.5, 0.9]) == ["b", "d", "c", "a"]   # b before d: first-stage order
    assert rerank.rerank(candidates, [1, 1, 1, 1]) == candidates                       # all tied: unchanged
    out = rerank.rerank(candidates, np.array([3, 2, 1, 0], dtype=np.float32))
    assert sorted(out) == sorted(candidates) and out == candidates
    assert rerank.rerank([], []) == []


@pytest.mark.parametrize("scores, message", [([0.1, 0.2], "one score per candidate"),
                                             ([[0.1, 0.2, 0.3]], "one score per candidate"),
                                             ([0.1, float("nan"), 0.3], "finite"),
                                             ([0.1, float("inf"), 0.3], "finite")])
def test_rerank_refuses_mismatched_or_non_finite_scores(scores, message):
    with pytest.raises(ValueError, match=message):
        rerank.rerank(["a", "b", "c"], scores)


def test_rerank_refuses_a_candidate_listed_twice():
    with pytest.raises(ValueError, match="'b' appears twice"):
        rerank.rerank(["a", "b", "b"], [1, 2, 3])


def test_rerank_run_rescoring_only_the_head_and_a_depth_beyond_the_list():
    run = {"q1": ["a", "b", "c", "d", "e"], "q2": ["x", "y"], "q3": []}
    seen = {}

    def scorer(query_id, doc_ids):   # reverses the head; records what it was asked to score
        seen[query_id] = list(doc_ids)
        return np.arange(len(doc_ids), dtype=float)

    out = rerank.rerank_run(run, scorer, depth=3)
    assert out == {"q1": ["c", "b", "a", "d", "e"], "q2": ["y", "x"], "q3": []}
    assert seen == {"q1": ["a", "b", "c"], "q2": ["x", "y"]}   # depth 3 > 2 candidates: all of them, no padding
    for q in run:
        assert sorted(out[q]) == sorted(run[q])
    for depth in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="depth must be a positive int"):
            rerank.rerank_run(run, scorer, depth)


def test_ceiling_is_recall_at_depth_of_the_graded_documents():
    run = {"q1": ["a", "b", "c", "d"], "q2": ["x", "y"], "q3": ["m"]}
    qrels = {"q1": {"b": 2, "d": 1, "z": 1, "a": 0}, "q2": {"x": 0}, "q3": {"m": 1}}
    # q1: b and d of b, d, z in the top 4, b alone in the top 2; q2 has no relevant document and is left out
    assert rerank.ceiling(run, qrels, 2).tolist() == [1 / 3, 1.0]
    assert rerank.ceiling(run, qrels, 4).tolist() == [2 / 3, 1.0]
    assert rerank.ceiling(run, qrels, 4, min_grade=2).tolist() == [1.0]
    with pytest.raises(KeyError, match="no list in the run"):
        rerank.ceiling({"q1": ["a"]}, qrels, 2)


def test_vector_scorer_is_the_inner_product_and_names_what_is_missing():
    docs = {"a": [1.0, 0.0], "b": [0.6, 0.8]}
    score = rerank.vector_scorer({"q": [0.0, 1.0]}, docs)
    assert np.allclose(score("q", ["a", "b"]), [0.0, 0.8])
    assert rerank.rerank(["a", "b"], score("q", ["a", "b"])) == ["b", "a"]
    with pytest.raises(KeyError, match="document 'c'"):
        score("q", ["a", "c"])
    with pytest.raises(KeyError, match="query 'p'"):
        score("p", ["a"])


def test_token_vectors_and_maxsim_equal_sentence_transformers(encoder):
    texts = ["Compute the arithmetic mean along the specified axis.", "how do I scale my columns",
             "Standardize features by removing the mean and scaling to unit variance."]
    library = SentenceTransformer(str(resolve_model(encoder.model_id)), device="cpu")
    theirs = [torch.nn.functional.normalize(t, dim=-1) for t in library.encode(texts, output_value="token_embeddings")]
    ours = rerank.token_vectors(encoder, texts, batch_size=2)
    assert [o.shape for o in ours] == [tuple(t.shape) for t in theirs]
    assert all(np.allclose(o, t.numpy(), atol=1e-5) for o, t in zip(ours, theirs))
    assert np.allclose(rerank.maxsim(ours[1], ours), util.maxsim(theirs[1:2], theirs).numpy()[0], atol=1e-4)
    # a second way: the loop ColBERT's paper writes, sum over query tokens of the best document token
    by_hand = [sum(max(float(q @ d) for d in doc) for q in ours[1]) for doc in ours]
    assert np.allclose(rerank.maxsim(ours[1], ours), by_hand, atol=1e-4)


def test_maxsim_refuses_empty_or_mismatched_token_arrays():
    q = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="at least one token"):
        rerank.maxsim(np.ones((0, 4)), [q])
    with pytest.raises(ValueError, match="document 1 must be a \\(tokens, 4\\) array"):
        rerank.maxsim(q, [q, np.ones((2, 5))])
    assert rerank.maxsim(q, []).shape == (0,)
