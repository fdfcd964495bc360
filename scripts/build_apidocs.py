"""Build data/apidocs/: the API reference of the pinned numpy, scipy, pandas and scikit-learn.

One document per documented public callable (functions, classes, methods and properties of public
classes, and the few documented callable objects such as `scipy.stats.norm`), read with `inspect`
from the packages installed in this environment. The snapshot is what notebooks 11-14 search.

    .venv/bin/python scripts/build_apidocs.py            # rebuild; refuses other library versions
    .venv/bin/python scripts/build_apidocs.py --check    # rebuild in memory, compare with data/apidocs
    .venv/bin/python scripts/build_apidocs.py --rebuild  # accept the installed versions, write anew

Docstrings differ between versions, so the snapshot records the four versions it was read from
(data/apidocs/manifest.json) and the script refuses to run against others unless --rebuild is
given. The same versions give byte-identical JSON Lines (the manifest holds its SHA-256).
How each cleaning rule was chosen, and the counts it removes, are in data/apidocs/README.md,
which this script writes.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import importlib.metadata
import inspect
import io
import json
import os
import pkgutil
import platform
import re
import sys
import types
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "apidocs"
FORMAT = "apidocs/1"
LIBRARIES = ("numpy", "scipy", "pandas", "sklearn")          # the order decides who owns a shared object
DISTRIBUTIONS = {"numpy": "numpy", "scipy": "scipy", "pandas": "pandas", "sklearn": "scikit-learn"}

# Public modules. numpy and scipy: the lists their own test suites hold for these versions
# (numpy/tests/test_public_api.py PUBLIC_MODULES + PUBLIC_ALIASED_MODULES; scipy._lib._public_api),
# without numpy.typing.mypy_plugin (needs mypy) and numpy.version (a version string).
NUMPY_MODULES = ["numpy"] + ["numpy." + s for s in (
    "char ctypeslib dtypes emath exceptions f2py fft lib lib.array_utils lib.format lib.introspect "
    "lib.mixins lib.npyio lib.recfunctions lib.scimath lib.stride_tricks linalg ma ma.extras "
    "ma.mrecords polynomial polynomial.chebyshev polynomial.hermite polynomial.hermite_e "
    "polynomial.laguerre polynomial.legendre polynomial.polynomial random rec strings testing "
    "testing.overrides typing").split()]
# pandas: the namespaces its API test (pandas/tests/api/test_api.py) calls public, plus the two
# modules its API reference documents by path (pandas.io.formats.style.Styler, pandas.tseries.*).
PANDAS_MODULES = ["pandas"] + ["pandas." + s for s in (
    "api.executors api.extensions api.indexers api.interchange api.internals api.types api.typing "
    "arrays errors io.formats.style plotting testing tseries.frequencies tseries.offsets").split()]
# scikit-learn: every module without a leading underscore, skipping what
# sklearn.utils.discovery skips (tests, externals, setup, conftest, experimental, estimator_checks)
# and sklearn.utils.fixes (compatibility shims; sklearn's docstring test skips it too).
SKLEARN_SKIP_PARTS = {"tests", "externals", "setup", "conftest", "experimental", "estimator_checks"}
SKLEARN_SKIP_MODULES = {"sklearn.utils.fixes"}
# ... but of estimator_checks, the three functions sklearn's API reference documents
EXTRA_NAMES = {"sklearn.utils.estimator_checks": ["check_estimator", "estimator_checks_generator",
                                                  "parametrize_with_checks"]}
# When one inherited method is reachable through several public classes and none of them defines
# it, its document goes to the first of these owners that has it (then the shortest path).
PREFERRED_OWNERS = ("pandas.DataFrame", "pandas.Series", "scipy.sparse.csr_array")
MIN_BODY_CHARS = 40   # a body shorter than this says nothing a search could match (see README)
NEAR_DUPLICATE_JACCARD = 0.8
SHINGLE = 5

SIGNATURE_LINE = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)\s*\((?P<args>.*)\)\s*(?:->\s*(?P<ret>.+))?$", re.S)
SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]+)\n-{3,}\s*$", re.M)
ROLE = re.compile(r":(?:py:)?[a-z]+:`~?\.?([^`<]+?)(?:\s*<([^>]+)>)?`")
DEPRECATED_DIRECTIVE = re.compile(r"^\.\. deprecated::.*(?:\n(?:[ \t]+.*)?)*", re.M)
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
PREFIXES = {"np.": "numpy.", "pd.": "pandas.", "sp.": "scipy."}


def installed_versions() -> dict[str, str]:
    return {DISTRIBUTIONS[lib]: importlib.metadata.version(DISTRIBUTIONS[lib]) for lib in LIBRARIES}


def public_modules(lib: str) -> list[str]:
    if lib == "numpy":
        return NUMPY_MODULES
    if lib == "scipy":
        from scipy._lib._public_api import PUBLIC_MODULES
        return ["scipy"] + sorted(PUBLIC_MODULES)
    if lib == "pandas":
        return PANDAS_MODULES
    import sklearn
    # the experimental estimators are in sklearn's API reference; importing these makes them public
    importlib.import_module("sklearn.experimental.enable_halving_search_cv")
    importlib.import_module("sklearn.experimental.enable_iterative_imputer")
    names = ["sklearn"]
    for _, name, _ in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
        parts = name.split(".")[1:]
        if name in SKLEARN_SKIP_MODULES or any(p.startswith("_") or p in SKLEARN_SKIP_PARTS for p in parts):
            continue
        names.append(name)
    return sorted(names) + sorted(EXTRA_NAMES)


# --------------------------------------------------------------------------------------------
# Walking the public namespaces
# --------------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One public path to an object; entries with the same key are one document."""
    path: str
    key: int
    obj: Any          # what the docstring is read from
    kind: str         # class, function, method, property, object
    lib: str
    module: str       # the public module the path starts from
    owner: str | None  # the public class path for members
    definer: Any = None  # for members: the class whose __dict__ holds the attribute
    owner_cls: Any = None


