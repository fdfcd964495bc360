"""A vector database (Milvus, through pymilvus) returning the course's (scores, ids) arrays.

Introduced in notebooks/10_vector_database.ipynb.

The notebook teaches pymilvus's own calls first; these helpers wrap only what it repeats: a
collection with the course's schema, inserting vectors with their records, building an index and
reading back what the server really built, and searching many queries at once into the
`(scores (nq, k) float32, ids (nq, k) int64)` shape of `helpers.search.index.search`, so that
`helpers.evaluate.metrics` measures Milvus like any FAISS index. Each refuses bad input with a message
that says what was expected and how to fix it.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from helpers.search._validate import check_int

METRICS = {"cosine": "COSINE", "ip": "IP", "l2": "L2"}
ID_FIELD, VECTOR_FIELD = "id", "vector"
# The build parameters each index type takes, as Milvus spells them (case matters: HNSW's is "M").
# Milvus Lite stores and describes any name it is given, even one its engine ignores ({"m": 8}
# built M=16), so a name outside this list is refused before the build.
BUILD_PARAMS = {"FLAT": set(), "IVF_FLAT": {"nlist"}, "IVF_SQ8": {"nlist"}, "IVF_PQ": {"nlist", "m", "nbits"},
                "HNSW": {"M", "efConstruction"}}


class VectorDBError(RuntimeError):
    """Raised when the database refuses an operation or answers other than asked."""


def _check_open(client: Any, function: str, method: str = "search") -> None:
    """Refuse a non-client or a closed one, naming `function`, the call the learner made."""
    if client is None or not hasattr(client, method):
        raise TypeError(f"client must be a pymilvus.MilvusClient, got {type(client).__name__}")
    if getattr(client, "_handler", True) is None:  # what MilvusClient.close() leaves behind
        raise VectorDBError(f"the Milvus client is closed; open a new one with MilvusClient(uri) "
                            f"before calling {function}()")


def _client_call(client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a MilvusClient method, turning a closed client's obscure failure into a clear error.

    Each public function below checks the client first (`_check_open`), so a closed client's error
    names the function the learner called; this check only backs that one up."""
    _check_open(client, f"client.{method}", method)
    try:
        return getattr(client, method)(*args, **kwargs)
    except Exception as err:  # pymilvus raises many kinds; name the call and keep the cause
        raise VectorDBError(f"Milvus refused {method}(): {_reason(err)}") from err


def _reason(err: Exception) -> str:
    """What went wrong, in words: pymilvus 3's exceptions have an empty repr but a code and a message."""
    message = getattr(err, "message", None) or str(err) or repr(err)
    code = getattr(err, "code", None)
    return f"{type(err).__name__}" + (f" (code {code})" if code is not None else "") + f": {message}"


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.replace("_", "a").isalnum() or name[0].isdigit():
        raise ValueError(f"collection name must be letters, digits and underscores, not starting with a "
                         f"digit (Milvus's rule), got {name!r}")
    return name


