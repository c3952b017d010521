"""Batches of digit crops -> predictions, through one OnnxEngine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..types import Prediction
from .engine import OnnxEngine

__all__ = ["Predictor"]


class Predictor:
    """Classifies crops in batches of `batch_size`; also the scorer segmentation uses.

    Segmentation asks about the same crop more than once (a cut tried again when a
    field's format rejects a reading, a piece read to judge a cut and then for the
    field): the model's answers for the last `memo` crops are kept, keyed by the crop's
    bytes, and only crops not seen yet go to the model (a third fewer on cheques).
    """

    def __init__(self, engine: OnnxEngine, batch_size: int = 64, memo: int = 4096) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.columns = engine.card.digit_columns
        self.labels = [engine.card.labels[i] for i in self.columns]
        # A reject output ('not one digit'): probabilities of a touching pair sum to
        # well under one, so a blob read surely is one digit (segment.split.rejects).
        self.rejects = len(self.columns) < len(engine.card.labels)
        self.memo = memo
        self._seen: dict[bytes, npt.NDArray[Any]] = {}

    def _run(self, crops: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        """The model's whole output for each crop; each crop not seen yet runs once."""
        keys = [np.ascontiguousarray(c, np.float32).tobytes() for c in crops]
        rows = {k: self._seen[k] for k in keys if k in self._seen}
        first: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            if k not in rows:
                first.setdefault(k, i)
        if first:
            x = np.stack([crops[i] for i in first.values()]).astype(np.float32)
            out = np.concatenate(
                [
                    self.engine.run(x[i : i + self.batch_size])
                    for i in range(0, len(x), self.batch_size)
                ]
            )
            new = dict(zip(first, out, strict=True))
            rows.update(new)
            if len(self._seen) + len(new) > self.memo:
                self._seen.clear()  # a page's crops are asked about within the page
            if len(new) <= self.memo:  # a batch larger than the memory is not kept
                self._seen.update(new)
        return np.stack([rows[k] for k in keys])

    def probs(self, crops: Sequence[npt.NDArray[Any]], *, reject: bool = True) -> npt.NDArray[Any]:
        """(N, digits) probabilities; with a reject class they sum to less than one.

        `reject=False`: for crops known to hold one digit each (comb cells), the digit
        probabilities alone, scaled to sum to one."""
        if not crops:
            return np.zeros((0, len(self.labels)), np.float32)
        full = self._run(crops)
        if len(self.columns) == full.shape[1]:
            return full
        digits = full[:, self.columns]
        if reject:
            return digits
        return digits / np.maximum(digits.sum(axis=1, keepdims=True), np.float32(1e-6))

    __call__ = probs

    def predict(
        self, crops: Sequence[npt.NDArray[Any]], *, reject: bool = True
    ) -> list[Prediction]:
        p = self.probs(crops, reject=reject)
        return [Prediction(int(r.argmax()), float(r.max()), r) for r in p]
