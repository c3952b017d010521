"""Which way the lines of a page run, a cue for pages scanned sideways; and which way
up a page is by a printed mark in one of its corners (an envelope's stamp).

Lines of text and printed rulings make the row profile of the ink (ink per row) jump
between lines and gaps, while the column profile changes gently; turned a quarter, the
other way round. The cue is the log ratio of the two profiles' energies (mean squared
difference of neighbouring rows, of neighbouring columns), as in projection-profile
deskewing (Postl 1986; Baird 1987). On generated envelopes and cheques it is over 0.17
upright and under -0.17 turned, on both sides of 0 with room; comb-box forms, their
cells' walls as tall as the digits, do not tell, so forms give their page aspect instead.

Mail is faced by its stamp: the stamp or postage indicia goes in the upper right corner
of the address side, and a post office's facer-canceller turns letters by finding it.
`corner_mark` looks for it in a template's corner and in the opposite one, where it
sits on a page upside down (or, for a page taken for sideways, in the two corners it
goes to turned a quarter either way).
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["CORNERS", "Corner", "corner_mark", "line_direction"]

_SIDE = 800  # pixels: the profiles are compared on the mask shrunk to this longer side


def line_direction(ink: npt.NDArray[Any]) -> float:
    """Log ratio of the row profile's energy to the column profile's: > 0 when the lines
    run across the page, < 0 when they run down it, 0 on an empty page."""
    h, w = ink.shape[:2]
    if min(h, w) < 8:
        return 0.0
    f = min(1.0, _SIDE / max(h, w))
    small = cv2.resize(
        ink, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
    )
    mass = small.astype(np.float64)
    rows, cols = mass.sum(axis=1), mass.sum(axis=0)
    e_rows = float(np.mean(np.diff(rows) ** 2))
    e_cols = float(np.mean(np.diff(cols) ** 2))
    if e_rows <= 0 or e_cols <= 0:
        return 0.0
    return float(np.log(e_rows / e_cols))


Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
# Corner -> (top, right): where a template's mark sits on its page the right way up.
CORNERS: dict[Corner, tuple[bool, bool]] = {
    "top-left": (True, False),
    "top-right": (True, True),
    "bottom-left": (False, False),
    "bottom-right": (False, True),
}
# The corner windows: this share of the page's width and of its height.
_CORNER_W, _CORNER_H = 0.25, 0.3
# The mark tells when the largest mark-like piece centred in its window covers this share
# of the window with its box, and the largest in the opposite corner's this many times
# less (a stamp's frame: 0.1-0.3).
_MARK_SIZE, _MARK_RATIO = 0.05, 4.0
# Pieces of ink reaching within this share of the page's longer side of its edge.
_EDGE = 0.01
# A mark's box is no longer than this many times its breadth (a line is).
_MARK_ASPECT = 3.0
# A mark is closed or solid: a hole this share of its box (a frame, a ring), or ink
# over this share of it (a printed stamp; bench-dev's, run over by the cancellation's
# wavy lines, 0.27-0.29). A scan's shadow along two edges of the paper, an L in the
# corner, is neither (0.03).
_MARK_HOLE, _MARK_FILL = 0.2, 0.2


def _closed_or_solid(piece: npt.NDArray[Any]) -> bool:
    """Whether a piece's mask (its box) holds a hole of _MARK_HOLE of the box or is
    inked over _MARK_FILL of it."""
    inked = int(np.count_nonzero(piece))
    if inked >= _MARK_FILL * piece.size:
        return True
    outside = np.pad(piece, 1).astype(np.uint8)
    cv2.floodFill(outside, None, (0, 0), 1)  # the background reached from the edge
    holes = outside.size - int(np.count_nonzero(outside))
    return holes >= _MARK_HOLE * piece.size


def corner_mark(ink: npt.NDArray[Any], corner: Corner, *, quarter: bool = False) -> int | None:
    """Which way the page's content is turned, by a mark that sits in `corner` (a
    `CORNERS` key) of the page the right way up: of 0 and 180 degrees (clockwise), or
    with `quarter` of 90 and 270, the way that puts a piece of ink like a stamp where the
    mark goes when the other finds nothing like it (_MARK_RATIO times smaller); None
    when the two do not tell. (A quarter turn cannot be told from the corner alone: a
    portrait envelope may carry its stamp top left, as Japanese ones do, where a
    landscape one turned 270 degrees does; the caller asks only of a page it already
    takes for sideways.)

    Like a stamp: it fits in the corner window (_CORNER_W of the upright page's width by
    _CORNER_H of its height, turned with it), stays clear of the page's edge (1%: a
    scan's dark border), is no longer than three times its breadth (a line) and closed
    or solid (_closed_or_solid); its size is its box's share of the window.
    """
    h, w = ink.shape[:2]
    if min(h, w) < 8:
        return None
    f = min(1.0, _SIDE / max(h, w))
    small = cv2.resize(
        ink, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
    )
    _, labels, stats, centres = cv2.connectedComponentsWithStats(
        (small > 127).astype(np.uint8), connectivity=8
    )
    H, W = small.shape[:2]
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    edge = _EDGE * max(H, W)
    clear = (left >= edge) & (top >= edge) & (left + width <= W - edge)
    clear &= top + height <= H - edge
    clear &= np.maximum(width, height) <= _MARK_ASPECT * np.minimum(width, height)
    clear[0] = False  # the background
    x, y = centres[:, 0], centres[:, 1]

    def largest(turn: int) -> float:
        # The mark's corner and window on the page with its content turned `turn`
        # clockwise: a quarter turn takes a top-right corner to the bottom right.
        top_side, right_side = CORNERS[corner]
        for _ in range(turn // 90):
            top_side, right_side = not right_side, top_side
        cw, ch = (
            (_CORNER_W * W, _CORNER_H * H) if turn % 180 == 0 else (_CORNER_H * W, _CORNER_W * H)
        )
        inside = clear & (width <= cw) & (height <= ch)
        inside &= (x >= W - cw) if right_side else (x < cw)
        inside &= (y < ch) if top_side else (y >= H - ch)
        size = (width * height).astype(np.float64) / (cw * ch)
        for k in sorted(np.flatnonzero(inside), key=lambda k: -size[k]):
            x0, y0 = left[k], top[k]
            if _closed_or_solid(labels[y0 : y0 + height[k], x0 : x0 + width[k]] == k):
                return float(size[k])
        return 0.0

    way, other = (90, 270) if quarter else (0, 180)
    here, there = largest(way), largest(other)
    if here >= _MARK_SIZE and here >= _MARK_RATIO * there:
        return way
    if there >= _MARK_SIZE and there >= _MARK_RATIO * here:
        return other
    return None