def create_collection(client: Any, name: str, dim: int, text_fields: dict[str, int] | None = None,
                      int_fields: Sequence[str] = (), replace: bool = False) -> None:
    """Create `name` with an int64 primary key `id`, a float vector of `dim`, and scalar fields.

    `text_fields` maps a field name to its maximum length in characters (VARCHAR); `int_fields`
    are INT64. An existing collection is refused unless `replace=True` (then it is dropped first).
    The metric belongs to the index, so it is `build_index`'s argument: until an index is built,
    Milvus searches by brute force with COSINE.
    """
    from pymilvus import DataType, MilvusClient

    _check_open(client, "vectordb.create_collection")
    _check_name(name)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive int (the vectors' length, 384 for all-MiniLM-L6-v2), got {dim!r}")
    fields = [*(text_fields or {}), *int_fields]
    clash = sorted({f for f in fields if f in (ID_FIELD, VECTOR_FIELD)} | {f for f in fields if fields.count(f) > 1})
    if clash:
        raise ValueError(f"scalar field names {clash} clash with {ID_FIELD!r}, {VECTOR_FIELD!r} or each other; "
                         "give each scalar field its own name")
    for field, length in (text_fields or {}).items():
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 1 <= length <= 65535:
            raise ValueError(f"text_fields[{field!r}] must be a maximum length from 1 to 65,535 characters "
                             f"(Milvus's VARCHAR limit), got {length!r}")
    if _client_call(client, "has_collection", name):
        if not replace:
            raise VectorDBError(f"collection {name!r} already exists; pass replace=True to drop and "
                                f"recreate it, or choose another name (client.list_collections() lists them)")
        _client_call(client, "drop_collection", name)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field(ID_FIELD, DataType.INT64, is_primary=True)
    schema.add_field(VECTOR_FIELD, DataType.FLOAT_VECTOR, dim=int(dim))
    for field, length in (text_fields or {}).items():
        schema.add_field(field, DataType.VARCHAR, max_length=int(length))
    for field in int_fields:
        schema.add_field(field, DataType.INT64)
    _client_call(client, "create_collection", name, schema=schema)


def collection_dim(client: Any, name: str) -> int:
    """The dimension of `name`'s vector field, as the server describes it."""
    _check_open(client, "vectordb.collection_dim")
    info = _client_call(client, "describe_collection", _check_name(name))
    for field in info.get("fields", []):
        if field.get("name") == VECTOR_FIELD:
            return int(field.get("params", {}).get("dim"))
    raise VectorDBError(f"collection {name!r} has no field named {VECTOR_FIELD!r}; create it with "
                        "helpers.search.vectordb.create_collection")


def _as_matrix(X: Any, dim: int, name: str) -> np.ndarray:
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real numeric array of shape (n, {dim}), got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"{name} has shape {arr.shape}, but the collection holds {dim}-d vectors: encode "
                         "with the model that filled the collection (shape (n, dim))")
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; re-encode or drop those rows first")
    return arr


def insert(client: Any, name: str, vectors: Any, records: Sequence[dict] | None = None,
           ids: Sequence[int] | None = None, batch_size: int = 1000) -> int:
    """Insert rows (id, vector, **record); ids default to 0..n-1. Returns the number inserted.

    Milvus keeps one row per primary key, so an id already in the collection is refused (a second
    chunk inserted with default ids would silently replace the first): give each chunk its own ids,
    or use `client.upsert` to replace rows on purpose.
    """
    _check_open(client, "vectordb.insert")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int (rows per insert call), got {batch_size!r}")
    X = _as_matrix(vectors, collection_dim(client, name), "vectors")
    ids = np.arange(len(X)) if ids is None else np.asarray(ids)
    records = [{}] * len(X) if records is None else list(records)
    if ids.ndim != 1 or len(ids) != len(X) or len(records) != len(X):
        raise ValueError(f"got {len(X)} vectors, {len(ids)} ids and {len(records)} records: give one of "
                         "each per row, in the same order")
    if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer) or len(np.unique(ids)) != len(ids):
        raise ValueError("ids must be distinct integers (the collection's int64 primary key)")
    if not all(isinstance(r, dict) and ID_FIELD not in r and VECTOR_FIELD not in r for r in records):
        raise ValueError(f"each record must be a dict of scalar fields without {ID_FIELD!r} or {VECTOR_FIELD!r} "
                         "(those come from ids and vectors)")
    taken = []
    for start in range(0, len(ids), 1000):
        chunk = ", ".join(str(int(i)) for i in ids[start:start + 1000])
        taken += [row[ID_FIELD] for row in _client_call(client, "query", name, filter=f"{ID_FIELD} in [{chunk}]",
                                                        output_fields=[ID_FIELD])]
    if taken:
        raise VectorDBError(f"{len(taken)} of these ids are already in {name!r} (e.g. {sorted(taken)[:5]}): Milvus "
                            "would keep one row per id and lose the other. Pass ids that continue after the rows "
                            "already inserted, or use client.upsert to replace rows on purpose")
    rows = [{ID_FIELD: int(i), VECTOR_FIELD: x.tolist(), **r} for i, x, r in zip(ids, X, records)]
    for start in range(0, len(rows), int(batch_size)):
        _client_call(client, "insert", name, rows[start:start + int(batch_size)])
    return len(rows)


