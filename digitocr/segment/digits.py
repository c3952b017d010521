"""Field -> digit crops with OpenCV connected components.

Drops specks and leftover rulings, merges broken strokes, recognises separators
(decimal point or comma, slash, hyphen) by shape and position, splits touching digits
at the cut the classifier is surest about, and orders everything left to right.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..imaging.labels import components_with_stats
from ..types import Box, DigitCrop, FieldCrop
from .blobs import (
    Blob,
    components,
    holes,
    mask_holes,
    mask_pieces,
    piece,
    row_runs,
    union,
    x_overlap,
)
from .normalize import normalize_digit, stroke_width
from .split import (
    HARDLY_ANY,
    NOT_ONE,
    WIDEST,
    Scorer,
    bend,
    cut_at_cells,
    force_splits,
    split,
    split_two,
)

__all__ = ["Scorer", "segment_field"]

# Strokes thicker than this share of the digit height (MNIST's: about 0.12) are re-cut
# from the grey page (`_reopen`).
_THICK = 0.2
# Flat pieces thinner than this share of the digit height are ruling remnants in cells.
_RULING = 0.12


def _digit_height(blobs: list[Blob], field_h: int) -> float:
    sizable = [b.h for b in blobs if b.h >= 0.2 * field_h and (b.crop() > 0).sum() >= 12]
    if not sizable:
        sizable = [b.h for b in blobs]
    return float(np.percentile(sizable, 75)) if sizable else float(field_h)


def _flat(b: Blob, H: float) -> bool:
    """Flat as a dash is: under 0.28 of the digit height high, 1.3 times as wide."""
    return b.h < 0.28 * H and b.w >= 1.3 * b.h


def _separator(b: Blob, band: tuple[float, float], H: float) -> str:
    """'.', '-', '/' or '' (not a separator), by size, shape and position in the line."""
    top, bottom = band
    cy = (b.box[1] + b.box[3]) / 2
    rel = (cy - top) / max(1.0, bottom - top)
    area = float((b.crop() > 0).sum())
    fill_box = area / max(1, b.w * b.h)
    roundish = 0.4 <= b.w / max(1, b.h) <= 2.5 and fill_box >= 0.35
    if (
        # A point drawn large (a blot, a small ring) is solid and still under the size
        # below which a piece is no digit of the field (0.45 H, dropped as noise).
        (b.h < 0.38 * H or (b.h < 0.45 * H and fill_box >= 0.5))
        and b.w < 0.5 * H
        and 0.62 < rel <= 1.2
        and area >= 0.008 * H * H
        and roundish
    ):
        return "."  # a point on the baseline (not a crumb of a removed underline below it)
    if (
        # Its tail may hang well below the baseline, its top still in the line's lower half.
        0.12 * H <= b.h < (0.9 if b.box[3] > bottom else 0.6) * H
        and b.w < 0.35 * H
        and b.w <= 1.5 * b.h + 2  # a comma is a stroke going down, not a flat dash
        and 0.65 < rel <= 1.35
        and b.box[3] > bottom - 0.15 * H
        and (b.box[1] > top + 0.45 * H or (b.box[1] > top + 0.35 * H and _low_mass(b, top, H)))
    ):
        # A comma or a point drawn as a tick: low, small, near the baseline; a blot with
        # a tail rising a little higher has its ink low all the same ('202,58').
        return "."
    if _flat(b, H) and 0.15 * H <= b.w <= 1.1 * H and 0.25 < rel < 0.8:
        return "-"
    if b.h >= 0.5 * H and b.w >= 0.25 * b.h:
        fill = area / max(1, b.w * b.h)
        ys, xs = np.nonzero(b.crop())
        # A thick pen fills more of the box; a slash rising above the digits may.
        if len(xs) > 5 and (fill < 0.3 or (fill < 0.4 and b.box[1] < top - 0.1 * H)):
            ys_f, xs_f = ys.astype(float), xs.astype(float)
            slope, icpt = np.polyfit(ys_f, xs_f, 1)  # dx/dy
            spread = float(np.std(xs_f - (slope * ys_f + icpt)))
            # Row by row, a slash is one pen's width across; a '2' has its foot, a 7 its bar.
            crop = b.crop() > 0
            rows = crop.any(axis=1)
            first = crop.argmax(axis=1)[rows]
            last = crop.shape[1] - crop[:, ::-1].argmax(axis=1)[rows]
            across = float((last - first).max())
            # One straight stroke leaning right going up; a '2' or '7' is not straight.
            if slope < -0.12 and spread < 0.12 * b.h and across < 0.3 * b.h:
                return "/"
    return ""


def _low_mass(b: Blob, top: float, H: float) -> bool:
    """Whether a piece's ink lies mostly in the lowest third of the line (its centre
    of mass 0.65 of the digit height or more below the line's top)."""
    ys, _ = np.nonzero(b.crop())
    return len(ys) > 0 and (b.box[1] + float(ys.mean()) - top) >= 0.65 * H


def _by_cells(blobs: list[Blob], cells: Sequence[Box]) -> tuple[list[Blob], list[Blob]]:
    """One digit per comb cell: blobs whose centre falls in a cell are one digit."""
    parts: dict[int, list[Blob]] = {}
    outside: list[Blob] = []
    for whole in blobs:
        for b in cut_at_cells(whole, cells):
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
                parts.setdefault(idx, []).append(b)
    in_cell: dict[int, Blob] = {}
    for idx, bs in parts.items():
        for b in _without_cell_sides(bs, cells[idx]):
            in_cell[idx] = union(in_cell[idx], b) if idx in in_cell else b
    return [in_cell[i] for i in sorted(in_cell)], outside


def _without_cell_sides(bs: list[Blob], cell: Box) -> list[Blob]:
    """A cell's pieces less what is left of a box side drawn tilted (the vertical line
    removal finds only upright rulings): a straight upright stroke in the cell's outer
    quarter spanning the height of the digit beside it, and crumbs at the cell's edges
    away from the digit."""
    if len(bs) < 2:
        return bs
    cw, ch = cell[2] - cell[0], cell[3] - cell[1]
    areas = {id(b): int((b.crop() > 0).sum()) for b in bs}

    def edge(b: Blob, frac: float) -> bool:
        return b.box[2] <= cell[0] + frac * cw or b.box[0] >= cell[2] - frac * cw

    def area(b: Blob) -> int:
        return areas[id(b)]

    sides = [
        b for b in bs if b.h >= 0.6 * ch and b.w <= 0.25 * b.h and edge(b, 0.25) and bend(b) < 0.03
    ]
    for side in sides:
        rest = [o for o in bs if o is not side and area(o) >= 0.5 * area(side)]
        if any(
            o.box[1] >= side.box[1] - 2 and o.box[3] <= side.box[3] + 2 and x_overlap(o, side) <= 0
            for o in rest
        ):
            bs = [o for o in bs if o is not side]
    if len(bs) < 2:
        return bs
    core = max(bs, key=area)
    return [
        b
        for b in bs
        if b is core
        or not (
            edge(b, 0.15)
            and b.h < 0.15 * ch
            and x_overlap(b, core) <= 0
            and area(b) < 0.1 * area(core)
        )
    ]


