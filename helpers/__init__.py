"""helpers: the small, tested package that the course notebooks import.

Public surface, one module per idea (import the module you need; nothing runs at import):

- helpers.models      resolve a hub id to a local folder offline; load tokenizer + model   (01)
- helpers.pooling     CLS, mean and max pooling of token embeddings                       (01)
- helpers.embed       TextEncoder: sentences -> normalised float32 vectors                 (01)
- helpers.data        the course's real data sets in data/                                 (01, 02)
- helpers.repro       seeds, thread counts, quiet libraries for repeatable outputs         (01)
- helpers.similarity  cosine, dot product, L2 and brute-force top-k                        (02)
- helpers.cache       embeddings cached on disk between notebooks                          (02)
- helpers.files       atomic writes                                                        (03)
- helpers.index       build, search, save and load FAISS indexes                           (03, 04)
- helpers.store       save_index / load_index: all-or-nothing saves, checked loads         (03)
- helpers.evaluate    recall@k, MRR@k, nDCG@k                                              (03)
- helpers.scores      what scores mean: conversions, normalisations, calibration          (05)
- helpers.multimodal  text-and-image encoders behind one interface                        (06)
- helpers.conse       ConSE: an ImageNet classifier's probabilities to a text-space vector (06)
- helpers.lookalike   synthetic look-alike corpora for measuring IVF at scale              (04)
- helpers.lexical     BM25 keyword search, saved without pickle                            (07)
- helpers.fusion      hybrid search: reciprocal rank fusion and convex combination         (07)
- helpers.chunking    long documents: token windows with character spans, max per document (07)
- helpers.ann         faiss factory strings: build, train checks, per-family search knobs (08)
- helpers.rescore     two-stage search: compressed codes in RAM, rescoring from disk        (08)
- helpers.synthetic   the real reference set and a synthetic set fitted to it              (08)
- helpers.pareto      every index family on one recall / speed / memory table               (08)
- helpers.plots       the course's figures                                                 (02+)
- helpers.onnx_backend  TextEncoder on ONNX Runtime: export, integrity check, fusion, int8   (09)
- helpers.distributed   encode with a Ray Data actor pool, vectors back in input order     (09)
- helpers.vectordb      Milvus collections searched into (scores, ids) arrays              (10)
- helpers.check       checks for the exercises' answers                                    (all)
"""

__all__ = ["models", "pooling", "embed", "data", "repro", "similarity", "cache", "files", "index", "store",
           "evaluate", "lookalike", "scores", "multimodal", "conse", "lexical", "fusion", "chunking", "ann",
           "rescore", "synthetic", "pareto", "plots", "onnx_backend",
           "distributed", "vectordb", "check"]
__version__ = "0.1.0"
