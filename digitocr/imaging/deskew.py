"""Estimate and undo page skew.

Projection profile (Postl; Baird): over a range of angles, the row sums of the ink
are most peaked when text lines and printed rulings are horizontal. Rotating the ink
*points* (not the image) makes each angle cheap; coarse passes then a parabola through
the finest one's peak give well under 0.1 degree on generated pages.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from .labels import components_with_stats

__all__ = ["estimate_skew", "rotate"]


# Ink points scored at each angle, drawn at random beyond this: 40,000 find the angle
# about as near the truth as 60,000 did (mean error on 540 generated pages 0.0232
# against 0.0228 degrees, before the parabola below) in four fifths of the time.
_POINTS = 40_000


def _score(xs: npt.NDArray[Any], ys: npt.NDArray[Any], angle: float) -> float:
    t = np.deg2rad(angle)
    proj = ys * np.float32(np.cos(t)) - xs * np.float32(np.sin(t))  # float32: 1 px bins
    hist = np.bincount((proj - proj.min()).astype(np.int32))
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
    small = cv2.threshold(small, 96, 255, cv2.THRESH_BINARY)[1]
    found = cv2.findNonZero(small)  # (x, y) in row order; faster than np.nonzero
    if found is None or len(found) < 50:
        return 0.0
    xs, ys = found.reshape(-1, 2).T
    if len(xs) > _POINTS:
        pick = np.random.default_rng(0).integers(0, len(xs), _POINTS)
        xs, ys = xs[pick], ys[pick]
    xs_f = (xs - xs.mean()).astype(np.float32)
    ys_f = ys.astype(np.float32)
    guess = _blob_angle(small)
    starts: list[tuple[float, tuple[tuple[float, float], ...]]] = [
        (0.0, ((1.0, max_angle), (0.2, 1.0), (0.04, 0.2)))
    ]
    if guess is not None and abs(guess) <= max_angle:
        # Image y points down: a page turned counter-clockwise by t has lines of slope
        # -tan(t), which is also the profile angle that levels them.
        starts.append((guess, ((0.25, 1.0), (0.05, 0.25))))
    results = []
    for best, passes in starts:
        for step, span in passes:
            angles = np.arange(best - span, best + span + 1e-9, step)
            scores = [_score(xs_f, ys_f, a) for a in angles]
            k = int(np.argmax(scores))
            best = float(angles[k])
        best += step * _vertex(scores, k)
        results.append((_score(xs_f, ys_f, best), best))
    return -max(results)[1]


def _vertex(scores: list[float], k: int) -> float:
    """Where, in steps from the peak k, a parabola through the scores at k-1, k and k+1
    peaks (0 at either end or where they make no peak). In place of a last pass at a
    quarter of the step: 20 scores fewer a page, and nearer the truth on generated pages
    (mean error 0.0204 against 0.0227 degrees on 540, 0.0214 against 0.0237 on 360 more)."""
    if not 0 < k < len(scores) - 1:
        return 0.0
    left, mid, right = scores[k - 1], scores[k], scores[k + 1]
    curve = left - 2 * mid + right
    return 0.5 * (left - right) / curve if curve < 0 else 0.0


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
