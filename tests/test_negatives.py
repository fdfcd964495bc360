"""helpers.search.negatives: training pairs from the training libraries, BM25 negatives without false negatives."""
from collections import Counter

import pytest

from helpers.course.apidocs import TRAIN_LIBRARIES, ApiDoc, load_apidocs
from helpers.search.negatives import false_negative, mine_bm25_negatives, training_pairs, training_rows


def doc(doc_id, summary="A summary.", body="A body.", library="numpy", **links):
    fields = dict(see_also=(), aliases=(), duplicates=(), near_duplicates=())
    fields.update({k: tuple(v) for k, v in links.items()})
    return ApiDoc(doc_id=doc_id, library=library, module=doc_id.rsplit(".", 1)[0], name=doc_id.rsplit(".", 1)[1],
                  kind="function", signature=None, summary=summary, body=body, deprecated=None, **fields)


@pytest.fixture(scope="module")
def train_docs():
    return load_apidocs(TRAIN_LIBRARIES)


def test_training_pairs_refuse_a_held_out_document():
    with pytest.raises(ValueError, match="held-out library 'sklearn'.*sklearn.a.b"):
        training_pairs([doc("numpy.a.b"), doc("sklearn.a.b", library="sklearn")])


def test_training_pairs_keep_one_pair_per_body_and_summary_and_body_not_the_text(train_docs):
    pairs = training_pairs(train_docs)
    assert len(pairs) == len({d.body for d in train_docs})
    assert len({p[2] for p in pairs}) == len(pairs)
    by_id = {d.doc_id: d for d in train_docs}
    assert all(by_id[i].summary == s and by_id[i].body == b and s not in b.split("\n")[:1] for i, s, b in pairs[:50])
    assert pairs == sorted(pairs)


def test_a_sample_is_stratified_by_library_and_repeatable(train_docs):
    pairs = training_pairs(train_docs)
    sample = training_pairs(train_docs, n=300, seed=0)
    assert len(sample) == 300 and set(sample) <= set(pairs) and sample == training_pairs(train_docs, n=300, seed=0)
    library = {d.doc_id: d.library for d in train_docs}
    share = Counter(library[p[0]] for p in pairs)
    got = Counter(library[p[0]] for p in sample)
    assert all(abs(got[lib] - 300 * share[lib] / len(pairs)) < 1 for lib in TRAIN_LIBRARIES)
    assert training_pairs(train_docs, n=300, seed=1) != sample


@pytest.mark.parametrize("n", [0, -1, 10**6, 2.5, True, "10"])
def test_a_bad_sample_size_is_refused(n):
    with pytest.raises(ValueError, match="n must be an int from 1 to 2"):
        training_pairs([doc("numpy.a.b", body="x"), doc("numpy.a.c", body="y")], n=n)


@pytest.mark.parametrize("candidate, reason", [
    (doc("numpy.a.b"), "the document itself"),
    (doc("numpy.a.alias", body="other"), "the document itself"),
    (doc("numpy.a.twin", summary="Other.", body="A body."), "look-alike"),
    (doc("numpy.a.near", summary="Other.", body="Other body.", near_duplicates=["numpy.a.b"]), "look-alike"),
    (doc("numpy.a.linked", summary="Other.", body="Other body."), "See Also"),
    (doc("numpy.a.back", summary="Other.", body="Other body.", see_also=["numpy.a.b"]), "See Also"),
    (doc("numpy.a.same", summary=" a SUMMARY. ", body="Other body."), "same summary"),
    (doc("numpy.a.fine", summary="Other.", body="Other body."), None),
])
def test_false_negative_names_each_reason(candidate, reason):
    query = doc("numpy.a.b", aliases=["numpy.a.alias"], see_also=["numpy.a.linked"])
    assert false_negative(query, candidate) == reason


def test_mined_negatives_are_never_the_gold_or_a_false_negative(train_docs):
    by_id = {d.doc_id: d for d in train_docs}
    pairs = training_pairs([d for d in train_docs if d.module.startswith("numpy.linalg")])
    mined = mine_bm25_negatives(pairs, by_id, k=10)
    assert len(mined.negatives) == len(pairs)
    for pair, neg in zip(pairs, mined.negatives):
        if neg is not None:
            assert neg != pair[0] and false_negative(by_id[pair[0]], by_id[neg]) is None
    assert sum(mined.skipped.values()) > 0 and 0 < mined.hardest_was_false <= len(pairs)
    wider = mine_bm25_negatives(pairs[:20], by_id, k=10, corpus=training_pairs(train_docs))
    assert all(neg is None or false_negative(by_id[p[0]], by_id[neg]) is None for p, neg in zip(pairs, wider.negatives))
    assert any(neg not in {p[0] for p in pairs} for neg in wider.negatives if neg)  # found outside the pairs
    deeper = mine_bm25_negatives(pairs, by_id, k=10, skip=1).negatives
    assert any(a != b for a, b in zip(mined.negatives, deeper) if a and b)


def test_mining_refuses_bad_depths_and_unknown_documents():
    pairs = [("numpy.a.b", "A summary.", "A body.")]
    for k, skip in [(0, 0), (5, 5), (5, -1), (2.0, 0)]:
        with pytest.raises(ValueError, match="need ints"):
            mine_bm25_negatives(pairs, {"numpy.a.b": doc("numpy.a.b")}, k=k, skip=skip)
    with pytest.raises(KeyError, match="no document in docs"):
        mine_bm25_negatives(pairs, {}, k=5)


def test_training_rows_drop_pairs_without_a_negative():
    docs = {"numpy.a.c": doc("numpy.a.c", body="negative body")}
    pairs = [("numpy.a.b", "q1", "d1"), ("numpy.a.d", "q2", "d2")]
    assert training_rows(pairs) == [("q1", "d1"), ("q2", "d2")]
    assert training_rows(pairs, ["numpy.a.c", None], docs) == [("q1", "d1", "negative body")]
    with pytest.raises(ValueError, match="one entry per pair"):
        training_rows(pairs, ["numpy.a.c"], docs)
