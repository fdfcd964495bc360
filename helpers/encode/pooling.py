"""Pool token embeddings (batch, tokens, dim) into one vector per sentence.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

from typing import Callable

import torch

Pooler = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _check(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    if not isinstance(hidden, torch.Tensor) or not isinstance(mask, torch.Tensor):
        raise TypeError(f"pooling takes two torch tensors (hidden states, attention_mask), got "
                        f"{type(hidden).__name__} and {type(mask).__name__}: torch.as_tensor(x) converts")
    if hidden.ndim != 3 or mask.shape != hidden.shape[:2]:
        raise ValueError(f"expected hidden (batch, tokens, dim) and attention_mask (batch, tokens); "
                         f"got {tuple(hidden.shape)} and {tuple(mask.shape)}")
    return mask.unsqueeze(-1).to(hidden.dtype)


def cls_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The first token's vector ([CLS] for BERT-style models)."""
    _check(hidden, mask)
    return hidden[:, 0]


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the real tokens' vectors: padding is masked out of sum and count."""
    m = _check(hidden, mask)
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)


def max_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-dimension maximum over the real tokens (padding set to -inf first)."""
    m = _check(hidden, mask)
    return hidden.masked_fill(m == 0, float("-inf")).max(dim=1).values


def naive_mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The common bug, kept for teaching: `.mean(dim=1)` averages padding tokens in too."""
    _check(hidden, mask)
    return hidden.mean(dim=1)


POOLERS: dict[str, Pooler] = {"mean": mean_pool, "cls": cls_pool, "max": max_pool}


def get_pooler(pooling: str | Pooler) -> Pooler:
    """Return the pooling function for a name in POOLERS, or a callable unchanged."""
    if callable(pooling):
        return pooling
    if not isinstance(pooling, str) or pooling not in POOLERS:
        raise ValueError(f"pooling must be one of {sorted(POOLERS)} or a function "
                         f"(hidden, attention_mask) -> (batch, dim); got {pooling!r}")
    return POOLERS[pooling]
