"""Training-time augmentation, in NumPy/OpenCV so it mirrors what scans do to digits.

The original recipe (rotation 10 degrees, shifts 0.1, zoom 0.1) plus what real scans
add: thicker or thinner strokes, blur, noise, small cut-offs and fragments of box
lines at the crop's edges. Scan effects are applied before re-normalising with the
same `normalize_digit` the pipeline uses, so training crops look like pipeline crops.

With `renormalize`, the shape changes (rotation, slant, width, elastic wobble) are made
on the digit itself, 3x larger, and the result is normalised again: every training
crop then fills the 20x20 box with its centre of mass at the centre, as every crop the
pipeline cuts does. Applied after normalising (the original recipe), a rotation or a
zoom gives crops the pipeline never produces (a digit 18 px tall, 3 px off centre).
Some of the digits are binarised before normalising, as the pipeline's masks are.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..segment.normalize import normalize_digit, stroke_width

__all__ = ["Augment", "augment_batch", "not_one_digit"]

_BIG = 84  # 3x MNIST: room for thin strokes and details


@dataclass(frozen=True)
class Augment:
    rotation: float = 10.0  # degrees
    shift: float = 0.1  # fraction of 28 px
    zoom: float = 0.1
    scan: float = 0.5  # probability of scan effects per digit (0 disables)
    elastic: float = 0.0  # probability of an elastic distortion (Simard et al. 2003)
    renormalize: bool = False  # shape changes before normalising (see the module doc)
    shear: float = 0.0  # slant: x shifted by up to `shear` times the height from the middle
    binarize: float = 0.0  # probability of thresholding the ink as the pipeline's masks are
    lowres: float = 0.0  # probability of a coarse capture: the digit seen at 7-14 px, 16 greys
    variants: float = 0.0  # probability of drawing a 1, 7 or 9 in its continental form (_variant)


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
    return _scan_marks(cv2.resize(img, (_BIG, _BIG), interpolation=cv2.INTER_LINEAR), rng)


def _scan_marks(big: npt.NDArray[Any], rng: np.random.Generator) -> npt.NDArray[Any]:
    """Pen and scanner effects on a digit drawn at 3x MNIST's scale (about 60 px tall)."""
    big = big.copy()
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
        # The line runs past the digit by a fifth of its height each way, as a cell's
        # edge does in a crop (across the whole 84 px canvas in the original recipe).
        m = max(12, (y1 - y0) // 5)
        ax0, ax1, ay0, ay1 = max(0, x0 - m), x1 + m, max(0, y0 - m), y1 + m
        if side == 0:
            y = int(y1 + rng.integers(-3, 6))
            cv2.line(big, (ax0, y), (ax1, y), 255, thick)
        elif side == 1:
            y = int(y0 - rng.integers(-3, 6))
            cv2.line(big, (ax0, y), (ax1, y), 255, thick)
        else:
            x = int((x0 - rng.integers(-3, 6)) if side == 2 else (x1 + rng.integers(-3, 6)))
            cv2.line(big, (x, ay0), (x, ay1), 255, thick)
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


def _pen_width(big: npt.NDArray[Any]) -> int:
    """The width of the digit's strokes, for a stroke drawn onto it (2 px at least)."""
    return max(2, round(stroke_width(np.where(big > 64, 255, 0).astype(np.uint8))))


def _stroke_left(
    big: npt.NDArray[Any],
    rng: np.random.Generator,
    *,
    at_top: bool,
    length: tuple[float, float],
    angle: tuple[float, float],
) -> npt.NDArray[Any]:
    """Add a pen stroke from the top (down) or bottom (up) end of a digit to the left:
    `length` a share of the digit's height, `angle` degrees from the horizontal."""
    ys, xs = np.nonzero(big > 64)
    if len(ys) < 10:
        return big
    top, bottom = int(ys.min()), int(ys.max())
    end_y = top if at_top else bottom
    x0 = float(xs[np.abs(ys - end_y) <= 2].mean())
    width = _pen_width(big)
    size = (bottom - top) * rng.uniform(*length)
    theta = np.deg2rad(rng.uniform(*angle))
    down = 1.0 if at_top else -1.0  # a 1's flag falls to the left, a 9's tail curls up
    y0 = end_y + down * width / 2
    dx, dy = -np.cos(theta), down * np.sin(theta)
    bend = rng.uniform(-0.15, 0.15) * size  # a slightly curved stroke
    mid = (x0 + 0.5 * size * dx - bend * dy, y0 + 0.5 * size * dy + bend * dx)
    pts = np.round(np.array([(x0, y0), mid, (x0 + size * dx, y0 + size * dy)]) * 4)
    out = big.copy()  # 2 bits of subpixel position (shift=2)
    cv2.polylines(out, [pts.astype(np.int32)], False, int(big.max()), width, cv2.LINE_AA, 2)
    return out


def _cross_bar(big: npt.NDArray[Any], rng: np.random.Generator) -> npt.NDArray[Any]:
    """A short bar across a 7's stem, a little below its middle: found where the row's
    ink lies, 30-55% of the digit's height long, level within 10 degrees."""
    ys, xs = np.nonzero(big > 64)
    if len(ys) < 10:
        return big
    top, bottom = int(ys.min()), int(ys.max())
    y0 = top + (bottom - top) * rng.uniform(0.45, 0.6)
    row = xs[np.abs(ys - y0) <= 2]
    if len(row) == 0:
        return big
    x0 = float(row.mean())
    width = _pen_width(big)
    half = (bottom - top) * rng.uniform(0.3, 0.55) / 2
    theta = np.deg2rad(rng.uniform(-10.0, 10.0))
    dx, dy = half * np.cos(theta), half * np.sin(theta)
    off = rng.uniform(-0.2, 0.2) * half  # not always centred on the stem
    pts = np.round(np.array([(x0 + off - dx, y0 - dy), (x0 + off + dx, y0 + dy)]) * 4)
    out = big.copy()
    cv2.polylines(out, [pts.astype(np.int32)], False, int(big.max()), width, cv2.LINE_AA, 2)
    return out


_VARIANT_DIGITS = (1, 7, 9)  # the digits _variant draws in another form


def _variant(big: npt.NDArray[Any], digit: int, rng: np.random.Generator) -> npt.NDArray[Any]:
    """1s, 7s and 9s as much of Europe and Latin America writes them, which MNIST's
    American writers rarely do, so a classifier trained on MNIST alone misreads them (real
    cheques: such 1s read as 7s, such 7s as 4s, such 9s as 8s):

    - a 1 with an up-stroke: from its top down to the left, a fifth to 45% of its height
      long, 30-65 degrees under the horizontal (a 7's bar runs level to the right);
    - a 7 crossed: a short bar across its stem a little below the middle;
    - a 9 whose tail curls back to the left at the bottom, 15-35% of its height long,
      0-40 degrees up from the horizontal, left open (an 8's lower loop is closed).
    """
    if digit == 1:
        return _stroke_left(big, rng, at_top=True, length=(0.2, 0.45), angle=(30.0, 65.0))
    if digit == 7:
        return _cross_bar(big, rng)
    if digit == 9:
        return _stroke_left(big, rng, at_top=False, length=(0.15, 0.35), angle=(0.0, 40.0))
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


def _reshape(img: npt.NDArray[Any], aug: Augment, rng: np.random.Generator) -> npt.NDArray[Any]:
    """A normalised digit (uint8 28x28) -> re-shaped ink at 3x scale, ready to normalise.

    One `cv2.remap` does the enlarging, the rotation, slant and width change and the
    elastic wobble: each output pixel looks up where it comes from in the 28x28 digit.
    """
    size = 4 * 28  # 3x the digit, with room to rotate and slant it
    c_out, c_in = (size - 1) / 2, 13.5
    angle = np.deg2rad(rng.uniform(-aug.rotation, aug.rotation))
    sx = 1.0 + rng.uniform(-aug.zoom, aug.zoom) * 2  # width only: normalising undoes size
    shear = rng.uniform(-aug.shear, aug.shear)
    cos, sin = np.cos(angle), np.sin(angle)
    fwd = 3.0 * np.array([[cos, -sin], [sin, cos]]) @ np.array([[sx, shear], [0.0, 1.0]])
    inv = np.linalg.inv(fwd)
    shift = np.array([c_in, c_in]) - inv @ np.array([c_out, c_out])
    src = img.astype(np.float32)
    if not (aug.elastic and rng.random() < aug.elastic):
        m = np.hstack([inv, shift[:, None]])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(src, m, (size, size), flags=flags, borderValue=0).astype(np.uint8)
    u, v = _grid(size)
    map_x = (inv[0, 0] * u + inv[0, 1] * v + shift[0]).astype(np.float32)
    map_y = (inv[1, 0] * u + inv[1, 1] * v + shift[1]).astype(np.float32)
    # A smooth random displacement (Simard et al. 2003), about 0.4-1 source px rms:
    # coarse random offsets on a 5x5 grid, interpolated over the canvas.
    strength = rng.uniform(0.5, 1.2)
    for m in (map_x, map_y):
        m += cv2.resize(
            rng.normal(0, strength, (5, 5)).astype(np.float32),
            (size, size),
            interpolation=cv2.INTER_CUBIC,
        )
    return cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderValue=0).astype(np.uint8)


