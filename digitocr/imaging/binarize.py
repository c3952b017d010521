"""Greyscale clean-up and binarisation (255 = ink). Specks are judged later, by segmentation,
against the size of the digits around them."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from .labels import components_with_stats

__all__ = ["binarize", "drop_scan_border", "normalize_gray"]

Gray = npt.NDArray[Any]


def normalize_gray(gray: Gray) -> Gray:
    """Dark ink on light paper, contrast stretched between ink and paper levels."""
    if gray.size == 0:
        return gray
    small = gray[:: max(1, gray.shape[0] // 256), :: max(1, gray.shape[1] // 256)]
    lo, med, hi = np.percentile(small, (1, 50, 99))
    if med < 100 and hi - med > 40:  # light ink on a dark page: invert
        gray = 255 - gray
        lo, hi = 255 - hi, 255 - lo
    if hi - lo < 8:
        return gray  # a blank page: nothing to stretch
    # On a sparse page both percentiles are paper: never stretch noise into ink.
    lo = min(lo, hi - 100)
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) * 255.0 / (hi - lo), 0, 255)
    return cv2.LUT(gray, lut.astype(np.uint8))


def _background(gray: Gray, stroke: int) -> Gray:
    """The paper's grey level under the ink: a max filter wider than any stroke, smoothed.

    Computed at a quarter of the size: paper shading varies slowly.
    """
    h, w = gray.shape
    f = 4 if min(h, w) >= 64 else 1
    small = cv2.resize(gray, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    k = max(3, (stroke // f) | 1)
    bg = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.blur(bg, (k, k))
    return cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR) if f > 1 else bg


def _noise_sigma(gray: Gray) -> float:
    """Pixel noise of the page: MAD of the high-pass residual, on a subsample."""
    sub = gray[:: max(1, gray.shape[0] // 250), :: max(1, gray.shape[1] // 250)]
    resid = sub.astype(np.float32) - cv2.GaussianBlur(sub, (3, 3), 0).astype(np.float32)
    return float(1.4826 * np.median(np.abs(resid - np.median(resid))) * 1.6)


def binarize(gray: Gray, *, stroke: int = 0, offset: int = 0) -> Gray:
    """Ink is darker than the local paper level by `offset` (background subtraction).

    Unlike a local-mean threshold (OpenCV's adaptive, scikit-image's Sauvola), the paper
    level does not sink next to big dark digits, so light printed rulings beside them
    survive; it also follows tinted or shaded paper.
    """
    h, w = gray.shape[:2]
    if h < 3 or w < 3:
        return np.where(gray < 128, 255, 0).astype(np.uint8)
    if not stroke:
        stroke = max(9, min(h, w) // 25)
    auto = not offset
    if auto:
        # Light rulings (150-170 on 235 paper) must survive, scanner noise must not:
        # a fixed margin under the paper level, smaller on very low-contrast pages.
        lo, hi = np.percentile(gray[:: max(1, h // 200), :: max(1, w // 200)], (1, 99))
        offset = int(max(4, min(28, (hi - lo) * 0.25)))
        # The background is a maximum, which sits some noise above the paper's mean:
        # on a noisy scan the margin must clear the noise (4 sigma, robustly estimated).
        offset = max(offset, int(4 * _noise_sigma(gray)))
    bg = _background(gray, stroke)
    diff = cv2.subtract(bg, gray)
    if auto:
        offset = max(offset, _texture(diff))
    return cv2.threshold(diff, offset, 255, cv2.THRESH_BINARY)[1]


def _texture(diff: Gray) -> int:
    """A margin over mottled paper (recycled envelopes, kraft): twice the upper quartile
    of how far pixels sit under the paper level, at most 28 (the margin's ceiling above:
    a faint pen is not much darker). Only on a page that is mostly paper (95th
    percentile under 100), where the quartile is the paper's."""
    sub = diff[:: max(1, diff.shape[0] // 300), :: max(1, diff.shape[1] // 300)]
    q75, q95 = np.percentile(sub, (75, 95))
    return int(min(2 * q75, 28)) if q95 < 100 else 0


def drop_scan_border(ink: Gray) -> Gray:
    """Remove the scanner's dark background showing along the page's edges.

    A page scanned askew leaves dark bands and wedges at the image's edges; binarised,
    they join printed boxes and confuse the rulings analysis. A band is ink touching an
    edge, at least half as long as that side, and solid along much of it from the
    image's edge in: thicker than any printed line or pen stroke over a run at least
    five times that thickness, within about that thickness of the edge (a frame
    touching the edge stays, with the digits written across it, even where their
    strokes close up into thick spots). Small images (a cut-out field, a single digit)
    are left as they are: their digits may touch the edges. Bands are found at a
    quarter of the size (they are large); what is erased at full size is a band's solid
    body with a pen's reach around it, and its thin ends along the image's edge: a
    digit or a printed line touching the band stays ink, but for its end by it.
    """
    h, w = ink.shape[:2]
    if min(h, w) < 200:
        return ink
    if not (ink[0].any() or ink[-1].any() or ink[:, 0].any() or ink[:, -1].any()):
        return ink  # nothing touches the edges: the common case, and free
    f = 4
    small = cv2.resize(ink, (w // f, h // f), interpolation=cv2.INTER_AREA)
    small = (small >= 128).astype(np.uint8)
    sh, sw = small.shape
    n, labels, stats, _ = components_with_stats(small)
    solid = max(10.0, 0.016 * min(h, w))  # thicker than any printed line or pen stroke
    drop = np.zeros(n, bool)
    for i in range(1, n):
        if not _touches_edge(stats[i], (sw, sh)):
            continue
        x, y, bw, bh, _area = (int(v) for v in stats[i])
        length = max(bw, bh)
        if length < 0.5 * (sw if bw >= bh else sh):
            continue
        # Solid, unlike a printed frame (and the digits touching it): half its thickness
        # is the distance from its deepest pixel to the paper.
        comp = (labels[y : y + bh, x : x + bw] == i).astype(np.uint8)
        comp = cv2.copyMakeBorder(comp, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
        depth = 2 * f * cv2.distanceTransform(comp, cv2.DIST_L2, 3)
        thick = float(depth.max())
        if thick < solid or f * length < 5 * thick:
            continue  # thin all along (a frame, the paper's edge), or too short for it
        # How far the solid part runs along the band: the rows or columns it covers (a
        # '2' written across a frame's side at the edge is thick at one spot only). The
        # scanner's background lies beyond the paper, solid from the image's edge in:
        # digits closed up into thick spots further in are none of it, however many
        # (seed 2064's amount box, joined by them to a frame at the edge, was lost).
        inward = f * _inward((x - 1, y - 1), depth.shape, (sw, sh))
        core = (depth >= solid) & (inward <= thick + solid)
        run = f * int(np.count_nonzero(core.any(axis=0 if bw >= bh else 1)))
        if run >= 5 * solid:
            drop[i] = True
    if not drop.any():
        return ink
    # Only the band's solid body, and what lies within a pen's reach of it: digits
    # written up to the paper's edge and touching the background stay ink ('32835,87'
    # lost its cents with the band they touched).
    whole = drop[labels].astype(np.uint8)
    solid_px = max(1, round(solid / f))  # `solid` at this size
    ball = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, solid_px),) * 2)
    body = cv2.morphologyEx(whole, cv2.MORPH_OPEN, ball)
    nb, blabels, bstats, _ = components_with_stats(body)
    edge = [j for j in range(1, nb) if _touches_edge(bstats[j], (sw, sh))]
    body = np.isin(blabels, edge).astype(np.uint8)
    # All at a quarter of the size, then once to full size with a small margin (as
    # fast as erasing the whole component was).
    reach = max(1, round(solid / (2 * f)))  # a pen's reach
    body = cv2.dilate(body, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
    # The band's thin ends (a wedge tapering off along the edge) are too thin for the
    # body but lie along the image's edge.
    rim = np.zeros((sh, sw), np.uint8)
    rim[:solid_px] = rim[-solid_px:] = 1
    rim[:, :solid_px] = rim[:, -solid_px:] = 1
    small_band = cv2.bitwise_or(body, cv2.bitwise_and(whole, rim))
    band = cv2.resize(small_band, (w, h), interpolation=cv2.INTER_NEAREST)
    band = cv2.dilate(band, np.ones((f + 1, f + 1), np.uint8))
    out = ink.copy()
    out[band > 0] = 0
    return out


def _touches_edge(stat: npt.NDArray[Any], size: tuple[int, int]) -> bool:
    """Whether a component's box (x, y, w, h, area) touches the edge of an image `size`."""
    x, y, bw, bh = (int(v) for v in stat[:4])
    return x == 0 or y == 0 or x + bw == size[0] or y + bh == size[1]


def _inward(at: tuple[int, int], shape: tuple[int, ...], size: tuple[int, int]) -> npt.NDArray[Any]:
    """How far each pixel of a window (top-left `at`, `shape`) lies from the nearest
    edge of the image (`size`: width, height) it is cut from."""
    (x, y), (h, w), (iw, ih) = at, shape[:2], size
    rows, cols = np.arange(y, y + h), np.arange(x, x + w)
    return np.minimum(np.minimum(rows, ih - 1 - rows)[:, None], np.minimum(cols, iw - 1 - cols))