@dataclass
class Walk:
    entries: list[Entry] = field(default_factory=list)
    claimed: dict[int, str] = field(default_factory=dict)   # object key -> library that owns it
    skipped: Counter = field(default_factory=Counter)
    keep_alive: list = field(default_factory=list)          # ids must stay unique: keep objects alive


def _quiet_getattr(owner: Any, name: str) -> tuple[Any, bool]:
    """getattr with warnings caught; (value, whether the access itself warned of deprecation)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(owner, name)
    return value, any(issubclass(w.category, (DeprecationWarning, FutureWarning)) for w in caught)


def _module_of(obj: Any) -> str | None:
    try:
        module = getattr(obj, "__module__", None)
    except Exception:  # noqa: BLE001 - some C objects raise on attribute access
        return None
    return module if isinstance(module, str) else None


def _is_ufunc(obj: Any) -> bool:
    import numpy as np
    return isinstance(obj, np.ufunc)


def _belongs(obj: Any, lib: str) -> bool:
    """Whether `obj` is `lib`'s own (not re-exported from the standard library or another package)."""
    if _is_ufunc(obj):
        return True   # ufuncs report no module; the first library to reach one owns it
    module = _module_of(obj)
    return module is not None and module.split(".")[0] == lib


def _key(obj: Any) -> int:
    """The identity of the underlying object: a bound method and its function are one object."""
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    elif isinstance(obj, types.BuiltinMethodType) and not isinstance(getattr(obj, "__self__", None),
                                                                     (types.ModuleType, type(None))):
        owner = obj.__self__ if isinstance(obj.__self__, type) else type(obj.__self__)
        for klass in owner.__mro__:
            if obj.__name__ in vars(klass):
                return id(vars(klass)[obj.__name__])
    return id(obj)


def _own_doc(obj: Any) -> str | None:
    """The object's own docstring (None if it has none or only whitespace)."""
    try:
        doc = obj.__doc__
    except Exception:  # noqa: BLE001
        return None
    return doc if isinstance(doc, str) and doc.strip() else None


def import_public(module_name: str) -> types.ModuleType:
    """Import a module; numpy.char, numpy.emath and numpy.rec are attributes of numpy, not files."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError:
            parent, _, name = module_name.rpartition(".")
            module = getattr(importlib.import_module(parent), name, None)
            if not inspect.ismodule(module):
                raise
            return module


def walk_module(walk: Walk, lib: str, module_name: str) -> None:
    module = import_public(module_name)
    names = getattr(module, "__all__", None)
    defined_here = names is None
    if module_name in EXTRA_NAMES:
        names, defined_here = EXTRA_NAMES[module_name], False
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    for name in sorted(set(names)):
        if name.startswith("_"):
            continue
        try:
            obj, warned = _quiet_getattr(module, name)
        except (AttributeError, ImportError):
            walk.skipped["listed in __all__ but missing"] += 1
            continue
        if warned:
            walk.skipped["module attribute whose access warns of deprecation"] += 1
            continue
        if inspect.ismodule(obj):
            continue
        if defined_here and _module_of(obj) != module_name and not _is_ufunc(obj):
            continue   # a module without __all__: only what it defines (not its imports)
        if not _belongs(obj, lib):
            continue
        path = f"{module_name}.{name}"
        if inspect.isclass(obj):
            add(walk, Entry(path, _key(obj), obj, "class", lib, module_name, None))
            walk_class(walk, lib, module_name, path, obj, depth=0)
        elif inspect.isroutine(obj) or _is_ufunc(obj):
            add(walk, Entry(path, _key(obj), obj, "function", lib, module_name, None))
        elif type(obj).__name__ == "PytestTester":
            walk.skipped["test runners (numpy.test, scipy.test)"] += 1
        elif _belongs(type(obj), lib) and _own_doc(obj) is not None and (
                not _public_class(type(obj)) or obj.__doc__ != type(obj).__doc__):
            # documented objects such as scipy.stats.norm (an rv_continuous instance) or numpy.r_;
            # not pandas.NA, whose docstring is its public class's (pandas.api.typing.NAType)
            add(walk, Entry(path, _key(obj), obj, "object", lib, module_name, None))


def _public_class(klass: type) -> bool:
    return not klass.__name__.startswith("_") and not any(
        p.startswith("_") for p in (_module_of(klass) or "_").split("."))


def add(walk: Walk, entry: Entry) -> None:
    owner = walk.claimed.setdefault(entry.key, entry.lib)
    if owner != entry.lib:
        entry.lib = owner
    walk.keep_alive.append(entry.obj)
    walk.entries.append(entry)


def _definer(klass: type, name: str) -> type | None:
    for base in inspect.getmro(klass):
        if name in vars(base):
            return base
    return None


def walk_class(walk: Walk, lib: str, module_name: str, class_path: str, klass: type, depth: int) -> None:
    """Add the public methods, properties and accessor classes of `klass` reached at `class_path`."""
    for name in sorted(dir(klass)):
        if name.startswith("_"):
            continue
        definer = _definer(klass, name)
        if definer is None or not _belongs(definer, lib):
            continue   # inherited from object, float, dict, Exception ... or only on the metaclass
        raw = vars(definer)[name]
        path = f"{class_path}.{name}"
        if type(raw).__name__ == "RequestMethod":
            walk.skipped["sklearn set_*_request methods (generated by metadata routing)"] += 1
            continue
        try:
            value, warned = _quiet_getattr(klass, name)
        except Exception:  # noqa: BLE001 - descriptors that refuse class access
            value, warned = raw, False
        if warned:
            walk.skipped["class attribute whose access warns of deprecation"] += 1
            continue
        if inspect.isclass(value):
            if depth == 0 and _belongs(value, lib) and value is not klass:
                add(walk, Entry(path, _key(value), value, "class", lib, module_name, class_path, definer, klass))
                walk_class(walk, lib, module_name, path, value, depth + 1)
            continue
        target = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        if inspect.isroutine(target) or _is_ufunc(target):
            add(walk, Entry(path, _key(target), target, "method", lib, module_name, class_path, definer, klass))
        elif hasattr(type(raw), "__get__") and not callable(raw):
            doc = _own_doc(raw)
            if doc is not None and doc != getattr(type(raw), "__doc__", None):
                add(walk, Entry(path, _key(raw), raw, "property", lib, module_name, class_path, definer, klass))


# --------------------------------------------------------------------------------------------
# Docstrings
# --------------------------------------------------------------------------------------------
# scipy.stats writes the examples of Normal, Uniform, Logistic and Binomial at import time, drawing
# `X.sample(shape=(4,))` unseeded: the one text that changes from run to run. Its output becomes
# doctest's "...", the only edit this script makes to any docstring's words.
UNSEEDED_SAMPLE = re.compile(r"(>>> X\.sample\(shape=\(4,\)\)\n)array\(\[[^\]]*\]\)(  # may vary)")


def clean_text(doc: str) -> str:
    text = inspect.cleandoc(doc.replace("\r\n", "\n").expandtabs(8))
    text = UNSEEDED_SAMPLE.sub(r"\1...\2", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _next_paragraph(text: str) -> tuple[str, str]:
    match = re.search(r"\n[ \t]*\n", text)
    return (text[:match.start()], text[match.end():].lstrip("\n")) if match else (text, "")


def split_doc(doc: str, name: str, ufunc: bool = False) -> tuple[str, str, str]:
    """(signature the docstring starts with or "", summary paragraph, the rest) of a cleaned docstring.

    Leading signature paragraphs are what numpy's ufuncs ("add(x1, x2, /, out=None, ...)"), ndarray
    methods ("a.sum(axis=None, ...)"), Cython functions and C types ("BoolDType()\n--") put where
    the summary belongs; scipy.special's ufuncs carry two. The last one is kept as the signature.
    """
    doc_signature, rest = "", doc
    while rest:
        first, after = _next_paragraph(rest)
        joined = " ".join(line.strip() for line in first.split("\n"))
        marked = re.fullmatch(r"(.*\))\s*--", joined)   # CPython's text-signature marker
        match = SIGNATURE_LINE.match(marked[1] if marked else joined)
        if not (match and after and (marked or ufunc or match["name"].split(".")[-1] in (name, "a", "self"))):
            break
        doc_signature = f"({match['args']})" + (f" -> {match['ret'].strip()}" if match["ret"] else "")
        rest = after
    first, after = _next_paragraph(rest)
    lines = first.split("\n")
    for i in range(len(lines) - 1):     # a section header right under the summary, with no blank line
        if re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            first, after = "\n".join(lines[:i]), "\n".join(lines[i:]) + ("\n\n" + after if after else "")
            break
    if first.startswith(".. ") or not first.strip():
        return doc_signature, "", rest      # a directive (".. warning::") or a section where the summary belongs
    return doc_signature, " ".join(line.strip() for line in first.split("\n")), after.strip("\n")


def signature_of(entry: Entry, doc_signature: str) -> str:
    """The signature the docstring opens with if any (its authors wrote it), else inspect's."""
    if doc_signature or entry.kind == "property":
        return "" if entry.kind == "property" else ADDRESS.sub("", doc_signature)
    obj = entry.obj
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sig = inspect.signature(obj.fget if isinstance(obj, property) else obj)
    except (TypeError, ValueError):
        return doc_signature
    params = list(sig.parameters.values())
    if entry.kind == "property":
        return ""
    if entry.kind == "method" and params and params[0].name in ("self", "cls"):
        params = params[1:]
    # annotations dropped: pandas' string annotations double a signature's length and no docs page shows them
    params = [p.replace(annotation=inspect.Parameter.empty) for p in params]
    text = str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))
    return ADDRESS.sub("", text)


