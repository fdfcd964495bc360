"""Make notebook outputs repeatable: seeds, thread counts, quiet libraries.

Introduced in notebooks/01_pooling.ipynb.
"""
from __future__ import annotations

import os
import random
import warnings

import numpy as np


def setup(seed: int = 0, threads: int | None = None) -> None:
    """Seed python, numpy and torch; fix torch and faiss thread counts; silence progress bars.

    `threads` defaults to 2, so every machine sums in the same order, or to $COURSE_THREADS when
    set: authors run the notebooks with COURSE_THREADS=1 to find printed digits that depend on
    the summation order (a figure printed too precisely fails nbval on another machine).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int from 0 to 2**32 - 1 (numpy's range), got {seed!r}")
    if threads is None:
        value = os.environ.get("COURSE_THREADS", "2")
        try:
            threads = int(value)
        except ValueError:
            raise ValueError(f"$COURSE_THREADS must be a positive integer such as 1 or 2, got {value!r}; "
                             "unset it to use the default of 2") from None
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive int (or $COURSE_THREADS a positive integer), got {threads!r}")
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
