"""Layer 2, encode: text and images to vectors (models, pooling, TextEncoder, its ONNX and Ray runs, the cache).

Imports only from helpers.course and from itself. onnx_backend takes the cache folder from
helpers.course.paths, so that embed -> onnx_backend never leads back to cache (which imports embed).
"""