# A top-level deprecation note about part of a callable, not the callable: an argument passed by
# position (scipy), a directive or an index notation, a return type that will change (pandas).
PARTIAL_DEPRECATION = re.compile(r"\b(argument|parameter|keyword|by position|positional|directive|notation|"
                                 r"will return|For :class:)", re.I)


def deprecation(summary: str, body: str) -> tuple[str | None, bool]:
    """(version or "yes" if the callable itself is deprecated, else None; whether a note deprecates a part of it).

    Only `.. deprecated::` directives at column 0 count: an indented one sits under a parameter.
    """
    if summary.upper().startswith("DEPRECATED"):
        return "yes", False
    partial = False
    for match in DEPRECATED_DIRECTIVE.finditer(body):
        block = match[0].split("\n")
        version = block[0].removeprefix(".. deprecated::").strip().split(" ")[0]
        note = " ".join(line.strip() for line in block[1:] if line.strip())[:200]
        if PARTIAL_DEPRECATION.search(note):
            partial = True
            continue
        return version or "yes", partial
    return None, partial


def see_also_targets(body: str) -> list[str]:
    """The names a numpydoc See Also section lists, in order (roles and backticks removed)."""
    match = re.search(r"^See Also\n-{3,}\s*$", body, re.M)
    if not match:
        return []
    rest = body[match.end():]
    end = SECTION.search(rest)
    section = rest[:end.start()] if end else rest
    # a `.. directive::` or reST link target ends the section too
    targets = []
    for line in section.split("\n"):
        if not line.strip() or line.startswith((" ", "\t")):
            continue   # a description line
        if line.startswith(".."):
            break
        names = re.split(r"\s*:(?=\s|$)", ROLE.sub(lambda m: m[2] or m[1], line), maxsplit=1)[0]
        for part in names.split(","):
            target = part.strip().strip("`").strip()
            target = target.lstrip("~").lstrip(".").removesuffix("()")
            if target and re.fullmatch(r"[A-Za-z_][\w.]*", target):
                targets.append(target)
            elif target:
                targets.append(target)
    return list(dict.fromkeys(targets))


