"""Estimate and undo page skew.

Projection profile (Postl; Baird): over a range of angles, the row sums of the ink
are most peaked when text lines and printed rulings are horizontal. Rotating the ink
*points* (not the image) makes each angle cheap; a coarse pass then a fine one gives
well under 0.1 degree on generated pages.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["estimate_skew", "rotate"]


def _score(xs: npt.NDArray[Any], ys: npt.NDArray[Any], angle: float) -> float:
    t = np.deg2rad(angle)
    proj = ys * np.cos(t) - xs * np.sin(t)
    hist = np.bincount((proj - proj.min()).astype(np.int64))
    return float(np.square(hist.astype(np.float64)).sum())


def estimate_skew(mask: npt.NDArray[Any], *, max_angle: float = 8.0) -> float:
    """Angle in degrees by which the page content is rotated (counter-clockwise positive)."""
    h, w = mask.shape[:2]
    scale = min(1.0, 1600.0 / max(h, w))
    small = (
        cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else mask
    )
    ys, xs = np.nonzero(small > 96)
    if len(ys) < 50:
        return 0.0
    if len(ys) > 120_000:
        pick = np.random.default_rng(0).choice(len(ys), 120_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs_f = xs.astype(np.float64) - xs.mean()
    ys_f = ys.astype(np.float64)
    best = 0.0
    for step, span in ((0.5, max_angle), (0.1, 0.5), (0.02, 0.1)):
        angles = np.arange(best - span, best + span + 1e-9, step)
        scores = [_score(xs_f, ys_f, a) for a in angles]
        best = float(angles[int(np.argmax(scores))])
    # The image y axis points down: a positive profile angle is a clockwise rotation.
    return -best


def rotate(
    image: npt.NDArray[Any], angle: float, *, border: int = 255
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Rotate by -angle about the centre (same size); also return the inverse 2x3 map."""
    h, w = image.shape[:2]
    centre = (w / 2.0, h / 2.0)
    forward = cv2.getRotationMatrix2D(centre, -angle, 1.0)
    out = cv2.warpAffine(image, forward, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)
    inverse = cv2.invertAffineTransform(forward).astype(np.float64)
    return out, inverse
