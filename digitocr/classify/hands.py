"""Regional handwriting the MNIST-trained model does not know: continental sevens.

Writers in continental Europe and Latin America cross their 7s and give their 1s a long
up-stroke from the left (real Uruguayan cheques: 47 of their 1s read as 7s by the
model, nearly all their 7s crossed). Where a template says its writers cross their 7s,
a crop the model reads as a 7 with no bar across its stem is a 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .predictor import Predictor

__all__ = ["CrossedSevens", "crossed"]

# The bar across a 7's stem: an ink run at least this share of the digit's width, in a
# row between these shares of its height from the top (the top bar is above them).
_BAR = (0.35, 0.8, 0.45)


def crossed(crop: npt.NDArray[Any]) -> bool:
    """Whether a normalised crop (28x28, white ink) has a bar across the middle of its
    height: a run of ink in one row at least 0.45 of the digit's width."""
    ink = crop > 0.5
    rows, cols = np.nonzero(ink)
    if rows.size == 0:
        return False
    top, h = int(rows.min()), int(rows.max() - rows.min() + 1)
    width = int(cols.max() - cols.min() + 1)
    lo, hi, share = _BAR
    band = ink[top + int(lo * h) : top + int(hi * h) + 1].astype(np.int8)
    # Longest run of ink in each row: the distance between a run's start and its end.
    edges = np.diff(np.pad(band, ((0, 0), (1, 1))), axis=1)
    longest = 0
    for row in edges:
        starts, ends = np.flatnonzero(row == 1), np.flatnonzero(row == -1)
        if starts.size:
            longest = max(longest, int((ends - starts).max()))
    return longest >= share * width


class CrossedSevens:
    """A predictor for writers who cross their 7s: the model's 7 for a crop without a
    bar across its stem goes to 1 (its probability moved, so that segmentation, which
    scores cuts by these probabilities, sees a 1 too). Same interface as Predictor."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.labels = inner.labels
        self.rejects = bool(getattr(inner, "rejects", False))
        self._seven, self._one = self.labels.index("7"), self.labels.index("1")

    def probs(self, crops: Sequence[npt.NDArray[Any]], *, reject: bool = True) -> npt.NDArray[Any]:
        p = np.array(self.inner.probs(crops, reject=reject), copy=True)
        for i in np.flatnonzero(p[:, self._seven] > 0.05):
            if not crossed(crops[int(i)]):
                p[i, self._one] += p[i, self._seven]
                p[i, self._seven] = 0.0
        return p

    __call__ = probs
    predict = Predictor.predict  # argmax and max of these probabilities