def resolve(target: str, doc: dict, names: dict[str, str]) -> str | None:
    """The doc_id a See Also target of `doc` names, looked up as numpydoc would (owner, module, library)."""
    for short, long in PREFIXES.items():
        if target.startswith(short):
            target = long + target[len(short):]
    candidates = [target]
    if doc["owner"]:
        candidates.append(f"{doc['owner']}.{target}")
    if doc["kind"] == "class":
        candidates.append(f"{doc['doc_id']}.{target}")
    module = doc["module"]
    while module:
        candidates.append(f"{module}.{target}")
        module = module.rpartition(".")[0]
    for candidate in candidates:
        if candidate in names:
            return names[candidate]
    return None


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------
def canonical(entries: list[Entry]) -> Entry:
    """The path a group's document is filed under.

    In order: a path through the class that defines the attribute; one that uses the object's own
    __name__ (numpy.absolute, not numpy.abs); the most general public class that has it (a base of
    the others: sklearn.base.BaseEstimator.get_metadata_routing, not SVC's); fewest dots
    (numpy.random.rand, not numpy.random.RandomState.rand); PREFERRED_OWNERS; shortest; alphabetical.
    """
    owners = {id(e.owner_cls): e.owner_cls for e in entries if e.owner_cls is not None}

    def rank(e: Entry) -> tuple:
        on_definer = e.owner is None or e.owner_cls is e.definer
        own_name = getattr(e.obj, "__name__", None) in (None, e.path.rsplit(".", 1)[-1])
        subclasses = 0 if e.owner_cls is None else sum(
            1 for o in owners.values() if o is not e.owner_cls and e.owner_cls in inspect.getmro(o))
        preferred = next((i for i, p in enumerate(PREFERRED_OWNERS)
                          if e.owner and (e.owner == p or e.owner.startswith(p + "."))), len(PREFERRED_OWNERS))
        return (not on_definer, not own_name, -subclasses, e.path.count("."), preferred, len(e.path), e.path)
    return min(entries, key=rank)


def shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}


def near_duplicates(docs: list[dict]) -> dict[str, list[str]]:
    """Pairs with Jaccard >= NEAR_DUPLICATE_JACCARD on word 5-shingles, found by MinHash LSH, checked exactly."""
    import numpy as np
    sets = [shingles(d["summary"] + "\n" + d["body"]) for d in docs]
    n_hash, bands = 64, 16
    rows = n_hash // bands
    rng = np.random.default_rng(0)
    prime = np.uint64((1 << 61) - 1)
    a = rng.integers(1, 1 << 61, n_hash, dtype=np.uint64)
    b = rng.integers(0, 1 << 61, n_hash, dtype=np.uint64)
    signatures = np.empty((len(docs), n_hash), dtype=np.uint64)
    for i, s in enumerate(sets):
        h = np.array([int.from_bytes(hashlib.blake2b(x.encode(), digest_size=7).digest(), "little") for x in s],
                     dtype=np.uint64)
        signatures[i] = ((np.outer(h, a) + b) % prime).min(axis=0)   # wraps mod 2**64 first: still a hash
    candidates = set()
    for band in range(bands):
        buckets = defaultdict(list)
        for i, row in enumerate(signatures[:, band * rows:(band + 1) * rows]):
            buckets[row.tobytes()].append(i)
        for members in buckets.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    candidates.add((members[x], members[y]))
    found = defaultdict(list)
    for i, j in sorted(candidates):
        jaccard = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        if jaccard >= NEAR_DUPLICATE_JACCARD:
            found[docs[i]["doc_id"]].append(docs[j]["doc_id"])
            found[docs[j]["doc_id"]].append(docs[i]["doc_id"])
    return {k: sorted(v) for k, v in found.items()}


def _inherited(entry: Entry) -> tuple[int, str] | None:
    """For a member with no docstring: (key, docstring) of the nearest base-class attribute that has one."""
    if entry.definer is None:
        return None
    name = entry.path.rsplit(".", 1)[-1]
    for base in inspect.getmro(entry.definer)[1:]:
        if name in vars(base):
            raw = vars(base)[name]
            target = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
            if _own_doc(target) is not None:
                return _key(target), _own_doc(target)
    return None


def source_of(entry: Entry) -> str | None:
    """The file the docstring was written in, relative to site-packages (None for ufuncs and generated code)."""
    obj = entry.obj
    if isinstance(obj, property):
        obj = obj.fget
    if entry.kind == "object":
        obj = type(obj)
    obj = getattr(obj, "_implementation", obj)   # numpy's array-function dispatchers wrap a Python function
    obj = getattr(obj, "fn", obj) if callable(getattr(obj, "fn", None)) else obj   # sklearn's available_if
    try:
        obj = inspect.unwrap(obj)   # a decorator's wrapper (functools.wraps) lives in the decorator's file
    except ValueError:
        pass
    path = None
    try:
        path = inspect.getsourcefile(obj)
    except (TypeError, OSError):
        code = getattr(obj, "__code__", None) or getattr(getattr(obj, "__func__", None), "__code__", None)
        path = getattr(code, "co_filename", None)
    if path is None and inspect.isclass(obj):
        path = getattr(sys.modules.get(obj.__module__), "__file__", None)
    if not path or path.startswith("<"):
        return None
    root = site_packages()
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return path if not Path(path).is_absolute() else None   # Cython records a relative .pyx path


COPYRIGHT = re.compile(r"^[\W_]*(copyright\b(?! notice| holder).*)", re.I)


def file_notices(docs: list[dict]) -> list[tuple[str, int, list[str]]]:
    """Source files of documents whose header names a copyright holder: (file, documents, lines)."""
    per_file = Counter(d["source"] for d in docs if d["source"])
    out = []
    for rel, n in sorted(per_file.items()):
        path = site_packages() / rel
        if path.suffix not in (".py", ".pyx", ".pxi") or not path.is_file():
            continue
        head = path.read_text(encoding="utf-8", errors="replace").split("\n")[:60]
        lines = []
        for i, line in enumerate(head):
            if not (m := COPYRIGHT.match(line)):
                continue
            text = m[1].strip()
            for following in head[i + 1:i + 3]:   # a holder's name that runs on to the next line
                more = following.strip(" #*")
                if text.endswith(".") or not more or re.match(r"(Copyright|All rights|Redistribution|Permission|"
                                                               r"Author|Licen|THIS|Released|Distributed)", more, re.I):
                    break
                text += " " + more
            if text not in lines:
                lines.append(text)
        if lines:
            out.append((rel, n, lines))
    return out


