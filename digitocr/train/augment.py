"""Training-time augmentation, in NumPy/OpenCV so it mirrors what scans do to digits.

The original recipe (rotation 10 degrees, shifts 0.1, zoom 0.1) plus what real scans
add: thicker or thinner strokes, blur, noise, small cut-offs and fragments of box
lines at the crop's edges. Scan effects are applied before re-normalising with the
same `normalize_digit` the pipeline uses, so training crops look like pipeline crops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..segment.normalize import normalize_digit

__all__ = ["Augment", "augment_batch", "not_one_digit"]


@dataclass(frozen=True)
class Augment:
    rotation: float = 10.0  # degrees
    shift: float = 0.1  # fraction of 28 px
    zoom: float = 0.1
    scan: float = 0.5  # probability of scan effects per digit (0 disables)
    elastic: float = 0.0  # probability of an elastic distortion (Simard et al. 2003)


def _elastic(
    img: npt.NDArray[Any], rng: np.random.Generator, sigma: float = 4.0
) -> npt.NDArray[Any]:
    """Smooth random displacement field: the pen wobbles of one hand versus another.

    Simard et al. used alpha 34; above ~25 a 4 can turn into a 2 on 28x28 digits, so the
    strength is drawn from 10-24 (displacements of about 0.4-1 px rms).
    """
    h, w = img.shape
    alpha = rng.uniform(10.0, 24.0)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) * alpha
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0)


def _scan_effects(img: npt.NDArray[Any], rng: np.random.Generator) -> npt.NDArray[Any]:
    big = cv2.resize(img, (84, 84), interpolation=cv2.INTER_LINEAR)  # room for thin details
    r = rng.random()
    if r < 0.25:
        big = cv2.dilate(big, np.ones((int(rng.integers(3, 7)),) * 2, np.uint8))
    elif r < 0.45:
        big = cv2.erode(big, np.ones((int(rng.integers(2, 5)),) * 2, np.uint8))
    ys, xs = np.nonzero(big > 64)
    if len(ys) and rng.random() < 0.35:  # a fragment of a box line touching the digit
        thick = int(rng.integers(2, 6))
        side = int(rng.integers(4))
        y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
        if side == 0:
            y = int(y1 + rng.integers(-3, 6))
            cv2.line(big, (0, y), (83, y), 255, thick)
        elif side == 1:
            y = int(y0 - rng.integers(-3, 6))
            cv2.line(big, (0, y), (83, y), 255, thick)
        else:
            x = int((x0 - rng.integers(-3, 6)) if side == 2 else (x1 + rng.integers(-3, 6)))
            cv2.line(big, (x, 0), (x, 83), 255, thick)
    if len(ys) and rng.random() < 0.15:  # a small cut-off at one edge
        cut = int(rng.integers(3, 10))
        side = int(rng.integers(4))
        if side == 0:
            big[: ys.min() + cut] = 0
        elif side == 1:
            big[ys.max() - cut :] = 0
        elif side == 2:
            big[:, : xs.min() + cut] = 0
        else:
            big[:, xs.max() - cut :] = 0
    return big


def _ink_box(img: npt.NDArray[Any]) -> npt.NDArray[Any]:
    ys, xs = np.nonzero(img > 32)
    if len(ys) == 0:
        return img
    return img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def not_one_digit(
    a: npt.NDArray[Any], b: npt.NDArray[Any], rng: np.random.Generator
) -> npt.NDArray[Any]:
    """A crop that is not one digit, as segmentation meets them: two digits touching or
    overlapping (a "17" left whole). Returned as ink (0-255, any size) for
    `normalize_digit`. (Halves of a digit cut by a wrong split were tried too, but half
    a 3 or an 8 is too often a fair 2 or 3 to be taught as "not a digit".)"""
    a, b = _ink_box(a), _ink_box(b)
    h = a.shape[0]
    scale = h * rng.uniform(0.8, 1.1) / max(1, b.shape[0])  # the second 80-110% as tall
    b = cv2.resize(b, (max(1, round(b.shape[1] * scale)), max(1, round(b.shape[0] * scale))))
    overlap = int(rng.integers(1, max(2, min(a.shape[1], b.shape[1]) // 3)))
    H = max(h, b.shape[0]) + 4
    W = a.shape[1] + b.shape[1] - overlap
    canvas = np.zeros((H, W), np.uint8)
    ya = int(rng.integers(0, H - a.shape[0] + 1))
    yb = int(rng.integers(0, H - b.shape[0] + 1))
    canvas[ya : ya + a.shape[0], : a.shape[1]] = a
    part = canvas[yb : yb + b.shape[0], W - b.shape[1] :]
    np.maximum(part, b, out=part)
    return canvas


def augment_batch(
    images: npt.NDArray[Any], aug: Augment, rng: np.random.Generator
) -> npt.NDArray[Any]:
    """Augment uint8 (N, 28, 28) MNIST-style digits into float32 (N, 28, 28, 1) in [0, 1]."""
    out = np.empty((len(images), 28, 28), np.float32)
    for i, img in enumerate(images):
        if aug.scan and rng.random() < aug.scan:
            x = normalize_digit(_scan_effects(img, rng))
        else:
            x = img.astype(np.float32) / 255.0
        if aug.elastic and rng.random() < aug.elastic:
            x = _elastic(x, rng)
        angle = rng.uniform(-aug.rotation, aug.rotation)
        scale = 1.0 + rng.uniform(-aug.zoom, aug.zoom)
        m = np.asarray(cv2.getRotationMatrix2D((14.0, 14.0), angle, scale), dtype=np.float64)
        m[:, 2] += rng.uniform(-aug.shift, aug.shift, 2) * 28
        x = cv2.warpAffine(x, m, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)
        if aug.scan and rng.random() < 0.2:
            x = cv2.GaussianBlur(x, (3, 3), rng.uniform(0.3, 0.8))
        if aug.scan and rng.random() < 0.2:
            x = x + rng.normal(0, rng.uniform(0.02, 0.08), x.shape).astype(np.float32)
        out[i] = np.clip(x, 0, 1)
    return out[..., None]
