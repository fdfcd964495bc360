"""TextEncoder: sentences in, one L2-normalised float32 vector per sentence out.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Set
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from helpers.encode.models import DEFAULT_TEXT_MODEL, load_text_model, resolve_model
from helpers.encode.onnx_backend import OnnxModel, build_onnx_model, check_backend
from helpers.encode.pooling import Pooler, get_pooler


def check_texts(texts: Sequence[str]) -> list[str]:
    """Return `texts` as a list, or raise a clear error for a string, non-strings or empty strings."""
    if isinstance(texts, str):
        raise TypeError("encode() takes a list of strings; wrap a single sentence: encode([text])")
    if isinstance(texts, (bytes, Mapping, Set)):
        raise TypeError(f"encode() takes a list of strings, got a {type(texts).__name__}: "
                        + ("decode it first: [data.decode('utf-8')]" if isinstance(texts, bytes) else
                           "its order is not defined, so rows would not match; pass a list, e.g. sorted(texts)"
                           if isinstance(texts, Set) else "pass list(d.values()) or list(d) explicitly"))
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
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(f"texts[{i}] holds {text[err.start]!r} at position {err.start}, a lone surrogate "
                             "that is not valid Unicode (a badly decoded file?): read the file with "
                             "encoding='utf-8', errors='replace', or clean the text") from None
    return texts


class UnknownTokensWarning(UserWarning):
    """Some texts tokenized to [UNK] only (e.g. emoji for a vocabulary without them): they share one vector."""


def check_max_length(max_length: Any, limit: int | None = None) -> int:
    """`max_length` as an int in 1..limit (the model's position embeddings), or a clear error."""
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise TypeError(f"max_length must be an int (tokens per text) or None, got {max_length!r}")
    if max_length < 1:
        raise ValueError(f"max_length must be a positive int (tokens per text), got {max_length}: pass "
                         "max_length=None for the model's own setting")
    if limit is not None and max_length > limit:
        raise ValueError(f"max_length must be from 1 to {limit}, the model's max_position_embeddings (it has no "
                         f"position beyond), got {max_length}: pass max_length=None for the model's own setting")
    return int(max_length)


class TruncationWarning(UserWarning):
    """Some texts were longer than the encoder's max_length: only their first tokens were encoded."""


class TextEncoder:
    """A Hugging Face encoder plus the pooling its config names; `encode` gives sentence vectors."""

    def __init__(self, model_id: str | os.PathLike = DEFAULT_TEXT_MODEL, pooling: str | Pooler | None = None,
                 max_length: int | None = None, allow_download: bool | None = None,
                 backend: str = "torch", quantize: str | None = None):
        if max_length is not None:
            check_max_length(max_length)  # the type, before a slow load; the range below
        self.model_id = str(model_id)
        self.tokenizer, self.model, self.config = load_text_model(model_id, allow_download=allow_download)
        self.pooling = pooling if pooling is not None else self.config.pooling
        self.pooler = get_pooler(self.pooling)
        # the positions the model has; RoBERTa-style models reserve two, which their tokenizer's limit reflects
        limit = min(int(getattr(self.model.config, "max_position_embeddings", 0) or 10**9),
                    int(self.tokenizer.model_max_length) if self.tokenizer.model_max_length < 10**6 else 10**9)
        if max_length is not None:
            max_length = check_max_length(max_length, limit)
        self.max_length = min(max_length or self.config.max_seq_length or self.tokenizer.model_max_length, limit)
        self.dim = int(self.model.config.hidden_size)
        # --- ONNX Runtime backend (notebook 09; helpers.encode.onnx_backend): only the model call changes ---
        self.backend, self.quantize = check_backend(backend, quantize)
        self.onnx = None if backend == "torch" else OnnxModel(build_onnx_model(
            resolve_model(model_id, allow_download=allow_download), self.model, self.tokenizer, quantize))
        # --- end ONNX Runtime backend ---

    def __repr__(self) -> str:
        pooling = getattr(self.pooling, "__name__", self.pooling)
        onnx = "" if self.onnx is None else f", backend='onnx', quantize={self.quantize!r}"  # notebook 09
        return f"TextEncoder({self.model_id!r}, pooling={pooling!r}, max_length={self.max_length}, dim={self.dim}{onnx})"

    def token_counts(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text, special tokens included, before any truncation (what max_length cuts)."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0, dtype=np.int64)
        ids = self.tokenizer(texts, truncation=False, verbose=False)["input_ids"]
        return np.array([len(x) for x in ids], dtype=np.int64)

    def warn_if_truncated(self, texts: list[str], ids: list[list[int]] | None = None, stacklevel: int = 3) -> int:
        """Warn once (TruncationWarning, with the count) if any text exceeds max_length; return the count.

        `ids` are the texts' token ids tokenized with truncation at max_length, if already at hand:
        only texts that reach exactly max_length tokens can have been cut, so only those are re-counted.
        """
        if ids is None:
            ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        at_limit = [i for i, x in enumerate(ids) if len(x) >= self.max_length]
        counts = self.token_counts([texts[i] for i in at_limit]) if at_limit else np.zeros(0, np.int64)
        cut = counts[counts > self.max_length]
        if len(cut):
            warnings.warn(
                f"{len(cut):,} of {len(texts):,} texts are longer than max_length={self.max_length} tokens "
                f"(the longest has {int(cut.max()):,}); only their first {self.max_length} tokens were encoded. "
                "Split long texts into overlapping windows (notebook 07) or check the shares with "
                "encoder.token_counts(texts).", TruncationWarning, stacklevel=stacklevel)
        return int(len(cut))

    def check_tokens(self, texts: list[str], ids: list[list[int]], stacklevel: int = 3) -> None:
        """Refuse texts that tokenize to special tokens only; warn (once) on texts that are only [UNK].

        Both would get one identical vector whatever they say: zero-width spaces and control
        characters vanish in tokenization, and every emoji is the same [UNK] to a BERT vocabulary.
        """
        unk = self.tokenizer.unk_token_id
        special = set(self.tokenizer.all_special_ids) - {unk}
        unknown = []
        for i, row in enumerate(ids):
            content = [t for t in row if t not in special]
            if not content:
                raise ValueError(f"texts[{i}] ({texts[i]!r:.40}) has no token the model knows: it tokenizes to "
                                 "special tokens only (zero-width spaces, control characters...), so it would "
                                 "get the same vector as any other such text. Drop or clean it first")
            if unk is not None and all(t == unk for t in content):
                unknown.append(i)
        if unknown:
            warnings.warn(f"{len(unknown):,} of {len(texts):,} texts (e.g. texts[{unknown[0]}] = "
                          f"{texts[unknown[0]]!r:.40}) are unknown tokens ([UNK]) only, e.g. emoji for this "
                          "vocabulary: they all get one identical vector. Describe them in words (e.g. "
                          "emoji.demojize) or drop them", UnknownTokensWarning, stacklevel=stacklevel)

    def checked_ids(self, texts: list[str], stacklevel: int = 2) -> list[list[int]]:
        """Token ids cut at max_length, after the TruncationWarning and token checks that encoding gives.

        `stacklevel` counts from the caller of this method, as warnings.warn does from its caller.
        """
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        self.warn_if_truncated(texts, ids, stacklevel=stacklevel + 1)
        self.check_tokens(texts, ids, stacklevel=stacklevel + 1)
        return ids

    def batches(self, texts: list[str], batch_size: int, sort_by_length: bool = True
                ) -> Iterator[tuple[np.ndarray, dict, torch.Tensor]]:
        """Yield (input positions, padded batch, last_hidden_state), shortest sentences first."""
        ids = self.checked_ids(texts, stacklevel=4)  # warnings point at the caller of encode()
        order = np.argsort([len(x) for x in ids], kind="stable") if sort_by_length else np.arange(len(ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            batch = self.tokenizer.pad({"input_ids": [ids[i] for i in rows]}, return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state if self.onnx is None else self.onnx(batch)
            yield rows, batch, hidden

    def encode(self, texts: Sequence[str], batch_size: int = 32, normalize: bool = True,
               show_progress: bool = False, sort_by_length: bool = True) -> np.ndarray:
        """Encode `texts` to a (len(texts), dim) float32 array, in input order."""
        texts = check_texts(texts)
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int such as 32, got {batch_size!r}")
        batch_size = int(batch_size)
        flags = {"normalize": normalize, "show_progress": show_progress, "sort_by_length": sort_by_length}
        for name, flag in flags.items():
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
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