def make_doc(members: list[Entry], raw: str | None, dropped: Counter, dropped_ids: dict) -> dict | None:
    """The document of one group of paths to one docstring, or None (counted) if cleaning drops it."""
    head = canonical(members)
    text = clean_text(raw) if raw is not None else ""
    doc_signature, summary, body = (split_doc(text, head.path.rsplit(".", 1)[-1], _is_ufunc(head.obj))
                                    if text else ("", "", ""))
    deprecated, partial = deprecation(summary, body)
    reason = None
    if raw is None:
        reason = "no docstring"
    elif not summary:
        reason = "no summary line (the docstring starts with a section or a directive)"
    elif deprecated and len(DEPRECATED_DIRECTIVE.sub("", body).strip()) < MIN_BODY_CHARS:
        reason = "deprecated stub (the body is only the deprecation notice)"
    elif len(body) < MIN_BODY_CHARS:
        reason = f"summary only, or a body under {MIN_BODY_CHARS} characters"
    if reason:
        dropped[reason] += 1
        dropped_ids[reason].append(head.path)
        return None
    paths = sorted({e.path for e in members})
    return {
        "doc_id": head.path, "library": head.lib, "module": head.module,
        "name": head.path.rsplit(".", 1)[-1], "kind": head.kind, "owner": head.owner,
        "signature": signature_of(head, doc_signature), "summary": summary, "body": body,
        "deprecated": deprecated, "partly_deprecated": partial, "aliases": [p for p in paths if p != head.path],
        "defined_in": _module_of(head.definer) if head.definer is not None else _module_of(head.obj),
        "source": source_of(head),
    }


def collect() -> tuple[list[dict], dict]:
    walk = Walk()
    for lib in LIBRARIES:
        for module_name in public_modules(lib):
            walk_module(walk, lib, module_name)
    groups: dict[int, list[Entry]] = defaultdict(list)
    for entry in walk.entries:
        groups[entry.key].append(entry)
    dropped, dropped_ids = Counter(walk.skipped), defaultdict(list)
    docs, key_to_doc, undocumented = [], {}, defaultdict(list)
    for key, members in groups.items():
        raw = _own_doc(members[0].obj)
        if raw is None and (parent := _inherited(canonical(members))) is not None:
            undocumented[parent].extend(members)   # an override without a docstring: help() shows the parent's
            continue
        doc = make_doc(members, raw, dropped, dropped_ids)
        if doc is not None:
            docs.append(doc)
            key_to_doc[key] = doc
    for (parent_key, parent_doc), members in undocumented.items():
        if parent_key in key_to_doc:   # the parent is a document: these paths are names of it
            key_to_doc[parent_key]["aliases"] = sorted(set(key_to_doc[parent_key]["aliases"])
                                                        | {e.path for e in members})
            dropped["overrides without a docstring: aliases of the parent method whose docstring help() shows"] += len(
                {e.key for e in members})
        elif (doc := make_doc(members, parent_doc, dropped, dropped_ids)) is not None:
            docs.append(doc)           # the parent is not public: one document, with the inherited docstring
            dropped["overrides without a docstring, parent not public: one document per inherited docstring"] += len(
                {e.key for e in members}) - 1
    docs.sort(key=lambda d: d["doc_id"])
    all_paths = {p: d["doc_id"] for d in docs for p in [d["doc_id"], *d["aliases"]]}
    link_stats = Counter()
    for doc in docs:
        resolved, unresolved = [], []
        for target in see_also_targets(doc["body"]):
            doc_id = resolve(target, doc, all_paths)
            if doc_id is None:
                doc_id = resolve_by_object(target, doc, key_to_doc)
            if doc_id == doc["doc_id"]:
                link_stats["self"] += 1
            elif doc_id is not None:
                resolved.append(doc_id)
            else:
                unresolved.append(target)
        doc["see_also"] = list(dict.fromkeys(resolved))
        doc["see_also_unresolved"] = unresolved
    by_text = defaultdict(list)
    for doc in docs:
        by_text[(doc["summary"], doc["body"])].append(doc["doc_id"])
    near = near_duplicates(docs)
    for doc in docs:
        same = by_text[(doc["summary"], doc["body"])]
        doc["duplicates"] = [d for d in same if d != doc["doc_id"]]
        doc["near_duplicates"] = [d for d in near.get(doc["doc_id"], []) if d not in same]
    return docs, {"dropped": dict(sorted(dropped.items())), "self_links": link_stats["self"],
                  "dropped_ids": {k: sorted(v) for k, v in sorted(dropped_ids.items())}}


def _find_object(path: str) -> tuple[Any, Any]:
    """(object, raw class attribute or None) that a dotted path names, importing its module; (None, None)."""
    parts = path.split(".")
    if parts[0] not in LIBRARIES:
        return None, None
    obj, i = None, len(parts)
    while i > 0:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = importlib.import_module(".".join(parts[:i]))
            break
        except Exception:  # noqa: BLE001 - not a module: try a shorter prefix
            i -= 1
    if obj is None:
        return None, None
    raw = None
    for name in parts[i:]:
        definer = _definer(obj, name) if inspect.isclass(obj) else None
        raw = vars(definer)[name] if definer is not None else None
        try:
            obj, _ = _quiet_getattr(obj, name)
        except Exception:  # noqa: BLE001
            return None, None
    return obj, raw


def resolve_by_object(target: str, doc: dict, key_to_doc: dict[int, dict]) -> str | None:
    """A See Also target written as a private path (pandas' core.resample.Resampler.mean): find the object."""
    for short, long in PREFIXES.items():
        if target.startswith(short):
            target = long + target[len(short):]
    for candidate in (target, f"{doc['library']}.{target}"):
        obj, raw = _find_object(candidate)
        if obj is None:
            continue
        for thing in (raw, obj):
            if thing is None:
                continue
            thing = thing.__func__ if isinstance(thing, (classmethod, staticmethod)) else thing
            if _key(thing) in key_to_doc:
                return key_to_doc[_key(thing)]["doc_id"]
    return None


