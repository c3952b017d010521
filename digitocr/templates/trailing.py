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

from ..imaging.labels import components_with_stats
from ..types import Box

__all__ = ["text_lines", "trailing_group"]

_TAIL_GAP = 0.2

Mask = npt.NDArray[Any]


def text_lines(mask: Mask, region: tuple[float, float, float, float]) -> list[Box]:
    """Bounding boxes of text lines inside `region` (fractions of the page)."""
    h, w = mask.shape
    x0, y0, x1, y1 = int(region[0] * w), int(region[1] * h), int(region[2] * w), int(region[3] * h)
    sub = mask[y0:y1, x0:x1]
    # Paper texture leaves speckle clusters; characters are made of sizable strokes.
    n, labels, stats, cents = components_with_stats(sub)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(12, int((0.006 * h) ** 2))
    keep[0] = False
    sub = np.where(keep[labels], 255, 0).astype(np.uint8)
    chars = cents[keep]  # centres of the character-sized components
    k = max(9, int(0.03 * w))
    closed = cv2.morphologyEx(
        sub, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 3))
    )
    n, _labels, stats, _ = components_with_stats(closed)
    lines = []
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if not (0.01 * h <= bh <= 0.12 * h) or bw < 2 * bh:
            continue
        inside = (
            (chars[:, 0] >= x)
            & (chars[:, 0] < x + bw)
            & (chars[:, 1] >= y)
            & (chars[:, 1] < y + bh)
        )
        if inside.sum() < 3 and bw < 0.03 * w:
            continue  # a short cluster of paper texture, not a line of characters
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
            # A handwritten ZIP is taller than the typed text: the lines may overlap.
            close = -0.6 * lh <= ln[1] - last[3] < 2.5 * max(lh, last[3] - last[1])
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
    # A ZIP written well apart from the typed city, or a little above its baseline, makes
    # a "line" of its own to the right: join it to the last line.
    lh = last[3] - last[1]
    beside = [
        ln
        for ln in lines
        if ln not in block
        and 0 <= ln[0] - last[2] < 6 * lh
        and min(ln[3], last[3]) - max(ln[1], last[1]) > 0.3 * min(lh, ln[3] - ln[1])
    ]
    if beside:
        ln = min(beside, key=lambda b: b[0])
        last = (last[0], min(last[1], ln[1]), max(last[2], ln[2]), max(last[3], ln[3]))
    x0, y0, x1, y1 = last
    pad = (y1 - y0) // 3
    top = max(0, y0 - pad)
    sub = mask[top : y1 + pad, x0 : x1 + 1]
    _, _, stats, _ = components_with_stats(sub)
    lh = y1 - y0
    comps = [
        st
        for st in stats[1:]
        if (st[3] >= 0.25 * lh or st[4] >= 0.02 * lh * lh)
        and y0 <= top + st[1] + st[3] / 2 <= y1  # centred on this line, not the one above
    ]
    if not comps:
        return None
    comps.sort(key=lambda st: st[0])
    typed = _cap_height(mask, block[:-1])
    if typed and lh > 1.8 * typed:
        # A tall ZIP can bridge the last line to the one above: keep the lowest row of
        # typed characters only, and the taller pieces ending less than a line above its
        # baseline. A word of the line above, its letters run together and a descender,
        # is as tall as a handwritten digit ('Way' over a ZIP: its foot 1.5 capitals
        # above the baseline); a ZIP written rising to the right ends up to 0.8 above.
        base = max((top + st[1] + st[3] for st in comps if st[3] < 1.15 * typed), default=0)
        comps = [
            st
            for st in comps
            if top + st[1] + st[3] > base - (1.2 if st[3] >= 1.15 * typed else 0.6) * typed
        ]
    while len(comps) > 1 and typed and comps[-1][3] < 0.6 * typed:
        comps.pop()  # a speck or stray mark after the ZIP
    while len(comps) > 1 and _stray_stroke(comps):
        comps.pop()
    group = _taller_tail(comps, typed) or _gap_tail(comps)
    gx0 = x0 + min(int(st[0]) for st in group)
    gx1 = x0 + max(int(st[0] + st[2]) for st in group)
    gy0 = top + min(int(st[1]) for st in group)
    gy1 = top + max(int(st[1] + st[3]) for st in group)
    m = max(2, (gy1 - gy0) // 8)
    return (max(0, gx0 - m), max(0, gy0 - m), min(w, gx1 + m), min(h, gy1 + m))


def _cap_height(mask: Mask, lines: list[Box]) -> float:
    """Height of the typed capitals and digits on the address's other lines."""
    heights: list[int] = []
    for x0, y0, x1, y1 in lines:
        _, _, stats, _ = components_with_stats(mask[y0:y1, x0:x1])
        heights += [int(st[3]) for st in stats[1:] if st[4] >= 10]
    return float(np.percentile(heights, 90)) if heights else 0.0


def _taller_tail(comps: list[npt.NDArray[Any]], typed: float) -> list[npt.NDArray[Any]]:
    """Trailing components taller than the typed text: a handwritten ZIP (hyphen kept)."""
    if typed <= 0:
        return []
    tall = [st for st in comps if st[3] >= 1.15 * typed]
    if not tall:
        return []
    top = float(np.median([st[1] for st in tall]))
    bottom = float(np.median([st[1] + st[3] for st in tall]))
    band = 0.2 * (bottom - top)
    group: list[npt.NDArray[Any]] = []
    rest = list(comps)
    # A stray mark after the ZIP, shorter than its digits and most of a digit's height
    # away from them (a pen slip, a stroke of the stamp's cancellation), or a thin
    # stroke under 0.6 of their height however close (seed 2082's '13162-1093', a
    # '(' just after it: no digit taller than the type ended the line, so the ZIP was
    # looked for by gaps alone and read '11093').
    height = bottom - top
    while (
        len(rest) > 1
        and rest[-1][3] < 1.15 * typed
        and (
            rest[-1][0] - max(st[0] + st[2] for st in rest[:-1]) > 0.8 * height
            or (rest[-1][3] < 0.6 * height and rest[-1][2] < 0.5 * rest[-1][3])
        )
    ):
        rest.pop()
    while rest:
        st = rest[-1]
        if st[3] >= 1.15 * typed:
            group.append(rest.pop())
            continue
        if group and _hyphen(st, 0.5 * typed, top + band, bottom - band):
            group.append(rest.pop())
            continue
        if group and _bar_over_body(rest, 0.5 * typed, 1.15 * typed):
            group.append(rest.pop())
            group.append(rest.pop())
            continue
        if group and st[3] < 0.6 * typed and st[2] < 0.3 * typed:
            rest.pop()  # a speck between the digits
            continue
        break
    while group and not group[-1][3] >= 1.15 * typed:  # never end on a hyphen
        group.pop()
    # Three handwritten digits at least, touching ones counted by their width (seed
    # 2061's '43017' came as a 4 and one blob of four).
    if sum(max(1, round(st[2] / (0.75 * st[3]))) for st in group if st[3] >= 1.15 * typed) < 3:
        return []
    # A first digit written smaller than the rest still sits close to them, while the
    # state before the ZIP is a word space away.
    ref = float(np.median([st[3] for st in group]))
    rest = [st for st in comps if st[0] + st[2] <= group[-1][0] + 0.5 * st[2]]
    # The gap to the furthest right any of them reaches: a crumb of a digit (a 6's top
    # drawn apart, a speck between two digits) is no gap.
    gap = _TAIL_GAP * ref
    hyphen = None
    while rest:
        apart = group[-1][0] - max(st[0] + st[2] for st in rest)
        # Fewer than five pieces are no ZIP: handwriting before them a hyphen's width
        # away goes on with it (a ZIP+4's '-2' written small, the hyphen joined to it).
        if apart >= gap and not (len(group) < 5 and apart < ref and rest[-1][3] >= 1.15 * typed):
            break
        if (
            len(group) < 5
            and hyphen is None
            and _hyphen(rest[-1], 0.5 * ref, top + band, bottom - band)
        ):
            # A ZIP+4's hyphen with its first five before it, written no taller than the
            # type: they go on with it if they come as close.
            hyphen = rest.pop()
            group.append(hyphen)
            continue
        if rest[-1][3] < 0.5 * ref:
            if not _bar_over_body(rest, 0.5 * ref, 0.5 * ref, near=gap):
                break
            group.append(rest.pop())
        group.append(rest.pop())
    if group[-1] is hyphen:
        group.pop()  # nothing came with it
    return group


def _hyphen(st: npt.NDArray[Any], short: float, upper: float, lower: float) -> bool:
    """Whether a piece is a hyphen: flat, under `short` high, its middle between `upper`
    and `lower` (the digits' middle band; a 5's bar on top is not one)."""
    mid = st[1] + st[3] / 2
    return bool(st[3] < short and st[2] > st[3] and upper < mid < lower)


def _stray_stroke(comps: list[npt.NDArray[Any]]) -> bool:
    """Whether the last component is a stray stroke after the ZIP, not its last digit: a
    single narrow stroke, shorter than the characters before it and most of their height
    away from them, or a fifth shorter and half as far (a pen slip; the ZIP's digits
    stand closer together)."""
    last, before = comps[-1], comps[:-1]
    ref = float(np.median([st[3] for st in before[-3:]]))
    reach = max(int(st[0] + st[2]) for st in before)
    gap = last[0] - reach
    apart = gap > 0.8 * ref or (gap > 0.4 * ref and last[3] < 0.8 * ref)
    return bool(last[3] < ref and last[2] < 0.5 * last[3] and apart)


def _bar_over_body(
    rest: list[npt.NDArray[Any]], short: float, tall: float, *, near: float = 0.0
) -> bool:
    """Whether the last of `rest` is a piece under `short` high over the component
    before it, at least `tall` high, which it overlaps (or comes within `near` of): a
    5's bar drawn apart from its body, which comes with it."""
    if len(rest) < 2:
        return False
    bar, body = rest[-1], rest[-2]
    return bool(bar[3] < short and body[3] >= tall and body[0] + body[2] + near > bar[0])


def _gap_tail(comps: list[npt.NDArray[Any]]) -> list[npt.NDArray[Any]]:
    """The last group of components, split off at the first wide gap: between the
    group's left end and the furthest right any component before it reaches (a crumb
    inside a blob of touching digits is no gap)."""
    group = [comps[-1]]
    left = int(comps[-1][0])
    # reach[k]: the furthest right any of comps[0..k] reaches.
    reach = np.maximum.accumulate([int(c[0] + c[2]) for c in comps])
    for k in range(len(comps) - 2, -1, -1):
        ref = float(np.median([c[3] for c in group[-3:]]))
        if left - reach[k] > 0.45 * ref:
            break
        group.append(comps[k])
        left = min(left, int(comps[k][0]))
    return group
