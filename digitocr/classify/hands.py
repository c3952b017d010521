"""Regional handwriting the MNIST-trained model does not know: continental 7s and 9s.

Writers in continental Europe and Latin America cross their 7s and give their 1s a long
up-stroke from the left (real Uruguayan cheques: 47 of their 1s read as 7s by the
model, nearly all their 7s crossed). Where a template says its writers cross their 7s,
a crop the model reads as a 7 with no bar across its stem is a 1.

Many of the same writers draw a 9 as a loop on one stroke leaving it from its left or
its bottom, which the model reads as an 8 (38 of those cheques' 9s). Where a template
says so (`looped_nines`), a crop read as an 8 whose only loop is in its upper half, with
nothing under it but one narrow stroke, is a 9: an 8's lower half is as wide as its loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..segment.blobs import mask_holes, row_runs
from .predictor import Predictor

__all__ = ["CrossedSevens", "LoopedNines", "crossed", "loop_on_a_stem"]

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
    _, runs = row_runs(ink[top + int(lo * h) : top + int(hi * h) + 1])
    longest = int(runs.max()) if runs.size else 0  # the longest run of ink in a row
    return longest >= share * width


# The stroke under a 9's loop: the median width of the ink in each row below the loop is
# under this share of the loop's width (the hole's plus a stroke, two pixels at 28x28);
# an 8's lower half, closed or not, is about as wide as its loop (real cheques: 1 of 261
# 8s under it, 24 of 37 9s read as 8s; MNIST: 0.4% of 8s, read right by the model).
_STEM = 0.4
_HOLE = 2  # pixels of a 28x28 crop: a smaller hole is a blot in the ink


def loop_on_a_stem(crop: npt.NDArray[Any]) -> bool:
    """Whether a normalised crop (28x28, white ink) is one loop in the upper half of its
    height with a single narrow stroke under it (a 9, however its tail leaves the loop)."""
    ink = (crop > 0.5).astype(np.uint8)
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return False
    top, bottom = int(rows[0]), int(rows[-1])
    loops = mask_holes(ink, _HOLE)
    if len(loops) != 1:
        return False
    x0, y0, x1, y1 = loops[0]
    if ((y0 + y1) / 2 - top) / (bottom - top + 1) >= 0.5:
        return False
    below = ink[y1 + 1 : bottom + 1].astype(bool)
    if len(below) < 2:
        return False
    widths = [int(np.ptp(c)) + 1 if c.size else 0 for c in map(np.flatnonzero, below)]
    return float(np.median(widths)) < _STEM * (x1 - x0 + 2)


class _Moved:
    """A predictor whose probability for one label moves to another for the crops a
    shape test picks (so that segmentation, which scores cuts by these probabilities,
    sees the other label too). Same interface as Predictor."""

    source, target = "", ""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.labels = inner.labels
        self.rejects = bool(getattr(inner, "rejects", False))
        self._from, self._to = self.labels.index(self.source), self.labels.index(self.target)

    def moves(self, crop: npt.NDArray[Any]) -> bool:
        raise NotImplementedError

    def probs(self, crops: Sequence[npt.NDArray[Any]], *, reject: bool = True) -> npt.NDArray[Any]:
        p = np.array(self.inner.probs(crops, reject=reject), copy=True)
        for i in np.flatnonzero(p[:, self._from] > 0.05):
            if self.moves(crops[int(i)]):
                p[i, self._to] += p[i, self._from]
                p[i, self._from] = 0.0
        return p

    __call__ = probs
    predict = Predictor.predict  # argmax and max of these probabilities


class CrossedSevens(_Moved):
    """For writers who cross their 7s: the model's 7 for a crop without a bar across its
    stem goes to 1."""

    source, target = "7", "1"

    def moves(self, crop: npt.NDArray[Any]) -> bool:
        return not crossed(crop)


class LoopedNines(_Moved):
    """For writers whose 9 is a loop on one stroke from its left: the model's 8 for a
    crop with one loop high on a narrow stroke goes to 9."""

    source, target = "8", "9"

    def moves(self, crop: npt.NDArray[Any]) -> bool:
        return loop_on_a_stem(crop)
