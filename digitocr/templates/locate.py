"""Page + template -> field crops, by the printed structure the template names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..imaging.labels import components_with_stats
from ..types import AlignedPage, Box, FieldCrop
from .schema import FieldSpec, Locate, Template
from .structure import Structure, analyse

__all__ = ["comb_rows", "locate_fields", "page_structure", "remove_lines"]

Mask = npt.NDArray[Any]


def _in_region(box: Box, region: tuple[float, float, float, float], w: int, h: int) -> bool:
    cx, cy = (box[0] + box[2]) / 2 / w, (box[1] + box[3]) / 2 / h
    return region[0] <= cx <= region[2] and region[1] <= cy <= region[3]


def _ink(mask: Mask, box: Box, inset: int) -> float:
    x0, y0, x1, y1 = box
    sub = mask[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
    return float((sub > 0).mean()) if sub.size else 0.0


def _order(cands: list[Box], index: int) -> Box | None:
    cands = sorted(cands, key=lambda b: (b[1], b[0]))
    if not cands or not -len(cands) <= index < len(cands):
        return None
    return cands[index]


def _relations(box: Box, loc: Locate, found: dict[str, Box]) -> bool:
    if loc.below and loc.below in found and box[1] < found[loc.below][3] - 2:
        return False
    return not (loc.above and loc.above in found and box[3] > found[loc.above][1] + 2)


def _extend_row(mask: Mask, row: Sequence[Box]) -> Box:
    """A comb row's box, extended along its top ruling past cells the detector missed."""
    x0, x1 = min(b[0] for b in row), max(b[2] for b in row)
    y0 = int(np.median([b[1] for b in row]))
    y1 = int(np.median([b[3] for b in row]))
    cell = int(np.median([b[2] - b[0] for b in row]))
    _h, w = mask.shape
    rule: npt.NDArray[np.bool_] = np.asarray(
        mask[max(0, y0 - 2) : y0 + 4].any(axis=0) & mask[max(0, y1 - 4) : y1 + 2].any(axis=0)
    )
    for direction in (1, -1):
        x, gap = (x1, 0) if direction == 1 else (x0, 0)
        while 0 < x < w - 1 and gap <= max(6, cell // 2):
            x += direction
            gap = 0 if rule[x] else gap + 1
            if gap == 0:
                if direction == 1:
                    x1 = x
                else:
                    x0 = x
    return (x0, y0, x1, y1)


def _is_edge(line: Box, rect: Box) -> bool:
    """A ruling that is the top or bottom edge of a printed rectangle: not a writing line
    that a small closed shape sits on (a handwritten 0 on the date line)."""
    overlap = min(line[2], rect[2]) - max(line[0], rect[0])
    if overlap < 0.5 * (rect[2] - rect[0]) or overlap < 0.5 * (line[2] - line[0]):
        return False
    return any(abs((line[1] + line[3]) / 2 - y) <= 8 for y in (rect[1], rect[3]))


def _by_method(
    loc: Locate, page: AlignedPage, st: Structure, found: dict[str, Box]
) -> tuple[Box, tuple[Box, ...]] | None:
    mask = page.ink
    h, w = mask.shape
    if loc.method == "whole":
        return (0, 0, w, h), ()
    if loc.method == "region":
        x0, y0, x1, y1 = loc.region
        return (int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)), ()
    if loc.method == "box":
        cands = []
        for r in st.rects:
            aspect = r.width / max(1, r.height)
            if r.cells or not loc.aspect[0] <= aspect <= loc.aspect[1]:
                continue
            if not loc.min_width * w <= r.width <= loc.max_width * w:
                continue
            if not _in_region(r.box, loc.region, w, h):
                continue
            if not _relations(r.box, loc, found):
                continue
            if loc.needs_ink and _ink(mask, r.box, max(3, r.height // 10)) < 0.004:
                continue
            cands.append(r.box)
        box = _order(cands, loc.index)
        return (box, ()) if box else None
    if loc.method == "comb":
        rows = []
        for row in st.rows:
            if not loc.cells[0] <= len(row) <= loc.cells[1] + 4:
                continue
            box = _extend_row(mask, row)
            if not _in_region(box, loc.region, w, h) or not _relations(box, loc, found):
                continue
            if loc.needs_ink and _ink(mask, box, max(3, (box[3] - box[1]) // 8)) < 0.01:
                continue
            rows.append((box, tuple(row)))
        rows.sort(key=lambda t: (t[0][1], t[0][0]))
        if not rows or not -len(rows) <= loc.index < len(rows):
            return None
        return rows[loc.index]
    if loc.method == "line":
        ref_h = None
        if loc.ref and loc.ref in found:
            ref_h = found[loc.ref][3] - found[loc.ref][1]
        band = int(loc.band * ref_h) if ref_h else int(loc.band_fraction * h)
        cands = []
        for ln in st.lines:
            if ln[2] - ln[0] < loc.min_width * w or not _in_region(ln, loc.region, w, h):
                continue
            if any(_is_edge(ln, r.box) for r in st.rects):
                continue  # an edge of a printed box, not a writing line
            # Writing often runs past the end of its line.
            field = (
                ln[0],
                max(0, ln[1] - band),
                min(w, ln[2] + band // 2),
                min(h, ln[3] + band // 8),
            )
            if not _relations(field, loc, found):
                continue
            if loc.needs_ink and _ink(mask, (field[0], field[1], field[2], ln[1] - 2), 0) < 0.003:
                continue
            cands.append(field)
        box = _order(cands, loc.index)
        return (box, ()) if box else None
    if loc.method == "trailing":
        from .trailing import trailing_group

        box = trailing_group(mask, loc.region)
        return (box, ()) if box else None
    return None


def remove_lines(ink: Mask, frames: Sequence[Box] = ()) -> Mask:
    """Erase printed rulings from a field, then repair the strokes that crossed them.

    OpenCV's morphological line extraction: open with long thin kernels, subtract,
    then close small gaps where the rulings cut the strokes. `frames` are the printed
    boxes or comb cells known to be in the field: verticals are removed only at their
    edges (elsewhere a tall straight stroke is a '1'); without frames, only verticals
    near the crop's sides are. With frames, the slivers a ragged ruling leaves beside
    itself go too (`_without_slivers`): in comb cells every piece in a cell would join
    its digit, and beside a printed box's side one stands as tall as a '1'.
    """
    h, w = ink.shape
    if h < 4 or w < 4:
        return ink
    ref_h = int(np.median([f[3] - f[1] for f in frames])) if frames else h
    horiz_len = max(15, int(1.2 * ref_h))
    horiz = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (horiz_len, 1))
    )
    # A box side spans the whole frame; a '1' written beside it is shorter.
    vert_len = max(8, int((0.85 if frames else 0.95) * ref_h))
    vert = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vert_len))
    )
    if frames:
        # Separate boxes (a row of squares with gaps, as on Japanese envelopes) have top
        # and bottom edges shorter than the kernel above: along an edge the long kernel
        # did not find, a run of most of the cell's width is that edge. So along every
        # edge of separate boxes: where a blurred scan bridged their gaps in a few rows,
        # the long kernel finds those rows only and leaves the rest of a thick edge.
        tol = max(3, ref_h // 12)
        separate = _separate_boxes(vert, frames, tol)
        edges = []
        for f in frames:
            xs = slice(max(0, f[0] - tol), min(w, f[2] + tol + 1))
            for y in (f[1], f[3]):
                ys = slice(max(0, y - tol), min(h, y + tol + 1))
                if separate or horiz[ys, f[0] : f[2]].any(axis=0).mean() < 0.5:
                    edges.append((ys, xs))
        if edges:
            cell_w = int(np.median([f[2] - f[0] for f in frames]))
            edge = cv2.morphologyEx(
                ink,
                cv2.MORPH_OPEN,
                cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(0.6 * cell_w)), 1)),
            )
            keep = np.zeros_like(edge)
            for ys, xs in edges:
                keep[ys, xs] = edge[ys, xs]
            horiz = cv2.bitwise_or(horiz, keep)
    # Blurred scans thicken rulings; the horizontal ones are never digits' strokes.
    thick_h = _thickness(horiz, cv2.CC_STAT_WIDTH)
    allowed = np.zeros(w, bool)
    if frames:
        # The frame's x is one edge of its side: a thick side reaches further in.
        tol = max(3, ref_h // 15) + thick_h
        for f in frames:
            for x in (f[0], f[2]):
                allowed[max(0, x - tol) : min(w, x + tol + 1)] = True
    else:
        allowed[:] = True  # only rulings spanning (nearly) the whole crop get this long
    sides = _box_sides(vert, allowed, frames, tol) if frames else None
    vert[:, ~allowed] = 0
    if sides is not None:
        vert = cv2.bitwise_or(vert, sides)
    lines = cv2.bitwise_or(horiz, vert)
    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    strokes = cv2.subtract(ink, lines)
    # Longer than a ruling's thickness plus the dilation.
    t = max(7, int(0.08 * ref_h), max(thick_h, _thickness(vert, cv2.CC_STAT_HEIGHT)) + 4)
    closed = cv2.morphologyEx(
        strokes, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, t))
    )
    closed = cv2.morphologyEx(
        closed, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (t, 1))
    )
    repaired = cv2.bitwise_or(strokes, cv2.bitwise_and(closed, lines))
    if frames:  # comb cells (segment's _by_cells), or a printed box
        # Beside a box's side, only slivers 0.3 of its height long (a ragged side's
        # edge): the halves of a decimal point sitting on the side are short.
        long = 0 if len(frames) > 1 else int(0.3 * ref_h)
        repaired = _without_slivers(repaired, strokes, lines, long)
    return repaired


