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
    """Classifies crops in batches of `batch_size`; also the scorer segmentation uses."""

    def __init__(self, engine: OnnxEngine, batch_size: int = 64) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.columns = engine.card.digit_columns
        self.labels = [engine.card.labels[i] for i in self.columns]

    def probs(self, crops: Sequence[npt.NDArray[Any]], *, reject: bool = True) -> npt.NDArray[Any]:
        """(N, digits) probabilities; with a reject class they sum to less than one.

        `reject=False`: for crops known to hold one digit each (comb cells), the digit
        probabilities alone, scaled to sum to one."""
        if not crops:
            return np.zeros((0, len(self.labels)), np.float32)
        x = np.stack(crops).astype(np.float32)
        full = np.concatenate(
            [self.engine.run(x[i : i + self.batch_size]) for i in range(0, len(x), self.batch_size)]
        )
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
