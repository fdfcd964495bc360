"""Make notebook outputs repeatable: seeds, thread counts, quiet libraries.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

import os
import random
import warnings

import numpy as np


def setup(seed: int = 0, threads: int = 2) -> None:
    """Seed python, numpy and torch; fix torch and faiss thread counts; silence progress bars."""
    # Before transformers is imported: tqdm's notebook bar warns when ipywidgets is missing.
    warnings.filterwarnings("ignore", message="IProgress not found")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    random.seed(seed)
    np.random.seed(seed)
    import faiss
    import torch
    from transformers.utils import logging as hf_logging

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