def _separate_boxes(vert: Mask, frames: Sequence[Box], tol: int) -> bool:
    """Cells that meet, where the vertical rulings between them are at least 1.6 times
    as wide as the row's outer sides: separate boxes with a narrow gap (two sides, on a
    coarse scan blurred into one band), not a comb whose cells share one side."""
    meets = [f[2] for f in frames if any(abs(f[2] - g[0]) <= 1 for g in frames)]
    if not meets:
        return False
    w = vert.shape[1]
    tall = vert.sum(axis=0) / 255 > 0.5 * float(np.median([f[3] - f[1] for f in frames]))

    def width(x: int) -> int:
        return int(tall[max(0, x - 2 * tol) : min(w, x + 2 * tol + 1)].sum())

    outer = [width(min(f[0] for f in frames)), width(max(f[2] for f in frames))]
    inner = [width(m) for m in meets]
    return min(outer) > 0 and float(np.median(inner)) >= 1.6 * max(outer)


def _without_slivers(repaired: Mask, strokes: Mask, lines: Mask, long: int = 0) -> Mask:
    """The repaired field less what the opening missed of a ragged ruling (a blurred,
    noisy scan's rulings have bumps along their edges): pieces of `strokes` a pixel or
    two thick and at least `long` pixels long lying wholly beside a ruling, unless the
    repair joined them to other ink across it (what an erased ruling cut off a digit
    written over it). A stroke crossing a ruling reaches out of the band; a decimal point
    beside one is thicker, and one sitting on it leaves halves shorter than `long`."""
    n, lab, stats, _ = components_with_stats(strokes)
    if n < 2:
        return repaired
    band = cv2.dilate(lines, np.ones((7, 7), np.uint8)) > 0
    area = stats[:, 4]
    length = np.maximum(stats[:, 2], stats[:, 3])
    thin = (area <= 2.5 * length) & (length >= long)
    sliver = thin & (np.bincount(lab[band], minlength=n) >= 0.9 * area)
    sliver[0] = False
    if not sliver.any():
        return repaired
    # Pieces of the repaired field holding a sliver and no other stroke go.
    m, joined = components_with_stats(repaired)[:2]
    other = np.bincount(joined[(lab > 0) & ~sliver[lab]], minlength=m) > 0
    drop = np.bincount(joined[sliver[lab]], minlength=m) > 0
    drop &= ~other
    drop[0] = False
    if not drop.any():
        return repaired
    out = repaired.copy()
    out[drop[joined]] = 0
    return out


