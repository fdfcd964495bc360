"""The course's second corpus: the API reference of the pinned numpy, scipy, pandas and scikit-learn.

Introduced in notebooks/11_evaluation_without_labels.ipynb; notebooks 12-14 search it too.
`data/apidocs/README.md` says how `scripts/build_apidocs.py` read it from the installed libraries,
how it was cleaned, and the licences that travel with it.

The split that notebooks 11-14 keep (by library, never by row: duplicates and See Also links cross
module boundaries inside a library, and almost never cross libraries): scikit-learn is the held-out
library that judged queries search and every comparison is measured on; numpy, scipy and pandas are
the material that notebooks 12 and 13 train on.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Iterable

from helpers.course.data import data_path

LIBRARIES = ("numpy", "scipy", "pandas", "sklearn")
EVAL_LIBRARY = "sklearn"
TRAIN_LIBRARIES = ("numpy", "scipy", "pandas")


@dataclass(frozen=True)
class ApiDoc:
    """One documented public callable: its dotted path, its docstring, and the links the docs hold."""

    doc_id: str                 # the canonical public path, e.g. sklearn.model_selection.train_test_split
    library: str                # numpy | scipy | pandas | sklearn
    module: str
    name: str
    kind: str                   # class | function | method | property | object
    signature: str | None
    summary: str                # the numpydoc summary line
    body: str                   # the rest of the docstring
    see_also: tuple[str, ...]   # See Also targets that are documents of this corpus
    aliases: tuple[str, ...]    # other public paths of the same object
    duplicates: tuple[str, ...]       # other documents with the identical text
    near_duplicates: tuple[str, ...]  # other documents with nearly the same text
    deprecated: str | None      # the version that deprecated it, if any

    @property
    def text(self) -> str:
        """What a search engine indexes: the path as a title, the summary line, then the body."""
        return f"{self.doc_id}\n{self.summary}\n\n{self.body}"

    @property
    def lookalikes(self) -> tuple[str, ...]:
        """Documents a reader could not tell from this one: identical or nearly identical text."""
        return self.duplicates + self.near_duplicates


def load_apidocs(libraries: Iterable[str] | None = None) -> list[ApiDoc]:
    """The corpus's documents in doc_id order, all four libraries or only those named."""
    chosen = set(LIBRARIES if libraries is None else libraries)
    if isinstance(libraries, str) or not chosen or not chosen <= set(LIBRARIES):
        raise ValueError(f"libraries must be a list drawn from {LIBRARIES} (e.g. [{EVAL_LIBRARY!r}]), "
                         f"got {libraries!r}")
    docs = []
    with gzip.open(data_path("apidocs", "corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["library"] in chosen:
                docs.append(ApiDoc(
                    doc_id=row["doc_id"], library=row["library"], module=row["module"], name=row["name"],
                    kind=row["kind"], signature=row["signature"], summary=row["summary"], body=row["body"],
                    see_also=tuple(row["see_also"]), aliases=tuple(row["aliases"]),
                    duplicates=tuple(row["duplicates"]), near_duplicates=tuple(row["near_duplicates"]),
                    deprecated=row["deprecated"]))
    return docs


# The judged set of data/apidocs/judged (README.md there says who wrote and judged it, and how).
JUDGES = {"J1": ("q001", "q023"), "J2": ("q024", "q046"), "J3": ("q047", "q070")}  # each judge's primary range
POOL_SYSTEMS = ("bm25", "minilm", "mpnet", "rrf")


def judged_path(*parts: str):
    """A file of the judged set: judged_path("qrels.txt"), judged_path("judgements", "judge-J1.jsonl")."""
    return data_path("apidocs", "judged", *parts)


def load_queries() -> list[dict]:
    """The 70 judged queries in id order: query_id, query, intent, expected (the need), answerable."""
    text = judged_path("queries.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_pool() -> list[dict]:
    """The pooled (query_id, doc_id) pairs, each with the rank every pooled system gave it (None: not in its top 20)."""
    text = judged_path("pool.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def primary_judge(query_id: str) -> str:
    """The judge whose grades of this query are the qrels' (JUDGES holds each judge's range of query ids)."""
    for judge, (first, last) in JUDGES.items():
        if first <= query_id <= last:
            return judge
    raise ValueError(f"{query_id!r} is in no judge's range {JUDGES}; query ids run q001-q070")
