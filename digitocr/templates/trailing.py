"""The trailing group of the last line of an address block (a handwritten US ZIP).

Text lines come from OpenCV connected components joined by a horizontal closing;
address blocks are left-aligned stacks of lines; the ZIP is the last group of
characters on the block's last line.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..types import Box

__all__ = ["text_lines", "trailing_group"]

Mask = npt.NDArray[Any]


def text_lines(mask: Mask, region: tuple[float, float, float, float]) -> list[Box]:
    """Bounding boxes of text lines inside `region` (fractions of the page)."""
    h, w = mask.shape
    x0, y0, x1, y1 = int(region[0] * w), int(region[1] * h), int(region[2] * w), int(region[3] * h)
    sub = mask[y0:y1, x0:x1]
    k = max(9, int(0.03 * w))
    closed = cv2.morphologyEx(
        sub, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 3))
    )
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    lines = []
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if not (0.01 * h <= bh <= 0.12 * h) or bw < 2 * bh:
            continue
        # Postal barcodes are a run of tall thin bars: mostly ink columns, few gaps.
        comp = sub[y : y + bh, x : x + bw] > 0
        rows_inked = comp.any(axis=1).mean()
        col_runs = np.count_nonzero(np.diff(comp[bh // 2].astype(np.int8)) == 1)
        if col_runs > bw / max(1, bh) * 6 and rows_inked > 0.9:
            continue
        lines.append((x0 + int(x), y0 + int(y), x0 + int(x + bw), y0 + int(y + bh)))
    return sorted(lines, key=lambda b: b[1])


def _blocks(lines: list[Box], w: int) -> list[list[Box]]:
    blocks: list[list[Box]] = []
    for ln in lines:
        lh = ln[3] - ln[1]
        for blk in blocks:
            last = blk[-1]
            aligned = abs(ln[0] - blk[0][0]) < 0.04 * w
            close = 0 <= ln[1] - last[3] < 2.5 * max(lh, last[3] - last[1])
            if aligned and close:
                blk.append(ln)
                break
        else:
            blocks.append([ln])
    return blocks


def trailing_group(mask: Mask, region: tuple[float, float, float, float]) -> Box | None:
    """The box of the last group of characters on the last line of the main address block."""
    h, w = mask.shape
    lines = text_lines(mask, region)
    blocks = [b for b in _blocks(lines, w) if len(b) >= 2]
    if not blocks:
        return None
    # The recipient's block: the most lines, then the one furthest from the top-left corner.
    block = max(blocks, key=lambda b: (len(b), b[0][0] + b[0][1]))
    last = block[-1]
    x0, y0, x1, y1 = last
    pad = (y1 - y0) // 3
    sub = mask[max(0, y0 - pad) : y1 + pad, x0 : x1 + 1]
    _n, _, stats, _ = cv2.connectedComponentsWithStats(sub, connectivity=8)
    comps = [s for s in stats[1:] if s[3] >= 0.25 * (y1 - y0) or s[4] >= 0.02 * (y1 - y0) ** 2]
    if not comps:
        return None
    comps.sort(key=lambda s: s[0])
    group = [comps[-1]]
    for s in reversed(comps[:-1]):
        ref = float(np.median([c[3] for c in group[-3:]]))
        gap = group[-1][0] - (s[0] + s[2])
        if gap > 0.45 * ref:
            break
        group.append(s)
    gx0 = x0 + min(int(s[0]) for s in group)
    gx1 = x0 + max(int(s[0] + s[2]) for s in group)
    gy0 = max(0, y0 - pad) + min(int(s[1]) for s in group)
    gy1 = max(0, y0 - pad) + max(int(s[1] + s[3]) for s in group)
    m = max(2, (gy1 - gy0) // 8)
    return (max(0, gx0 - m), max(0, gy0 - m), min(w, gx1 + m), min(h, gy1 + m))
