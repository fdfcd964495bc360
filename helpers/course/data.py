"""Load the course's real data sets from the project's data/ folder.

Introduced in notebooks/01_pooling.ipynb (STS-B) and notebooks/02_cosine_similarity.ipynb (SQuAD).
"""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pandas as pd

from helpers.course.paths import REPO_ROOT


def data_dir() -> Path:
    """The data folder: $COURSE_DATA_DIR if set, else data/ beside the helpers package."""
    return Path(os.environ.get("COURSE_DATA_DIR", REPO_ROOT / "data"))


def data_path(*parts: str) -> Path:
    """Path of a file under the data folder; a clear error says what is missing and why."""
    for part in parts:
        if not isinstance(part, (str, os.PathLike)):
            raise TypeError(f"data_path takes folder and file names as str, got {part!r}")
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing. The course data ship with the repository under "
                                "data/: run from a full clone (git clone, not a copied notebook), or "
                                "set COURSE_DATA_DIR to the folder that holds stsb/, squad-v1.1-dev/ ...")
    return path


def _read_jsonl(path: Path) -> pd.DataFrame:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return pd.DataFrame([json.loads(line) for line in f if line.strip()])


def load_stsb(split: str = "test") -> pd.DataFrame:
    """STS Benchmark pairs: columns sentence1, sentence2, score (0-5 human similarity), genre..."""
    if not isinstance(split, str) or split not in {"dev", "test"}:
        raise ValueError(f"split must be 'dev' (1,500 pairs) or 'test' (1,379 pairs), got {split!r}")
    return _read_jsonl(data_path("stsb", f"stsb_{split}.jsonl"))


def load_squad() -> tuple[pd.DataFrame, pd.DataFrame]:
    """SQuAD v1.1 dev: (paragraphs[paragraph_id, title, context], questions[id, paragraph_id, question, ...])."""
    paragraphs = _read_jsonl(data_path("squad-v1.1-dev", "paragraphs.jsonl.gz"))
    questions = _read_jsonl(data_path("squad-v1.1-dev", "questions.jsonl.gz"))
    return paragraphs, questions


def load_coco() -> pd.DataFrame:
    """The 76 CC-licensed COCO photos: file (absolute path), captions (5 each), licence and source."""
    frame = _read_jsonl(data_path("coco-mini", "captions.jsonl"))
    frame["path"] = [str(data_path("coco-mini", f)) for f in frame["file"]]
    return frame


def load_imagenet_classes() -> list[str]:
    """The 1,000 ImageNet-1k class names (WordNet lemmas, comma-separated) in model output order."""
    synsets = data_path("imagenet", "imagenet_synsets.txt").read_text().split()
    lemmas = dict(line.split("\t", 1) for line in
                  data_path("imagenet", "imagenet_synset_to_lemma.txt").read_text().splitlines() if line)
    return [lemmas[s].strip() for s in synsets]
