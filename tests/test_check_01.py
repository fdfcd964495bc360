"""helpers.exercises.nb01: each check accepts a right answer found another way and explains a wrong one."""
import numpy as np
import pandas as pd

from helpers.exercises import nb01 as check


def test_verdict_is_truthy_and_shows_nothing_more():
    from helpers.exercises._verdict import _report
    verdict = _report(True, "fine")
    assert verdict and repr(verdict) == "Correct: fine"
    assert verdict._ipython_display_() is None


def test_stsb_dot_and_length_accepts_torch_float64_and_pandas_ranks(encoder, capsys):
    """Solved another way than the notebook: torch in float64 for the products and lengths, Spearman as
    the Pearson correlation of pandas ranks, token counts from the tokenizer's own input_ids."""
    import torch

    from helpers.course.data import load_stsb
    from helpers.encode.cache import cached_encode
    pairs = load_stsb("test")
    a = torch.from_numpy(cached_encode(encoder, pairs.sentence1.tolist(), normalize=False)).double()
    b = torch.from_numpy(cached_encode(encoder, pairs.sentence2.tolist(), normalize=False)).double()
    human = pairs.score.rank()
    dot = pd.Series((a * b).sum(dim=1).numpy()).rank().corr(human)
    length = pd.Series((a.norm(dim=1) * b.norm(dim=1)).numpy()).rank().corr(human)
    texts = pairs.sentence1.tolist() + pairs.sentence2.tolist()
    counts = pd.Series([len(ids) for ids in encoder.tokenizer(texts)["input_ids"]], dtype=float)
    token = pd.Series(torch.cat([a, b]).norm(dim=1).numpy()).rank().corr(counts.rank())
    assert check.stsb_dot_and_length(dot, length, token)
    out = capsys.readouterr().out
    assert out.startswith("Correct: the dot product scores") and "token count" in out
    assert "shorter" not in out and "noise" not in out        # the follow-up's answer is not given away
    assert not check.stsb_dot_and_length(0.8203, length, token)          # the cosine's figure
    assert "cosine's Spearman" in capsys.readouterr().out
    assert not check.stsb_dot_and_length(dot, -length, token)
    assert "length_spearman" in capsys.readouterr().out
    assert not check.stsb_dot_and_length(dot, length, -token)
    assert "token_spearman" in capsys.readouterr().out
    assert not check.stsb_dot_and_length(dot, length, float("nan"))     # unit vectors: all lengths 1
    assert "normalize=False" in capsys.readouterr().out
    assert not check.stsb_dot_and_length([1.0, 2.0], length, token)
    assert "three numbers" in capsys.readouterr().out


def test_dot_and_length_from_names_a_one_sided_length(capsys):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)) * rng.uniform(0.5, 3, (50, 1)), rng.normal(size=(50, 4))
    human = rng.uniform(0, 5, 50)
    from scipy.stats import spearmanr
    dot = spearmanr((a * b).sum(axis=1), human).statistic
    one_side = spearmanr(np.linalg.norm(a, axis=1), human).statistic
    tokens = rng.integers(5, 30, 100)
    token = spearmanr(np.linalg.norm(np.vstack([a, b]), axis=1), tokens).statistic
    assert not check.dot_and_length_from(dot, one_side, token, a, b, human, tokens)
    assert "one side's length" in capsys.readouterr().out
    both = spearmanr(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), human).statistic
    assert check.dot_and_length_from(dot, both, token, a, b, human, tokens)
    assert capsys.readouterr().out.startswith("Correct: ")


def _scores():
    """Six pairs: CLS cosines on a compressed scale (as real CLS cosines are), human scores 0-5."""
    human = np.array([0.5, 1.0, 2.0, 3.0, 4.0, 5.0])
    mean = np.array([0.10, 0.30, 0.45, 0.60, 0.80, 0.95])
    cls = np.array([0.905, 0.93, 0.99, 0.94, 0.95, 0.96])   # pair 2: CLS ranks it top, mean ranks it third
    return mean, cls, human


def test_pooling_disagreement_accepts_pandas_ranks(capsys):
    mean, cls, human = _scores()
    # found another way than the check: pandas percentile ranks, and a loop for the closer pooling
    frame = pd.DataFrame({"mean": mean, "cls": cls, "human": human}).rank(pct=True)
    pair = int((frame["mean"] - frame["cls"]).abs().idxmax())
    gaps = {p: abs(frame.loc[pair, p] - frame.loc[pair, "human"]) for p in ("mean", "cls")}
    closer = min(gaps, key=gaps.get)
    assert (pair, closer) == (2, "mean")
    assert check.pooling_disagreement_from(pair, closer, mean, cls, human)
    assert capsys.readouterr().out.startswith("Correct: pair 2")


def test_pooling_disagreement_explains_raw_cosines_and_the_wrong_pooling(capsys):
    mean, cls, human = _scores()
    raw = int(np.argmax(np.abs(mean - cls)))
    assert raw != 2
    assert not check.pooling_disagreement_from(raw, "mean", mean, cls, human)
    assert "another scale" in capsys.readouterr().out
    assert not check.pooling_disagreement_from(2, "cls", mean, cls, human)
    assert "mean is nearer the human one" in capsys.readouterr().out
    assert not check.pooling_disagreement_from(2, "max", mean, cls, human)
    assert "'mean' or 'cls'" in capsys.readouterr().out
    assert not check.pooling_disagreement_from(2.0, "mean", mean, cls, human)
    assert "integer" in capsys.readouterr().out


def test_pooling_disagreement_on_stsb(capsys):
    """The real exercise: computed here with a plain loop over the pairs, not the notebook's solution."""
    from helpers.course.data import load_stsb
    from helpers.encode.cache import cached_encode
    from helpers.encode.embed import TextEncoder
    pairs = load_stsb("test")
    cos = {}
    for pooling in ("mean", "cls"):
        enc = TextEncoder(pooling=pooling)
        a, b = cached_encode(enc, pairs.sentence1.tolist()), cached_encode(enc, pairs.sentence2.tolist())
        cos[pooling] = np.array([float(x @ y) for x, y in zip(a, b)])
    ranks = pd.DataFrame({**cos, "human": pairs.score.to_numpy()}).rank(pct=True)
    pair = int((ranks["mean"] - ranks["cls"]).abs().idxmax())
    closer = "mean" if abs(ranks["mean"][pair] - ranks["human"][pair]) <= abs(ranks["cls"][pair] - ranks["human"][pair]) else "cls"
    assert check.pooling_disagreement(pair, closer, pairs)
    assert not check.pooling_disagreement(pair, "cls" if closer == "mean" else "mean", pairs)
