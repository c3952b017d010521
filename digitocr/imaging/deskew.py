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

from .labels import components_with_stats

__all__ = ["estimate_skew", "rotate"]


def _score(xs: npt.NDArray[Any], ys: npt.NDArray[Any], angle: float) -> float:
    t = np.deg2rad(angle)
    proj = ys * np.cos(t) - xs * np.sin(t)
    hist = np.bincount((proj - proj.min()).astype(np.int64))
    return float(np.square(hist.astype(np.float64)).sum())


def _blob_angle(small: npt.NDArray[Any]) -> float | None:
    """Length-weighted median angle of text lines and rulings (joined by a closing)."""
    w = small.shape[1]
    k = max(9, w // 40)
    closed = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1))
    )
    n, labels, stats, _ = components_with_stats(closed)
    angles, weights = [], []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if bw < max(40, w // 12) or bw < 5 * bh or area < 0.3 * bw * 3:
            continue
        ys, xs = np.nonzero(labels[y : y + bh, x : x + bw] == i)
        if len(xs) < 20:
            continue
        # The line's centre path: mean y per column, fitted by least squares.
        cols = np.bincount(xs, minlength=bw)
        sums = np.bincount(xs, weights=ys, minlength=bw)
        ok = cols > 0
        xs_c, ys_c = np.nonzero(ok)[0].astype(np.float64), sums[ok] / cols[ok]
        slope = np.polyfit(xs_c, ys_c, 1)[0]
        angles.append(float(np.degrees(np.arctan(slope))))
        weights.append(float(bw))
    if len(angles) < 2:
        return None
    order = np.argsort(angles)
    cum = np.cumsum(np.array(weights)[order])
    return float(np.array(angles)[order][np.searchsorted(cum, cum[-1] / 2)])


def estimate_skew(mask: npt.NDArray[Any], *, max_angle: float = 8.0) -> float:
    """Angle in degrees by which the page content is rotated (counter-clockwise positive).

    A first guess from the slope of text lines and rulings, refined by the projection
    profile within a degree of it (over the whole range when there is no guess).
    """
    h, w = mask.shape[:2]
    scale = min(1.0, 1600.0 / max(h, w))
    # Bilinear, not area averaging: as accurate here (mean error 0.030 degrees on 240
    # generated pages either way) and 8 ms a page faster at a non-integer scale.
    small = (
        cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        if scale < 1
        else mask
    )
    small = np.where(small > 96, 255, 0).astype(np.uint8)
    ys, xs = np.nonzero(small)
    if len(ys) < 50:
        return 0.0
    if len(ys) > 60_000:
        pick = np.random.default_rng(0).choice(len(ys), 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs_f = xs.astype(np.float64) - xs.mean()
    ys_f = ys.astype(np.float64)
    guess = _blob_angle(small)
    starts: list[tuple[float, tuple[tuple[float, float], ...]]] = [
        (0.0, ((1.0, max_angle), (0.2, 1.0), (0.04, 0.2), (0.01, 0.04)))
    ]
    if guess is not None and abs(guess) <= max_angle:
        # Image y points down: a page turned counter-clockwise by t has lines of slope
        # -tan(t), which is also the profile angle that levels them.
        starts.append((guess, ((0.25, 1.0), (0.05, 0.25), (0.01, 0.05))))
    results = []
    for best, passes in starts:
        for step, span in passes:
            angles = np.arange(best - span, best + span + 1e-9, step)
            scores = [_score(xs_f, ys_f, a) for a in angles]
            best = float(angles[int(np.argmax(scores))])
        results.append((_score(xs_f, ys_f, best), best))
    return -max(results)[1]


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
