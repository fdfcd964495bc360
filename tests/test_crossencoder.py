"""helpers.encode.finetune's cross-encoder: labelled pairs from mined rows, a short real run lowers its loss,
trained on the training libraries only, cached by data and settings."""
import json
from dataclasses import replace

import numpy as np
import pytest

from helpers.course.apidocs import EVAL_LIBRARY, load_apidocs
from helpers.encode.finetune import (CrossSettings, TrainSettings, cross_pairs, train_cached, train_cross,
                                     train_cross_cached, training_key)
from helpers.search.negatives import mine_bm25_negatives, training_pairs, training_rows

TINY = CrossSettings(max_length=64, batch_size=8, epochs=4, learning_rate=1e-4, warmup=0.0, seed=0)


@pytest.fixture(scope="module")
def rows():
    docs = load_apidocs(["numpy"])
    by_id = {d.doc_id: d for d in docs}
    pairs = training_pairs(docs)[100:108]
    mined = mine_bm25_negatives(pairs, by_id, k=10, corpus=training_pairs(docs))
    return training_rows(pairs, mined.negatives, by_id)


@pytest.mark.parametrize("field, value", [("max_length", 0), ("batch_size", 1.5), ("epochs", True),
                                          ("learning_rate", 0), ("warmup", 1.0), ("warmup", -0.1)])
def test_bad_cross_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=f"CrossSettings.{field}"):
        replace(CrossSettings(), **{field: value})


def test_cross_pairs_label_each_document_and_its_negative(rows):
    labelled = cross_pairs(rows)
    assert len(labelled) == 2 * len(rows)
    assert labelled[0] == (rows[0][0], rows[0][1], 1.0) and labelled[1] == (rows[0][0], rows[0][2], 0.0)
    with pytest.raises(ValueError, match="right and wrong documents"):
        cross_pairs([(r[0], r[1]) for r in rows])


def test_the_evaluation_library_never_reaches_the_training_rows():
    held_out = load_apidocs([EVAL_LIBRARY])[:3]
    with pytest.raises(ValueError, match="held-out library"):
        training_pairs(load_apidocs(["numpy"])[:50] + held_out)


def _bce(folder_or_model, rows):
    import torch
    from sentence_transformers import CrossEncoder

    model = folder_or_model if not isinstance(folder_or_model, str) else CrossEncoder(folder_or_model, device="cpu")
    labelled = cross_pairs(rows)
    logits = model.predict([(q, d) for q, d, _ in labelled], activation_fn=torch.nn.Identity(),
                           show_progress_bar=False)
    labels = np.array([y for *_, y in labelled])
    return float(np.mean(np.logaddexp(0, logits) - labels * logits))   # binary cross-entropy on the logits


def test_a_short_run_lowers_the_loss_and_saves_a_cross_encoder(rows, tmp_path):
    from sentence_transformers import CrossEncoder
    from transformers import set_seed

    from helpers.encode.models import resolve_model

    set_seed(TINY.seed)   # the same new head train_cross starts from
    before = _bce(CrossEncoder(str(resolve_model(TINY.base_model)), num_labels=1, max_length=TINY.max_length,
                               device="cpu"), rows)
    losses = train_cross(rows, TINY, tmp_path / "ce")
    assert len(losses) == 8 and np.mean(losses[-2:]) < np.mean(losses[:2])
    after = _bce(str(tmp_path / "ce"), rows)
    assert after < before - 0.03, (before, after)   # 0.693 (a new head: logit 0, ln 2) -> 0.631 when measured
    assert CrossEncoder(str(tmp_path / "ce"), device="cpu").max_length == TINY.max_length


def test_train_cross_cached_trains_once_and_keys_apart_from_the_bi_encoder(rows, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    settings = replace(TINY, epochs=1)
    model_id, folder, cached = train_cross_cached(rows, settings)
    assert not cached and model_id == f"crossencoder/{training_key(rows, settings)}"
    assert folder.parent == tmp_path / "crossencoder"
    record = json.loads((folder / "TRAINING.json").read_text())
    assert record["key_version"] == "cross-1" and record["rows"] == len(rows) and len(record["losses"]) == 2
    assert [p.name for p in (tmp_path / "crossencoder").iterdir()] == [folder.name]
    assert train_cross_cached(rows, settings) == (model_id, folder, True)
    assert training_key(rows, settings) != training_key(rows, TrainSettings())
    with pytest.raises(TypeError, match="CrossSettings"):
        train_cross_cached(rows, TrainSettings())
    with pytest.raises(TypeError, match="train_cross_cached"):
        train_cached(rows, settings)