def _box_sides(vert: Mask, allowed: npt.NDArray[Any], frames: Sequence[Box], tol: int) -> Mask:
    """Box sides standing off the frames' edges: separate boxes with a narrow gap between
    them are found as cells that meet (the gap given to one of them), so of the two sides
    at the gap only one lies on a frame edge. A vertical run in `vert` outside `allowed`
    is a side when it is thin, within a quarter cell of an edge where two frames meet,
    and starts at the frame's top or ends at its bottom edge. A '1' written in the
    middle of its cell stays; one as tall as the box, against its side, would go too."""
    out = np.zeros_like(vert)
    meets = sorted({a[2] for a in frames for b in frames if abs(a[2] - b[0]) <= 1})
    if not meets:
        return out
    cell_w = float(np.median([f[2] - f[0] for f in frames]))
    _, lab, stats, _ = components_with_stats(vert)
    side = np.zeros(len(stats), bool)
    for k, (x, y, cw, ch, _area) in enumerate(stats[1:], start=1):
        if allowed[x : x + cw].all() or cw > max(6, tol):
            continue
        mid = x + cw / 2
        if min(abs(mid - m) for m in meets) > 0.25 * cell_w:
            continue
        side[k] = any(
            (abs(y - f[1]) <= tol or abs(y + ch - f[3]) <= tol) and f[0] - tol <= mid <= f[2] + tol
            for f in frames
        )
    out[side[lab]] = 255  # every side at once, not a pass over the crop for each
    return out


