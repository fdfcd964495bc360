"""TextEncoder: shapes, order, errors, and the published STS-B figure."""
import numpy as np
import pytest
from scipy.stats import spearmanr

from helpers.course.data import load_stsb
from helpers.encode.embed import TextEncoder

SENTENCES = ["I took my dog for a walk", "I took my cat for a walk",
             "A completely different and rather longer sentence about the stock market today.",
             "Hi"]


def test_shape_dtype_and_unit_norm(encoder):
    X = encoder.encode(SENTENCES)
    assert X.shape == (4, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-6)


def test_input_order_is_kept_despite_length_sorting(encoder):
    together = encoder.encode(SENTENCES, batch_size=2)
    alone = np.vstack([encoder.encode([s]) for s in SENTENCES])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_dog_and_cat_walks_are_close(encoder):
    X = encoder.encode(SENTENCES[:2])
    assert float(X[0] @ X[1]) == pytest.approx(0.8291, abs=1e-3)


def test_empty_list_gives_zero_rows(encoder):
    assert encoder.encode([]).shape == (0, 384)


def test_unnormalised_vectors_are_not_unit(encoder):
    assert not np.allclose(np.linalg.norm(encoder.encode(SENTENCES, normalize=False), axis=1), 1.0)


@pytest.mark.parametrize("bad, error, match", [
    ("just a string", TypeError, "wrap a single sentence"),
    (None, TypeError, "list of strings"),
    (["ok", 3], TypeError, r"texts\[1\] is int"),
    (["ok", None], TypeError, r"texts\[1\] is NoneType"),
    (["ok", "  "], ValueError, r"texts\[1\] is empty"),
    (42, TypeError, "list of strings"),
])
def test_bad_texts_get_clear_errors(encoder, bad, error, match):
    with pytest.raises(error, match=match):
        encoder.encode(bad)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size(encoder, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(SENTENCES, batch_size=batch_size)


def test_long_input_is_truncated_at_the_models_max_length(encoder):
    assert encoder.max_length == 256
    long_text = " ".join(["word"] * 2000)
    with pytest.warns(UserWarning, match="longer than max_length=256"):
        assert encoder.encode([long_text]).shape == (1, 384)


def test_pooling_override_changes_the_vectors(encoder):
    cls = TextEncoder(encoder.model_id, pooling="cls")
    assert cls.pooling == "cls"
    assert not np.allclose(cls.encode(SENTENCES), encoder.encode(SENTENCES))


def test_matches_sentence_transformers(encoder):
    from sentence_transformers import SentenceTransformer
    from helpers.encode.models import resolve_model
    reference = SentenceTransformer(str(resolve_model(encoder.model_id)), device="cpu")
    expected = reference.encode(SENTENCES, normalize_embeddings=True)
    np.testing.assert_allclose(encoder.encode(SENTENCES), expected, atol=1e-5)


def test_stsb_test_spearman_reproduces_published_mteb_figure(encoder):
    """MTEB's published STSBenchmark test cosine Spearman for all-MiniLM-L6-v2 is 0.82032."""
    pairs = load_stsb("test")
    a = encoder.encode(pairs.sentence1.tolist(), batch_size=64)
    b = encoder.encode(pairs.sentence2.tolist(), batch_size=64)
    rho = spearmanr((a * b).sum(axis=1), pairs.score).statistic
    assert rho == pytest.approx(0.82032, abs=0.0005)


def test_token_counts_are_untruncated_and_include_special_tokens(encoder):
    counts = encoder.token_counts(["Hi", " ".join(["word"] * 300)])
    assert counts.tolist() == [3, 302]  # [CLS] hi [SEP]; [CLS] + 300 x word + [SEP]


def test_truncation_warns_once_with_the_count(encoder):
    from helpers.encode.embed import TruncationWarning
    texts = ["short one", " ".join(["word"] * 300), " ".join(["word"] * 254), " ".join(["word"] * 500)]
    with pytest.warns(TruncationWarning) as caught:
        encoder.encode(texts)
    assert len(caught) == 1
    assert "2 of 4 texts are longer than max_length=256 tokens (the longest has 502)" in str(caught[0].message)


def test_no_warning_when_nothing_is_cut(encoder, recwarn):
    encoder.encode(SENTENCES + [" ".join(["word"] * 254)])  # exactly 256 tokens: nothing cut
    assert not [w for w in recwarn if "max_length" in str(w.message)]


@pytest.mark.parametrize("text", ["\u200b\u200b", "\x00\x01\x02", "\ufeff", "\u0301"])
def test_texts_of_special_tokens_only_are_refused_naming_the_index(encoder, text):
    with pytest.raises(ValueError, match=r"texts\[1\] .*special tokens only.*Drop or clean it"):
        encoder.encode(["a dog", text])


def test_texts_of_unknown_tokens_only_warn_once_with_the_count(encoder):
    from helpers.encode.embed import UnknownTokensWarning
    with pytest.warns(UnknownTokensWarning, match=r"2 of 3 texts \(e.g. texts\[1\]") as caught:
        X = encoder.encode(["a dog", "😀😀", "🎉"])
    assert len(caught) == 1
    np.testing.assert_allclose(X[1], X[2], atol=1e-6)  # the reason for the warning: one vector for both
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        encoder.encode(["a dog 😀"])  # an emoji beside words is fine


@pytest.mark.parametrize("bad, error, match", [
    ({"b", "a"}, TypeError, "order is not defined"),
    ({"a": 1}, TypeError, "list\\(d.values\\(\\)\\)"),
    (b"bytes", TypeError, "decode it first"),
    (["ok", "a\ud800b"], ValueError, r"texts\[1\] holds '\\ud800' at position 1, a lone surrogate"),
])
def test_more_bad_texts_get_clear_errors(encoder, bad, error, match):
    with pytest.raises(error, match=match):
        encoder.encode(bad)


@pytest.mark.parametrize("max_length, error, match", [
    (0, ValueError, "positive int"), (-1, ValueError, "positive int"),
    (513, ValueError, "from 1 to 512, the model's max_position_embeddings"),
    (1.5, TypeError, "must be an int"), (True, TypeError, "must be an int"), ("64", TypeError, "must be an int"),
])
def test_max_length_is_validated_against_the_models_positions(encoder, max_length, error, match):
    with pytest.raises(error, match=match):
        TextEncoder(encoder.model_id, max_length=max_length)


def test_max_length_at_the_limit_works_and_numpy_batch_size_is_fine(encoder):
    assert TextEncoder(encoder.model_id, max_length=512).encode(["a dog"], batch_size=np.int64(2)).shape == (1, 384)


def test_bad_pooling_names_the_choices(encoder):
    for pooling in ([1], "avg", 3):
        with pytest.raises(ValueError, match=r"pooling must be one of \['cls', 'max', 'mean'\]"):
            TextEncoder(encoder.model_id, pooling=pooling)


@pytest.mark.parametrize("flag", ["normalize", "sort_by_length", "show_progress"])
def test_flags_must_be_booleans(encoder, flag):
    with pytest.raises(TypeError, match=f"{flag} must be True or False"):
        encoder.encode(["a dog"], **{flag: "no"})
