"""Recognition-based over-segmentation of touching digits (LeCun et al. 1998)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..types import Box
from .blobs import Blob, holes, piece, upright
from .normalize import normalize_digit

__all__ = [
    "HARDLY_ANY",
    "NOT_ONE",
    "WIDEST",
    "Scorer",
    "bend",
    "cut_at_cells",
    "force_splits",
    "rejects",
    "split",
]

# Classifies a list of 28x28 crops -> (N, 10) probabilities.
Scorer = Callable[[Sequence[npt.NDArray[Any]]], npt.NDArray[Any]]


def rejects(score: Scorer) -> bool:
    """Whether `score` comes from a model with a reject output ('not one digit', so its
    probabilities for touching digits sum to well under one): the Predictor says so."""
    return bool(getattr(score, "rejects", False))


# Split candidates: wider than 0.7 x the digit height and 1.15 x the field's typical
# digit; a whole blob wider than 1.0 x the widest MNIST digits of its class is read at
# half confidence (at the square root of it otherwise); each piece must be a sure digit
# (0.9; 0.85 when the whole is too wide for its class) at least 2/3 of the digit height.
# Chosen on bench-dev and generated MNIST-test and procedural sets.
_SPLIT = (0.7, 1.15, 1.0, 0.9)
# 99th and 90th percentiles of width / height per class on MNIST train (ink > 64).
WIDEST = (1.43, 1.0, 1.67, 1.25, 1.25, 1.67, 1.11, 1.25, 1.25, 1.05)
# Under this a crop reads as not one digit (the reject output's floor); a whole read at
# this or more is one digit, if the model has a reject output. Fields use the same line.
NOT_ONE = 0.5
# Under this a crop reads as hardly any digit (touching pairs read 0.00-0.04): segmentation
# and the field rules (fields.py) use the same line.
HARDLY_ANY = 0.1
# A piece of a blob read as hardly any digit whole (`split`'s `loose`) may read this
# surely: in a date, where six digits make a date as eight do, so the format cannot ask
# for the cut (amounts and ZIPs lost as many readings as they gained so).
_LOOSE = 0.5
# A cut is a close call when another reads other digits this surely relative to it.
_CLOSE = 0.95
_WIDE = (1.11, 0.7, 1.25, 1.0, 1.0, 1.25, 0.95, 1.0, 1.0, 0.9)
# 2nd percentile: narrower than this, a piece is a sliver of a digit, not one.
_NARROW = (0.6, 0.1, 0.6, 0.5, 0.5, 0.55, 0.45, 0.5, 0.5, 0.45)


def _valleys(ink_proj: npt.NDArray[Any], H: float) -> list[int]:
    """Candidate cut columns: local minima of the ink projection."""
    proj = ink_proj.astype(np.float64)
    if len(proj) < 5:
        return []
    smooth = np.convolve(proj, np.ones(3) / 3, mode="same")
    lo = max(2, int(0.2 * H))
    cuts = [
        c
        for c in range(lo, len(proj) - lo)
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


def split(
    b: Blob,
    H: float,
    score: Scorer | None,
    width: float,
    *,
    loose: bool = False,
    close_calls: set[int] | None = None,
) -> list[Blob]:
    """Recognition-based over-segmentation of a blob too wide for one digit.

    Cuts at projection valleys; every run of pieces between two cuts is classified, and
    dynamic programming keeps the reading whose digits the classifier is surest of (LeCun
    et al. 1998). The whole blob competes too: at half confidence when it is much wider
    than tall, since one handwritten digit rarely is; otherwise at the square root of its
    confidence, so that pieces must be clearly surer than a digit of ordinary width.
    A blob whose strokes stand apart only along its slant is cut along the slant and
    upright, and the reading the classifier is surer of kept (`_split_at` does each).
    `loose`: a blob read as hardly any digit whole may be cut into pieces one of which
    is only fairly sure (`_LOOSE`), as in a date (see `_split_at`). `close_calls` gains
    the ids of the pieces returned where the cut is a guess: another cut into as many
    pieces reads other digits almost as surely (`_close_call`), or a piece reads as the
    digit before it, short and starting low (`_foot_like`), or a straight 1 joined at
    one end to the digit beside it was cut off the first or last piece (`_edge_one`).
    """
    if score is None:
        return [b]
    parts = _split(b, H, score, width, loose=loose, close_calls=close_calls)
    # A '1' touching the digit after or before it at one end stands at the edge of a
    # piece, narrower than the cuts at valleys go ('130' read '30': its '13' a sure 3).
    for k in sorted({0, len(parts) - 1}, reverse=True):  # the last first: no index moves
        cut = _edge_one(parts[k], H, score)
        if cut is not None:
            parts = [*parts[:k], *cut, *parts[k + 1 :]]
            if close_calls is not None:
                close_calls.update(id(p) for p in cut)
    return parts


def _split(
    b: Blob,
    H: float,
    score: Scorer,
    width: float,
    *,
    loose: bool = False,
    close_calls: set[int] | None = None,
) -> list[Blob]:
    """`split` at valleys of the ink projection, along the slant or across it."""
    proj = (b.pix > 0).sum(axis=0)
    close = close_calls  # None: nobody asks, no rival cuts searched
    if _two_strokes(b, proj):
        return _split_at(b, H, score, width, None, proj, pair=True, loose=loose, close=close)
    # Two slanted strokes overlap in the vertical projection: look along the slant, and
    # cut along it if that shows a '11'. Where cuts across the line give digits too, the
    # surer reading: a '04' leaning right showed two strokes along its slant, and cut so
    # its 4 lost its arm (read 0.03 as a 4; cut upright, 1.0).
    slant_cols, slant_proj = upright(b)
    if slant_cols is None or not _two_strokes(b, slant_proj):
        return _split_at(b, H, score, width, None, proj, pair=False, loose=loose, close=close)
    along_close: set[int] | None = None if close is None else set()
    across_close: set[int] | None = None if close is None else set()
    along = _split_at(
        b, H, score, width, slant_cols, slant_proj, pair=True, loose=loose, close=along_close
    )
    across = _split_at(b, H, score, width, None, proj, pair=False, loose=loose, close=across_close)
    surer = len(across) > 1 and _sureness(across, score) > _sureness(along, score)
    chosen, chosen_close = (across, across_close) if surer else (along, along_close)
    if close is not None and chosen_close:
        close |= chosen_close
    return chosen


def _edge_one(b: Blob, H: float, score: Scorer) -> list[Blob] | None:
    """A straight full-height stroke at the left or right edge of `b` (starting within
    three columns of it, or 0.06 of a digit height: a tall 1's foot may flick out
    further), joined to the rest by a thin junction only (the ink drops under a third of
    the height within three columns of it): that stroke and the rest, left to right,
    when the stroke reads as a sure 1 and the rest, as tall, with the same loops and no
    such stroke on its side of the cut, as a sure digit other than 1. A 0 with a
    straight side loses its loop cut so, a 4, 6, 7 or 9 has no full-height rest, a 1's
    flag cut off its stem reads as a 1, and strokes side by side joined at their feet
    are one digit or a '11'."""
    if b.h < 0.5 * H or b.w < 0.45 * H:
        return None
    proj = (b.pix > 0).sum(axis=0)
    n = len(proj)
    edge = min(max(3, int(0.06 * H)), n)  # how far in from the edge the stroke may start
    for side in (0, 1):
        p = proj if side == 0 else proj[::-1]
        start = next((i for i in range(edge) if p[i] >= 0.8 * b.h), None)
        if start is None:
            continue
        end = start
        while end < n and p[end] >= 0.8 * b.h:
            end += 1
        at = next((i for i in range(end, min(end + 3, n)) if p[i] < 0.35 * b.h), None)
        if at is None or at > 0.3 * H or n - at < 0.3 * H:
            continue
        if (p[at : at + int(0.35 * H) + 1] >= 0.8 * b.h).any():
            continue  # another full-height stroke near: strokes side by side
        x = at if side == 0 else n - at
        left, right = piece(b, 0, x), piece(b, x, n)
        if left is None or right is None:
            continue
        stem, rest = (left, right) if side == 0 else (right, left)
        if (
            min(stem.h, rest.h) < 0.85 * b.h
            or len(holes(rest)) != len(holes(b))
            or bend(stem) >= _STRAIGHT
        ):
            continue
        probs = score([normalize_digit(stem.crop()), normalize_digit(rest.crop())])
        label = int(probs[1].argmax())
        if (
            int(probs[0].argmax()) == 1
            and label != 1
            and float(probs.max(axis=1).min()) >= _SPLIT[3]
            and rest.w >= _NARROW[label] * rest.h
        ):
            return [left, right]
    return None


def _sureness(pieces: Sequence[Blob], score: Scorer) -> float:
    """How surely the classifier reads these pieces, each as one digit (the product)."""
    probs = score([normalize_digit(p.crop()) for p in pieces])
    return float(np.prod(probs.max(axis=1)))


def _split_at(
    b: Blob,
    H: float,
    score: Scorer,
    width: float,
    cols: npt.NDArray[Any] | None,
    proj: npt.NDArray[Any],
    *,
    pair: bool,
    loose: bool = False,
    close: set[int] | None = None,
) -> list[Blob]:
    """`split` with cuts at the valleys of `proj`, the ink projection on the columns
    `cols` (the blob's own when None); `pair`: it shows two strokes side by side;
    `loose` as for `split`; `close` gains the pieces' ids where the cut is a guess."""
    hf, wf, disc, conf = _SPLIT
    if not pair and (b.w < max(hf * H, wf * width) or b.w < 0.75 * b.h):
        return [b]
    cuts = [0, *_valleys(proj, H), len(proj)]
    if len(cuts) <= 2:
        return [b]
    # A piece is at most 1.25 digit heights wide; the first and the last up to 1.7
    # (MNIST's widest 2s and 5s are 1.67 of their height): a first digit begun with a
    # stroke along the line from its left ('204' in one blob, its 2 with a lead-in, read
    # as one 2), a last 2 begun with a loop at its foot and its foot run on along the
    # line (seed 2061's '5329', the loop cut off and read as a 6: '53629'). Wider than
    # 1.25, such a piece must read a hundredth surer than a path without it: the field's
    # reading halves a digit 1.3 times as wide as tall, so where both read right (a 2's
    # long foot left to the 4 it touches or taken into the 2) the narrower is kept.
    spans = [
        (i, j)
        for i in range(len(cuts))
        for j in range(i + 1, len(cuts))
        if 0.2 * H <= cuts[j] - cuts[i] <= (1.7 if i == 0 or j == len(cuts) - 1 else 1.25) * H
        or (i, j) == (0, len(cuts) - 1)
    ]
    pieces = {(i, j): piece(b, cuts[i], cuts[j], cols) for i, j in spans}
    wide_end = {
        (i, j) for i, j in spans if cuts[j] - cuts[i] > 1.25 * H and (i, j) != (0, len(cuts) - 1)
    }
    # A piece under 2/3 of the digit height is part of one (a 2's foot, a 9's loop),
    # unless it is a small zero standing on the line (cursive '000' written small after
    # taller digits): it must read as a 0 (below).
    whole_key = (0, len(cuts) - 1)
    short = {k for k, p in pieces.items() if p is not None and p.h < 0.65 * H and k != whole_key}
    valid = [
        (k, p)
        for k, p in pieces.items()
        if p is not None and (k not in short or _small_zero(p, b, H))
    ]
    if not valid:
        return [b]
    probs = score([normalize_digit(p.crop()) for _, p in valid])
    s_of = {k: float(pr.max()) for (k, _), pr in zip(valid, probs, strict=True)}
    label_of = {k: int(np.argmax(pr)) for (k, _), pr in zip(valid, probs, strict=True)}
    for k in short & s_of.keys():
        if label_of[k] != 0:
            s_of[k] = 0.0  # a short piece stands as a small zero only
    # Two strokes side by side (`pair`) may be a '11' written with a short second 1;
    # but where the whole reads surely as another digit, a short one is a stroke of it
    # (a slanted 4's long bar cut off along the slant: '4967' read '41967').
    one_digit = s_of.get(whole_key, 0.0) >= 0.99 and label_of.get(whole_key) != 1
    for k, pc in valid:
        if k == whole_key or label_of[k] != 1:
            continue
        if (pc.h < 0.85 * b.h and (one_digit or not pair)) or (not pair and bend(pc) >= _BENT):
            # Half a 0 or a 6's arc cut off reads as a sure 1: a 1 is a straight stroke
            # the height of the digits it touches (two strokes side by side, a '11',
            # have their own test).
            s_of[k] = 0.0
    wide = False
    raw_whole = s_of.get(whole_key, 0.0)
    sure_whole = raw_whole >= 0.99
    if whole_key in s_of:
        # Wider than MNIST's widest of the class it reads as (99th percentile of width /
        # height): likely two digits. A flat 0 or 2 stays whole. Two full-height strokes
        # side by side are two ones, not one.
        label = int(np.argmax(probs[[k for k, _ in valid].index(whole_key)]))
        if b.w > disc * WIDEST[label] * b.h or (pair and label == 1):
            s_of[whole_key] *= 0.5
            conf = min(conf, 0.85)  # likely two digits: pieces need not be quite as sure
        else:
            # Within its class's widths, one digit it is unless the pieces are clearly
            # surer: a 6 whose stem stands apart from its loop is not '10'.
            s_of[whole_key] **= 0.5
        wide = b.w > _WIDE[label] * b.h
    whole = s_of.get(whole_key, 0.0)
    path = _best_path(s_of, len(cuts), conf, whole_key, pieces, wide_end)
    if len(path) <= 1 and wide:
        # A whole wider than nine in ten MNIST digits of its class, read as surely as two
        # digits of the blob's full height side by side (a '1' touching a '7'): the pair.
        # Pieces of one digit (a 6's stem and loop, a 9's loop and tail) are not both
        # full height, and a 6's stem standing apart from its loop is not a straight '1'.
        # Nor is a piece narrower than 98% of MNIST digits of its class (the left end of
        # a wide 3's arms reads as a sure 3). The '1' must be as straight as 95% of
        # MNIST's: a 6's stem standing apart from its loop is an arc.
        full = {
            k: v
            for k, v in s_of.items()
            if k != whole_key
            and (p := pieces[k]) is not None
            and p.h >= 0.85 * b.h
            and p.w >= _NARROW[label_of[k]] * p.h
            and (label_of[k] != 1 or bend(p) < _STRAIGHT)
        }
        pair_path = _best_path(full, len(cuts), conf, whole_key, pieces, wide_end)
        if len(pair_path) == 2 and np.prod([full[k] for k in pair_path]) >= 0.99 * whole:
            path = pair_path
    if loose and len(path) <= 1 and raw_whole < HARDLY_ANY:
        # Read as hardly any digit whole, the blob is digits touching; a cut at a valley
        # leaves a piece of the next digit on one of them, which then reads only fairly
        # surely ('1991' written touching: 1 at 1.0, 9 at 1.0, the last 9 at 0.66).
        fair = _best_path(s_of, len(cuts), _LOOSE, whole_key, pieces, wide_end)
        if len(fair) > 1:
            path = fair
    if (
        sure_whole
        and len(path) == 2
        and all(label_of[k] == label_of[whole_key] for k in path)
        and any((p := pieces[k]) is None or _short_and_low(p, b) for k in path)
    ):
        # A wide digit the classifier is sure of, cut into two pieces that both read as
        # it, one well short of its height and starting well below its top (a 2's long
        # foot curling up, read as a second 2): one digit. Touching digits of unequal
        # heights (a '26', or a second 4 written smaller in a '44') stay split.
        return [b]
    if (
        sure_whole
        and len(path) == 2
        and label_of[whole_key] == label_of[path[0]] == 6
        and path[1] in short
        and (p := pieces[path[0]]) is not None
        and not holes(p)
    ):
        # A sure 6 whose loop was drawn low and to the right of its stem: the loop cut
        # off reads as a small zero and the open stem still as a 6 ('1756.99' read
        # 17560.99). A 6 written before a small zero has its own loop.
        return [b]
    path = _ones_joined(path, s_of, label_of)
    if len(path) <= 1:
        return [b]
    if not pair and raw_whole >= NOT_ONE and rejects(score):
        # Read as one digit by a model that tells pairs from digits (its reject output):
        # one, though its pieces read surer (real cheques: a cursive 0 with a loop inside
        # cut into '62', an 8 with a long tail into '83'; generated MNIST pages never
        # split such a blob).
        return [b]
    out = [p for k in path if (p := pieces[k]) is not None]
    if close is not None and (
        _close_call(path, s_of, label_of, len(cuts), conf, pieces, wide_end)
        or _foot_like(path, label_of, pieces, b)
    ):
        close.update(id(p) for p in out)
    return out


def _foot_like(
    path: list[tuple[int, int]],
    label_of: dict[tuple[int, int], int],
    pieces: dict[tuple[int, int], Blob | None],
    b: Blob,
) -> bool:
    """A piece read as the digit before it, well short of the blob's height and starting
    well below its top: perhaps that digit's long foot or tail, cut off ('22' read '222'),
    perhaps a smaller digit written after it."""
    for k0, k1 in itertools.pairwise(path):
        p = pieces[k1]
        if p is not None and label_of.get(k0) == label_of.get(k1) and _short_and_low(p, b):
            return True
    return False


def _short_and_low(p: Blob, b: Blob) -> bool:
    """A piece of `b` well short of its height and starting well below its top."""
    return p.h < 0.85 * b.h and p.box[1] - b.box[1] >= 0.15 * b.h


def _close_call(
    path: list[tuple[int, int]],
    s_of: dict[tuple[int, int], float],
    label_of: dict[tuple[int, int], int],
    n: int,
    conf: float,
    pieces: dict[tuple[int, int], Blob | None],
    wide_end: Collection[tuple[int, int]] = (),
) -> bool:
    """Whether some other cut of the blob into as many pieces, as `_best_path` allows
    them, reads other digits at `_CLOSE` of `path`'s sureness or more (the product of
    its pieces' scores as `s_of` weighs them): two readings of the blob the classifier
    hardly tells apart ('61' cut as '1' and a '2', or as '6' and '1'). Cuts into more
    pieces are no such rivals (a 0's halves read as a sure '1' and '7'), nor the whole
    blob, its score weighed by its width: a prior, not a reading.
    """
    sure = float(np.prod([s_of.get(k, 0.0) * (0.99 if k in wide_end else 1.0) for k in path]))
    if sure <= 0.0:
        return False
    want = [label_of.get(k) for k in path]
    found = False

    def walk(i: int, score: float, seq: list[int | None], last: tuple[int, int] | None) -> None:
        nonlocal found
        if found:
            return
        if i == n - 1:
            found = len(seq) == len(want) and seq != want
            return
        if len(seq) >= len(want):
            return
        for k, sc in s_of.items():
            if k[0] != i or sc < conf or k == (0, n - 1):
                continue  # pieces only: the whole's weighted score is a prior, not a reading
            sc *= 0.99 if k in wide_end else 1.0
            if score * sc < _CLOSE * sure:
                continue
            if last is not None and not _side_by_side(pieces[last], pieces[k]):
                continue
            walk(k[1], score * sc, [*seq, label_of.get(k)], k)

    walk(0, 1.0, [], None)
    return found


def _ones_joined(
    path: list[tuple[int, int]],
    s_of: dict[tuple[int, int], float],
    label_of: dict[tuple[int, int], int],
) -> list[tuple[int, int]]:
    """Three or more '1's in a row of `path` whose span reads surely as another digit
    (0.99 or more as `s_of` weighs it: the whole blob at the square root or half of its
    confidence): that digit, cut into its strokes (a 6 whose loop stands apart from its
    stem, in a '1996' written in one stroke, read '199111')."""
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(path):
        m = k  # path[k:m]: the run of 1s starting at k (empty where path[k] is no 1)
        while m < len(path) and label_of.get(path[m]) == 1:
            m += 1
        span = (path[k][0], path[m - 1][1]) if m - k >= 3 else None
        if span is not None and label_of.get(span, 1) != 1 and s_of.get(span, 0.0) >= 0.99:
            out.append(span)
            k = m
            continue
        end = max(m, k + 1)
        out.extend(path[k:end])
        k = end
    return out


def _side_by_side(pa: Blob | None, pb: Blob | None) -> bool:
    """Neighbouring pieces on the line: heights overlapping by 3/4 of the lower one, feet
    level within 0.3 of the taller (see `_best_path`)."""
    if pa is None or pb is None:
        return False
    inter = min(pa.box[3], pb.box[3]) - max(pa.box[1], pb.box[1])
    return inter >= 0.75 * min(pa.h, pb.h) and abs(pa.box[3] - pb.box[3]) <= 0.3 * max(pa.h, pb.h)


def _best_path(
    s_of: dict[tuple[int, int], float],
    n: int,
    conf: float,
    whole_key: tuple[int, int],
    pieces: dict[tuple[int, int], Blob | None],
    wide_end: Collection[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Best path from cut 0 to the last cut; a piece under `conf` may only be the whole,
    and one in `wide_end` (a first or last piece over 1.25 digit heights) counts at 0.99
    of its confidence.

    Neighbours must sit side by side on the line: their heights overlap by 3/4 of the
    lower one and their feet are level within 0.3 of the taller (an 8's loops, cut apart,
    sit one above the other: not two 0s; a 9's loop ends well above its tail's foot).
    """

    def side(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return _side_by_side(pieces[a], pieces[b])

    best: dict[tuple[int, int], tuple[float, list[tuple[int, int]]]] = {}
    for i, j in sorted(s_of, key=lambda k: (k[1], k[0])):
        sc = s_of[(i, j)]
        if sc < conf and (i, j) != whole_key:
            continue
        if (i, j) in wide_end:
            sc *= 0.99
        if i == 0:
            best[(i, j)] = (sc, [(i, j)])
            continue
        prev = [v for k, v in best.items() if k[1] == i and side(k, (i, j))]
        if prev:
            top = max(prev, key=lambda v: v[0])
            best[(i, j)] = (top[0] * sc, [*top[1], (i, j)])
    ends = [v for k, v in best.items() if k[1] == n - 1]
    return max(ends, key=lambda v: v[0])[1] if ends else []


def _small_zero(p: Blob, b: Blob, H: float) -> bool:
    """Whether a piece cut from `b` may be a small zero on the line: 0.45 of the digit
    height or more, as wide as a zero, its foot on the blob's."""
    return p.h >= 0.45 * H and p.w >= 0.6 * p.h and p.box[3] >= b.box[3] - 0.15 * b.h


def _two_strokes(b: Blob, proj: npt.NDArray[Any]) -> bool:
    """Two near full-height strokes with almost no ink between them (a '11'); `proj` is
    the ink projection along the blob's slant."""
    if len(proj) < 7 or proj.max() < 0.6 * b.h:
        return False
    top = float(proj.max())
    for v in range(3, len(proj) - 3):
        if proj[v] <= 0.15 * top and min(proj[:v].max(), proj[v + 1 :].max()) >= 0.75 * top:
            return True
    return False


# How far a stroke's centre line strays from a straight line, per row of its height:
# above this it is an arc (95% of MNIST 1s are under 0.041; 90% of half 0s over 0.052).
_BENT = 0.05
# A '1' split off a wide digit the classifier reads whole must be straighter still.
_STRAIGHT = 0.041


def bend(p: Blob) -> float:
    """How far the stroke's row-by-row centre line strays from a straight line, per row
    of its height (RMS): about 0 for a straight stroke, over 0.05 for an arc."""
    ys, xs = np.nonzero(p.pix)
    rows = np.unique(ys)
    if len(rows) < 3:
        return 0.0
    cx = np.array([xs[ys == r].mean() for r in rows])
    fit = np.polyval(np.polyfit(rows, cx, 1), rows)
    return float(np.sqrt(np.mean((cx - fit) ** 2)) / len(rows))


def _whole_digit(p: Blob, label: int, b: Blob) -> bool:
    """Whether a piece cut from `b` and read as `label` can be a whole digit: no narrower
    than 98% of MNIST digits of its class, and a '1' a straight stroke of the blob's
    full height (the edge of a 0, 4 or 7 cut off, or half a 0, reads as one)."""
    return p.w >= _NARROW[label] * p.h and (label != 1 or (p.h >= 0.9 * b.h and bend(p) < _BENT))


def split_two(b: Blob, H: float, score: Scorer) -> tuple[float, list[Blob]]:
    """The surest reading of `b` as two digits side by side, whatever its width.

    Cuts at the projection's valleys and at a dozen columns across the middle three
    fifths. Each piece must be most of the blob's height
    (a '1' all of it) and no narrower than 98% of MNIST digits of the class it reads as.
    Returns the product of the two pieces' confidences and the pieces, or (0, [b]).
    """
    cols, proj = None, (b.pix > 0).sum(axis=0)
    w = len(proj)
    lo, hi = max(2, int(0.2 * w)), min(w - 2, int(0.8 * w))
    if hi <= lo:
        return 0.0, [b]
    at = set(range(lo, hi + 1, max(1, (hi - lo) // 12)))
    at |= {c for c in _valleys(proj, H) if lo <= c <= hi}
    pairs = []
    for c in sorted(at):
        left, right = piece(b, 0, c, cols), piece(b, c, w, cols)
        if left is not None and right is not None and min(left.h, right.h) >= 0.7 * b.h:
            pairs.append((left, right))
    if not pairs:
        return 0.0, [b]
    probs = score([normalize_digit(p.crop()) for pair in pairs for p in pair])
    flat = [p for pair in pairs for p in pair]
    ok = np.array(
        [_whole_digit(p, int(np.argmax(pr)), b) for p, pr in zip(flat, probs, strict=True)]
    )
    sure = (probs.max(axis=1) * ok).reshape(-1, 2).prod(axis=1)
    k = int(np.argmax(sure))
    if sure[k] <= 0:
        return 0.0, [b]
    return float(sure[k]), list(pairs[k])


# A blob this many digit heights wide may be three or more digits touching.
_MANY = 1.5


def split_n(b: Blob, H: float, score: Scorer, n: int) -> tuple[float, list[Blob]]:
    """The surest reading of `b` as `n` digits side by side (three or more touching,
    whose projection has too few valleys to cut at).

    Cuts at the valleys and every quarter of a digit's share of the width; each piece is
    0.35-1.8 shares wide, most of the blob's height, and can be a whole digit.
    Dynamic programming keeps the cuts whose pieces read surest; returns the geometric
    mean of their confidences and the pieces, or (0, [b]).
    """
    proj = (b.pix > 0).sum(axis=0)
    w = len(proj)
    share = w / n
    step = max(1, round(share / 4))
    inner = set(range(step, w - step + 1, step)) | set(_valleys(proj, H))
    cuts = [0, *sorted(c for c in inner if 0 < c < w), w]
    spans = [
        (i, j)
        for i in range(len(cuts))
        for j in range(i + 1, len(cuts))
        if 0.35 * share <= cuts[j] - cuts[i] <= 1.8 * share
    ]
    found = [(k, p) for k in spans if (p := piece(b, cuts[k[0]], cuts[k[1]])) is not None]
    found = [(k, p) for k, p in found if p.h >= 0.6 * b.h]
    if not found:
        return 0.0, [b]
    probs = score([normalize_digit(p.crop()) for _, p in found])
    logs: dict[tuple[int, int], float] = {}
    for (k, p), pr in zip(found, probs, strict=True):
        if _whole_digit(p, int(np.argmax(pr)), b):
            logs[k] = float(np.log(max(float(pr.max()), 1e-9)))
    # best[(j, m)]: the surest m pieces from column 0 to cut j.
    best: dict[tuple[int, int], tuple[float, list[tuple[int, int]]]] = {(0, 0): (0.0, [])}
    for i, j in sorted(logs):  # by first cut: every path to a cut is known before it goes on
        for m in range(n):
            if (i, m) in best:
                total, path = best[(i, m)]
                cand = (total + logs[(i, j)], [*path, (i, j)])
                if cand[0] > best.get((j, m + 1), (-np.inf, []))[0]:
                    best[(j, m + 1)] = cand
    end = best.get((len(cuts) - 1, n))
    if end is None:
        return 0.0, [b]
    by_key = dict(found)
    return float(np.exp(end[0] / n)), [by_key[k] for k in end[1]]


def force_splits(
    blobs: Sequence[Blob], H: float, score: Scorer, extra: int, rank: int = 0
) -> list[Blob] | None:
    """Split blobs likeliest to be touching digits until `extra` digits are added.

    For a field known to miss digits (a 4-digit ZIP, a 3-digit year). One at a time: a
    blob wider than nine in ten MNIST digits of the class it reads as goes first (a '78'
    read as a wide 8, not a 9 of ordinary width read as '91'), then the surest reading;
    the pieces may be split again (three digits touching). A reading is two digits, or,
    where the field lacks two or more, as many as a blob 1.5 digit heights wide holds
    when they read surely (`split_n`). `rank`: the first split takes the reading ranked
    so (0: the likeliest) for the caller to try the next likeliest when the format
    rejects a reading; None when there is no such reading.
    """
    out = list(blobs)
    if extra <= 0 or not out:
        return out
    tries: dict[Box, list[tuple[float, list[Blob]]]] = {}
    wide: dict[Box, bool] = {}
    none: dict[Box, bool] = {}  # read as hardly any digit: likeliest of all to be a pair

    def readings(b: Blob, room: int) -> list[tuple[float, list[Blob]]]:
        # As two digits (scored by the geometric mean of the pair's confidences) and, for
        # a blob wide enough for three or more while the field lacks that many, as each
        # such number of digits where those read surely (geometric mean 0.9).
        sure, pieces = split_two(b, H, score)
        out = [(float(np.sqrt(sure)), pieces)] if len(pieces) == 2 else []
        if room >= 2 and b.w >= _MANY * H:
            for n in range(3, min(room + 1, int(b.w / (0.4 * H))) + 1):
                more = split_n(b, H, score, n)
                if len(more[1]) == n and more[0] >= _SPLIT[3]:
                    out.append(more)  # only as a sure reading: the pairs' search is safer
        return out

    added = 0
    while added < extra:
        new = [b for b in out if b.box not in wide]
        if new:
            probs = score([normalize_digit(b.crop()) for b in new])
            for b, pr in zip(new, probs, strict=True):
                none[b.box] = float(pr.max()) < HARDLY_ANY
                wide[b.box] = none[b.box] or b.w > _WIDE[int(np.argmax(pr))] * b.h
        # Wide blobs rank first: the narrow ones are tried (each a batch of some twenty
        # cuts to classify) only when the wide ones give too few two-digit readings.
        room = extra - added
        for pool in ([k for k, b in enumerate(out) if wide[b.box]], range(len(out))):
            for k in pool:
                if out[k].box not in tries:
                    tries[out[k].box] = readings(out[k], room)
            cands = [(k, r) for k in pool for r in tries[out[k].box] if len(r[1]) <= room + 1]
            cands.sort(
                key=lambda c: (none[out[c[0]].box], wide[out[c[0]].box], c[1][0]), reverse=True
            )
            if rank < len(cands):
                break
        if rank >= len(cands):
            return None if rank else out
        k, (_, pieces) = cands[rank]
        rank = 0
        added += len(pieces) - 1
        out[k : k + 1] = pieces
    return out


def cut_at_cells(b: Blob, cells: Sequence[Box]) -> list[Blob]:
    """A blob spanning several comb cells (digits touching across a separator) is cut
    at the cell boundaries; each piece then joins its own cell."""
    spans = [c for c in cells if min(b.box[2], c[2]) - max(b.box[0], c[0]) >= 0.3 * (c[2] - c[0])]
    if len(spans) < 2:
        return [b]
    pieces = []
    for c in spans:
        p = piece(b, max(0, c[0] - b.box[0]), min(b.w, c[2] - b.box[0]))
        if p is not None:
            pieces.append(p)
    return pieces or [b]
