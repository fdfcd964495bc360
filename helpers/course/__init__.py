"""Layer 1, the course itself: where things live on disk, the real data sets, atomic writes, seeds, figures.

Imports nothing from the other layers. paths.py holds REPO_ROOT and the embedding cache folder so that
every module above that writes under the cache finds it here, without importing another that does.
"""