def segment_field(
    field: FieldCrop,
    score: Scorer | None = None,
    *,
    extra: int = 0,
    rank: int = 0,
    fuse_cents: bool = False,
    fuse_pair: bool = False,
    one: bool = False,
    anyhow: bool = False,
) -> list[DigitCrop]:
    """Digit and separator crops of one field, left to right.

    `extra`: digits the field is known to be missing (its format needs more than were
    read); that many blobs are split in two where two digits read surest (not in cells).
    `rank`: the first of those splits takes the blob ranked so, not the likeliest; no
    pieces when there is no such blob. `fuse_cents`: an amount read with three digits
    after its decimal point (one of them cut in two): the two neighbours among them that
    read surest as one digit are one (marked as guessed), if they read as one digit; with
    `anyhow`, however unsure (the caller keeps it only if the format then holds).
    `fuse_pair`: a field with one digit too many (a digit broken in two, a speck read as
    a 1): two neighbouring digits, anywhere, are one (marked as guessed); with `extra`
    the surest pair, if it reads as some digit; without, the pair ranked `rank` by how
    surely it reads as one digit, however surely (no pieces when there is no such pair).
    `one`: the field holds one digit (a template `length` of at most 1: a cut-out
    digit), so all its pieces are that digit, however broken (not in cells).
    """
    ink = field.ink
    if ink.size == 0 or not ink.any():
        return []
    blobs = components(ink)
    H = _digit_height(blobs, ink.shape[0])
    guessed: set[int] = set()  # ids of pieces cut from blobs read as not one digit
    split_out: set[int] = set()  # ids of pieces that `split` cut out of one blob
    cleared = _without_long_verticals(ink, H, field.inner)
    if cleared is not ink:
        ink = cleared
        blobs = components(ink)
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
    if one and not field.cells:
        # A field of one digit: its pieces big enough to join a digit are that digit,
        # however broken. Cut-out digits are cut to fit: a 5's bar drawn apart is no
        # print above it, a broken 4 no two digits.
        parts = [b for b in blobs if _joins_a_digit(b, H)]
        if not parts:
            return []
        digit = functools.reduce(union, parts)
        return [DigitCrop(image=normalize_digit(_reopen(digit, field, H, score)), box=digit.box)]
    sides = [x for f in (*field.cells, field.frame) if f is not None for x in (f[0], f[2])]
    if sides:
        # Bits of the printed boxes' sides that line removal left: thin, on a side.
        blobs = [
            b
            for b in blobs
            if not (b.w < 0.08 * H and min(abs(b.cx - x) for x in sides) < 0.06 * H)
        ]
    if field.frame is not None and not field.cells:
        # A wider remnant standing on the box's side, well apart from the handwriting
        # (a side drawn thick or slanted): not a '1' written at the very end.
        blobs = [
            b
            for b in blobs
            if not (
                b.w < 0.25 * H
                and any(b.box[0] - 0.05 * H <= x <= b.box[2] + 0.05 * H for x in field.frame[::2])
                and all(
                    max(o.box[0] - b.box[2], b.box[0] - o.box[2]) > 1.5 * H
                    for o in blobs
                    if o is not b and o.h >= 0.45 * H
                )
            )
        ]
    if field.frame is not None:
        # What is left of a printed box's left side when it was drawn broken: thin, and
        # on or outside the side (digits overflow a box to the right, not the left).
        blobs = [b for b in blobs if not (b.w < 0.25 * H and b.box[2] <= field.frame[0] + 0.1 * H)]
    if not blobs:
        return []
    big = [b for b in blobs if b.h >= 0.45 * H]
    if big and field.method == "trailing":
        # A ZIP's crop may hold a word of the street line above, cut by its edge or
        # joined to a digit by a descender: with few blobs (touching digits are one),
        # the plain medians of their tops and bottoms are theirs ('Way' over '4' and
        # '8999'; a clipped 'W', 'a' and 'y' over '54' and '041').
        top, bottom = _by_columns(big, 1), _by_columns(big, 3)
        # All of it one blob, the letters on top of the touching digits: the top most
        # of the columns show.
        inked = float(np.median(_column_tops(big)))
        if inked - top > 0.3 * H:
            top = inked
    elif big:
        top = float(np.median([b.box[1] for b in big]))
        bottom = float(np.median([b.box[3] for b in big]))
    else:
        top, bottom = 0.0, float(ink.shape[0])
    if big:
        # Typed characters standing free above the digits (none in comb cells), or
        # starting well above them and ending in their upper half: a handwritten line
        # written high reaches down past the baseline of the print above it.
        letters = (
            []
            if field.cells
            else [
                b
                for b in blobs
                if 0.25 * H <= b.h < 0.8 * H
                and (
                    b.box[3] < top + 0.1 * H
                    or (b.box[1] < top - 0.2 * H and b.box[3] < top + 0.5 * H)
                )
            ]
        )
        kept = [p for b in blobs for p in _without_line_above(b, top, H, letters)]
        if field.method == "trailing" and [b.box for b in kept] != [b.box for b in blobs]:
            # Letters cut off the digits: the line's height is the digits' now.
            H = _digit_height(kept, ink.shape[0])
            big = [b for b in kept if b.h >= 0.45 * H]
            if big:
                top, bottom = _by_columns(big, 1), _by_columns(big, 3)
        blobs = kept
    blobs = _drop_print_and_rulings(blobs, field, (top, bottom), H, bool(big))
    if field.cells:
        digits, outside = _by_cells(blobs, field.cells)
        items = [(b, "") for b in digits if b.h >= 0.3 * H]
        items += [(b, s) for b in outside if (s := _separator(b, (top, bottom), H))]
    else:
        items = _merge_and_label(blobs, (top, bottom), H, field.kind, score)
        if field.kind == "amount":
            items = _without_end_marks(items, H)
        widths = [b.w for b, sep in items if not sep and b.h >= 0.5 * H]
        # The typical digit width, never more than a digit's (a field of merged pairs).
        width = min(float(np.median(widths)), 0.75 * H) if len(widths) >= 3 else 0.7 * H
        pieces: list[tuple[Blob, str]] = []
        for b, sep in items:
            if sep:
                pieces.append((b, sep))
                continue
            # A cut that another cut reading other digits almost as surely rivals is a
            # guess too ('61' cut as '1' and a '2': the field reviewed, not accepted).
            parts = split(b, H, score, width, loose=field.kind == "date", close_calls=guessed)
            # Loops side by side cut apart and blobs read as not one digit cut in two:
            # not in dates, whose slashes touch their digits (a piece of one reads as a
            # 1), nor ZIPs: their formats know how many digits they lack, and `extra`
            # splits that many (a sure 8 cut in two made a 6-digit ZIP).
            free = field.kind in _CUT_KINDS
            if free:
                chained = []
                for c in parts:
                    loops, guess = _loop_chain(c, H, score)
                    chained += loops
                    if guess:
                        guessed.update(id(q) for q in loops)
                parts = chained
            if len(parts) > 1:
                split_out.update(id(p) for p in parts)
            for p in parts:
                cut = _cut_rejected(p, field, H, score) if free else [p]
                if len(cut) > 1:
                    guessed.update(id(q) for q in cut)
                pieces.extend((q, "") for q in cut)
        items = pieces
        if extra > 0 and score is not None:
            seps = [(b, sep) for b, sep in items if sep]
            digits = [b for b, sep in items if not sep]
            forced = force_splits(digits, H, score, extra, rank)
            if forced is None:
                return []
            items = seps + [(b, "") for b in forced]
    items.sort(key=lambda t: t[0].cx)
    if not field.cells:
        items = _seven_stems(items, field, H, score, guessed, split_out)
        if field.kind in _CUT_KINDS:
            items = _curled_feet(items, field, H, score, guessed)
    if fuse_cents and score is not None:
        items = _fused_cents(items, field, H, score, guessed, 0.0 if anyhow else NOT_ONE)
    if fuse_pair and score is not None:
        at = [k for k, (_, sep) in enumerate(items) if not sep]
        pairs = [(a, b) for a, b in itertools.pairwise(at) if b == a + 1]
        # The format asks for the join, and the caller keeps it only if the format then
        # holds: a pair that reads as hardly any digit may be the one (a 1 drawn twice
        # read '111' as a month: its strokes together read as two digits); beside a
        # split, the surest pair unless it reads as hardly any digit (a 4 written in two
        # strokes read '11' in a date, its halves 0.44 as a 4). A guess, reviewed.
        if extra > 0:
            items = _joined_surest(items, pairs, field, H, score, guessed, floor=HARDLY_ANY)
        elif rank >= len(pairs):
            return []
        else:
            items = _joined_surest(items, pairs, field, H, score, guessed, rank=rank)
    if field.kind == "amount":
        guessed.update(id(b) for b in _doubtful_points(items, bottom, H))
    out = []
    for b, sep in items:
        shaded = None if sep else _shaded(b, field, H, score)
        img = np.zeros((28, 28), np.float32) if shaded is None else normalize_digit(shaded)
        out.append(
            DigitCrop(
                image=img,
                box=b.box,
                separator=sep,
                guessed=id(b) in guessed,
                cut=id(b) in split_out,
            )
        )
    return out