FIELDS = ("doc_id", "library", "module", "name", "kind", "owner", "signature", "summary", "body",
          "see_also", "see_also_unresolved", "aliases", "duplicates", "near_duplicates", "deprecated",
          "defined_in", "source")


def to_jsonl(docs: list[dict]) -> bytes:
    lines = [json.dumps({k: d[k] for k in FIELDS}, ensure_ascii=False, separators=(",", ":")) for d in docs]
    return ("\n".join(lines) + "\n").encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# The snapshot: corpus, licences, manifest, README
# --------------------------------------------------------------------------------------------
def site_packages() -> Path:
    import numpy
    return Path(numpy.__file__).resolve().parents[1]


def dist_info(distribution: str) -> Path:
    dist = importlib.metadata.distribution(distribution)
    return Path(dist._path)  # noqa: SLF001 - the installed .dist-info folder


# (file written under LICENSES/, the distribution, its path inside that distribution's dist-info,
#  what it covers). numpy's dist-info also lists licences of vendored C code (libdivide, highway,
#  SVML, pocketfft, lapack_lite, dragon4, x86-simd-sort, pythoncapi-compat, the bit generators' C
#  sources) which no docstring comes from; the two below cover Python-level docstrings.
LICENCE_FILES = (
    ("numpy.txt", "numpy", "licenses/LICENSE.txt", "numpy"),
    ("numpy-random.txt", "numpy", "licenses/numpy/random/LICENSE.md", "numpy.random"),
    ("numpy-ma.txt", "numpy", "licenses/numpy/ma/LICENSE", "numpy.ma"),
    ("scipy.txt", "scipy", "LICENSE.txt", "scipy"),
    ("pandas.txt", "pandas", "licenses/LICENSE", "pandas"),
    ("scikit-learn.txt", "scikit-learn", "licenses/COPYING", "scikit-learn"),
)


def licences() -> dict[str, bytes]:
    return {name: (dist_info(dist) / inner).read_bytes() for name, dist, inner, _ in LICENCE_FILES}


def copyright_lines(text: str) -> list[str]:
    lines = []
    for line in text.split("\n"):
        line = line.strip(" *#")
        if line.startswith("Copyright") and line not in lines:
            lines.append(line)
        if line.startswith("----"):   # the library's own licence ends where the bundled parts begin
            break
    return lines


def manifest(docs: list[dict], stats: dict, data: bytes) -> dict:
    counts = defaultdict(Counter)
    for d in docs:
        counts[d["library"]][d["kind"]] += 1
    links = Counter()
    for d in docs:
        links["documents"] += 1
        links["with_see_also"] += bool(d["see_also"] or d["see_also_unresolved"])
        links["with_resolved_see_also"] += bool(d["see_also"])
        links["resolved_links"] += len(d["see_also"])
        links["unresolved_links"] += len(d["see_also_unresolved"])
    return {
        "format": FORMAT,
        "versions": installed_versions(),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "documents": len(docs),
        "with_source": sum(d["source"] is not None for d in docs),
        "corpus_jsonl_sha256": hashlib.sha256(data).hexdigest(),
        "counts": {lib: dict(sorted(counts[lib].items())) for lib in LIBRARIES},
        "dropped": stats["dropped"],
        "see_also": dict(links, self_links_removed=stats["self_links"]),
        "flags": {"deprecated": sum(bool(d["deprecated"]) for d in docs),
                  "partly_deprecated_not_flagged": sum(d["partly_deprecated"] and not d["deprecated"] for d in docs),
                  "with_aliases": sum(bool(d["aliases"]) for d in docs),
                  "alias_paths": sum(len(d["aliases"]) for d in docs),
                  "with_duplicates": sum(bool(d["duplicates"]) for d in docs),
                  "with_near_duplicates": sum(bool(d["near_duplicates"]) for d in docs)},
        "licensed_under": {cover: sum(d["defined_in"] is not None and (d["defined_in"] + ".").startswith(cover + ".")
                                     for d in docs)
                           for name, _, _, cover in LICENCE_FILES if cover.count(".")},
    }


def readme(m: dict, licence_texts: dict[str, bytes], notices: list) -> str:
    kinds = ("class", "function", "method", "property", "object")
    rows = [f"| {lib} {m['versions'][DISTRIBUTIONS[lib]]} | " + " | ".join(
        f"{m['counts'][lib].get(k, 0):,}" for k in kinds) + f" | {sum(m['counts'][lib].values()):,} |"
        for lib in LIBRARIES]
    total = " | ".join(f"{sum(m['counts'][lib].get(k, 0) for lib in LIBRARIES):,}" for k in kinds)
    dropped = "\n".join(f"| {reason} | {n:,} |" for reason, n in m["dropped"].items())
    lic = []
    for name, dist, inner, cover in LICENCE_FILES:
        text = licence_texts[name].decode("utf-8")
        what = {"numpy": "NumPy, BSD-3-Clause", "numpy.random": "the numpy.random package, dual NCSA / BSD-3-Clause",
                "numpy.ma": "the numpy.ma package, BSD-3-Clause", "scipy": "SciPy, BSD-3-Clause",
                "pandas": "pandas, BSD-3-Clause", "scikit-learn": "scikit-learn, BSD-3-Clause"}[cover]
        extra = (f" ({m['licensed_under'][cover]:,} documents are defined in {cover})"
                 if cover in m["licensed_under"] else "")
        lic.append(f"| `LICENSES/{name}` | {what}{extra} | {'; '.join(copyright_lines(text))} | "
                   f"`{dist}-{m['versions'][dist]}.dist-info/{inner}` |")
    sa = m["see_also"]
    flags = m["flags"]
    return README.format(
        numpy=m["versions"]["numpy"], scipy=m["versions"]["scipy"], pandas=m["versions"]["pandas"],
        sklearn=m["versions"]["scikit-learn"], python=m["python"], platform=m["platform"],
        documents=f"{m['documents']:,}", rows="\n".join(rows), total=total,
        dropped=dropped, licences="\n".join(lic), min_body=MIN_BODY_CHARS, jaccard=NEAR_DUPLICATE_JACCARD,
        shingle=SHINGLE, with_see_also=f"{sa['with_see_also']:,}", resolved=f"{sa['resolved_links']:,}",
        with_resolved=f"{sa['with_resolved_see_also']:,}", unresolved=f"{sa['unresolved_links']:,}",
        self_links=f"{sa['self_links_removed']:,}", deprecated=f"{flags['deprecated']:,}",
        partly=f"{flags['partly_deprecated_not_flagged']:,}",
        with_aliases=f"{flags['with_aliases']:,}", alias_paths=f"{flags['alias_paths']:,}",
        with_duplicates=f"{flags['with_duplicates']:,}", with_near=f"{flags['with_near_duplicates']:,}",
        no_source=f"{m['documents'] - m['with_source']:,}",
        notices="\n".join(f"| `{f}` | {n:,} | {'; '.join(lines)} |" for f, n, lines in notices),
        sha=m["corpus_jsonl_sha256"])


