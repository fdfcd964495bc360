"""Run TextEncoder's transformer with ONNX Runtime: export once, check, fuse, quantize to int8, cache.

Introduced in notebooks/09_fast_encoding.ipynb.

Only the model call changes: `TextEncoder(..., backend="onnx", quantize="int8")` tokenizes, sorts,
pads and pools exactly as the torch path does, and hands each padded batch to `OnnxModel`.
The exported file is built from the local weights (no download) and cached under
`<embedding cache>/../onnx/`, keyed by a hash of the weights, opset, torch and onnxruntime
versions and the settings. Each file has a JSON manifest with its SHA-256, written after the file
(both atomically): a missing, partial or corrupt file fails the check and is rebuilt.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from helpers.course.paths import cache_dir

OPSET = 17
QUANTIZE_CHOICES = (None, "int8")
WEIGHT_TYPES = ("QInt8", "QUInt8")


def check_backend(backend: str, quantize: str | None) -> tuple[str, str | None]:
    """Validate TextEncoder's `backend` and `quantize` arguments; return them."""
    if backend not in ("torch", "onnx"):
        raise ValueError(f"backend must be 'torch' or 'onnx', got {backend!r}")
    if quantize not in QUANTIZE_CHOICES:
        raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
    if quantize is not None and backend != "onnx":
        raise ValueError("quantize='int8' runs on ONNX Runtime: pass backend='onnx' as well")
    return backend, quantize


def onnx_dir() -> Path:
    """Where exported models live: a folder `onnx` beside the embedding cache (helpers.course.paths.cache_dir)."""
    return cache_dir().parent / "onnx"


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def weights_fingerprint(folder: str | os.PathLike) -> str:
    """SHA-256 over the model folder's config and weight files: changes whenever the weights do."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.name == "config.json" or p.suffix in {".safetensors", ".bin"})
    if not any(p.suffix in {".safetensors", ".bin"} for p in files):
        raise FileNotFoundError(f"{folder} holds no *.safetensors or *.bin weights to export")
    return _fingerprint(tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))


@functools.lru_cache(maxsize=16)
def _fingerprint(files: tuple[tuple[str, int, int], ...]) -> str:
    """Hash the files' contents once per process (keyed by path, size and modification time)."""
    h = hashlib.sha256()
    for name, _, _ in files:
        h.update(Path(name).name.encode() + b"\0" + _sha256(Path(name)).encode())
    return h.hexdigest()


def is_intact(path: str | os.PathLike) -> bool:
    """True if `path` and its manifest exist and the file's size and SHA-256 match the manifest."""
    path = Path(path)
    try:
        manifest = json.loads(path.with_suffix(".json").read_text())
        return path.stat().st_size == manifest["bytes"] and _sha256(path) == manifest["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _cached(name: str, settings: dict, build: Callable[[Path, Path | None], None],
            source: Callable[[], Path] | None = None) -> Path:
    """The intact file for `settings`, else build it into a temporary file and install it atomically.

    `source` resolves the previous stage (itself cached) and is called only when this file must be
    built, before this file's lock is taken: one process never holds two locks, so a chain of stages
    cannot deadlock. Builders of one file take turns on the cache folder's lock (two processes, or Ray
    actors on a cold cache, used to race); whoever waited finds the file built and intact.
    """
    from helpers.course.files import atomic_write_bytes, atomic_write_json, locked_folder
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]
    path = onnx_dir() / f"{name}-{key}.onnx"
    if is_intact(path):
        return path
    previous = source() if source is not None else None
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked_folder(path.parent, exclusive=True):
        if is_intact(path):
            return path
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as tmp:
            out = Path(tmp) / "model.onnx"
            build(out, previous)
            data = out.read_bytes()
        atomic_write_bytes(path, data)  # the file first, then the manifest that vouches for it
        atomic_write_json(path.with_suffix(".json"), {
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "settings": settings})
    return path


@contextlib.contextmanager
def _quiet_logging(name: str) -> Iterator[None]:
    """Raise logger `name` ("" for the root) to ERROR for the block, then restore its level."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def _export(model: Any, tokenizer: Any, out: Path) -> None:
    """torch.onnx.export (TorchScript exporter) of input_ids, attention_mask -> last_hidden_state."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    sample = tokenizer(["a short one", "a somewhat longer sample sentence"], padding=True, return_tensors="pt")
    before = getattr(model.config, "_attn_implementation", None)
    if before is not None and hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")  # plain MatMul/Softmax: the pattern ORT's fusion knows
    dynamic = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # TracerWarnings and the exporter's deprecation notice
            torch.onnx.export(LastHiddenState(model).eval(), (sample["input_ids"], sample["attention_mask"]),
                              str(out), input_names=["input_ids", "attention_mask"],
                              output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                              dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic,
                                            "last_hidden_state": dynamic})
    finally:
        if before is not None and hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation(before)


