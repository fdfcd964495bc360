"""Layer 3, search: vectors and text to ranked ids (numpy, FAISS, BM25, fusion, windows, Milvus).

Imports only from helpers.course, helpers.encode and itself. Within the layer the dependencies run
one way: store builds on index (import save_index and load_index from helpers.search.store; index
never imports store), index on ann, lexical on fusion, and _validate, private to the layer, holds
the argument checks (ints, id arrays) that several search modules share, with one message each.
"""
