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
- helpers.evaluate    recall@k, MRR@k, nDCG@k                                              (03)
- helpers.scores      what scores mean: conversions, normalisations, calibration          (05)
- helpers.multimodal  text-and-image encoders behind one interface                        (06)
- helpers.conse       ConSE: an ImageNet classifier's probabilities to a text-space vector (06)
- helpers.plots       the course's figures                                                 (02+)
- helpers.vectordb    Milvus collections searched into (scores, ids) arrays                (10)
- helpers.check       checks for the exercises' answers                                    (all)
"""

__all__ = ["models", "pooling", "embed", "data", "repro", "similarity", "cache", "files", "index",
           "evaluate", "scores", "multimodal", "conse", "plots", "vectordb", "check"]
__version__ = "0.1.0"
