"""Fine-tune a bi-encoder on (query, document) rows, cached by data and settings.

Introduced in notebooks/12_choosing_the_encoder.ipynb. The rows come from helpers.search.negatives
(pairs from the training libraries, BM25-mined negatives). sentence-transformers, datasets and
accelerate are imported inside the functions that train, never at import.
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
from helpers.encode.models import FINETUNED_PREFIX, finetuned_folder, resolve_model
from helpers.encode.packaged import _sha256

KEY_VERSION = "finetune-2"  # 2: saved with the base model's window, not the training one


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


def training_key(rows: Sequence[tuple[str, ...]], settings: TrainSettings) -> str:
    """SHA-256 (first 32 hex digits) of the key version, settings, base model, library versions and every text."""
    import torch

    _check_rows(rows)
    h = hashlib.sha256()
    head = {"key": KEY_VERSION, "settings": asdict(settings), "versions": _versions(),
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


def train_cached(rows: Sequence[tuple[str, ...]], settings: TrainSettings) -> tuple[str, Path, bool]:
    """Train once per (rows, settings) into .cache/models/finetuned/<key>/; return (model_id, folder, was_cached).

    The model_id `finetuned/<key>` loads with TextEncoder or resolve_model in any checkout that shares the
    models folder. The folder appears whole or not at all (trained aside, then renamed, under a lock).
    """
    key = training_key(rows, settings)
    model_id = f"{FINETUNED_PREFIX}{key}"
    if (done := finetuned_folder(model_id)) is not None:
        return model_id, done, True
    root = models_dir() / "finetuned"
    root.mkdir(parents=True, exist_ok=True)
    with locked_folder(root, exclusive=True):
        if (done := finetuned_folder(model_id)) is not None:
            return model_id, done, True
        work = Path(tempfile.mkdtemp(dir=root, prefix=f".{key}.", suffix=".tmp"))
        try:
            losses = train(rows, settings, work / "model")
            record = {"model_id": model_id, "key_version": KEY_VERSION, "settings": asdict(settings),
                      "base": _base_identity(settings.base_model), "versions": _versions(),
                      "rows": len(rows), "columns": len(rows[0]), "losses": losses}
            (work / "model" / "TRAINING.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            final = root / key
            if final.exists():  # an earlier folder without TRAINING.json is damaged: replace it
                shutil.rmtree(final)
            os.replace(work / "model", final)
            return model_id, final, False
        finally:
            shutil.rmtree(work, ignore_errors=True)
