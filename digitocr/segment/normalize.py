"""Normalise a digit crop exactly as MNIST was made; shared by inference and training.

MNIST: the digit's bounding box is fitted into 20x20 keeping its aspect ratio
(anti-aliased), then placed in 28x28 so that its centre of mass is at the centre;
white ink on black, scaled to [0, 1]. A pen stroke scanned at 300 dpi comes out far
thinner than MNIST's once shrunk, so strokes are first thickened or thinned towards
MNIST's stroke width (measured with the same estimator on MNIST itself).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["BOX", "SIZE", "TARGET_STROKE", "normalize_digit", "stroke_width"]

SIZE = 28
BOX = 20
# Median stroke width of MNIST training digits in 28x28 pixels, from stroke_width().
TARGET_STROKE = 2.4
_CENTRE = 14.0
_EMPTY = np.zeros((SIZE, SIZE), np.float32)


def stroke_width(mask: npt.NDArray[Any]) -> float:
    """Mean stroke width of a binary shape: 2 * area / perimeter."""
    binary = (mask > 127).astype(np.uint8)
    area = float(binary.sum())
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0)


def _adjust_stroke(ink: npt.NDArray[Any], scale: float) -> npt.NDArray[Any]:
    width = stroke_width(ink)
    if width <= 0:
        return ink
    target = TARGET_STROKE / scale  # MNIST's stroke width in this crop's pixels
    if width < 0.7 * target:
        k = round(target - width)
        if k >= 1:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 1, k + 1))
            return cv2.dilate(ink, kernel)
    elif width > 1.3 * target:  # thicker than 9 in 10 MNIST digits (half of scans' are)
        k = round((width - target) / 2)
        if k >= 1:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 1, k + 1))
            thinned = cv2.erode(ink, kernel)
            if (thinned > 127).sum() > 0.3 * (ink > 127).sum():  # never erase the digit
                return thinned
    return ink


def normalize_digit(ink: npt.NDArray[Any], *, adjust_stroke: bool = True) -> npt.NDArray[Any]:
    """Turn an ink image (any size, 0 = paper, 255 = ink) into a 28x28 MNIST-like crop."""
    if ink.ndim != 2 or ink.size == 0:
        return _EMPTY.copy()
    ys, xs = np.nonzero(ink > 0)
    if len(ys) == 0:
        return _EMPTY.copy()
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = np.ascontiguousarray(ink[y0:y1, x0:x1])
    h, w = crop.shape
    scale = BOX / max(h, w)
    if adjust_stroke:
        pad = max(2, round(TARGET_STROKE / scale))
        crop = _adjust_stroke(
            cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT), scale
        )
        ys, xs = np.nonzero(crop > 0)
        crop = crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        h, w = crop.shape
        scale = BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop.astype(np.float32), (nw, nh), interpolation=interp)
    mass = small.sum()
    if mass <= 0:
        return _EMPTY.copy()
    cy = float((small.sum(axis=1) * np.arange(nh)).sum() / mass)
    cx = float((small.sum(axis=0) * np.arange(nw)).sum() / mass)
    # MNIST puts the centre of mass at pixel (14, 14), measured on its training set.
    shift = np.array([[1, 0, _CENTRE - cx], [0, 1, _CENTRE - cy]], dtype=np.float32)
    out = cv2.warpAffine(small, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
    peak = float(out.max())
    if peak <= 0:
        return _EMPTY.copy()
    # MNIST digits all reach full intensity: stretch so the darkest ink is 1.0.
    return np.clip(out / peak, 0.0, 1.0).astype(np.float32)