@functools.cache
def _grid(size: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    v, u = np.mgrid[0:size, 0:size].astype(np.float32)
    return u, v


def _coarse(img: npt.NDArray[Any], rng: np.random.Generator) -> npt.NDArray[Any]:
    """The digit as a coarse capture shows it (a fax, a thumbnail, an 8x8 optical digit
    enlarged): averaged down to 7-14 px a side in 16 grey levels, blown up again by
    nearest, linear or cubic interpolation, so its strokes come back blocky or smeared."""
    k = int(rng.integers(7, 15))
    ys, xs = np.nonzero(img > 30)
    if len(ys) == 0:
        return img
    crop = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    small = cv2.resize(crop, (k, k), interpolation=cv2.INTER_AREA)
    small = np.round(small / 255 * 15) / 15 * 255
    interp = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(3))]
    big = np.clip(cv2.resize(small, (20, 20), interpolation=interp), 0, 255)
    out = np.zeros((28, 28), np.float32)
    out[4:24, 4:24] = big
    return out.astype(np.uint8)


def _renormalized(
    img: npt.NDArray[Any], aug: Augment, rng: np.random.Generator, variant: int = -1
) -> npt.NDArray[Any]:
    if aug.lowres and rng.random() < aug.lowres:
        img = _coarse(img, rng)
    big = _reshape(img, aug, rng)
    if variant >= 0:
        big = _variant(big, variant, rng)
    if aug.scan and rng.random() < aug.scan:
        big = _scan_marks(big, rng)
    if aug.binarize and rng.random() < aug.binarize:
        level = rng.uniform(0.25, 0.6) * max(1, int(big.max()))
        big = np.where(big > level, 255, 0).astype(np.uint8)
    x = normalize_digit(big)
    if aug.shift:
        dx, dy = rng.uniform(-aug.shift, aug.shift, 2) * 28
        m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
        x = cv2.warpAffine(x, m, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)
    return x


def augment_batch(
    images: npt.NDArray[Any],
    aug: Augment,
    rng: np.random.Generator,
    labels: npt.NDArray[Any] | None = None,
) -> npt.NDArray[Any]:
    """Augment uint8 (N, 28, 28) MNIST-style digits into float32 (N, 28, 28, 1) in [0, 1].

    `labels` are needed only for `variants` (which digits are 1s, 7s and 9s)."""
    out = np.empty((len(images), 28, 28), np.float32)
    variant = np.full(len(images), -1)
    if aug.variants:  # drawn with or without labels, so the other draws stay the same
        pick = rng.random(len(images)) < aug.variants
        if labels is not None:
            pick &= np.isin(labels, _VARIANT_DIGITS)
            variant[pick] = labels[pick]
    for i, img in enumerate(images):
        if aug.renormalize:
            x = _renormalized(img, aug, rng, int(variant[i]))
            if aug.scan and rng.random() < 0.2:
                x = cv2.GaussianBlur(x, (3, 3), rng.uniform(0.3, 0.8))
            if aug.scan and rng.random() < 0.2:
                x = x + rng.normal(0, rng.uniform(0.02, 0.08), x.shape).astype(np.float32)
            out[i] = np.clip(x, 0, 1)
            continue
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
