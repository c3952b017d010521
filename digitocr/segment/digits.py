"""Field -> digit crops with OpenCV connected components.

Drops specks and leftover rulings, merges broken strokes, recognises separators
(decimal point or comma, slash, hyphen) by shape and position, splits touching digits
at the cut the classifier is surest about, and orders everything left to right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..types import Box, DigitCrop, FieldCrop
from .normalize import normalize_digit

__all__ = ["Scorer", "segment_field"]

Mask = npt.NDArray[Any]
# Classifies a list of 28x28 crops -> (N, 10) probabilities.
Scorer = Callable[[Sequence[npt.NDArray[Any]]], npt.NDArray[Any]]


@dataclass(eq=False)
class _Blob:
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


def _union(a: _Blob, b: _Blob) -> _Blob:
    box = (
        min(a.box[0], b.box[0]),
        min(a.box[1], b.box[1]),
        max(a.box[2], b.box[2]),
        max(a.box[3], b.box[3]),
    )
    return _Blob(cv2.bitwise_or(a.mask, b.mask), box)


def _components(ink: Mask) -> list[_Blob]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        mask = np.zeros_like(ink)
        sub = labels[y : y + h, x : x + w] == i
        mask[y : y + h, x : x + w][sub] = 255
        blobs.append(_Blob(mask, (x, y, x + w, y + h)))
    return blobs


def _digit_height(blobs: list[_Blob], field_h: int) -> float:
    sizable = [b.h for b in blobs if b.h >= 0.2 * field_h and (b.crop() > 0).sum() >= 12]
    if not sizable:
        sizable = [b.h for b in blobs]
    return float(np.percentile(sizable, 75)) if sizable else float(field_h)


def _x_overlap(a: _Blob, b: _Blob) -> float:
    inter = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    return inter / max(1, min(a.w, b.w))


def _separator(b: _Blob, band: tuple[float, float], H: float) -> str:
    """'.', '-', '/' or '' (not a separator), by size, shape and position in the line."""
    top, bottom = band
    cy = (b.box[1] + b.box[3]) / 2
    rel = (cy - top) / max(1.0, bottom - top)
    area = float((b.crop() > 0).sum())
    fill_box = area / max(1, b.w * b.h)
    roundish = 0.4 <= b.w / max(1, b.h) <= 2.5 and fill_box >= 0.35
    if b.h < 0.38 * H and b.w < 0.5 * H and rel > 0.62 and area >= 0.008 * H * H and roundish:
        return "."  # a point on the baseline
    if (
        b.h < 0.6 * H
        and b.w < 0.35 * H
        and rel > 0.7
        and b.box[3] > bottom - 0.05 * H
        and b.box[1] > top + 0.45 * H
    ):
        return "."  # a comma: low, small, reaching the baseline or below
    if b.h < 0.28 * H and b.w >= 1.3 * b.h and 0.15 * H <= b.w <= 1.1 * H and 0.25 < rel < 0.8:
        return "-"
    if b.h >= 0.5 * H and b.w >= 0.25 * b.h:
        fill = area / max(1, b.w * b.h)
        ys, xs = np.nonzero(b.crop())
        if len(xs) > 5 and fill < 0.3:
            ys_f, xs_f = ys.astype(float), xs.astype(float)
            slope, icpt = np.polyfit(ys_f, xs_f, 1)  # dx/dy
            spread = float(np.std(xs_f - (slope * ys_f + icpt)))
            # One straight stroke leaning right going up; a '2' or '7' is not straight.
            if slope < -0.12 and spread < 0.12 * b.h:
                return "/"
    return ""


# Split candidates: wider than 0.9 x the digit height and 1.3 x the field's typical
# digit; a whole blob wider than 1.3 x its height is read at half confidence; each piece
# must be a sure digit. Chosen by a sweep on bench-dev and generated MNIST-test sets.
_SPLIT = (0.9, 1.3, 1.3, 0.95)


def _valleys(b: _Blob, H: float) -> list[int]:
    """Candidate cut columns: local minima of the vertical ink projection."""
    proj = (b.crop() > 0).sum(axis=0).astype(np.float64)
    if len(proj) < 5:
        return []
    smooth = np.convolve(proj, np.ones(3) / 3, mode="same")
    lo = max(2, int(0.2 * H))
    cuts = [
        c
        for c in range(lo, b.w - lo)
        if smooth[c] <= smooth[c - 1]
        and smooth[c] <= smooth[c + 1]
        and smooth[c] < 0.6 * smooth.max()
    ]
    cuts.sort(key=lambda c: smooth[c])
    kept: list[int] = []
    for c in cuts:
        if all(abs(c - k) >= max(3, int(0.15 * H)) for k in kept):
            kept.append(c)
    return sorted(kept[:10])


def _piece(b: _Blob, x0: int, x1: int) -> _Blob | None:
    m = np.zeros_like(b.mask)
    bx0, by0, bx1, by1 = b.box
    m[by0:by1, bx0 + x0 : bx0 + x1] = b.mask[by0:by1, bx0 + x0 : bx0 + x1]
    ys, xs = np.nonzero(m[by0:by1, bx0:bx1])
    if len(ys) < 8:
        return None
    return _Blob(
        m,
        (
            bx0 + int(xs.min()),
            by0 + int(ys.min()),
            bx0 + int(xs.max()) + 1,
            by0 + int(ys.max()) + 1,
        ),
    )


def _split(b: _Blob, H: float, score: Scorer | None, width: float) -> list[_Blob]:
    """Recognition-based over-segmentation of a blob too wide for one digit.

    Cuts at projection valleys; every run of pieces between two cuts is classified, and
    dynamic programming keeps the reading whose digits the classifier is surest of (LeCun
    et al. 1998). The whole blob competes too, at half confidence when it is much wider
    than tall, since one handwritten digit rarely is.
    """
    hf, wf, disc, conf = _SPLIT
    if score is None or b.w < max(hf * H, wf * width) or b.w < 0.75 * b.h:
        return [b]
    cuts = [0, *_valleys(b, H), b.w]
    if len(cuts) <= 2:
        return [b]
    spans = [
        (i, j)
        for i in range(len(cuts))
        for j in range(i + 1, len(cuts))
        if 0.2 * H <= cuts[j] - cuts[i] <= 1.25 * H or (i, j) == (0, len(cuts) - 1)
    ]
    pieces = {(i, j): _piece(b, cuts[i], cuts[j]) for i, j in spans}
    valid = [
        (k, p)
        for k, p in pieces.items()
        if p is not None and (p.h >= 0.55 * H or k == (0, len(cuts) - 1))
    ]
    if not valid:
        return [b]
    probs = score([normalize_digit(p.crop()) for _, p in valid])
    s_of = {k: float(pr.max()) for (k, _), pr in zip(valid, probs, strict=True)}
    whole_key = (0, len(cuts) - 1)
    if whole_key in s_of and b.w > disc * b.h:
        s_of[whole_key] *= 0.5
    # Best path from cut 0 to the last cut; a piece under `conf` may only be the whole.
    best: dict[int, tuple[float, list[tuple[int, int]]]] = {0: (1.0, [])}
    for j in range(1, len(cuts)):
        for i in range(j):
            if i not in best or (i, j) not in s_of:
                continue
            sc = s_of[(i, j)]
            if sc < conf and (i, j) != whole_key:
                continue
            cand = best[i][0] * sc
            if j not in best or cand > best[j][0]:
                best[j] = (cand, [*best[i][1], (i, j)])
    end = len(cuts) - 1
    if end not in best or len(best[end][1]) <= 1:
        return [b]
    return [p for k in best[end][1] if (p := pieces[k]) is not None]


def _cut_at_cells(b: _Blob, cells: Sequence[Box]) -> list[_Blob]:
    """A blob spanning several comb cells (digits touching across a separator) is cut
    at the cell boundaries; each piece then joins its own cell."""
    spans = [c for c in cells if min(b.box[2], c[2]) - max(b.box[0], c[0]) >= 0.3 * (c[2] - c[0])]
    if len(spans) < 2:
        return [b]
    pieces = []
    for c in spans:
        p = _piece(b, max(0, c[0] - b.box[0]), min(b.w, c[2] - b.box[0]))
        if p is not None:
            pieces.append(p)
    return pieces or [b]


def _by_cells(blobs: list[_Blob], cells: Sequence[Box]) -> tuple[list[_Blob], list[_Blob]]:
    """One digit per comb cell: blobs whose centre falls in a cell are one digit."""
    in_cell: dict[int, _Blob] = {}
    outside: list[_Blob] = []
    for whole in blobs:
        for b in _cut_at_cells(whole, cells):
            cy = (b.box[1] + b.box[3]) / 2
            idx = next(
                (
                    i
                    for i, c in enumerate(cells)
                    if c[0] <= b.cx < c[2] and c[1] - 5 <= cy <= c[3] + 5
                ),
                None,
            )
            if idx is None:
                outside.append(b)
            else:
                in_cell[idx] = _union(in_cell[idx], b) if idx in in_cell else b
    return [in_cell[i] for i in sorted(in_cell)], outside


def segment_field(field: FieldCrop, score: Scorer | None = None) -> list[DigitCrop]:
    """Digit and separator crops of one field, left to right."""
    ink = field.ink
    if ink.size == 0 or not ink.any():
        return []
    blobs = _components(ink)
    H = _digit_height(blobs, ink.shape[0])
    # Specks and leftover ruling fragments.
    blobs = [
        b
        for b in blobs
        if (b.crop() > 0).sum() >= max(4.0, 0.004 * H * H)
        and not (b.h < 0.15 * H and b.w > 1.2 * H)
        and b.h <= 2.5 * H
    ]
    if field.inner is not None and not field.cells:
        ix0, iy0, ix1, iy1 = field.inner
        blobs = [b for b in blobs if ix0 <= b.cx <= ix1 and iy0 <= (b.box[1] + b.box[3]) / 2 <= iy1]
    if not blobs:
        return []
    big = [b for b in blobs if b.h >= 0.45 * H]
    if big:
        top = float(np.median([b.box[1] for b in big]))
        bottom = float(np.median([b.box[3] for b in big]))
    else:
        top, bottom = 0.0, float(ink.shape[0])
    if field.cells:
        digits, outside = _by_cells(blobs, field.cells)
        items = [(b, "") for b in digits if b.h >= 0.3 * H]
        items += [(b, s) for b in outside if (s := _separator(b, (top, bottom), H))]
    else:
        items = _merge_and_label(blobs, (top, bottom), H, field.kind, score)
        widths = [b.w for b, sep in items if not sep and b.h >= 0.5 * H]
        # The typical digit width, never more than a digit's (a field of merged pairs).
        width = min(float(np.median(widths)), 0.75 * H) if len(widths) >= 3 else 0.7 * H
        split: list[tuple[_Blob, str]] = []
        for b, sep in items:
            if sep:
                split.append((b, sep))
            else:
                split.extend((p, "") for p in _split(b, H, score, width))
        items = split
    items.sort(key=lambda t: t[0].cx)
    out = []
    for b, sep in items:
        img = np.zeros((28, 28), np.float32) if sep else normalize_digit(b.crop())
        out.append(DigitCrop(image=img, box=b.box, separator=sep))
    return out


def _merge_and_label(
    blobs: list[_Blob], band: tuple[float, float], H: float, kind: str, score: Scorer | None = None
) -> list[tuple[_Blob, str]]:
    """Merge broken strokes into digits; label the pieces that are separators."""
    # Specks never join a digit (they would shrink it when normalised).
    parts = [b for b in blobs if b.h >= 0.2 * H or (b.crop() > 0).sum() >= 0.02 * H * H]
    dots = [b for b in blobs if b not in parts and _separator(b, band, H) == "."]
    # 1. Pieces stacked over each other are one digit (a '5' whose bar came off).
    merged: list[_Blob] = []
    for b in sorted(parts, key=lambda b: -b.h):
        for i, m in enumerate(merged):
            if _x_overlap(b, m) > 0.5 and not (
                _separator(b, band, H) == "." and _x_overlap(b, m) < 0.8
            ):
                merged[i] = _union(m, b)
                break
        else:
            merged.append(b)
    merged.sort(key=lambda b: b.cx)
    # 2. Separators by shape and position, among whole pieces.
    labelled: list[tuple[_Blob, str]] = []
    for b in merged:
        sep = _separator(b, band, H)
        if sep == "/" and kind != "date":
            sep = ""
        if sep == "-" and kind not in ("date", "zip", "digits"):
            sep = ""
        labelled.append((b, sep))
    labelled += [(d, ".") for d in dots]
    labelled.sort(key=lambda t: t[0].cx)
    # 3. Halves of a digit drawn in two strokes (a '0' as '(' and ')'): merge when they
    #    nearly touch and the classifier is sure of the whole.
    if score is not None:
        out: list[tuple[_Blob, str]] = []
        for b, sep in labelled:
            if out and not sep and not out[-1][1]:
                a = out[-1][0]
                gap = b.box[0] - a.box[2]
                u = _union(a, b)
                if (
                    gap <= 0.12 * H
                    and u.w <= 0.95 * H
                    and min(a.h, b.h) >= 0.35 * H
                    and max(a.w, b.w) < 0.6 * H
                ):
                    pu = float(score([normalize_digit(u.crop())])[0].max())
                    pa, pb = (
                        float(x.max())
                        for x in score([normalize_digit(a.crop()), normalize_digit(b.crop())])
                    )
                    if pu >= 0.9 and pu > pa * pb:
                        out[-1] = (u, "")
                        continue
            out.append((b, sep))
        labelled = out
    # Handwritten digits of one field are of a size: much smaller pieces are print or noise.
    return [(b, sep) for b, sep in labelled if sep or b.h >= 0.45 * H]
