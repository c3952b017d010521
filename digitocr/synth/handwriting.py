"""Handwritten digits and separators: a procedural pen-stroke renderer, or MNIST digits.

Each digit is a few strokes of control points in a unit box; every rendering jitters
the points, slants and scales the glyph, varies pen width and pressure along the
stroke, and draws it anti-aliased at 4x before shrinking: a different hand each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["GLYPHS", "DigitSource", "render_glyph"]

Ink = npt.NDArray[Any]  # 0 = paper, 1 = full ink

# Control points (x, y) in a box 0.6 wide and 1 tall, y downwards; one list per stroke.
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [
        [
            (0.3, 0.0),
            (0.08, 0.15),
            (0.0, 0.5),
            (0.1, 0.88),
            (0.3, 1.0),
            (0.5, 0.88),
            (0.6, 0.5),
            (0.52, 0.12),
            (0.3, 0.0),
            (0.2, 0.05),
        ]
    ],
    "1": [[(0.12, 0.2), (0.32, 0.0), (0.32, 1.0)]],
    "2": [
        [
            (0.04, 0.22),
            (0.18, 0.03),
            (0.4, 0.0),
            (0.56, 0.18),
            (0.5, 0.42),
            (0.25, 0.7),
            (0.02, 1.0),
            (0.3, 0.98),
            (0.6, 0.98),
        ]
    ],
    "3": [
        [
            (0.05, 0.1),
            (0.28, 0.0),
            (0.52, 0.1),
            (0.5, 0.32),
            (0.25, 0.46),
            (0.54, 0.6),
            (0.56, 0.85),
            (0.3, 1.0),
            (0.02, 0.9),
        ]
    ],
    "4": [[(0.42, 1.0), (0.42, 0.0), (0.0, 0.68), (0.6, 0.68)]],
    "5": [
        [
            (0.55, 0.02),
            (0.12, 0.02),
            (0.08, 0.44),
            (0.35, 0.38),
            (0.56, 0.56),
            (0.55, 0.84),
            (0.3, 1.0),
            (0.02, 0.9),
        ]
    ],
    "6": [
        [
            (0.5, 0.02),
            (0.22, 0.2),
            (0.04, 0.55),
            (0.1, 0.9),
            (0.32, 1.0),
            (0.54, 0.85),
            (0.52, 0.6),
            (0.3, 0.5),
            (0.08, 0.65),
        ]
    ],
    "7": [[(0.0, 0.04), (0.6, 0.02), (0.4, 0.4), (0.22, 1.0)]],
    "8": [
        [
            (0.48, 0.12),
            (0.3, 0.0),
            (0.1, 0.12),
            (0.14, 0.36),
            (0.46, 0.6),
            (0.52, 0.86),
            (0.3, 1.0),
            (0.06, 0.86),
            (0.12, 0.6),
            (0.44, 0.36),
            (0.48, 0.12),
        ]
    ],
    "9": [
        [
            (0.52, 0.3),
            (0.4, 0.04),
            (0.18, 0.02),
            (0.04, 0.2),
            (0.14, 0.44),
            (0.4, 0.42),
            (0.54, 0.25),
            (0.52, 0.6),
            (0.44, 1.0),
        ]
    ],
    "/": [[(0.5, 0.0), (0.08, 1.0)]],
    "-": [[(0.05, 0.55), (0.45, 0.55)]],
    ".": [[(0.1, 0.94), (0.13, 0.97)]],
    ",": [[(0.14, 0.9), (0.14, 0.98), (0.06, 1.12)]],
}


def _spline(points: npt.NDArray[Any], n: int = 24) -> npt.NDArray[Any]:
    """Catmull-Rom through the control points."""
    if len(points) < 3:
        t = np.linspace(0, 1, n)[:, None]
        return points[0] * (1 - t) + points[-1] * t
    p = np.vstack([points[0], points, points[-1]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for t in np.linspace(0, 1, n, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(
                0.5
                * (
                    (2 * p1)
                    + (-p0 + p2) * t
                    + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                    + (-p0 + 3 * p1 - 3 * p2 + p3) * t3
                )
            )
    out.append(p[-2])
    return np.array(out)


def render_glyph(
    ch: str, height: int, rng: np.random.Generator, *, width_px: float | None = None
) -> Ink:
    """One handwritten character, `height` px tall (ink in [0, 1], tight-ish box)."""
    strokes = GLYPHS[ch]
    if ch == "1" and rng.random() < 0.6:  # most hands write a plain stroke, some a short flag
        strokes = [[(0.3, 0.0), (0.3, 1.0)]]
    elif ch == "1":
        strokes = [[(0.2, 0.14), (0.32, 0.0), (0.32, 1.0)]]
    s = 4  # supersampling
    slant = rng.uniform(-0.12, 0.3) if ch != "/" else rng.uniform(0.0, 0.2)
    sx = rng.uniform(0.8, 1.15)
    jitter = 0.035 if ch.isdigit() else 0.015
    pen = width_px if width_px is not None else max(1.5, height * rng.uniform(0.06, 0.12))
    pts_all = []
    for stroke in strokes:
        pts = np.array(stroke, np.float64) + rng.normal(0, jitter, (len(stroke), 2))
        pts[:, 0] = pts[:, 0] * sx + slant * (1 - pts[:, 1])
        pts_all.append(_spline(pts))
    allp = np.vstack(pts_all)
    xmin, ymin = allp.min(axis=0)
    pad = pen * 1.5 / height + 0.02
    w_units = allp[:, 0].max() - xmin + 2 * pad
    h_units = max(1.0, allp[:, 1].max()) - min(0.0, ymin) + 2 * pad
    H = round(height * h_units) * s
    W = max(s, round(height * w_units) * s)
    canvas = np.zeros((H, W), np.uint8)
    pressure = rng.uniform(0.75, 1.0)
    for pts in pts_all:
        xy = (pts - [xmin - pad, min(0.0, ymin) - pad]) * height * s
        n = len(xy)
        for i in range(n - 1):
            # Pen pressure: thinner at the ends of a stroke, a little uneven along it.
            f = 0.75 + 0.25 * np.sin(np.pi * (i + 0.5) / n) + rng.normal(0, 0.03)
            th = max(1, round(pen * s * f * pressure))
            cv2.line(
                canvas,
                (int(xy[i, 0]), int(xy[i, 1])),
                (int(xy[i + 1, 0]), int(xy[i + 1, 1])),
                255,
                th,
                cv2.LINE_AA,
            )
    if ch in ".,":
        c = (canvas > 0).nonzero()
        if len(c[0]):
            cy, cx = int(np.mean(c[0])), int(np.mean(c[1]))
            cv2.circle(canvas, (cx, cy), max(2, int(pen * s * 0.9)), 255, -1, cv2.LINE_AA)
    small = cv2.resize(canvas, (W // s, H // s), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


@dataclass
class DigitSource:
    """Where handwritten digits come from: `procedural`, `mnist-train` or `mnist-test`."""

    kind: str = "procedural"
    data: str | None = None
    _images: npt.NDArray[Any] | None = None
    _by_label: dict[int, npt.NDArray[Any]] | None = None

    def _load(self) -> None:
        if self._images is None:
            from .. import datasets

            split = "train" if self.kind == "mnist-train" else "test"
            m = datasets.load(split, self.data)
            self._images = m.images
            self._by_label = {d: np.nonzero(m.labels == d)[0] for d in range(10)}

    def glyph(
        self, ch: str, height: int, rng: np.random.Generator, pen: float | None = None
    ) -> Ink:
        if self.kind == "procedural" or not ch.isdigit():
            return render_glyph(ch, height, rng, width_px=pen)
        self._load()
        assert self._images is not None and self._by_label is not None
        img = self._images[int(rng.choice(self._by_label[int(ch)]))]
        ys, xs = np.nonzero(img > 30)
        crop = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
        scale = height / crop.shape[0]
        w = max(2, round(crop.shape[1] * scale))
        out = cv2.resize(crop, (w, height), interpolation=cv2.INTER_CUBIC)
        return np.clip(out * 1.15, 0, 1)
