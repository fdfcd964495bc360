"""Fine-tune a bi-encoder, or train a cross-encoder, on (query, document) rows, cached by data and settings.

Introduced in notebooks/12_choosing_the_encoder.ipynb (the bi-encoder: `train`, `train_cached`); notebook
13 (not written yet, issue 27) is to train a cross-encoder from the same base weights and rows (`train_cross`, `train_cross_cached`). The
rows come from helpers.search.negatives (pairs from the training libraries, BM25-mined negatives).
sentence-transformers, datasets and accelerate are imported inside the functions that train, never at import.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from helpers.course.files import locked_folder
from helpers.course.paths import models_dir
from helpers.encode.models import FINETUNED_PREFIX, resolve_model
from helpers.encode.packaged import _sha256

KEY_VERSION = "finetune-2"  # 2: saved with the base model's window, not the training one
CROSS_KEY_VERSION = "cross-1"


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides the trained weights besides the data (the cache key hashes all of it)."""

    base_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    max_seq_length: int = 128
    batch_size: int = 32
    learning_rate: float = 3e-5
    epochs: int = 1
    seed: int = 0
    loss_scale: float = 20.0       # MultipleNegativesRankingLoss's scale: 1 / temperature
    dropout: float | None = None   # None keeps the model's own (0.1 for MiniLM)

    def __post_init__(self) -> None:
        for name in ("max_seq_length", "batch_size", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"TrainSettings.{name} must be a positive int, got {value!r}")
        if self.batch_size < 2:
            raise ValueError("TrainSettings.batch_size must be at least 2: in-batch negatives need a second pair")
        for name in ("learning_rate", "loss_scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise ValueError(f"TrainSettings.{name} must be a positive number, got {value!r}")
        if self.dropout is not None and not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
            raise ValueError(f"TrainSettings.dropout must be None or in [0, 1), got {self.dropout!r}")


def _check_rows(rows: Sequence[tuple[str, ...]]) -> None:
    widths = {len(r) for r in rows}
    if not rows or len(widths) != 1 or widths.pop() not in (2, 3) or \
            not all(isinstance(t, str) and t.strip() for r in rows for t in r):
        raise ValueError("rows must be a non-empty list of (query, document) or (query, document, negative) "
                         "tuples of non-empty strings, all the same width: build them with helpers.search.negatives.training_rows()")


def _versions() -> dict[str, str]:
    from importlib.metadata import version
    return {p: version(p) for p in ("sentence-transformers", "transformers", "torch", "accelerate")}


def training_key(rows: Sequence[tuple[str, ...]], settings: "TrainSettings | CrossSettings") -> str:
    """SHA-256 (first 32 hex digits) of the key version, settings, base model, library versions and every text."""
    import torch

    _check_rows(rows)
    h = hashlib.sha256()
    version = CROSS_KEY_VERSION if isinstance(settings, CrossSettings) else KEY_VERSION
    head = {"key": version, "settings": asdict(settings), "versions": _versions(),
            "base": _base_identity(settings.base_model), "threads": torch.get_num_threads()}
    h.update(json.dumps(head, sort_keys=True).encode())
    for row in rows:
        for text in row:
            data = text.encode("utf-8")
            h.update(len(data).to_bytes(8, "little") + data)
        h.update(b"\x00")
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=8)
def _weights_sha256(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a weights file, once per (path, size, mtime): a key and its record hash it only once."""
    return _sha256(path)


def _base_identity(model_id: str) -> str:
    """What the base weights are: the file of the resolved folder's weights, by size and SHA-256."""
    folder = resolve_model(model_id)
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"{folder} holds no model.safetensors: the course fine-tunes only safetensors models")
    stat = weights.stat()
    return f"{model_id} {stat.st_size} {_weights_sha256(weights, stat.st_size, stat.st_mtime_ns)}"