def build_index(client: Any, name: str, index_type: str, metric: str = "cosine",
                params: dict | None = None) -> dict:
    """Seal the rows (flush), (re)build the vector index, load the collection; return what was built.

    The build parameters go in the nested form that Milvus Lite reads (`params={"params": {...}}`);
    the description the server returns is compared with what was asked, and a difference is an error.
    """
    _check_open(client, "vectordb.build_index")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}")
    params = dict(params or {})
    unknown = sorted(set(params) - BUILD_PARAMS.get(index_type, set(params)))
    if unknown:
        raise ValueError(f"{index_type} takes the build parameters {sorted(BUILD_PARAMS[index_type]) or 'none'}, "
                         f"not {unknown} (Milvus's names are case-sensitive; an unknown one is stored and ignored)")
    # Release, then flush: rows still in a growing segment are searched by brute force, and Milvus Lite
    # indexes rows flushed while the collection is loaded in a background thread; released, it leaves
    # the build to load_collection below, which returns once every segment's index is built.
    _client_call(client, "release_collection", name)
    _client_call(client, "flush", name)
    if VECTOR_FIELD in _client_call(client, "list_indexes", name):
        _client_call(client, "drop_index", name, VECTOR_FIELD)
    index_params = client.prepare_index_params()
    index_params.add_index(field_name=VECTOR_FIELD, index_type=index_type, metric_type=METRICS[metric],
                           params={"params": params} if params else None)
    _client_call(client, "create_index", name, index_params)
    _client_call(client, "load_collection", name)
    built = _client_call(client, "describe_index", name, VECTOR_FIELD)
    got = {k: int(v) if str(v).isdigit() else v for k, v in (built.get("params") or {}).items()}
    if built.get("index_type") != index_type or got != {k: v for k, v in params.items()}:
        raise VectorDBError(f"asked for {index_type} {params} but Milvus built {built.get('index_type')} "
                            f"{got}; check the parameter names for this index type")
    return built


def results_to_arrays(results: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Milvus search results (one list of hits per query) -> (scores float32, ids int64), (nq, k).

    Slots a query did not fill hold id -1 and score -inf, so they sort last and never match a doc.
    """
    check_int(k, "k")
    if isinstance(results, (str, bytes, dict)) or not hasattr(results, "__len__"):
        raise TypeError(f"results must be what MilvusClient.search returns (a list of hit lists), "
                        f"got {type(results).__name__}")
    scores = np.full((len(results), k), -np.inf, dtype=np.float32)
    ids = np.full((len(results), k), -1, dtype=np.int64)
    for q, hits in enumerate(results):
        if len(hits) > k:
            raise ValueError(f"query {q} has {len(hits)} hits but k={k}: pass the k used for the search")
        columns = getattr(hits, "ids", None), getattr(hits, "distances", None)
        if all(c is not None and len(c) == len(hits) for c in columns):
            # pymilvus's own columns of keys and scores: no dict built per hit (about a third of a search's time)
            try:
                ids[q, :len(hits)], scores[q, :len(hits)] = columns
                continue
            except (TypeError, ValueError):
                pass  # e.g. string primary keys: the per-hit path below says what is wrong
        for j, hit in enumerate(hits):
            try:
                ids[q, j], scores[q, j] = hit["id"], hit["distance"]
            except (KeyError, TypeError):
                raise ValueError(f"results[{q}][{j}] is not a Milvus hit with 'id' and 'distance': "
                                 f"{hit!r:.80}") from None
    return scores, ids


def search(client: Any, name: str, Q: Any, k: int = 10, search_params: dict | None = None,
           filter: str = "", batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of each query row, best first, as (scores, ids) arrays; `filter` is a Milvus expression."""
    _check_open(client, "vectordb.search")
    Q = _as_matrix(Q, collection_dim(client, name), "Q")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not isinstance(filter, str):
        raise TypeError(f"filter must be a Milvus boolean expression string such as 'title == \"X\"', got {filter!r}")
    parts = []
    for start in range(0, len(Q), batch_size):
        hits = _client_call(client, "search", name, data=Q[start:start + batch_size].tolist(), limit=k,
                            filter=filter, search_params={"params": dict(search_params or {})})
        parts.append(results_to_arrays(hits, k))
    return np.vstack([s for s, _ in parts]), np.vstack([i for _, i in parts])
