"""Text-and-image encoders behind one interface: texts and images become unit vectors in one space.

    enc = load_image_text_encoder("course-offline")               # runs anywhere, no download
    enc = load_image_text_encoder("openai/clip-vit-base-patch32") # CLIP via transformers, if available
    T = enc.encode_text(["a dog on a beach"])                     # float32, L2-normalised, (n, d)
    I = enc.encode_images(list_of_pil_images)                     # same space, same d

Introduced in notebooks/06_multimodal_search.ipynb.
"""
from __future__ import annotations

import hashlib
import os
from typing import Protocol, Sequence

import numpy as np
import torch
from PIL import Image

from helpers.encode.conse import ConSEEncoder, check_batch_size, check_images, check_text_list
from helpers.encode.models import ModelNotFoundError, resolve_model

OFFLINE_ENCODER = "course-offline"  # ConSE: EfficientNet-Lite0 classes mixed in all-MiniLM-L6-v2's space
RANDOM_ENCODER = "random"  # random unit vectors: the floor any real encoder must beat
CLIP_MODEL = "openai/clip-vit-base-patch32"


class ImageTextEncoder(Protocol):
    """What every encoder here offers: a name, a dimension and two encode methods into one space."""

    name: str
    dim: int

    def encode_text(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def encode_images(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray: ...


def _check_batch_size(batch_size: int) -> None:
    check_batch_size(batch_size)


class ClipEncoder:
    """A CLIP-style model from transformers: get_text_features / get_image_features, L2-normalised."""

    def __init__(self, model_id: str | os.PathLike = CLIP_MODEL, *, allow_download: bool | None = None):
        from transformers import AutoModel, AutoProcessor
        from transformers.utils import logging as hf_logging

        try:
            folder = resolve_model(model_id, allow_download=allow_download)
        except ModelNotFoundError as err:
            raise ModelNotFoundError(f"{err} The offline encoder needs no download: "
                                     f"load_image_text_encoder({OFFLINE_ENCODER!r}).") from None
        hf_logging.disable_progress_bar()  # its speed figure changes every run (STACK-NOTES)
        self.name = str(model_id)
        self.processor = AutoProcessor.from_pretrained(folder)
        self.model = AutoModel.from_pretrained(folder).eval()
        if not all(hasattr(self.model, f) for f in ("get_text_features", "get_image_features")):
            raise ValueError(f"{model_id} loads as {type(self.model).__name__}, which has no "
                             "get_text_features/get_image_features: pass a CLIP-style model")
        self.dim = int(self.model.config.projection_dim)

    def __repr__(self) -> str:
        return f"ClipEncoder({self.name!r}, dim={self.dim})"

    @property
    def logit_scale(self) -> float:
        """exp(learned log-scale): CLIP multiplies cosines by it before its softmax (100 for OpenAI's)."""
        return float(self.model.logit_scale.detach().exp())

    def _features(self, method: str, inputs: dict) -> torch.Tensor:
        with torch.inference_mode():
            out = getattr(self.model, method)(**inputs)
        out = out if isinstance(out, torch.Tensor) else out.pooler_output  # transformers 5 returns an output
        return torch.nn.functional.normalize(out.float(), dim=-1)

    def encode_text(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Texts to (n, dim) float32 unit vectors."""
        texts = check_text_list(texts)
        _check_batch_size(batch_size)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            inputs = self.processor(text=texts[start:start + batch_size], padding=True, truncation=True,
                                    return_tensors="pt")
            inputs = {k: v for k, v in inputs.items() if k in ("input_ids", "attention_mask")}
            out[start:start + batch_size] = self._features("get_text_features", inputs).numpy()
        return out

    def encode_images(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray:
        """PIL images to (n, dim) float32 unit vectors in the same space as encode_text."""
        images = check_images(images)
        _check_batch_size(batch_size)
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        for start in range(0, len(images), batch_size):
            inputs = self.processor(images=images[start:start + batch_size], return_tensors="pt")
            out[start:start + batch_size] = self._features(
                "get_image_features", {"pixel_values": inputs["pixel_values"]}).numpy()
        return out


class RandomEncoder:
    """Random unit vectors, the same for the same input (seeded by its content): the recall floor."""

    def __init__(self, dim: int = 384, seed: int = 0):
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive int such as 384, got {dim!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise ValueError(f"seed must be an int >= 0, got {seed!r}")
        self.name, self.dim, self.seed = RANDOM_ENCODER, dim, seed

    def __repr__(self) -> str:
        return f"RandomEncoder(dim={self.dim}, seed={self.seed})"

    def _vector(self, content: bytes) -> np.ndarray:
        digest = hashlib.sha256(self.seed.to_bytes(8, "little") + content).digest()
        v = np.random.default_rng(int.from_bytes(digest[:8], "little")).standard_normal(self.dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def encode_text(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One random unit vector per text, seeded by the text."""
        texts = check_text_list(texts)
        _check_batch_size(batch_size)
        return np.stack([self._vector(b"t" + t.encode()) for t in texts])

    def encode_images(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray:
        """One random unit vector per image, seeded by its pixels."""
        images = check_images(images)
        _check_batch_size(batch_size)
        return np.stack([self._vector(b"i" + repr(im.size).encode() + im.tobytes()) for im in images])


def load_image_text_encoder(name: str | os.PathLike = OFFLINE_ENCODER, *,
                            allow_download: bool | None = None, **options) -> ImageTextEncoder:
    """'course-offline' (ConSE, no download), 'random' (the floor), or a CLIP hub id or local folder."""
    if not isinstance(name, (str, os.PathLike)) or not str(name).strip():
        raise TypeError(f"name must be {OFFLINE_ENCODER!r}, {RANDOM_ENCODER!r} or a CLIP hub id / "
                        f"folder such as {CLIP_MODEL!r}; got {name!r}")
    if name == OFFLINE_ENCODER:
        return ConSEEncoder(**options)
    if name == RANDOM_ENCODER:
        return RandomEncoder(**options)
    if options:
        raise TypeError(f"options {sorted(options)} apply to the offline encoders only, not to {name!r}")
    return ClipEncoder(name, allow_download=allow_download)