def train(rows: Sequence[tuple[str, ...]], settings: TrainSettings, out: str | os.PathLike) -> list[float]:
    """Train with MultipleNegativesRankingLoss, quietly, save to `out`; return the loss of every step.

    Trains on windows of settings.max_seq_length tokens and saves the model with the base model's own
    window, so that it reads as much of a document as the model it is compared with.
    """
    from datasets import Dataset
    from sentence_transformers import (SentenceTransformer, SentenceTransformerTrainer,
                                       SentenceTransformerTrainingArguments)
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers.trainer_callback import PrinterCallback
    import torch

    _check_rows(rows)
    model = SentenceTransformer(str(resolve_model(settings.base_model)), device="cpu")
    served = model.max_seq_length  # the window the base model is used with (256 for MiniLM)
    model.max_seq_length = settings.max_seq_length
    if settings.dropout is not None:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = settings.dropout
    model.model_card_data.widget = [{"text": rows[0][0]}]  # else the card draws examples with `random`, with a bar
    columns = ("anchor", "positive", "negative")[:len(rows[0])]
    data = Dataset.from_dict({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    with tempfile.TemporaryDirectory() as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch, per_device_train_batch_size=settings.batch_size, num_train_epochs=settings.epochs,
            learning_rate=settings.learning_rate, warmup_steps=0, seed=settings.seed,
            batch_sampler=BatchSamplers.NO_DUPLICATES, use_cpu=True, report_to="none", save_strategy="no",
            logging_steps=1, disable_tqdm=True, dataloader_num_workers=0)
        loss = MultipleNegativesRankingLoss(model, scale=settings.loss_scale)
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data, loss=loss)
        trainer.remove_callback(PrinterCallback)  # else every log line is printed, a timing among them
        trainer.train()
    model.max_seq_length = served  # trained on short windows, used with the base's, as MiniLM itself was
    model.save(str(out))
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def _cached(rows, settings, kind: str, trainer) -> tuple[str, Path, bool]:
    """Train once per (rows, settings) into .cache/models/<kind>/<key>/ with TRAINING.json beside the weights."""
    key = training_key(rows, settings)
    model_id = f"{kind}/{key}"
    root = models_dir() / kind
    done = lambda: root / key if (root / key / "TRAINING.json").is_file() and (root / key / "config.json").is_file() \
        else None  # noqa: E731
    if (found := done()) is not None:
        return model_id, found, True
    root.mkdir(parents=True, exist_ok=True)
    with locked_folder(root, exclusive=True):
        if (found := done()) is not None:
            return model_id, found, True
        work = Path(tempfile.mkdtemp(dir=root, prefix=f".{key}.", suffix=".tmp"))
        try:
            losses = trainer(rows, settings, work / "model")
            record = {"model_id": model_id,
                      "key_version": CROSS_KEY_VERSION if isinstance(settings, CrossSettings) else KEY_VERSION,
                      "settings": asdict(settings), "base": _base_identity(settings.base_model),
                      "versions": _versions(), "rows": len(rows), "columns": len(rows[0]), "losses": losses}
            (work / "model" / "TRAINING.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            final = root / key
            if final.exists():  # an earlier folder without TRAINING.json is damaged: replace it
                shutil.rmtree(final)
            os.replace(work / "model", final)
            return model_id, final, False
        finally:
            shutil.rmtree(work, ignore_errors=True)


def train_cached(rows: Sequence[tuple[str, ...]], settings: TrainSettings) -> tuple[str, Path, bool]:
    """Train once per (rows, settings) into .cache/models/finetuned/<key>/; return (model_id, folder, was_cached).

    The model_id `finetuned/<key>` loads with TextEncoder or resolve_model in any checkout that shares the
    models folder. The folder appears whole or not at all (trained aside, then renamed, under a lock).
    """
    if not isinstance(settings, TrainSettings):
        raise TypeError(f"train_cached trains a bi-encoder and takes TrainSettings, got {type(settings).__name__}: "
                        "for a cross-encoder call train_cross_cached(rows, CrossSettings())")
    return _cached(rows, settings, FINETUNED_PREFIX.rstrip("/"), train)


@dataclass(frozen=True)
class CrossSettings:
    """What decides a cross-encoder's trained weights besides the data (the cache key hashes all of it)."""

    base_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    max_length: int = 256          # query and document together, [CLS] and two [SEP] included
    batch_size: int = 32
    learning_rate: float = 5e-5
    epochs: int = 1
    warmup: float = 0.1            # share of the steps over which the learning rate rises from 0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("max_length", "batch_size", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"CrossSettings.{name} must be a positive int, got {value!r}")
        if isinstance(self.learning_rate, bool) or not isinstance(self.learning_rate, (int, float)) \
                or not 0 < self.learning_rate < float("inf"):
            raise ValueError(f"CrossSettings.learning_rate must be a positive number, got {self.learning_rate!r}")
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, (int, float)) or not 0 <= self.warmup < 1:
            raise ValueError(f"CrossSettings.warmup must be a share of the steps in [0, 1), got {self.warmup!r}")


def cross_pairs(rows: Sequence[tuple[str, ...]]) -> list[tuple[str, str, float]]:
    """(query, document, label) for a cross-encoder: 1.0 for each row's document, 0.0 for its negative."""
    _check_rows(rows)
    if len(rows[0]) != 3:
        raise ValueError("a cross-encoder learns from right and wrong documents: pass (query, document, negative) "
                         "rows, from helpers.search.negatives.training_rows(pairs, negatives, docs)")
    return [pair for q, pos, neg in rows for pair in ((q, pos, 1.0), (q, neg, 0.0))]


def train_cross(rows: Sequence[tuple[str, ...]], settings: CrossSettings, out: str | os.PathLike) -> list[float]:
    """Train a CrossEncoder (one logit) from the base weights with BinaryCrossEntropyLoss on cross_pairs(rows),
    quietly, save it to `out`; return the loss of every step. The head is new (seeded by settings.seed)."""
    from datasets import Dataset
    from sentence_transformers import CrossEncoder
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from transformers import set_seed
    from transformers.trainer_callback import PrinterCallback

    labelled = cross_pairs(rows)
    set_seed(settings.seed)  # the new classification head's initial weights
    model = CrossEncoder(str(resolve_model(settings.base_model)), num_labels=1, max_length=settings.max_length,
                         device="cpu")
    data = Dataset.from_dict({"query": [r[0] for r in labelled], "document": [r[1] for r in labelled],
                              "label": [r[2] for r in labelled]})
    with tempfile.TemporaryDirectory() as scratch:
        args = CrossEncoderTrainingArguments(
            output_dir=scratch, per_device_train_batch_size=settings.batch_size, num_train_epochs=settings.epochs,
            learning_rate=settings.learning_rate, warmup_steps=settings.warmup, seed=settings.seed, use_cpu=True,
            report_to="none", save_strategy="no", logging_steps=1, disable_tqdm=True, dataloader_num_workers=0)
        trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=data, loss=BinaryCrossEntropyLoss(model))
        trainer.remove_callback(PrinterCallback)  # else every log line is printed, a timing among them
        trainer.train()
    model.save(str(out))
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def train_cross_cached(rows: Sequence[tuple[str, ...]], settings: CrossSettings) -> tuple[str, Path, bool]:
    """train_cross once per (rows, settings) into .cache/models/crossencoder/<key>/; return (id, folder, was_cached).

    Load the folder with sentence_transformers.CrossEncoder(str(folder)).
    """
    if not isinstance(settings, CrossSettings):
        raise TypeError(f"train_cross_cached takes CrossSettings, got {type(settings).__name__}")
    return _cached(rows, settings, "crossencoder", train_cross)