def _fuse(source: Path, config: Any, out: Path) -> None:
    """onnxruntime.transformers.optimizer: fuse attention, GELU and layer norms into single ops."""
    from onnxruntime.transformers import optimizer
    with _quiet_logging("onnxruntime.transformers"):
        fused = optimizer.optimize_model(str(source), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size, opt_level=0)
        fused.save_model_to_file(str(out))


def _quantize(source: Path, weight_type: str, out: Path, per_channel: bool = False) -> None:
    """Dynamic int8: weights stored as 8-bit integers, activations quantized per batch at run time.

    per_channel=True gives each output column of a weight matrix its own scale instead of one per matrix.
    """
    import shutil

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    # quantize_dynamic writes "<source>-inferred.onnx" beside its input: quantize a private copy, in
    # the build's own temporary folder, so that nothing is written into the shared cache folder
    private = out.parent / "source.onnx"
    shutil.copyfile(source, private)
    source = private
    with _quiet_logging(""):  # it logs "consider pre-processing" on the root logger
        quantize_dynamic(str(source), str(out), weight_type=getattr(QuantType, weight_type),
                         per_channel=per_channel, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})  # fused ops lack shapes


def build_onnx_model(folder: str | os.PathLike, model: Any, tokenizer: Any, quantize: str | None = None,
                     fuse: bool = True, weight_type: str = "QInt8", per_channel: bool = False) -> Path:
    """Path of the cached (exported, optionally fused, optionally int8) ONNX file for this model.

    int8 weights are signed (`QInt8`, quantize_dynamic's default) on every CPU: both types run on every
    x86 CPU, and onnxruntime's guidance for static quantization (quantize_static's docstring) advises
    signed weights on x86 with or without VNNI. `per_channel=True`: one scale per output column of
    each weight matrix.
    """
    import onnxruntime
    import torch
    check_backend("onnx", quantize)
    if not isinstance(fuse, bool):
        raise TypeError(f"fuse must be True or False, got {fuse!r}")
    if weight_type not in WEIGHT_TYPES:
        raise ValueError(f"weight_type must be one of {WEIGHT_TYPES}, got {weight_type!r}")
    if not isinstance(per_channel, bool):
        raise TypeError(f"per_channel must be True or False, got {per_channel!r}")
    if per_channel and quantize != "int8":
        raise ValueError("per_channel=True sets how int8 weights are scaled: pass quantize='int8' as well")
    settings = {"weights": weights_fingerprint(folder), "opset": OPSET, "torch": torch.__version__}
    # Each stage builds from the previous one only when its own file is missing or damaged, so a
    # warm call checks one file (the last), not the whole chain.
    path_of: Callable[[], Path] = (lambda s=settings:
                                   _cached("export", s, lambda out, _: _export(model, tokenizer, out)))
    if fuse:
        settings = {**settings, "fused": True, "onnxruntime": onnxruntime.__version__}
        path_of = (lambda s=settings, prev=path_of:
                   _cached("fused", s, lambda out, src: _fuse(src, model.config, out), source=prev))
    if quantize == "int8":
        settings = {**settings, "int8": weight_type, "onnxruntime": onnxruntime.__version__}
        if per_channel:  # only then in the key, so the per-tensor file keeps its name
            settings["per_channel"] = True
        path_of = (lambda s=settings, prev=path_of:
                   _cached("int8", s, lambda out, src: _quantize(src, weight_type, out, per_channel), source=prev))
    return path_of()


class OnnxModel:
    """An ONNX Runtime session that takes TextEncoder's padded batch and returns last_hidden_state."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None, level: str = "all"):
        import onnxruntime as ort
        import torch
        levels = {"disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
                  "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                  "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}
        if level not in levels:
            raise ValueError(f"level must be one of {list(levels)}, got {level!r}")
        threads = torch.get_num_threads() if threads is None else threads
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ValueError(f"threads must be a positive int, got {threads!r}")
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.graph_optimization_level = levels[level]
        options.log_severity_level = 3  # errors only: keep notebook outputs clean
        self.path, self.threads, self.level = Path(path), threads, level
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __repr__(self) -> str:
        return f"OnnxModel({self.path.name!r}, threads={self.threads}, level={self.level!r})"

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """last_hidden_state, (batch, tokens, hidden) float32, for int64 ids and mask."""
        feed = {"input_ids": np.asarray(input_ids, dtype=np.int64),
                "attention_mask": np.asarray(attention_mask, dtype=np.int64)}
        return self.session.run(["last_hidden_state"], feed)[0]

    def __call__(self, batch: Any):
        """TextEncoder's padded batch (torch tensors) -> last_hidden_state as a torch tensor."""
        import torch
        return torch.from_numpy(self.run(batch["input_ids"].numpy(), batch["attention_mask"].numpy()))