# A 1 cut off the right of the digit it touches, read under this: the stem of a 7 whose
# bar the cut gave that digit, when a cut further left reads a 7 this surely.
_STEM_ONE = 0.99
# How far left of the cut the 7's bar may reach, in digit heights.
_BAR_REACH = 0.6


def _seven_stems(
    items: list[tuple[Blob, str]],
    field: FieldCrop,
    H: float,
    score: Scorer | None,
    guessed: set[int],
    split_out: set[int],
) -> list[tuple[Blob, str]]:
    """`items` with the bar of a 7 given back to its stem.

    Digits written touching at the top are cut where the ink is thinnest, and a 7 whose
    bar runs into the digit on its left ('77', '07', '27') keeps only its stem, read
    unsure as a 1 ('77484' read '71484'; pipeline.py marks such a 1 as a guess). Where
    two neighbours were cut apart upright through ink (the first ends in the column the
    second starts), joined along the top (ink in the top third of the 1 in the cut's
    column, where a 7's bar runs), and a cut further left, up to `_BAR_REACH` digit
    heights, reads the right piece as a sure 7 and the left one as surely as the same
    digit it was (each as the classifier reads it, from the grey page), the surest such
    cut is kept; a guess, so reviewed. A 1 read surely keeps its cut, and so does one
    whose flag touches a 7 or a 1: the left piece then reads otherwise. Cuts of `split`
    and of splits the format asked for alike (seeds 2064-2084: 4 ZIPs gained, a cheque
    amount's '11' after a 4 whose top touched it lost, read '71')."""
    if score is None:
        return items
    out = list(items)
    for k in range(1, len(out)):
        (a, sa), (c, sc) = out[k - 1], out[k]
        if sa or sc or a.box[2] != c.box[0] or c.h < 0.6 * H:
            continue  # not two digits cut upright through ink (apart, or along the slant)
        b, top = _joined_at(a, c)
        x = c.box[0] - b.box[0]
        if top is None or top > c.box[1] + c.h / 3:
            continue  # joined lower down, not along the top, where a 7's bar runs
        pa, pc = _read_shaded([a, c], field, H, score)
        left = int(pa.argmax())
        if int(pc.argmax()) != 1 or float(pc.max()) >= _STEM_ONE:
            continue
        cuts = [
            (la, rc)
            for cx in range(max(1, x - int(_BAR_REACH * H)), x)
            if (la := piece(b, 0, cx)) is not None and (rc := piece(b, cx, b.w)) is not None
        ]
        probs = _read_shaded([q for pair in cuts for q in pair], field, H, score)
        best: tuple[float, Blob, Blob] | None = None
        for (la, rc), pl, pr in zip(cuts, probs[0::2], probs[1::2], strict=True):
            if (
                int(pr.argmax()) == 7
                and float(pr.max()) >= _STEM_ONE
                and int(pl.argmax()) == left
                and float(pl.max()) >= min(_STEM_ONE, float(pa.max()))
            ):
                sure = float(pl.max() * pr.max())
                if best is None or sure > best[0]:
                    best = (sure, la, rc)
        if best is not None:
            out[k - 1], out[k] = (best[1], ""), (best[2], "")
            guessed.update((id(best[1]), id(best[2])))
            if id(a) in split_out or id(c) in split_out:
                split_out.update((id(best[1]), id(best[2])))
    return out


# A piece cut off a 2's foot is shorter than a digit by this share of the digit height
# at least, and starts this much lower than the 2 at least.
_FOOT_SHORT = 0.15
_FOOT_LOW = 0.1
# Its left half holds no ink above this share of its height (a digit starts up there).
_FOOT_EMPTY = 0.4


