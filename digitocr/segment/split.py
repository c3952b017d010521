"""Recognition-based over-segmentation of touching digits (LeCun et al. 1998)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..types import Box
from .blobs import Blob, piece
from .normalize import normalize_digit

__all__ = ["Scorer", "cut_at_cells", "force_splits", "split"]

# Classifies a list of 28x28 crops -> (N, 10) probabilities.
Scorer = Callable[[Sequence[npt.NDArray[Any]]], npt.NDArray[Any]]


# Split candidates: wider than 0.7 x the digit height and 1.15 x the field's typical
# digit; a whole blob wider than 1.0 x the widest MNIST digits of its class is read at
# half confidence; each piece must be a sure digit (0.9; 0.85 when the whole is too wide
# for its class). Chosen by a sweep on bench-dev
# and generated MNIST-test and procedural sets.
_SPLIT = (0.7, 1.15, 1.0, 0.9)
# 99th and 90th percentiles of width / height per class on MNIST train (ink > 64).
_WIDEST = (1.43, 1.0, 1.67, 1.25, 1.25, 1.67, 1.11, 1.25, 1.25, 1.05)
_WIDE = (1.11, 0.7, 1.25, 1.0, 1.0, 1.25, 0.95, 1.0, 1.0, 0.9)
# 2nd percentile: narrower than this, a piece is a sliver of a digit, not one.
_NARROW = (0.6, 0.1, 0.6, 0.5, 0.5, 0.55, 0.45, 0.5, 0.5, 0.45)


def _valleys(b: Blob, H: float) -> list[int]:
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


def split(b: Blob, H: float, score: Scorer | None, width: float) -> list[Blob]:
    """Recognition-based over-segmentation of a blob too wide for one digit.

    Cuts at projection valleys; every run of pieces between two cuts is classified, and
    dynamic programming keeps the reading whose digits the classifier is surest of (LeCun
    et al. 1998). The whole blob competes too, at half confidence when it is much wider
    than tall, since one handwritten digit rarely is.
    """
    hf, wf, disc, conf = _SPLIT
    if score is None:
        return [b]
    pair = _two_strokes(b)
    if not pair and (b.w < max(hf * H, wf * width) or b.w < 0.75 * b.h):
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
    pieces = {(i, j): piece(b, cuts[i], cuts[j]) for i, j in spans}
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
    wide = False
    if whole_key in s_of:
        # Wider than MNIST's widest of the class it reads as (99th percentile of width /
        # height): likely two digits. A flat 0 or 2 stays whole. Two full-height strokes
        # side by side are two ones, not one.
        label = int(np.argmax(probs[[k for k, _ in valid].index(whole_key)]))
        if b.w > disc * _WIDEST[label] * b.h or (pair and label == 1):
            s_of[whole_key] *= 0.5
            conf = min(conf, 0.85)  # likely two digits: pieces need not be quite as sure
        wide = b.w > _WIDE[label] * b.h
    whole = s_of.get(whole_key, 0.0)
    path = _best_path(s_of, len(cuts), conf, whole_key)
    if len(path) <= 1 and wide:
        # A whole wider than nine in ten MNIST digits of its class, read as surely as two
        # digits of the blob's full height side by side (a '1' touching a '7'): the pair.
        # Pieces of one digit (a 6's stem and loop, a 9's loop and tail) are not both
        # full height.
        full = {
            k: v
            for k, v in s_of.items()
            if k != whole_key and (p := pieces[k]) is not None and p.h >= 0.85 * b.h
        }
        pair_path = _best_path(full, len(cuts), conf, whole_key)
        if len(pair_path) == 2 and np.prod([full[k] for k in pair_path]) >= 0.99 * whole:
            path = pair_path
    if len(path) <= 1:
        return [b]
    return [p for k in path if (p := pieces[k]) is not None]


def _best_path(
    s_of: dict[tuple[int, int], float], n: int, conf: float, whole_key: tuple[int, int]
) -> list[tuple[int, int]]:
    """Best path from cut 0 to the last cut; a piece under `conf` may only be the whole."""
    best: dict[int, tuple[float, list[tuple[int, int]]]] = {0: (1.0, [])}
    for j in range(1, n):
        for i in range(j):
            if i not in best or (i, j) not in s_of:
                continue
            sc = s_of[(i, j)]
            if sc < conf and (i, j) != whole_key:
                continue
            cand = best[i][0] * sc
            if j not in best or cand > best[j][0]:
                best[j] = (cand, [*best[i][1], (i, j)])
    return best[n - 1][1] if n - 1 in best else []


def _two_strokes(b: Blob) -> bool:
    """Two near full-height vertical strokes with almost no ink between them (a '11')."""
    proj = (b.crop() > 0).sum(axis=0)
    if len(proj) < 7 or proj.max() < 0.6 * b.h:
        return False
    top = float(proj.max())
    for v in range(3, len(proj) - 3):
        if proj[v] <= 0.15 * top and min(proj[:v].max(), proj[v + 1 :].max()) >= 0.75 * top:
            return True
    return False


def split_two(b: Blob, H: float, score: Scorer) -> tuple[float, list[Blob]]:
    """The surest reading of `b` as two digits side by side, whatever its width.

    Straight cuts at the projection's valleys and at a dozen columns across the middle
    three fifths. Each piece must be most of the blob's height (a '1' all of it) and no
    narrower than 98% of MNIST digits of the class it reads as. Returns the product of the two
    pieces' confidences and the pieces, or (0, [b]).
    """
    lo, hi = max(2, int(0.2 * b.w)), min(b.w - 2, int(0.8 * b.w))
    if hi <= lo:
        return 0.0, [b]
    cols = set(range(lo, hi + 1, max(1, (hi - lo) // 12)))
    cols |= {c for c in _valleys(b, H) if lo <= c <= hi}
    pairs = []
    for c in sorted(cols):
        left, right = piece(b, 0, c), piece(b, c, b.w)
        if left is not None and right is not None and min(left.h, right.h) >= 0.7 * b.h:
            pairs.append((left, right))
    if not pairs:
        return 0.0, [b]
    probs = score([normalize_digit(p.crop()) for pair in pairs for p in pair])
    flat = [p for pair in pairs for p in pair]
    # A '1' must be a full-height stroke: the edge of a 0, 4 or 7 cut off reads as one.
    ok = np.array(
        [
            p.w >= _NARROW[(c := int(np.argmax(pr)))] * p.h and (c != 1 or p.h >= 0.9 * b.h)
            for p, pr in zip(flat, probs, strict=True)
        ]
    )
    sure = (probs.max(axis=1) * ok).reshape(-1, 2).prod(axis=1)
    k = int(np.argmax(sure))
    if sure[k] <= 0:
        return 0.0, [b]
    return float(sure[k]), list(pairs[k])


def force_splits(blobs: Sequence[Blob], H: float, score: Scorer, extra: int) -> list[Blob]:
    """Split the `extra` blobs likeliest to be two touching digits into two each.

    For a field known to miss digits (a 4-digit ZIP, a 3-digit year): the blobs whose
    two-digit reading is surest.
    """
    if extra <= 0 or not blobs:
        return list(blobs)
    tries = [split_two(b, H, score) for b in blobs]
    rank = sorted(
        (k for k, (sure, parts) in enumerate(tries) if len(parts) == 2),
        key=lambda k: tries[k][0],
        reverse=True,
    )[:extra]
    out: list[Blob] = []
    for k, b in enumerate(blobs):
        out.extend(tries[k][1] if k in rank else [b])
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
