"""Caption -> photo recall@1/5/10 on the 76 COCO photos (all 380 captions as queries).

Compares the offline encoder ("course-offline", settings chosen on emoji by
scripts/choose_conse_settings.py, not on these photos), ConSE with the paper's plain settings
(top_k=10, temperature 1, first lemma, no prompt), and the seeded random floor; and CLIP where
openai/clip-vit-base-patch32 can be loaded offline.

Usage: python benchmarks/multimodal_recall.py   (about half a minute on 2 cores)
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from helpers.course import repro
from helpers.course.data import load_coco
from helpers.encode.models import ModelNotFoundError
from helpers.encode.multimodal import CLIP_MODEL, load_image_text_encoder
from helpers.evaluate.metrics import retrieval_recall


def coco_queries() -> tuple[list[Image.Image], list[str], np.ndarray]:
    """(76 photos, 380 captions, the photo index of each caption)."""
    coco = load_coco()
    images = [Image.open(path).convert("RGB") for path in coco.path]
    captions = [c for caps in coco.captions for c in caps]
    relevant = np.repeat(np.arange(len(coco)), [len(caps) for caps in coco.captions])
    return images, captions, relevant


def main() -> None:
    repro.setup()
    images, captions, relevant = coco_queries()
    encoders = {"course-offline": {}, "conse-plain": dict(top_k=10, temperature=1.0, names="first", prompt="{}"),
                "random (seed 0)": None, CLIP_MODEL: None}
    print(f"{len(captions)} captions -> {len(images)} photos")
    for label, options in encoders.items():
        try:
            if label.startswith("random"):
                enc = load_image_text_encoder("random")
            elif label == CLIP_MODEL:
                enc = load_image_text_encoder(CLIP_MODEL, allow_download=False)
            else:
                enc = load_image_text_encoder("course-offline", **options)
        except ModelNotFoundError:
            print(f"{label:32s} not available offline")
            continue
        r = retrieval_recall(enc.encode_text(captions), enc.encode_images(images), relevant)
        print(f"{label:32s} R@1 {r[1]:.3f}  R@5 {r[5]:.3f}  R@10 {r[10]:.3f}")


if __name__ == "__main__":
    main()
