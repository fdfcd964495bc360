"""Layer 4, evaluate: ranked ids to numbers you can trust (metrics, score calibration, Pareto tables).

Imports from any layer below and from itself. Synthetic vectors live here because they exist to
measure at scale. There are two generators: helpers.evaluate.lookalike (real paragraph embeddings plus
Gaussian noise with their covariance) serves notebook 04 and benchmarks/ivf.py, and
helpers.evaluate.synthetic (a mixture fitted to the real reference set) serves notebook 08 and
benchmarks/ann.py. metrics.retrieval_recall (notebook 06, caption-to-photo recall@k) lived in
encode/multimodal.py before: it turns vectors into a figure, which is this layer's work, and here it
can use helpers.search.similarity without the encode layer reaching up into search.
"""