def _thickness(lines: Mask, length_stat: int) -> int:
    """The thickest of these rulings: pixels per unit of length (`length_stat`: the
    connected-component statistic along the lines)."""
    _, _, stats, _ = components_with_stats(lines)
    if len(stats) < 2:
        return 0
    return round(float((stats[1:, 4] / np.maximum(1, stats[1:, length_stat])).max()))


def _otsu_gate(gray: Mask, ink: Mask) -> Mask:
    """Keep only ink darker than the field's Otsu threshold (scikit-image).

    A cut-out field is mostly ink and paper; a cheque's light security texture passes
    the local threshold but sits above Otsu's split between ink and everything else.
    """
    from skimage.filters import threshold_otsu

    if gray.size < 16 or int(gray.max()) == int(gray.min()):
        return ink
    # A two-level image (a 1-bit scan: black on white) has Otsu's threshold at black
    # itself, and nothing is darker than that: its black is the ink.
    t = threshold_otsu(gray)
    dark = ((gray <= t) if t <= gray.min() else (gray < t)).astype(np.uint8) * 255
    return cv2.bitwise_and(ink, dark)


def _overflow_right(ink: Mask, box: Box, X1: int) -> int:
    """A written amount that runs on past its box's right edge: extend the crop over the
    strokes that cross it, or past a digit ending just inside it, and the digits that
    follow them closely (at most 1.5 box heights past the box), a decimal point between
    them included."""
    x0, y0, x1, y1 = box
    bh = y1 - y0
    limit = min(ink.shape[1], x1 + int(1.5 * bh))
    if limit <= X1:
        return X1
    band = ink[y0 + bh // 5 : y1 - bh // 5, x0:limit]
    _, _, stats, _ = components_with_stats(band)
    # Digit-sized strokes (not a flat printed rule running on, nor the box's side), and
    # dot-sized ones, which only bridge the gap to a digit that follows them.
    comps = sorted(
        (int(x), int(x + cw), bool(ch >= 0.25 * bh))
        for x, _y, cw, ch, _a in stats[1:]
        if (ch >= 0.25 * bh and cw >= 0.1 * bh)
        or (0.05 * bh <= min(cw, ch) and max(cw, ch) <= 0.25 * bh)
    )
    edge, right = x1 - x0, X1 - x0
    tol = 0.05 * bh
    crossing = False
    # A digit ending just inside the edge (within 0.15 box heights): the writing ran up
    # to it, and digits that follow closely past it are the field's too ('3548,43' with
    # its 8 against the box's side, the cents past it: read '3548', accepted).
    reaching = False
    bridge = right  # where the gap to the next digit is measured from
    for start, end, digit in comps:
        if not digit:
            if (crossing or reaching) and start - bridge < 0.3 * bh:
                bridge = max(bridge, end)
            continue
        # A digit reaching the box's edge (or past the crop's margin), then the digits
        # that follow it closely.
        if (start < edge + tol and end > edge - tol and end > start + tol) or (
            (crossing or reaching) and start - bridge < 0.3 * bh
        ):
            crossing = True
            right = max(right, end)
        elif start < right <= end:
            crossing = True
            right = end
        elif start < edge and end > edge - 0.15 * bh:
            reaching = True
        bridge = max(bridge, right)
    return min(limit, x0 + right + 2) if crossing else X1


def _crop(
    page: AlignedPage, spec: FieldSpec, method: str, box: Box, cells: tuple[Box, ...]
) -> FieldCrop:
    h, w = page.ink.shape
    x0, y0, x1, y1 = (max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3]))
    bh = y1 - y0
    # Digits overflow their boxes: take a margin; the line removal cleans the rulings.
    my = bh // 6 if method in ("box", "comb") else 0
    mx = bh // 3 if method == "comb" else my
    X0, Y0, X1, Y1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
    reach = x1  # how far right the field's digits may lie
    if method == "box":
        wide = _overflow_right(page.ink, (x0, y0, x1, y1), X1)
        if wide > X1:  # digits written on past the box belong to the field too
            X1 = reach = wide
    ink = page.ink[Y0:Y1, X0:X1]
    if method == "whole":
        ink = _otsu_gate(page.gray[Y0:Y1, X0:X1], ink)

    def rel(b: Box) -> Box:
        return (b[0] - X0, b[1] - Y0, b[2] - X0, b[3] - Y0)

    frames = (
        tuple(rel(c) for c in cells)
        if cells
        else ((rel((x0, y0, x1, y1)),) if method == "box" else ())
    )
    cleaned = remove_lines(ink, frames)
    return FieldCrop(
        spec.name,
        spec.type,
        page.gray[Y0:Y1, X0:X1],
        cleaned,
        (X0, Y0, X1, Y1),
        tuple(rel(c) for c in cells),
        rel((x0, y0, reach, y1)),
        rel((x0, y0, x1, y1)) if method == "box" else None,
        method,
        method == "box" and _runs_off(page, (x0, y0, x1, y1), X1),
    )


