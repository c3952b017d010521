"""Connected components of a field's ink, as blobs with their own masks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..imaging.labels import components_with_stats
from ..types import Box

__all__ = [
    "Blob",
    "components",
    "holes",
    "mask_holes",
    "mask_pieces",
    "piece",
    "row_runs",
    "union",
    "upright",
    "x_overlap",
]

Mask = npt.NDArray[Any]


@dataclass(eq=False)
class Blob:
    """Ink pixels of one piece of a field: `pix` covers exactly `box` (field coordinates)."""

    pix: Mask
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
        return self.pix


def union(a: Blob, b: Blob) -> Blob:
    box = (
        min(a.box[0], b.box[0]),
        min(a.box[1], b.box[1]),
        max(a.box[2], b.box[2]),
        max(a.box[3], b.box[3]),
    )
    pix = np.zeros((box[3] - box[1], box[2] - box[0]), np.uint8)
    for part in (a, b):
        x, y = part.box[0] - box[0], part.box[1] - box[1]
        region = pix[y : y + part.h, x : x + part.w]
        np.maximum(region, part.pix, out=region)
    return Blob(pix, box)


def components(ink: Mask) -> list[Blob]:
    _, labels, stats, _ = components_with_stats(ink)
    blobs = []
    for i, (x, y, w, h, _area) in enumerate(stats[1:].tolist(), start=1):
        pix = np.where(labels[y : y + h, x : x + w] == i, 255, 0).astype(np.uint8)
        blobs.append(Blob(pix, (x, y, x + w, y + h)))
    return blobs


def holes(b: Blob) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, relative to the blob) of the holes in a blob's ink."""
    return mask_holes(b.pix)


def mask_holes(mask: Mask, min_area: float = 0.0) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the holes in a uint8 mask's ink at least `min_area`
    pixels in area: the inner contours of its two-level contour hierarchy (OpenCV)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    out = []
    for c, hier in zip(contours, hierarchy[0], strict=True):
        # A parent: an inner contour.
        if hier[3] >= 0 and cv2.contourArea(c) >= min_area:
            x, y, w, h = cv2.boundingRect(c)
            out.append((x, y, x + w, y + h))
    return out


def mask_pieces(mask: Mask) -> int:
    """How many separate pieces of ink (8-connected) a uint8 mask holds."""
    return int(cv2.connectedComponents((mask > 0).astype(np.uint8))[0]) - 1


def x_overlap(a: Blob, b: Blob) -> float:
    inter = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    return inter / max(1, min(a.w, b.w))


def piece(b: Blob, x0: int, x1: int, cols: Mask | None = None) -> Blob | None:
    """The part of `b` between columns x0 and x1 (relative to its box), trimmed to its ink.

    With `cols` (each pixel's column once the blob is deslanted, see `upright`), the cut
    lines follow the handwriting's slant instead of the vertical."""
    if cols is None:
        part = b.pix[:, max(0, x0) : max(0, x1)]
        off = max(0, x0)
    else:
        part = np.where((cols >= x0) & (cols < x1), b.pix, 0).astype(b.pix.dtype)
        off = 0
    ys, xs = np.nonzero(part)
    if len(ys) < 8:
        return None
    y0, y1, px0, px1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    bx0, by0 = b.box[0] + off, b.box[1]
    return Blob(
        np.ascontiguousarray(part[y0:y1, px0:px1]),
        (bx0 + px0, by0 + y0, bx0 + px1, by0 + y1),
    )


def upright(b: Blob, limit: float = 0.5) -> tuple[Mask | None, Mask]:
    """The blob's columns once deslanted, and its ink projection on them.

    The slant is the strokes' x shift per row from the image moments (mu11 / mu02),
    within +-`limit`; under 0.05 the blob is taken as upright (cols None)."""
    m = cv2.moments(b.pix, binaryImage=True)
    k = float(np.clip(m["mu11"] / m["mu02"], -limit, limit)) if m["mu02"] > 0 else 0.0
    if abs(k) < 0.05:
        return None, (b.pix > 0).sum(axis=0)
    yy, xx = np.mgrid[0 : b.h, 0 : b.w]
    cols = np.rint(xx - k * (yy - b.h / 2)).astype(np.int32)
    cols -= int(cols[b.pix > 0].min()) if (b.pix > 0).any() else int(cols.min())
    proj = np.bincount(cols[b.pix > 0], minlength=1)
    return cols, proj


def row_runs(ink: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The runs of ink along the rows of a mask: each run's row and length."""
    edges = np.diff(np.pad(ink.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    (rows, starts), (_, ends) = np.nonzero(edges == 1), np.nonzero(edges == -1)
    return rows, ends - starts
