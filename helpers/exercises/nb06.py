"""Checks for notebook 06's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/06_multimodal_search.ipynb, which imports it as
`from helpers.exercises import nb06 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _int_answer, _report


def zero_shot_label(answer: Any, labels: Any, label_vectors: Any, image_vector: Any) -> Verdict:
    """Exercise 06.1: the label whose text vector has the highest cosine with the photo's vector."""
    labels = list(labels)
    scores = np.asarray(label_vectors, dtype=np.float64) @ np.asarray(image_vector, dtype=np.float64)
    want = labels[int(np.argmax(scores))]
    if not isinstance(answer, str) or answer not in labels:
        return _report(False, f"answer with one of the label strings, e.g. {labels[0]!r}; got {answer!r}")
    if answer == want:
        return _report(True, f"{want!r} has the highest cosine ({scores.max():.3f}) with the photo.")
    if answer == labels[int(np.argmin(scores))]:
        return _report(False, "that label has the LOWEST cosine; cosines are similarities: take the argmax")
    return _report(False, f"{answer!r} scores {scores[labels.index(answer)]:.3f}; another label scores higher")


def explained_neighbours(answer: Any, image_vectors: Any, class_probs: Any, classes: Any, photo: int,
                         k: int = 3) -> Verdict:
    """Exercise 06.2: the k nearest other photos, each with the class that both photos' probabilities share most.

    `answer` maps each neighbour's photo index to a class name (the part of `classes[c]` before the
    first comma, or the whole entry). The check recomputes the neighbours from the image vectors and,
    for each, the class c with the largest product class_probs[photo, c] * class_probs[neighbour, c].
    """
    vectors, probs = np.asarray(image_vectors, dtype=np.float64), np.asarray(class_probs, dtype=np.float64)
    names = [c.split(",")[0].strip() for c in classes]
    scores = vectors @ vectors[photo]
    scores[photo] = -np.inf
    want = [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
    if not isinstance(answer, dict) or not all(_int_answer(key) is not None for key in answer):
        return _report(False, f"answer with a dict {{photo index: class name}} for the {k} nearest other photos, "
                              f"got {type(answer).__name__}")
    given = {int(key): value for key, value in answer.items()}
    if photo in given:
        return _report(False, f"photo {photo} is the query itself (cosine 1): leave it out")
    if set(given) != set(want):
        extra = sorted(set(given) - set(want))
        detail = (f"; photo {extra[0]} has cosine {scores[extra[0]]:.3f}, and {k} others score higher"
                  if extra and 0 <= extra[0] < len(scores) else "")
        return _report(False, f"the {k} nearest other photos are not {sorted(given)}{detail}: search the image "
                              "index with the photo's own vector")
    for neighbour in want:
        name = given[neighbour]
        name = name.split(",")[0].strip() if isinstance(name, str) else name
        if not isinstance(name, str) or name not in names:
            return _report(False, f"{given[neighbour]!r} (for photo {neighbour}) is not an ImageNet class name "
                                  "from enc.classes")
        shared = probs[photo] * probs[neighbour]
        best = int(np.argmax(shared))
        mine = shared[names.index(name)]
        if names[best] != name:
            return _report(False, f"for photo {neighbour}, {name!r} gives p(photo {photo}) x p(photo {neighbour}) = "
                                  f"{mine:.2e}, but another class gives {shared[best]:.2e}: multiply the two "
                                  "photos' probabilities class by class and take the largest")
    return _report(True, f"photos {want} are the nearest; each named class is the one both photos' probabilities "
                         "share most")