def _runs_off(page: AlignedPage, box: Box, right: int) -> bool:
    """Whether writing past the box's right side ran into the scanner's dark border and
    was erased with it (`drop_scan_border`): its ink gone from the mask, its darkness
    still on the grey page ('2904.05' written up to the paper's edge read '2904',
    accepted). Between the crop's right end and 1.5 box heights past the box, in the
    box's middle rows: the border is the columns dark without ink over nine tenths of
    them; writing erased before it, columns dark without ink over a tenth of them or
    more, for 0.3 box heights at least (half a digit's width: a stroke's tail run into
    the border erases less)."""
    x0, y0, x1, y1 = box
    bh = y1 - y0
    r0, r1 = y0 + bh // 5, y1 - bh // 5
    c1 = min(page.ink.shape[1], x1 + int(1.5 * bh))
    if c1 - right < 2 or r1 - r0 < 4 or x1 <= x0 or page.gray.shape != page.ink.shape:
        return False
    paper = float(np.percentile(page.gray[y0:y1, x0:x1], 90))
    dark = page.gray[r0:r1, right:c1] < 0.6 * paper
    share = (dark & (page.ink[r0:r1, right:c1] == 0)).mean(axis=0)
    border = share >= 0.9
    if not border.any():
        return False
    before = share[: int(np.argmax(border))]
    return bool(np.count_nonzero(before >= 0.1) >= 0.3 * bh)


def comb_rows(
    page: AlignedPage, template: Template, st: Structure | None = None
) -> list[FieldCrop]:
    """Every row of comb cells that any comb field of the template could be, top to bottom."""
    st = st if st is not None else analyse(page.ink)
    out: list[FieldCrop] = []
    seen: set[Box] = set()
    for spec in template.fields:
        for loc in spec.locate:
            if loc.method != "comb":
                continue
            probe = loc.model_copy(update={"below": None, "above": None})
            for k in range(len(st.rows)):
                hit = _by_method(probe.model_copy(update={"index": k}), page, st, {})
                if hit and hit[0] not in seen:
                    seen.add(hit[0])
                    out.append(_crop(page, spec, "comb", hit[0], hit[1]))
    return sorted(out, key=lambda f: (f.box[1], f.box[0]))


def page_structure(page: AlignedPage, template: Template) -> Structure:
    """The printed structure, analysed only when the template locates by it."""
    methods = {loc.method for f in template.fields for loc in f.locate}
    return analyse(page.ink) if methods & {"box", "comb", "line"} else Structure((), (), ())


def locate_fields(
    page: AlignedPage, template: Template, st: Structure | None = None
) -> dict[str, FieldCrop | None]:
    """Find every field of `template` on `page`; None where no way of locating it worked."""
    st = st if st is not None else page_structure(page, template)
    found: dict[str, Box] = {}
    out: dict[str, FieldCrop | None] = {}
    for spec in template.fields:
        out[spec.name] = None
        for loc in spec.locate:
            hit = _by_method(loc, page, st, found)
            if hit:
                box, cells = hit
                found[spec.name] = box
                out[spec.name] = _crop(page, spec, loc.method, box, cells)
                break
    return out
