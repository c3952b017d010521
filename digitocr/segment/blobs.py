"""Connected components of a field's ink, as blobs with their own masks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..types import Box

__all__ = ["Blob", "components", "piece", "union", "x_overlap"]

Mask = npt.NDArray[Any]


@dataclass(eq=False)
class Blob:
    mask: Mask  # full-field-size mask of this blob's pixels (cropped lazily)
    box: Box

    @property
    def w(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def h(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    def crop(self) -> Mask:
        x0, y0, x1, y1 = self.box
        return self.mask[y0:y1, x0:x1]


def union(a: Blob, b: Blob) -> Blob:
    box = (
        min(a.box[0], b.box[0]),
        min(a.box[1], b.box[1]),
        max(a.box[2], b.box[2]),
        max(a.box[3], b.box[3]),
    )
    return Blob(cv2.bitwise_or(a.mask, b.mask), box)


def components(ink: Mask) -> list[Blob]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        mask = np.zeros_like(ink)
        sub = labels[y : y + h, x : x + w] == i
        mask[y : y + h, x : x + w][sub] = 255
        blobs.append(Blob(mask, (x, y, x + w, y + h)))
    return blobs


def x_overlap(a: Blob, b: Blob) -> float:
    inter = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    return inter / max(1, min(a.w, b.w))


def piece(b: Blob, x0: int, x1: int) -> Blob | None:
    m = np.zeros_like(b.mask)
    bx0, by0, bx1, by1 = b.box
    m[by0:by1, bx0 + x0 : bx0 + x1] = b.mask[by0:by1, bx0 + x0 : bx0 + x1]
    ys, xs = np.nonzero(m[by0:by1, bx0:bx1])
    if len(ys) < 8:
        return None
    return Blob(
        m,
        (
            bx0 + int(xs.min()),
            by0 + int(ys.min()),
            bx0 + int(xs.max()) + 1,
            by0 + int(ys.max()) + 1,
        ),
    )