def _curled_feet(
    items: list[tuple[Blob, str]],
    field: FieldCrop,
    H: float,
    score: Scorer | None,
    guessed: set[int],
) -> list[tuple[Blob, str]]:
    """`items` with a 2's foot curled up at its end given back to the 2.

    A 2 whose foot runs on and curls up into a tail is cut at the valley between the
    two ('427' read '4227', the tail a 2 at 0.91): the piece on the right starts at the
    bottom, where it joins the foot, and rises on its right, so it is shorter than a
    digit, starts lower than the 2, and its left half holds no ink in the upper part,
    where every digit written after another starts. Where two neighbours were cut
    apart upright through ink, joined low down only, the right one so shaped, the left
    read as a 2, and the two together read likeliest as a 2, they are one 2; a guess,
    so reviewed. Fields whose format does not say how many digits they hold (a date's
    count is mended by its format). Seeds 2064-2087: eight amounts read with a 2 too
    many, all from one writer's 2 with a curled foot."""
    if score is None:
        return items
    out = list(items)
    k = 1
    while k < len(out):
        (a, sa), (c, sc) = out[k - 1], out[k]
        k += 1
        if (
            sa
            or sc
            or a.box[2] != c.box[0]
            or c.h > (1 - _FOOT_SHORT) * H
            or c.box[1] - a.box[1] < _FOOT_LOW * H
        ):
            continue
        left = np.flatnonzero((c.pix[:, : max(1, c.w // 2)] > 0).any(axis=1))
        if left.size == 0 or left.min() < _FOOT_EMPTY * c.h:
            continue  # ink high in its left half: a digit of its own
        b, top = _joined_at(a, c)
        if top is None or top < a.box[1] + 0.5 * H:
            continue  # joined high up: two digits touching, not a foot run on
        pa, pb = _read_shaded([a, b], field, H, score)
        if int(pa.argmax()) != 2 or int(pb.argmax()) != 2:
            continue
        out[k - 2 : k] = [(b, "")]
        guessed.add(id(b))
        k -= 1
    return out


def _joined_at(a: Blob, c: Blob) -> tuple[Blob, int | None]:
    """Two neighbours cut apart upright (a's right edge is c's left) as one blob again,
    and the highest row (field coordinates) of its ink in the column where c starts:
    how high up the cut crossed ink; None where it crossed none."""
    b = union(a, c)
    col = np.flatnonzero(b.pix[:, c.box[0] - b.box[0]])
    return b, (b.box[1] + int(col.min()) if col.size else None)


def _read_shaded(
    blobs: Sequence[Blob], field: FieldCrop, H: float, score: Scorer
) -> npt.NDArray[Any]:
    """The classifier's probabilities for `blobs` as it finally reads them (`_shaded`)."""
    if not blobs:
        return np.zeros((0, 10), np.float32)
    return score([normalize_digit(_shaded(b, field, H, score)) for b in blobs])


def _shaded(b: Blob, field: FieldCrop, H: float, score: Scorer | None) -> npt.NDArray[Any]:
    """The crop the classifier reads. MNIST's digits are grey at their edges (scanned pen
    strokes, anti-aliased), a binarised blob's hard and wider (page crops: 27% more pixels
    over half than the MNIST images they came from): the blob's ink is read back from the
    grey page as darkness between the field's paper level and its own ink level, within a
    pixel of its mask. The mask as it is where a heavy pen's blob is re-cut (`_reopen`),
    the field has no grey page of its size, or the ink is too faint to tell from it."""
    mask = _reopen(b, field, H, score)
    shaded = None if mask is not b.crop() else _grey_crop(b, mask, field)
    return mask if shaded is None else shaded


def _grey_crop(b: Blob, mask: npt.NDArray[Any], field: FieldCrop) -> npt.NDArray[Any] | None:
    """A blob's ink as darkness on the grey page within a pixel of `mask` (see _shaded)."""
    levels = _grey_levels(b, mask, field)
    if levels is None:
        return None
    gray, paper, ink_level = levels
    dark = np.clip((paper - gray.astype(np.float32)) / (paper - ink_level), 0.0, 1.0)
    near = cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0
    return (dark * near * 255).astype(np.uint8)


def _doubtful_points(items: list[tuple[Blob, str]], bottom: float, H: float) -> list[Blob]:
    """Points that may be a piece of a digit as likely as a decimal point: one whose
    centre lies within a digit's columns, a crumb of that digit as likely as a point
    written close under its slant ('20901' read '209.01' from a speck beside a 9's loop;
    '9.12' written so is right); one read from a tick standing on the line, not reaching
    below it, as tall as the pieces kept as digits (0.45 of the digit height and over),
    a stroke broken off the digit beside it as likely as a comma ('1150' read '11.50',
    the 5's stem drawn apart from its bowl). The caller marks them guessed, and a value
    that keeps such a point goes to review (pipeline._reading)."""
    digits = [b for b, sep in items if not sep]
    return [
        b
        for b, sep in items
        if sep == "."
        and (
            any(d.box[0] < (b.box[0] + b.box[2]) / 2 < d.box[2] for d in digits)
            or (b.h >= 0.45 * H and b.box[3] <= bottom)
        )
    ]


def _loops(b: Blob, min_h: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, relative to the blob) of the blob's loops, left to right:
    its holes at least `min_h` tall, those overlapping in x taken as one (a stroke run
    through a loop cuts its hole in two; an 8's loops are one above the other)."""
    out = [(x0, y0, x1, y1) for x0, y0, x1, y1 in holes(b) if y1 - y0 >= min_h and x1 - x0 >= 2]
    loops: list[tuple[int, int, int, int]] = []
    for x0, y0, x1, y1 in sorted(out):
        if loops and x0 < loops[-1][2]:
            a = loops.pop()
            x0, y0, x1, y1 = a[0], min(a[1], y0), max(a[2], x1), max(a[3], y1)
        loops.append((x0, y0, x1, y1))
    return loops


def _loop_chain(b: Blob, H: float, score: Scorer | None) -> tuple[list[Blob], bool]:
    """A piece holding two or more loops side by side (cursive zeros joined in one
    stroke, '50.000' written '50.ooo', which the cuts at projection valleys missed): no
    digit has two loops side by side, so it is cut at the column of least ink between
    each two neighbouring loops. The cuts stand when the whole reads as not one digit
    (then the pieces are a guess: True beside them), or when every piece reads surer
    than the whole."""
    if score is None or b.w < 0.6 * b.h:
        return [b], False
    loops = _loops(b, max(3.0, 0.25 * b.h, 0.12 * H))
    if len(loops) < 2:
        return [b], False  # most pieces: no projection, no reading
    proj = (b.pix > 0).sum(axis=0)
    cuts = []
    for a, c in itertools.pairwise(loops):
        shared = min(a[3], c[3]) - max(a[1], c[1])
        if c[0] <= a[2] or shared < 0.5 * min(a[3] - a[1], c[3] - c[1]):
            continue  # not side by side on the line (a 6's loop low beside a 9's high)
        cuts.append(a[2] + int(np.argmin(proj[a[2] : c[0] + 1])))
    if not cuts:
        return [b], False
    parts = [piece(b, x0, x1) for x0, x1 in itertools.pairwise([0, *cuts, b.w])]
    pieces = [p for p in parts if p is not None]
    if len(pieces) < 2:
        return [b], False
    probs = score([normalize_digit(x.crop()) for x in (b, *pieces)])
    whole = float(probs[0].max())
    if whole >= NOT_ONE and float(probs[1:].max(axis=1).min()) <= whole:
        return [b], False
    return pieces, whole < NOT_ONE


def _without_end_marks(items: list[tuple[Blob, str]], H: float) -> list[tuple[Blob, str]]:
    """An amount's items without the '=' or '-' written before or after it to guard it
    (as cheques are often filled in): pieces left or right of every digit-sized one, all
    of whose strokes are flat (under 0.3 of the digit height, 1.5 times as wide as tall
    or more); after it, a flourish too (one straight stroke, wider than tall, under 0.6
    of the digit height). One before it may reach a little over the first digit (real
    '=52.748' read '552748')."""
    dashes = {
        id(b)
        for b, sep in items
        if not sep and all(p.h < 0.3 * H and p.w >= 1.5 * p.h for p in components(b.pix))
    }
    flat = dashes | {
        id(b)
        for b, sep in items
        if not sep and id(b) not in dashes and b.h < 0.6 * H and b.w >= b.h and _line_like(b)
    }
    tall = [b for b, sep in items if not sep and b.h >= 0.5 * H and id(b) not in flat]
    if not tall:
        return items
    start, end = min(b.box[0] for b in tall), max(b.box[2] for b in tall)
    return [
        (b, sep)
        for b, sep in items
        if not (id(b) in flat and b.box[0] >= end - 0.1 * H)
        and not (id(b) in dashes and b.box[2] <= start + 0.25 * H)
    ]


def _line_like(b: Blob) -> bool:
    """One straight stroke: its ink spreads along one direction (the spread across it
    under a fifth of the spread along it), as a dash or a flourish does and no digit."""
    ys, xs = np.nonzero(b.pix)
    if len(xs) < 5:
        return False
    low, high = np.linalg.eigvalsh(np.cov(np.stack([xs, ys]).astype(np.float64)))
    return bool(high > 0 and low <= 0.04 * high)


def _fused_cents(
    items: list[tuple[Blob, str]],
    field: FieldCrop,
    H: float,
    score: Scorer,
    guessed: set[int],
    floor: float,
) -> list[tuple[Blob, str]]:
    """Three digits after the last decimal point: the neighbouring two that read surest
    as one digit, joined (the cents are two digits; a '5' or '8' cut in two made three).
    The items as they are when there are not three, or no pair reads at `floor` or more."""
    points = [k for k, (_, sep) in enumerate(items) if sep == "."]
    if not points:
        return items
    after = list(range(points[-1] + 1, len(items)))
    if len(after) != 3 or any(items[k][1] for k in after):
        return items
    pairs = [(after[0], after[1]), (after[1], after[2])]
    return _joined_surest(items, pairs, field, H, score, guessed, floor=floor)


def _joined_surest(
    items: list[tuple[Blob, str]],
    pairs: list[tuple[int, int]],
    field: FieldCrop,
    H: float,
    score: Scorer,
    guessed: set[int],
    *,
    floor: float = 0.0,
    rank: int = 0,
) -> list[tuple[Blob, str]]:
    """The neighbouring pair of `pairs` (indices into `items`) that reads surest as one
    digit (or `rank`-th surest), joined and marked as guessed; the items as they are
    when it does not read as one (at `floor` or more)."""
    if not pairs:
        return items
    unions = [union(items[a][0], items[b][0]) for a, b in pairs]
    probs = score([normalize_digit(_reopen(u, field, H, score)) for u in unions])
    sure = [float(p.max()) for p in probs]
    best = int(np.argsort(-np.asarray(sure), kind="stable")[rank])
    if sure[best] < floor:
        return items
    a, b = pairs[best]
    guessed.add(id(unions[best]))
    return [*items[:a], (unions[best], ""), *items[b + 1 :]]


# A blob the cuts at valleys left whole is cut where two digits read surest only under
# this: MNIST digits drawn oddly or in pieces (a 3 of two arcs, a 2 with a long foot)
# read 0.2-0.5 whole and cut into '11' or '12'; touching pairs read lower.
_CUT_UNDER = 0.2
_CUT_KINDS = ("amount", "digits")  # fields whose format does not say how many digits


def _cut_rejected(
    b: Blob, field: FieldCrop, H: float, score: Scorer | None, depth: int = 0
) -> list[Blob]:
    """A blob the classifier reads as hardly one digit (under _CUT_UNDER), which the cuts
    at projection valleys left whole (digits touching with no valley between them, a
    slanted '1' leaning into the next digit): cut in two where two digits read surest,
    at any of a dozen columns, if the two are surer than the whole, and not one digit
    all the same (_one_digit: a flagged 1 read as two 1s, a wide 0 read as two other
    digits); each piece again, three deep. The whole is read as it will be classified
    (a heavy pen's blob with its holes opened again)."""
    if score is None or depth >= 3 or b.w < 0.45 * H or b.h < 0.5 * H:
        return [b]
    crops = [normalize_digit(b.crop())]
    reopened = _reopen(b, field, H, score)
    if reopened is not b.crop():
        crops.append(normalize_digit(reopened))
    probs = score(crops)
    whole = float(probs.max())
    if whole >= _CUT_UNDER:
        return [b]
    sure, halves = split_two(b, H, score)
    if len(halves) < 2 or sure <= whole:
        return [b]
    ends = [p for p in halves if _stroke_ends(p)]
    if ends and (score([normalize_digit(p.crop()) for p in ends]).argmax(axis=1) == 1).any():
        return [b]  # a '1' of two strokes' ends: a piece of one digit ('2' read '12')
    # A blob the reject output reads as surely no one digit has no likeliest digit (its
    # row all 0s would pass for a wide 0: touching '73' read as a 0 and left whole).
    if probs[0].max() > 0 and _one_digit(int(probs[0].argmax()), b, halves, score):
        return [b]
    return [q for p in halves for q in _cut_rejected(p, field, H, score, depth + 1)]


def _stroke_ends(p: Blob) -> bool:
    """Whether a cut-off piece holds two or more separate strokes, neither a crumb (each
    a fifth of its height or more): in a piece as narrow as a 1, the ends of one digit's
    strokes one above the other (a 2's curl tip and the start of its foot), no 1."""
    n, _, stats, _ = components_with_stats((p.crop() > 0).astype(np.uint8))
    tall = [st for st in stats[1:n] if st[cv2.CC_STAT_HEIGHT] >= 0.2 * p.h]
    return len(tall) >= 2


# A flagged 1 is narrower than this share of its height, or one of its halves is the
# upright stem, narrower than _SLANTED_ONE (real cheques: 0.46-0.66 wide, stems 0.13-0.16
# where wider than 0.6); MNIST's '11' touching at the top, 0.68-0.77 wide, halves 0.23-0.54.
_TWO_ONES_WIDE = 0.65
_SLANTED_ONE = 0.2


def _one_digit(whole: int, b: Blob, halves: list[Blob], score: Scorer) -> bool:
    """Whether a blob the reject output reads as not one digit is one all the same, by
    what it reads likeliest as whole (`whole`) and cut in two (`halves`): a 1 with an
    up-stroke from its top (as continental hands write it), read as a 1 or a 7 whole and
    as two 1s cut, the flag and the stem (real cheques: '10.379' read '110379'), unless
    the two touch only in their lower half (a 'V': two 1s joined at their feet), or the
    blob is as wide as two 1s and neither half is an upright stem ('11' touching at the
    top, each 1 slanted: seed 2053's '1101.02' read '101.02'); or a wide 0, read as a 0
    whole and as no 0 cut (a cursive 0 cut into '67'; touching '00' cut reads as 0s)."""
    if whole not in (0, 1, 7):
        return False
    labels = score([normalize_digit(p.crop()) for p in halves]).argmax(axis=1)
    if whole == 0:  # no wider than MNIST's widest 0s (touching '66' may read as a 0)
        return b.w <= WIDEST[0] * b.h and bool((labels != 0).all())
    if not (labels == 1).all():
        return False
    if b.w >= _TWO_ONES_WIDE * b.h and min(p.w for p in halves) >= _SLANTED_ONE * b.h:
        return False  # two 1s side by side, each half a slanted stroke of its own
    # The up-stroke leaves a 1's stem at its top, or the cut runs down a slanted stem; two
    # 1s touching only at their feet (a 'V') are two digits.
    crop = b.crop() > 0
    cut = halves[0].box[2] - b.box[0]
    rows = np.flatnonzero(crop[:, max(0, cut - 1) : cut + 1].any(axis=1))
    return not (len(rows) and rows.min() >= 0.5 * b.h)


def _without_long_verticals(ink: npt.NDArray[Any], H: float, inner: Box | None) -> npt.NDArray[Any]:
    """`ink` without thin vertical rulings crossing the whole field crop and reaching past
    its located box above and below (a page's or a table's line that a digit written
    past its box runs into); `ink` itself when none. Without a box inside the crop (an
    amount cut out tight) nothing is: a 1 or a 4's stem spans such a crop too."""
    h = ink.shape[0]
    if inner is None or inner[1] < 2 or inner[3] > h - 2:
        return ink
    length = round(max(1.6 * H, 0.9 * h))
    if length < 8 or h <= length:
        return ink
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    if not lines.any():
        return ink
    n, lab, stats, _ = components_with_stats(lines)
    thin = np.zeros_like(ink)
    widest = 0
    for k in range(1, n):
        y0 = stats[k, cv2.CC_STAT_TOP]
        y1 = y0 + stats[k, cv2.CC_STAT_HEIGHT]
        if (
            stats[k, cv2.CC_STAT_WIDTH] <= max(2, 0.15 * H)
            and stats[k, cv2.CC_STAT_HEIGHT] >= 0.97 * h
            and y0 < inner[1]
            and y1 > inner[3]
        ):
            thin[lab == k] = 255
            widest = max(widest, int(stats[k, cv2.CC_STAT_WIDTH]))
    if not thin.any():
        return ink
    # Its anti-aliased edges too, a pixel either side.
    thin = cv2.dilate(thin, np.ones((1, 3), np.uint8))
    cleared = cv2.bitwise_and(ink, cv2.bitwise_not(thin))
    # Strokes that crossed it, bridged again inside its columns only (a digit written
    # across the line is one digit, not two pieces either side of a gap).
    closed = cv2.morphologyEx(cleared, cv2.MORPH_CLOSE, np.ones((1, widest + 4), np.uint8))
    return cv2.bitwise_or(cleared, cv2.bitwise_and(closed, thin))


def _column_tops(big: list[Blob]) -> npt.NDArray[Any]:
    """The top ink row of each column the blobs span (field coordinates)."""
    x0, x1 = min(b.box[0] for b in big), max(b.box[2] for b in big)
    tops = np.full(x1 - x0, np.inf)
    for b in big:
        ink = b.pix > 0
        first = np.where(ink.any(axis=0), ink.argmax(axis=0) + b.box[1], np.inf)
        seg = tops[b.box[0] - x0 : b.box[2] - x0]
        np.minimum(seg, first, out=seg)
    return tops[np.isfinite(tops)]


def _by_columns(big: list[Blob], side: int) -> float:
    """The median of the blobs' box side `side` (1 top, 3 bottom) over the columns they
    span (each blob counted once per column): narrow blobs of the line above do not
    move it."""
    order = sorted(big, key=lambda b: b.box[side])
    widths = np.cumsum([b.w for b in order])
    return float(order[int(np.searchsorted(widths, widths[-1] / 2))].box[side])


def _without_line_above(b: Blob, top: float, H: float, letters: Sequence[Blob]) -> list[Blob]:
    """Digits joined to letters of the line above them (a tall ZIP touching the street
    line): reaching well over the other digits, with what lies up there made of several
    pieces, or beside `letters` (the line's characters that stand free). Keep the
    digit-sized pieces below the letters."""
    if b.box[1] >= top - 0.15 * H or b.h < 1.1 * H:
        return [b]
    # Cut where the least ink crosses, around the other digits' tops: under the letters.
    lo = max(1, int(top - 0.25 * H) - b.box[1])
    hi = min(b.h - 2, int(top + 0.05 * H) - b.box[1])
    if hi <= lo:
        return [b]  # all of it above the digits: printed matter, judged later
    ink = b.pix > 0
    rows = ink[lo : hi + 1].sum(axis=1)
    cut = lo + int(np.flatnonzero(rows == rows.min())[-1])
    # A descender reaching down onto a digit written lower than the others' tops ('Way'
    # over a ZIP rising to the right: its 'y' on the first digit) meets it lower down, at
    # a neck: one stroke crossing, thinner than any row around the tops and than most of
    # the blob's strokes (a 2's thin diagonal under a bank's name is no neck). Down to a
    # third of a digit under where this one's top should be; a digit's own rows there
    # cross two strokes (a 0's sides) or are as wide as its strokes.
    deep = min(b.h - 2, int(max(top, b.box[3] - H) + 0.35 * H) - b.box[1])
    if deep > hi:
        # Runs along the rows, not `stroke_width` (across the stroke): a row crosses a
        # slanted stroke wider than the stroke is.
        run_rows, lengths = row_runs(ink)
        runs = np.bincount(run_rows, minlength=b.h)[hi + 1 : deep + 1]
        counts = np.where(runs == 1, ink[hi + 1 : deep + 1].sum(axis=1), b.w + 1)
        width = float(np.median(lengths)) if len(lengths) else 0.0
        if counts.min() < min(rows.min(), 0.6 * width):
            cut = hi + 1 + int(np.flatnonzero(counts == counts.min())[-1])
    _, _, up_stats, _ = components_with_stats(np.ascontiguousarray(b.pix[:cut]))
    y0, y1 = b.box[1], b.box[1] + cut
    beside = any(
        min(o.box[3], y1) - max(o.box[1], y0) > 0.5 * min(o.h, cut)
        and min(abs(o.box[2] - b.box[0]), abs(b.box[2] - o.box[0])) < 0.5 * H
        for o in letters
    )
    if sum(int(st[4]) >= 4 for st in up_stats[1:]) < 2 and not beside:
        return [b]  # one stroke reaching up: a tall digit, not letters
    parts = components(np.ascontiguousarray(b.pix[cut:]))
    if not parts:
        return [b]
    largest = max(parts, key=lambda p: int((p.pix > 0).sum()))
    dx, dy = b.box[0], b.box[1] + cut
    return [
        Blob(p.pix, (p.box[0] + dx, p.box[1] + dy, p.box[2] + dx, p.box[3] + dy))
        for p in parts
        if p is largest or p.h >= 0.3 * H
    ]


def _drop_print_and_rulings(
    blobs: list[Blob], field: FieldCrop, band: tuple[float, float], H: float, banded: bool
) -> list[Blob]:
    """Drop what is not handwriting: printed text above or below the line of digits (a
    cheque number over the date, letters clipped by the field's edge) and, in comb
    cells, the dashes an erased ruling leaves along the cells' edges."""
    top, bottom = band
    margin = 0.1 * (bottom - top)
    if banded:
        blobs = [
            b
            for b in blobs
            if not (b.box[3] < top - 0.2 * margin or b.box[1] > bottom + 0.2 * margin)
            # the tail of the line above: sticking out over the band, ending in its top half
            and not (b.box[1] < top - 2.5 * margin and b.box[3] < top + 5 * margin)
        ]
    h = field.ink.shape[0]
    blobs = [
        b
        for b in blobs
        if not (b.box[1] <= 1 and b.box[3] < top + margin)
        and not (b.box[3] >= h - 1 and b.box[1] > bottom - margin)
    ]
    if field.cells:
        ctop = float(np.median([c[1] for c in field.cells]))
        cbot = float(np.median([c[3] for c in field.cells]))
        blobs = [
            b
            for b in blobs
            if not (
                b.h < _RULING * H
                and b.w > 2 * b.h
                and min(abs(b.box[1] - ctop), abs(b.box[3] - cbot)) < 0.15 * H
            )
        ]
    return blobs


def _reopen(b: Blob, field: FieldCrop, H: float, score: Scorer | None = None) -> npt.NDArray[Any]:
    """A thick, blurred digit's mask with its holes opened again.

    Binarising close to the paper level keeps faint strokes, but a heavy pen under blur
    fills the loop of a 2 or a 9. For strokes much thicker than MNIST's, re-threshold the
    blob's own pixels halfway between its ink and the paper, from the grey page; where
    that opens a loop the blob had or breaks one of its strokes, only if `score` reads
    the two alike (never without it).
    """
    mask = b.crop()
    levels = None if stroke_width(mask) < _THICK * H else _grey_levels(b, mask, field)
    if levels is None:
        return mask
    gray, paper, ink_level = levels
    core = np.where((mask > 0) & (gray < ink_level + 0.5 * (paper - ink_level)), 255, 0)
    core = core.astype(np.uint8)
    if (core > 0).sum() < 0.5 * (mask > 0).sum():
        return mask
    opened = len(mask_holes(core, 4)) < len(mask_holes(mask, 4))
    if not opened and mask_pieces(core) <= mask_pieces(mask):  # nor a stroke broken
        return core
    # It opened a loop the blob had, or broke a stroke: a 9's loop closed by a thin,
    # lighter join opens into a 4 (a closed 4 into an open one, still a 4). Kept only
    # where the classifier reads it as the digit it reads the blob as.
    if score is None:
        return mask
    as_is = _grey_crop(b, mask, field)  # what the classifier reads if the blob is kept
    probs = score([normalize_digit(core), normalize_digit(mask if as_is is None else as_is)])
    return core if int(probs[0].argmax()) == int(probs[1].argmax()) else mask


def _grey_levels(
    b: Blob, mask: npt.NDArray[Any], field: FieldCrop
) -> tuple[npt.NDArray[Any], float, float] | None:
    """A blob's grey page, the field's paper level and the blob's ink level (the 5th
    percentile of its pixels under `mask`); None when the field has no grey page of its
    size, the blob too few pixels to tell, or ink within 40 grey levels of the paper."""
    paper = field.paper
    if paper is None:
        return None
    x0, y0, x1, y1 = b.box
    gray = field.gray[y0:y1, x0:x1]
    inside = gray[mask > 0]
    if inside.size < 20:
        return None
    ink_level = float(np.percentile(inside, 5))
    return None if paper - ink_level < 40 else (gray, paper, ink_level)


def _detach_dashes(b: Blob, band: tuple[float, float], H: float) -> list[Blob]:
    """A hyphen written into the next digit ('-0' in 19-04-2020): columns at the blob's
    left or right end holding only a thin stroke across the middle of the line, at
    least a dash long, are cut off as a piece of their own when it is flat as a dash is.
    Columns by the digit with two runs of ink go with the digit (a 2's looped foot
    under the end of its bow)."""
    if b.w < 0.55 * H or b.h < 0.5 * H or _separator(b, band, H) == "/":
        return [b]  # a slash's middle columns are thin strokes in the middle too
    top, bottom = band
    ink = b.pix > 0
    count = ink.sum(axis=0)
    rows = np.arange(b.h)[:, None] + b.box[1]
    # A hyphen lies within 0.15-0.8 of the line's height down (the tops of 179 hyphens
    # standing apart in generated dates: 0.19-0.62); a 7's bar is above it.
    mid = ((rows < top + 0.15 * (bottom - top)) | (rows > top + 0.8 * (bottom - top))) & ink
    thin = (count > 0) & (count <= 0.22 * H) & ~mid.any(axis=0)
    if thin.all():
        return [b]  # a dash by itself
    runs = ink[0].astype(int) + (ink[1:] & ~ink[:-1]).sum(axis=0)
    left, cut = int(np.argmin(thin)), b.w - int(np.argmin(thin[::-1]))
    while left > 0 and runs[left - 1] > 1:
        left -= 1
    while cut < b.w and runs[cut] > 1:
        cut += 1
    # What is left must be a digit, a 1 (0.2 H wide) at least.
    at_left = left >= 0.25 * H and b.w - left >= 0.2 * H
    at_right = b.w - cut >= 0.25 * H and cut - (left if at_left else 0) >= 0.2 * H
    if not (at_left or at_right):
        return [b]
    edges = [0, *([left] if at_left else []), *([cut] if at_right else []), b.w]
    pieces = [piece(b, x0, x1) for x0, x1 in itertools.pairwise(edges)]
    ends = ([pieces[0]] if at_left else []) + ([pieces[-1]] if at_right else [])
    if any(p is None or not _flat(p, H) for p in ends):
        return [b]  # what would come off is not flat as a dash is (a 4's arm)
    return [p for p in pieces if p is not None] or [b]


def _joins_a_digit(b: Blob, H: float) -> bool:
    """Whether a piece is big enough to be part of a digit: specks never join one (they
    would shrink it when normalised)."""
    return b.h >= 0.2 * H or (b.crop() > 0).sum() >= 0.02 * H * H


def _merge_and_label(
    blobs: list[Blob], band: tuple[float, float], H: float, kind: str, score: Scorer | None = None
) -> list[tuple[Blob, str]]:
    """Merge broken strokes into digits; label the pieces that are separators."""
    if kind in ("date", "zip", "digits"):
        blobs = [p for b in blobs for p in _detach_dashes(b, band, H)]
    parts = [b for b in blobs if _joins_a_digit(b, H)]
    dots = [b for b in blobs if b not in parts and _separator(b, band, H) == "."]
    # The foot of a faint stroke broken into dashes is no point ('3150' read '31.50': a
    # 5's faint stem in three pieces, the lowest on the baseline): dropped as a speck.
    ends = [d for d in dots if _under_a_stroke(d, blobs, H)]
    if ends:
        blobs = [b for b in blobs if b not in ends]
        dots = [d for d in dots if d not in ends]
    # 1. Pieces stacked over each other are one digit (a '5' whose bar came off).
    merged: list[Blob] = []
    for b in sorted(parts, key=lambda b: -b.h):
        for i, m in enumerate(merged):
            # A point joins no piece it barely overlaps, nor one more than 0.3 digit
            # heights above or below it: a crumb at the top of the line right over the
            # point, the two as tall as a digit ('6881.33' read '688133').
            gap = max(b.box[1] - m.box[3], m.box[1] - b.box[3])
            if x_overlap(b, m) > 0.5 and not (
                _separator(b, band, H) == "." and (x_overlap(b, m) < 0.8 or gap > 0.3 * H)
            ):
                merged[i] = union(m, b)
                break
        else:
            merged.append(b)
    merged = _stacked_strokes(merged, [b for b in blobs if b not in parts and b not in dots], H)
    merged.sort(key=lambda b: b.cx)
    # 2. Separators by shape and position, among whole pieces.
    labelled: list[tuple[Blob, str]] = []
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
        out: list[tuple[Blob, str]] = []
        for b, sep in labelled:
            if out and not sep and not out[-1][1]:
                a = out[-1][0]
                gap = b.box[0] - a.box[2]
                u = union(a, b)
                if (
                    gap <= 0.12 * H
                    and u.w <= 0.95 * H
                    and min(a.h, b.h) >= 0.35 * H
                    and max(a.w, b.w) < 0.6 * H
                ):
                    ps = score([normalize_digit(c.crop()) for c in (u, a, b)])
                    pu, pa, pb = (float(x.max()) for x in ps)
                    # A sliver floating inside its neighbour's height (a stroke that a
                    # removed ruling cut off) is part of it, though both read as sure 1s.
                    big, small = (a, b) if a.h >= b.h else (b, a)
                    sliver = (
                        small.h < 0.7 * big.h
                        and small.w < 0.15 * H
                        and small.box[1] > big.box[1] + 0.1 * H
                        and small.box[3] < big.box[3] - 0.1 * H
                        and int(ps[0].argmax()) == int(ps[1 if big is a else 2].argmax())
                    )
                    if pu >= 0.9 and (pu > pa * pb or sliver):
                        out[-1] = (u, "")
                        continue
            out.append((b, sep))
        labelled = out
        labelled = _rejoin_small_strokes(labelled, band, H, score)
    kept = [
        (b, sep)
        for k, (b, sep) in enumerate(labelled)
        if sep or _digit_sized(b, H) or _small_between(k, labelled, H)
    ]
    return _without_other_pens(kept, H)


def _under_a_stroke(d: Blob, blobs: list[Blob], H: float) -> bool:
    """Whether a point-like piece lies just under a piece of an upright stroke too short
    to be a digit, in the same columns: the end of a stroke drawn broken, not a point."""
    return any(
        o is not d
        and o.h < 0.45 * H
        and o.h >= o.w
        and x_overlap(d, o) > 0.5
        and 0 <= d.box[1] - o.box[3] <= 0.3 * H
        for o in blobs
    )


def _digit_sized(b: Blob, H: float) -> bool:
    """Handwritten digits of one field are of a size: much smaller pieces are print or
    noise, and a thin stroke half their height is no '1' (a spur beside one, a ruling's
    crumb)."""
    return b.h >= 0.45 * H and (b.h >= 0.5 * H or b.w >= 0.15 * H)


def _small_between(k: int, labelled: list[tuple[Blob, str]], H: float) -> bool:
    """A digit written smaller than the field's tallest, between two as small ('24.000'
    whose zeros are half the 2's height, the middle one a little smaller still)."""
    b = labelled[k][0]
    if k == 0 or k + 1 >= len(labelled) or b.h < 0.3 * H:
        return False
    (a, sa), (c, sc) = labelled[k - 1], labelled[k + 1]
    return (
        not sa
        and not sc
        and _digit_sized(a, H)
        and _digit_sized(c, H)
        and b.h >= 0.75 * min(a.h, c.h)
        and max(b.box[0] - a.box[2], c.box[0] - b.box[2]) < 0.5 * H
    )


def _stacked_strokes(merged: list[Blob], specks: list[Blob], H: float) -> list[Blob]:
    """A digit broken by a faint pen into strokes each too small to be one (a 3 in three
    short strokes, over each other): pieces under a digit's height that overlap in
    columns, standing clear of the digits, are one digit when together they are as tall
    as one."""
    big = [b for b in merged if b.h >= 0.45 * H]
    loose = [b for b in merged if b.h < 0.45 * H] + [
        b for b in specks if (b.crop() > 0).sum() >= 0.01 * H * H
    ]
    loose = [b for b in loose if all(x_overlap(b, d) <= 0 for d in big)]
    groups: list[Blob] = []
    members: list[list[Blob]] = []
    for b in sorted(loose, key=lambda b: b.box[1]):
        for i, g in enumerate(groups):
            gap = b.box[1] - g.box[3]
            if x_overlap(b, g) > 0.5 and gap <= 0.15 * H:
                groups[i] = union(g, b)
                members[i].append(b)
                break
        else:
            groups.append(b)
            members.append([b])
    out = list(merged)
    for g, ms in zip(groups, members, strict=True):
        if len(ms) >= 2 and g.h >= 0.45 * H:
            out = [b for b in out if b not in ms] + [g]
    return out


# A field's digits are written with one pen: a mark whose strokes are under this share
# of the other digits' width is drawn with another (a ruling's hairline remnant, a page
# edge, a slip of a finer pen) ...
_HAIRLINE = 0.35
# ... and so is a mark under 0.8 of their height at under this share (a stroke MNIST
# left beside a 2, 0.72 of the height at 0.46 of the width, read as a sure '1').
_FINER = 0.6
_FINER_HEIGHT = 0.8
# ... or at any height when it stands this many digit heights apart from every other
# digit (a pen slip's arc far right of a lone '6' in the amount box, read as a sure '1').
_STRAY_GAP = 2.0


def _without_other_pens(items: list[tuple[Blob, str]], H: float) -> list[tuple[Blob, str]]:
    """Drop marks not drawn with the field's pen: hairlines (a box side's dashed remnant
    merged into one tall stroke, a page edge caught by the crop), and small thin marks
    (a stray pen slip beside the amount, a tick beside a digit), which read as '1's,
    and thin marks far from every other digit (a pen slip across the box). Measured
    against the median stroke width of the field's other digits."""
    digits = [(b, stroke_width(b.crop())) for b, sep in items if not sep]
    if len(digits) < 2:
        return items
    drop = set()
    for i, (b, w) in enumerate(digits):
        others = [v for j, (o, v) in enumerate(digits) if j != i and o.h >= 0.5 * H]
        if not others:
            continue
        ratio = w / float(np.median(others))
        if ratio < _HAIRLINE or (ratio < _FINER and b.h < _FINER_HEIGHT * H):
            drop.add(id(b))
        elif ratio < _FINER:
            gap = min(
                max(o.box[0] - b.box[2], b.box[0] - o.box[2])
                for j, (o, _) in enumerate(digits)
                if j != i
            )
            if gap > _STRAY_GAP * H:
                drop.add(id(b))
    return [(b, sep) for b, sep in items if id(b) not in drop]


def _rejoin_small_strokes(
    labelled: list[tuple[Blob, str]], band: tuple[float, float], H: float, score: Scorer
) -> list[tuple[Blob, str]]:
    """A small stroke in the upper half of the line beside a digit, not over it (a 5's
    bar drawn apart to the right of its stem, a 7's bar): joined to the neighbour when the
    classifier is surer of the two together than of the neighbour alone."""
    top, bottom = band
    small = [
        k
        for k, (b, sep) in enumerate(labelled)
        if not sep
        and b.h < 0.45 * H
        and b.box[3] < top + 0.55 * (bottom - top)
        and b.box[1] >= top - 0.15 * H  # at the digits' top, not above it (print)
        and (b.crop() > 0).sum() >= 0.01 * H * H
    ]
    if not small:
        return labelled
    out = list(labelled)
    gone: set[int] = set()
    for k in small:
        b = out[k][0]
        best: tuple[float, int, Blob] | None = None
        for n in (k - 1, k + 1):
            if not 0 <= n < len(out) or n in gone or n in small or out[n][1]:
                continue
            a = out[n][0]
            gap = max(b.box[0] - a.box[2], a.box[0] - b.box[2])
            u = union(a, b)
            if gap > 0.15 * H or u.w > 1.2 * H or a.h < 0.6 * H:
                continue
            pa, pu = (
                float(p.max())
                for p in score([normalize_digit(a.crop()), normalize_digit(u.crop())])
            )
            if pu >= 0.9 and pu > pa + 0.2 and (best is None or pu > best[0]):
                best = (pu, n, u)
        if best is not None:
            out[best[1]] = (best[2], "")
            gone.add(k)
    return [t for k, t in enumerate(out) if k not in gone]
