"""Printed structure of a page: horizontal rulings, rectangles and comb-box cells.

Structure-based registration: a template names *kinds* of printed things (a box of a
given aspect, a row of cells, a ruled line), found wherever the page puts them, so a
shifted, scaled or slightly rotated scan or another bank's layout still matches.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..imaging.labels import components_with_stats
from ..types import Box

__all__ = ["Rect", "Structure", "analyse", "hlines", "overlap"]

Mask = npt.NDArray[Any]


@dataclass(frozen=True)
class Rect:
    """A printed rectangle (outer bounds); `cells` splits it when it is a comb."""

    box: Box
    cells: tuple[Box, ...] = ()

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class Structure:
    lines: tuple[Box, ...]  # horizontal rulings (bounding boxes)
    rects: tuple[Rect, ...]  # closed rectangles, combs split into cells
    rows: tuple[tuple[Box, ...], ...]  # comb cells grouped into rows, top to bottom


def hlines(mask: Mask, min_len: int) -> list[Box]:
    """Horizontal ink runs at least `min_len` long, as bounding boxes."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, min_len), 1))
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    # Bridge one- or two-pixel breaks along a ruling without joining separate boxes.
    opened = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8))
    _n, labels, stats, _ = components_with_stats(opened)
    segs = []
    for i, (x, y, w, h, _a) in enumerate(stats[1:].tolist(), start=1):
        if w < min_len:
            continue
        # A ruling is six times as long as thick or more: a box's side 76 px long,
        # blurred to 11 px, is one (at eight, seed 2050 lost a postcode box).
        if h <= max(6, w // 6):
            segs.append((x, y, x + w, y + h))
            continue
        ruling = _ruling_rows(labels[y : y + h, x : x + w] == i, max(6, w // 6))
        if ruling is not None:
            segs.append((x, y + ruling[0], x + w, y + ruling[1]))
    segs.sort()
    # Merge collinear pieces: a ruling broken where ink crosses it is still one ruling.
    merged: list[list[int]] = []
    for seg in sorted(segs, key=lambda b: (b[1], b[0])):
        for m in merged:
            same_row = abs((m[1] + m[3]) / 2 - (seg[1] + seg[3]) / 2) <= 3
            if same_row and seg[0] - m[2] <= min_len and m[0] - seg[2] <= min_len:
                m[0], m[1] = min(m[0], seg[0]), min(m[1], seg[1])
                m[2], m[3] = max(m[2], seg[2]), max(m[3], seg[3])
                break
        else:
            merged.append(list(seg))
    return [(m[0], m[1], m[2], m[3]) for m in merged]


def _ruling_rows(component: Mask, thick: int) -> tuple[int, int] | None:
    """The rows of a ruling thickened by a pen stroke drawn along it (a 7's bar on its
    box's top side): a band at most `thick` rows high, each row inked across 90% of the
    component's width; None when there is no such band or more than one."""
    full = np.flatnonzero(component.mean(axis=1) >= 0.9)
    if not len(full) or full[-1] - full[0] + 1 > thick or len(full) != full[-1] - full[0] + 1:
        return None
    return int(full[0]), int(full[-1]) + 1


def _columns(mask: Mask, x0: int, x1: int, y0: int, y1: int, max_width: int) -> list[int]:
    """x of vertical rulings spanning rows y0..y1 (groups of adjacent columns -> centre)."""
    band = mask[y0:y1, x0:x1] > 0
    if band.shape[0] < 3 or band.shape[1] < 3:
        return []
    # A ruling may wander by a pixel over its height: OR each column with its neighbours.
    near = band.copy()
    near[:, 1:] |= band[:, :-1]
    near[:, :-1] |= band[:, 1:]
    fill = near.mean(axis=0)
    raw = band.mean(axis=0)
    cols = np.nonzero(fill > 0.92)[0]
    groups: list[list[int]] = []
    for c in cols.tolist():
        if groups and c - groups[-1][-1] <= 2:
            groups[-1].append(c)
        else:
            groups.append([c])
    out = []
    for g in groups:
        if g[-1] - g[0] + 1 <= max_width:
            out.append(x0 + (g[0] + g[-1]) // 2)
        else:
            # A pen stroke touching a ruling widens the run: keep the ruling's own
            # column when one is inked over (almost) the whole height.
            best = max(g, key=lambda c: raw[c])
            if raw[best] >= 0.97:
                out.append(x0 + best)
    return out


def _merge_splits(cells: list[Box], min_pitch: float = 0.0) -> list[Box]:
    """Undo separators that split a cell (a pen stroke spanning the cell's height).

    Spurious separators only ever make cells narrower, so the comb's pitch is the upper
    quartile of the widths (at least `min_pitch`); adjacent narrow cells are merged
    while they fit in it.
    """
    if len(cells) < 3:
        return cells
    pitch = max(min_pitch, float(np.percentile([c[2] - c[0] for c in cells], 75)))
    out: list[Box] = []
    for c in cells:
        if out:
            p = out[-1]
            # Side by side: a stroke's two edges may both pass for separators, a few
            # pixels apart on a small scan (a 36-px cell's 8 read as walls 5 px apart).
            adjacent = c[0] - p[2] <= max(3.0, 0.15 * pitch)
            narrow = (p[2] - p[0]) < 0.8 * pitch and (c[2] - c[0]) < 0.8 * pitch
            if adjacent and narrow and c[2] - p[0] <= 1.25 * pitch:
                out[-1] = (p[0], min(p[1], c[1]), c[2], max(p[3], c[3]))
                continue
        out.append(c)
    return out


def _coverage(mask: Mask, y0: int, y1: int, x0: int, x1: int) -> float:
    band = mask[max(0, y0) : y1, x0:x1] > 0
    return float(band.any(axis=0).mean()) if band.size else 0.0


def _cells_between(mask: Mask, top: Box, bot: Box, min_h: int, rule: int) -> list[Box]:
    ov0, ov1 = max(top[0], bot[0]) - 3, min(top[2], bot[2]) + 3
    if ov1 - ov0 < min_h:
        return []
    # A printed separator is as thin as the page's printed rulings; a pen stroke is not.
    cols = _columns(mask, max(0, ov0), ov1, top[3] + 1, bot[1] - 1, rule + 3)
    cells = []
    for a, b in itertools.pairwise(cols):
        if b - a < min_h // 2:
            continue
        tc = _coverage(mask, top[1] - 1, top[3] + 1, a, b)
        bc = _coverage(mask, bot[1] - 1, bot[3] + 1, a, b)
        if tc > 0.85 and bc > 0.85:
            cells.append((a, top[1], b, bot[3]))
    return _merge_splits(cells)


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share, over the smaller's."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / max(1, small)


def _rects(mask: Mask, lines: list[Box], min_h: int, max_h: int) -> list[Rect]:
    """Pair rulings; the full-height verticals between a pair cut it into boxes/cells.

    Every pair proposes cells; where proposals overlap the larger wins, so a digit's
    horizontal stroke inside a box never passes for the box's bottom edge, and one long
    top ruling over two groups of cells still yields both groups.
    """
    lines = sorted(lines, key=lambda b: b[1])
    rule = int(np.median([b[3] - b[1] for b in lines])) if lines else 3
    proposals: list[Box] = []
    for i, top in enumerate(lines):
        for bot in lines[i + 1 :]:
            h = bot[1] - top[1]
            if h > max_h:
                break
            if h >= min_h:
                proposals += _cells_between(mask, top, bot, min_h, rule)
    accepted: list[Box] = []
    for c in sorted(proposals, key=lambda c: -(c[2] - c[0]) * (c[3] - c[1])):
        if all(overlap(c, a) < 0.3 for a in accepted):
            accepted.append(c)
    accepted.sort(key=lambda c: (c[1], c[0]))
    rows: list[list[Box]] = []
    for c in accepted:
        for row in rows:
            if abs(row[0][1] - c[1]) <= 4 and abs(row[0][3] - c[3]) <= 6:
                row.append(c)
                break
        else:
            rows.append([c])
    found: list[Rect] = []
    for row in rows:
        found.extend(_group(sorted(row, key=lambda c: c[0])))
    return found


def _group(cells: list[Box]) -> list[Rect]:
    """Adjacent cells sharing a ruling form one comb; a lone cell is a plain box."""
    out: list[Rect] = []
    run = [cells[0]]
    for c in cells[1:]:
        if c[0] - run[-1][2] <= 3:
            run.append(c)
        else:
            out.append(_as_rect(run))
            run = [c]
    out.append(_as_rect(run))
    return out


def _as_rect(run: list[Box]) -> Rect:
    box = (run[0][0], run[0][1], run[-1][2], run[-1][3])
    return Rect(box, tuple(run) if len(run) > 1 else ())


def _rows(rects: list[Rect]) -> list[tuple[Box, ...]]:
    """Group comb cells and lone square boxes into rows of similar size and height."""
    cells: list[Box] = []
    for r in rects:
        if r.cells:
            cells.extend(r.cells)
        elif 0.55 <= r.width / max(1, r.height) <= 1.5:
            cells.append(r.box)
    cells.sort(key=lambda b: ((b[1] + b[3]) / 2, b[0]))
    rows: list[list[Box]] = []
    for c in cells:
        cy, ch = (c[1] + c[3]) / 2, c[3] - c[1]
        for row in rows:
            ref = row[-1]
            rcy, rh = (ref[1] + ref[3]) / 2, ref[3] - ref[1]
            if abs(cy - rcy) < 0.35 * rh and 0.7 < ch / max(1, rh) < 1.4:
                row.append(c)
                break
        else:
            rows.append([c])
    out = []
    for row in rows:
        row.sort(key=lambda b: b[0])
        # Split where the gap is far wider than a cell (two separate groups on one line).
        h = float(np.median([b[3] - b[1] for b in row]))
        group = [row[0]]
        for b in row[1:]:
            if b[0] - group[-1][2] > 2.5 * h:
                out.append(tuple(group))
                group = []
            group.append(b)
        out.append(tuple(group))
    # A row of separate boxes can have most of them split by pen strokes (each box's
    # own pair of rulings sees two cells): boxes are about square, so a pitch of most
    # of their height joins the halves and never two real cells.
    out = [
        tuple(_merge_splits(list(r), 0.9 * float(np.median([b[3] - b[1] for b in r])))) for r in out
    ]
    return [r for r in out if len(r) >= 3]


def analyse(mask: Mask) -> Structure:
    """Find rulings, rectangles and comb rows in a deskewed binary page."""
    h, w = mask.shape[:2]
    min_len = max(12, int(0.018 * max(w, h)))
    lines = hlines(mask, min_len)
    rects = _rects(mask, lines, min_h=max(8, int(0.01 * max(w, h))), max_h=int(0.2 * h) + 8)
    rows = _rows(rects)
    rows.sort(key=lambda r: (min(b[1] for b in r), min(b[0] for b in r)))
    return Structure(tuple(lines), tuple(rects), tuple(rows))
