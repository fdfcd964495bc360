"""Checks for notebook 06's exercises: each says whether an answer is right and, if not, why.

Introduced in notebooks/06_multimodal_search.ipynb, which imports it as
`from helpers.exercises import nb06 as check`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises._verdict import Verdict, _int_answer, _report


# Exercise 06.1: a factor within this relative distance of the right one is the same answer (float32
# cosines against float64 move the ratio by about 1e-7; trying factors by hand would take many runs).
STRETCH_TOLERANCE = 1e-5


def stretch_to_win(answer: Any, text_vectors: Any, image_vectors: Any, photo: int, share: float = 0.5) -> Verdict:
    """Exercise 06.1: the smallest factor on one photo's vector that makes it rank first under "ip" for `share` of the texts.

    Photo `photo` ranks first for a text t once f * cos(t, photo) exceeds t's best cosine with any other
    photo, so each text switches at the ratio of the two; the answer is the ceil(share * n)-th smallest ratio.
    """
    texts, images = np.asarray(text_vectors, dtype=np.float64), np.asarray(image_vectors, dtype=np.float64)
    cos = texts @ images.T
    own, rival = cos[:, photo], np.delete(cos, photo, axis=1).max(axis=1)
    need = np.sort(np.where(own > 0, rival / own, np.inf))
    wanted = int(np.ceil(share * len(texts)))
    want = float(need[wanted - 1])
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return _report(False, f"answer with one number, the factor f, got {answer!r:.60}")
    got = float(answer)

    def wins(f: float) -> int:
        return int((f * own > rival).sum())

    if abs(got - want) <= STRETCH_TOLERANCE * abs(want):
        return _report(True, f"f = {want:.4f}: from just above it, photo {photo} ranks first for {wanted} of the "
                             f"{len(texts)} texts ({wins(1.0)} at its own length)")
    if got < want:
        return _report(False, f"at f = {got:.4f} photo {photo} ranks first for {wins(got)} of the {len(texts)} texts, "
                              f"fewer than {wanted}: each text switches once f * cos(text, photo {photo}) beats its "
                              "best cosine with any other photo")
    return _report(False, f"at f = {got:.4f} photo {photo} ranks first for {wins(got)} texts, but a smaller factor "
                          f"already reaches {wanted}: find the factor at which the {wanted}th text switches "
                          f"(within a relative {STRETCH_TOLERANCE:g})")


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