README = """# API reference of numpy, scipy, pandas and scikit-learn

The docstrings of the public API of the four libraries this course pins, one document per
documented public callable: numpy {numpy}, scipy {scipy}, pandas {pandas}, scikit-learn {sklearn}.
They were read with `inspect` from the installed packages (Python {python}, {platform}) by
`scripts/build_apidocs.py`, which also wrote this file; nobody on the project wrote or edited the
text. The corpus of notebooks 11-14. {documents} documents in `corpus.jsonl.gz` (JSON Lines, UTF-8,
one document a line, sorted by `doc_id`; `manifest.json` holds the counts and the SHA-256 of the
uncompressed JSON Lines: {sha}).

| library | class | function | method | property | object | documents |
|---|---|---|---|---|---|---|
{rows}
| **all** | {total} | **{documents}** |

## Rebuilding

`.venv/bin/python scripts/build_apidocs.py --check` rebuilds in memory and compares with these
files; the same installed versions give byte-identical JSON Lines. Docstrings change between
releases, so the script refuses to run when an installed version differs from `manifest.json`;
`--rebuild` writes a new snapshot from whatever is installed. numpy's scalar-type docstrings name
the platform ("Alias on this platform (Linux x86_64)"), so another platform gives other text.

## What is a document

- **Public** means reached from a public module: numpy's and scipy's own lists of public modules
  (`numpy/tests/test_public_api.py`, `scipy._lib._public_api`), pandas's public namespaces (its
  `pandas/tests/api/test_api.py`, plus `pandas.io.formats.style` and `pandas.tseries.*`), every
  scikit-learn module without a leading underscore except those `sklearn.utils.discovery` skips
  (tests, externals, experimental, estimator_checks: its three documented functions are kept) and
  `sklearn.utils.fixes`. A module's names are its `__all__`, or, without one, the public names it
  defines itself (not its imports). Anything from outside the library (the standard library,
  another package) is left out. scikit-learn's experimental estimators are enabled first.
- **Callables**: functions (numpy ufuncs included), classes (exceptions and warnings too), the public
  methods of public classes, their properties, and accessor classes such as `pandas.Series.str`,
  whose methods are documents too (`pandas.Series.str.contains`). Properties are kept: pandas and
  numpy document them as API entries (`pandas.DataFrame.shape`, `numpy.ndarray.T`) and people
  search for them; plain data attributes (constants, class attributes) are not callables and have
  no docstring of their own. Dunder methods are left out: the class docstring documents the
  constructor. `object` is a documented instance: `scipy.stats.norm`, `numpy.r_`, `pandas.IndexSlice`.
- **One document per object.** An object reached by several public names is one document filed
  under one `doc_id`, the others listed in `aliases`: `numpy.absolute` (alias `numpy.abs`),
  `pandas.DataFrame.head` (alias `pandas.Series.head`: one function shared by both classes),
  `sklearn.base.BaseEstimator.get_params` (every estimator inherits that one function). The
  `doc_id` is, in order: the path through the class that defines the attribute; the one that uses
  the object's own name; the most general public class that has it; the fewest dots; pandas's
  DataFrame, then Series; the shortest. An override with no docstring of its own, which `help()`
  shows with its parent's, is an alias of the parent's document ({with_aliases} documents have
  aliases, {alias_paths} alias paths in all).
- **Identical and near-identical texts of different objects are kept and marked.** `pandas.Series.sum`
  and `pandas.DataFrame.sum`, or `numpy.log2` and `numpy.ma.log2`, are different callables a user
  may want, so dropping one would remove a right answer; but a search cannot tell them apart, so a
  judged set must count any member as right. `duplicates` lists the documents with exactly the same
  summary and body ({with_duplicates} documents have some), `near_duplicates` those whose word
  {shingle}-shingles have a Jaccard similarity of at least {jaccard} (MinHash candidates, checked
  exactly; {with_near} documents).

## Cleaning

| removed | count |
|---|---|
{dropped}

- The summary is numpydoc's short summary, the docstring's first paragraph. Where a signature
  stands in its place (numpy's ufuncs and `ndarray` methods, Cython functions, C types, and
  scipy.special's ufuncs, which carry two), the signature paragraphs are moved to `signature` and
  the next paragraph is the summary. A docstring that starts with a section or a directive has no
  summary.
- A body under {min_body} characters (summary only, or "Returns self") gives a search nothing to find.
- Deprecated callables with a real docstring are kept and flagged ({deprecated} documents): they are
  still in the API and a user may still look them up. Stubs whose body is only the deprecation
  notice are removed. A top-level deprecation note about part of a callable (an argument passed by
  position, an index notation, a return type that will change) does not flag it ({partly} documents).
- scikit-learn's `set_fit_request`, `set_score_request` ... are generated per class by its metadata
  routing from one template, with no text of their own.

## Fields

| field | meaning |
|---|---|
| `doc_id` | the canonical public dotted path, e.g. `pandas.DataFrame.dropna` |
| `library` | `numpy`, `scipy`, `pandas` or `sklearn` |
| `module` | the public module the path starts from (`pandas`, `sklearn.linear_model`) |
| `name` | the last part of `doc_id` |
| `kind` | `class`, `function`, `method`, `property` or `object` (a documented instance) |
| `owner` | for methods and properties, the public class path they are filed under; else null |
| `signature` | `(x1, x2, /, out=None, ...)`: the one the docstring opens with, else `inspect.signature` without annotations; empty where neither exists and for properties |
| `summary` | numpydoc's short summary (the first paragraph, lines joined) |
| `body` | the rest of the docstring, as written (dedented; Parameters, Returns, See Also, Examples ...) |
| `see_also` | the doc_ids the numpydoc See Also section names, resolved as Sphinx would (own class, own module, parent modules, library); self-links removed |
| `see_also_unresolved` | See Also targets that name no document here (the standard library, matplotlib, a module, a user-guide label, a removed document) |
| `aliases` | the other public paths of the same object, sorted |
| `duplicates` | documents of other objects with the same summary and body |
| `near_duplicates` | documents with Jaccard >= {jaccard} on word {shingle}-shingles, not exact duplicates |
| `deprecated` | the version in a `.. deprecated::` directive at the docstring's top level that deprecates the callable (or "yes" for a "DEPRECATED:" summary); null if not deprecated |
| `defined_in` | the `__module__` of the object or of the class defining it (`pandas.core.generic`; libraries set some to the public module, e.g. `pandas`) |
| `source` | the file holding the docstring, relative to site-packages (`pandas/core/generic.py`); null where Python cannot tell |

See Also: {with_see_also} documents have a See Also section; {with_resolved} of them link to other
documents here, with {resolved} resolved links in all; {unresolved} targets stay unresolved and
{self_links} self-links were removed.

## Licences

Each library's docstrings are its contributors' and are distributed under that library's licence,
whose text is copied from the installed dist-info into `LICENSES/`. Not all of them are the
library's alone:

- two numpy packages carry licences of their own, copied here too: `numpy.random` (NCSA or
  BSD-3-Clause, Kevin Sheppard) and `numpy.ma` (BSD-3-Clause, University of Georgia and Pierre G.F.
  Gerard-Marchant); `defined_in` tells which documents are theirs;
- some source files keep their original authors' copyright lines; each is listed below with the
  number of documents whose docstring it holds (the `source` field). Those that state a licence
  state a permissive one (BSD-2/3-Clause, MIT, "the SciPy license", "released for unlimited
  redistribution"); the others give only the copyright line and come with the library under its
  licence (the headers were read for the versions above: re-read them after a rebuild). BSD and
  MIT ask that copyright lines travel with copies, which this table does.

The numpy and scipy licence files go on with the licences of the compiled libraries their wheels
bundle (OpenBLAS, LAPACK, the GCC runtime ...), and numpy's dist-info holds licences for vendored C
code (libdivide, Highway, SVML, pocketfft, lapack_lite, dragon4, x86-simd-sort, pythoncapi-compat,
the bit generators' C sources): those cover compiled code, from which no docstring here comes. Every
`source` is a Python or Cython file (or a compiled extension built from one) inside the library's
own package; it is null where Python cannot tell ({no_source} documents: ufuncs, C functions,
properties of Cython classes), whose docstrings are written in the library's own `_add_newdocs`
modules and Cython sources.

| file | covers | copyright | copied from |
|---|---|---|---|
{licences}

| source file with its own copyright lines | documents | copyright lines in its header |
|---|---|---|
{notices}
"""


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def snapshot_files() -> dict[str, bytes]:
    docs, stats = collect()
    data = to_jsonl(docs)
    licence_texts = licences()
    m = manifest(docs, stats, data)
    files = {"corpus.jsonl.gz": gzip_bytes(data),
             "manifest.json": (json.dumps(m, indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
             "README.md": readme(m, licence_texts, file_notices(docs)).encode("utf-8")}
    files.update({f"LICENSES/{name}": text for name, text in licence_texts.items()})
    return files


def check(out: Path, files: dict[str, bytes]) -> int:
    differ = []
    for name, data in files.items():
        path = out / name
        if not path.is_file():
            differ.append(f"{name}: missing")
        elif name.endswith(".gz"):
            if gzip.decompress(path.read_bytes()) != gzip.decompress(data):
                differ.append(f"{name}: different documents")
        elif path.read_bytes() != data:
            differ.append(f"{name}: different")
    if differ:
        print("the snapshot differs from a fresh build: " + "; ".join(differ), file=sys.stderr)
        return 1
    print(f"{out}: identical to a fresh build ({len(files)} files)")
    return 0


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # some docstrings are written at import time from sets (scipy's positional-argument
        # deprecations list their names), whose order follows the string hash seed: fix it
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true",
                        help="build from the installed versions even if they differ from the snapshot's")
    parser.add_argument("--check", action="store_true",
                        help="build in memory and compare with the snapshot, writing nothing")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write (default data/apidocs)")
    args = parser.parse_args()
    versions = installed_versions()
    manifest_path = args.out / "manifest.json"
    if manifest_path.is_file() and not args.rebuild:
        recorded = json.loads(manifest_path.read_text(encoding="utf-8"))["versions"]
        if recorded != versions:
            differ = ", ".join(f"{k} {versions[k]} is installed but the snapshot was read from {recorded.get(k)}"
                               for k in versions if versions[k] != recorded.get(k))
            print(f"error: {differ}. Docstrings differ between versions, so a build now would not reproduce "
                  f"{args.out}. Install the pinned versions (make install), or pass --rebuild to replace "
                  "the snapshot with one read from the installed versions.", file=sys.stderr)
            return 2
    elif args.check:
        print(f"error: {manifest_path} does not exist: nothing to check against; build it first "
              "(without --check)", file=sys.stderr)
        return 2
    files = snapshot_files()
    if args.check:
        return check(args.out, files)
    for name, data in sorted(files.items()):
        write_atomic(args.out / name, data)
    print(f"wrote {args.out}: {json.loads(files['manifest.json'])['documents']:,} documents, "
          f"corpus.jsonl.gz {len(files['corpus.jsonl.gz']):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
