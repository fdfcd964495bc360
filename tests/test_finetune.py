"""helpers.encode.finetune: a short real training run lowers the loss; the cache is keyed and whole."""
import json
from dataclasses import replace

import numpy as np
import pytest

from helpers.course.apidocs import load_apidocs
from helpers.encode.finetune import TrainSettings, train, train_cached, training_key
from helpers.encode.models import ModelNotFoundError, read_sentence_config, resolve_model
from helpers.search.negatives import training_pairs, training_rows

TINY = TrainSettings(max_seq_length=32, batch_size=16, epochs=3, seed=0)


@pytest.fixture(scope="module")
def rows():
    return training_rows(training_pairs(load_apidocs(["numpy"]))[100:116])


@pytest.mark.parametrize("field, value", [("batch_size", 1), ("batch_size", 0), ("epochs", 1.5),
                                          ("max_seq_length", True), ("learning_rate", 0), ("loss_scale", -1.0),
                                          ("dropout", 1.0), ("dropout", -0.1)])
def test_bad_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=f"TrainSettings.{field}"):
        replace(TrainSettings(), **{field: value})


@pytest.mark.parametrize("bad", [[], [("q",)], [("q", "d"), ("q", "d", "n")], [("q", "")], [("q", 3)]])
def test_bad_rows_are_refused(bad):
    with pytest.raises(ValueError, match="build them with helpers.search.negatives.training_rows"):
        training_key(bad, TINY)


def test_the_key_changes_with_every_setting_and_text_and_not_otherwise(rows):
    key = training_key(rows, TINY)
    assert key == training_key(list(rows), TINY) and len(key) == 32
    others = [training_key(rows, replace(TINY, **{f: v})) for f, v in
              [("max_seq_length", 33), ("batch_size", 8), ("learning_rate", 1e-5), ("epochs", 2), ("seed", 1),
               ("loss_scale", 10.0), ("dropout", 0.0)]]
    others += [training_key(rows[:-1], TINY), training_key([(rows[0][0] + " ", rows[0][1])] + rows[1:], TINY),
               training_key(rows[1:] + rows[:1], TINY)]
    assert len({key, *others}) == len(others) + 1


def _eval_loss(model, rows):
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    loss = MultipleNegativesRankingLoss(model, scale=TINY.loss_scale)
    model.eval()
    with torch.no_grad():
        features = [model.preprocess([r[i] for r in rows]) for i in range(2)]
        return float(loss(features, None))


def test_a_short_run_lowers_the_loss_and_saves_a_model_the_course_reads(rows, tmp_path):
    from sentence_transformers import SentenceTransformer
    from helpers.encode.embed import TextEncoder

    base = SentenceTransformer(str(resolve_model(TINY.base_model)), device="cpu")
    base.max_seq_length = TINY.max_seq_length
    before = _eval_loss(base, rows)
    losses = train(rows, TINY, tmp_path / "m")
    assert len(losses) == 3 and losses[-1] < losses[0]
    tuned = SentenceTransformer(str(tmp_path / "m"), device="cpu")
    assert _eval_loss(tuned, rows) < before - 0.5  # 2.88 -> 1.61 when measured (docs/design/12_encoder.md)
    assert read_sentence_config(tmp_path / "m").pooling == "mean"
    assert TextEncoder(tmp_path / "m").max_length == 256  # trained on 32-token windows, saved with MiniLM's own
    texts = ["np.linalg.norm of a matrix", "Return the inverse of a matrix."]
    ours = TextEncoder(tmp_path / "m").encode(texts)
    assert np.allclose(ours, tuned.encode(texts, normalize_embeddings=True), atol=1e-6)


def test_train_cached_trains_once_and_resolves_by_id(rows, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    settings = replace(TINY, epochs=1)
    model_id, folder, cached = train_cached(rows, settings)
    assert not cached and model_id == f"finetuned/{training_key(rows, settings)}"
    assert resolve_model(model_id) == folder and folder.parent == tmp_path / "finetuned"
    record = json.loads((folder / "TRAINING.json").read_text())
    assert record["rows"] == len(rows) and len(record["losses"]) == 1
    assert [p.name for p in (tmp_path / "finetuned").iterdir()] == [folder.name]  # no scratch folder left
    assert train_cached(rows, settings) == (model_id, folder, True)


def test_an_unknown_finetuned_id_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="train_cached"):
        resolve_model("finetuned/" + "0" * 32)
