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

    def probs(self, crops: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        """(N, digits) probabilities; with a reject class they sum to less than one."""
        if not crops:
            return np.zeros((0, len(self.labels)), np.float32)
        x = np.stack(crops).astype(np.float32)
        full = np.concatenate(
            [self.engine.run(x[i : i + self.batch_size]) for i in range(0, len(x), self.batch_size)]
        )
        return full if len(self.columns) == full.shape[1] else full[:, self.columns]

    __call__ = probs

    def predict(self, crops: Sequence[npt.NDArray[Any]]) -> list[Prediction]:
        p = self.probs(crops)
        return [Prediction(int(r.argmax()), float(r.max()), r) for r in p]
