"""Ray Data with int8 ONNX on a cold cache: two actors build the export -> fused -> int8 chain at once.

Issue 29 found `ray_encode(texts, {"backend": "onnx", "quantize": "int8"}, actors=2)` dying with
ActorDiedError on a cold cache (both actors quantized in the shared folder at once). This runs that
call in a fresh, private cache folder and prints the files left there (each stage once, no
quantizer leftovers) and how close the vectors are to the single process's int8 ones (not equal:
dynamic int8 scales activations per batch, and Ray's batches are not the single process's).
Too slow for the test suite (minutes: three ONNX builds and Ray's start); run it after touching
helpers/encode/onnx_backend.py's cache.

Usage: PYTHONPATH=. python scripts/check_ray_int8_cold.py
"""
from __future__ import annotations

import os
import tempfile
import time

ROOT = tempfile.mkdtemp(prefix="ray-int8-cold-")
os.environ["COURSE_CACHE_DIR"] = os.path.join(ROOT, "embeddings")  # ONNX files go beside it, in <ROOT>/onnx

import ray  # noqa: E402

from helpers.encode.distributed import ray_encode, start_local_ray  # noqa: E402
from helpers.encode.embed import TextEncoder  # noqa: E402


def main() -> None:
    texts = [f"sentence number {i} about a cat on a mat" for i in range(600)]
    start_local_ray(num_cpus=2)
    try:
        start = time.perf_counter()
        X = ray_encode(texts, {"backend": "onnx", "quantize": "int8"}, actors=2, batch_size=100)
        print(f"ray_encode int8, 2 actors, cold cache: shape {X.shape} in {time.perf_counter() - start:.0f} s")
    finally:
        ray.shutdown()
    print("files in the cache folder:", sorted(os.listdir(os.path.join(ROOT, "onnx"))))
    single = TextEncoder(backend="onnx", quantize="int8").encode(texts)
    print(f"min cosine with the single process's int8 vectors: {float((X * single).sum(axis=1).min()):.3f}")


if __name__ == "__main__":
    main()
