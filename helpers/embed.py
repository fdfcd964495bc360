"""TextEncoder: sentences in, one L2-normalised float32 vector per sentence out.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

import os
from typing import Iterator, Sequence

import numpy as np
import torch

from helpers.models import DEFAULT_TEXT_MODEL, load_text_model
from helpers.pooling import Pooler, get_pooler


def check_texts(texts: Sequence[str]) -> list[str]:
    """Return `texts` as a list, or raise a clear error for a string, non-strings or empty strings."""
    if isinstance(texts, str):
        raise TypeError("encode() takes a list of strings; wrap a single sentence: encode([text])")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"encode() takes a list of strings, got {type(texts).__name__}") from None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__} ({text!r:.40}); every item must be "
                            "a str: convert or drop it first")
        if not text.strip():
            raise ValueError(f"texts[{i}] is empty or only whitespace; an empty sentence has no "
                             "meaning to embed: drop it or replace it before encoding")
    return texts


class TextEncoder:
    """A Hugging Face encoder plus the pooling it was trained with; `encode` gives sentence vectors."""

    def __init__(self, model_id: str | os.PathLike = DEFAULT_TEXT_MODEL, pooling: str | Pooler | None = None,
                 max_length: int | None = None, allow_download: bool | None = None):
        self.model_id = str(model_id)
        self.tokenizer, self.model, self.config = load_text_model(model_id, allow_download=allow_download)
        self.pooling = pooling if pooling is not None else self.config.pooling
        self.pooler = get_pooler(self.pooling)
        self.max_length = max_length or self.config.max_seq_length or self.tokenizer.model_max_length
        self.dim = int(self.model.config.hidden_size)

    def __repr__(self) -> str:
        pooling = getattr(self.pooling, "__name__", self.pooling)
        return f"TextEncoder({self.model_id!r}, pooling={pooling!r}, max_length={self.max_length}, dim={self.dim})"

    def batches(self, texts: list[str], batch_size: int, sort_by_length: bool = True
                ) -> Iterator[tuple[np.ndarray, dict, torch.Tensor]]:
        """Yield (input positions, padded batch, last_hidden_state), shortest sentences first."""
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        order = np.argsort([len(x) for x in ids], kind="stable") if sort_by_length else np.arange(len(ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            batch = self.tokenizer.pad({"input_ids": [ids[i] for i in rows]}, return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            yield rows, batch, hidden

    def encode(self, texts: Sequence[str], batch_size: int = 32, normalize: bool = True,
               show_progress: bool = False, sort_by_length: bool = True) -> np.ndarray:
        """Encode `texts` to a (len(texts), dim) float32 array, in input order."""
        texts = check_texts(texts)
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        steps = self.batches(texts, batch_size, sort_by_length)
        if show_progress:
            from tqdm.auto import tqdm
            steps = tqdm(steps, total=-(-len(texts) // batch_size), desc="encode", unit="batch")
        for rows, batch, hidden in steps:
            pooled = self.pooler(hidden, batch["attention_mask"])
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out[rows] = pooled.float().numpy()
        return out
