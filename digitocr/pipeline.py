"""One page through the stages, in order; a failure becomes a failed record.

Page -> AlignedPage (clean, deskew) -> FieldCrops (template) -> DigitCrops (segment)
-> Predictions (classify) -> FieldResults -> Record.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from .classify.predictor import Predictor
from .errors import DigitocrError
from .fields import (
    Item,
    build_value,
    digit_count,
    is_valid,
    missing_digits,
    mixed_up,
    slashes_plainly_read,
    surplus_digits,
    without_lone_point,
    zip_after_mark,
    zip_after_state,
)
from .imaging.binarize import binarize, drop_scan_border, normalize_gray
from .imaging.deskew import estimate_skew, rotate
from .imaging.orientation import corner_mark, line_direction
from .segment.digits import segment_field
from .segment.split import HARDLY_ANY, WIDEST, rejects
from .templates.locate import comb_rows, locate_fields, page_structure
from .templates.schema import FieldSpec, Template
from .templates.structure import Structure, overlap
from .types import AlignedPage, Box, DigitResult, FieldCrop, FieldResult, Page, Record

__all__ = ["align", "failed_record", "read_fields", "read_page"]

log = logging.getLogger(__name__)


def align(
    page: Page, *, deskew: bool = True, max_side: int | None = None, cut_out: bool = False
) -> AlignedPage:
    """Clean the page (polarity, contrast, binarise) and undo its skew.

    `cut_out`: the image is one field cut out of a page, levelled only when its ink is a
    line (at least _LINE times as wide as tall): a digit or two have no line to level,
    and the skew found in them is their own slant, which turning would change.

    A page whose longer side is over `max_side` pixels is first shrunk to it (a
    template's working resolution: about 200 dpi); the returned map still leads to the
    page as rasterised. The ink mask is rotated with the page rather than recomputed:
    one binarisation a page. Specks are left to segmentation, which judges them
    against the digit size.
    """
    image = page.image
    h, w = image.shape[:2]
    if max_side is not None and max(h, w) > max_side:
        f = max_side / max(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    gray = normalize_gray(image)
    ink = drop_scan_border(binarize(gray))
    if cut_out and deskew:
        deskew = _is_line(ink)
    angle = estimate_skew(ink) if deskew and min(gray.shape) >= 64 else 0.0
    if abs(angle) >= 0.05:
        gray, inverse = rotate(gray, angle)
        soft, _ = rotate(ink, angle, border=0)
        ink = cv2.threshold(soft, 127, 255, cv2.THRESH_BINARY)[1]
    else:
        angle, inverse = 0.0, np.array([[1.0, 0, 0], [0, 1.0, 0]])
    if image is not page.image:  # shrunk: scale the map back up to the page's pixels
        inverse = inverse * np.array([[w / image.shape[1]], [h / image.shape[0]]])
    return AlignedPage(page, gray, ink, angle, inverse)


_LINE = 2.0


def _is_line(ink: npt.NDArray[Any]) -> bool:
    """Whether the ink's extent (OpenCV's bounding box of a mask's non-zero pixels) is
    at least _LINE times as wide as tall."""
    _, _, w, h = cv2.boundingRect(ink)
    return w > 0 and w >= _LINE * h


def _to_page(
    box: Box, offset: tuple[int, int], inverse: npt.NDArray[Any], shape: tuple[int, int]
) -> Box:
    """Field-relative box -> pixel box in the page as rasterised (before deskew)."""
    x0, y0, x1, y1 = box[0] + offset[0], box[1] + offset[1], box[2] + offset[0], box[3] + offset[1]
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64) @ inverse.T
    h, w = shape
    return (
        int(max(0, np.floor(pts[:, 0].min()))),
        int(max(0, np.floor(pts[:, 1].min()))),
        int(min(w, np.ceil(pts[:, 0].max()))),
        int(min(h, np.ceil(pts[:, 1].max()))),
    )


# Confidence factor of a reading whose digit count the field's format forced, or that
# cuts a blob read as "not one digit" where no valley showed where: a guess, reviewed.
_FORCED = 0.8
_FORCED_TRIES = 3  # blobs tried in turn for the first forced split
_SURE_FORCED = 0.5  # a forced reading this sure ends the tries
# An amount with a digit read under this looks for a digit written in two strokes (12%
# of the generated cheques' amounts, 61% of the real ones).
_UNSURE_PIECE = 0.9


def _empty(spec: FieldSpec) -> FieldResult:
    return FieldResult(value=None, confidence=0.0, valid=False, needs_review=True)


def read_fields(
    aligned: AlignedPage,
    template: Template,
    predictor: Predictor,
    *,
    review_threshold: float | None = None,
) -> dict[str, FieldResult]:
    """Read the template's fields; with variants, keep the most plausible reading."""
    if not template.resolved:
        return _read_fields(aligned, template, predictor, review_threshold=review_threshold)
    h, w = aligned.gray.shape
    best: tuple[float, dict[str, FieldResult]] | None = None
    for var in template.resolved:
        res = _read_fields(aligned, var, predictor, review_threshold=review_threshold)
        score = sum(r.valid for r in res.values()) + sum(r.confidence for r in res.values()) / 100
        if var.aspect and var.aspect[0] <= w / h <= var.aspect[1]:
            score += 0.5
        if best is None or score > best[0]:
            best = (score, res)
    assert best is not None
    return {f.name: best[1][f.name] for f in template.fields}


def _read_one(
    aligned: AlignedPage,
    spec: FieldSpec,
    field: FieldCrop | None,
    predictor: Predictor,
    threshold: float,
) -> FieldResult:
    """One located field -> its value, confidence, validity and review flag."""
    if field is None:
        return _empty(spec)
    shape = (aligned.page.image.shape[0], aligned.page.image.shape[1])
    if field.kind != spec.type:
        field = dataclasses.replace(field, kind=spec.type)
    read = functools.partial(_reading, field, spec, predictor, aligned.rotation, shape)
    value, confidence, digits, items = read(0)
    how = field.method
    extra = 0 if field.cells else missing_digits(spec, items, value, how)
    if extra:
        # Too few digits for the format (a 4-digit ZIP, a 3-digit year): touching digits
        # read as one. Split the likeliest blobs and keep that reading if it is valid,
        # at 0.8x its confidence: a forced cut is a guess the format asked for, under the
        # templates' review threshold whatever the digits' confidence. Where the format
        # rejects that reading, the next likeliest blob is split first instead (a sure
        # '21' read as 2, behind a wide 0 that splits as well), up to three; of the valid
        # readings those give, the surest ('21/07/2007': a filled 0 split before the '21').
        # A date that left crops out of its value (took them for slashes) gives way to a
        # valid forced reading however sure its digits: '26-01-1997' read '26/01/99', a
        # dash touching the year's 1 read as a 7, and both the year's 7s taken for slashes.
        forced = _surest_forced(read, spec, how, extra)
        if forced is None and spec.type == "date" and extra == 1:
            # No one split makes a date: three digits touching, read as one ('17/12/2013'
            # read '17/12/29', its '013' a 9 at 0.0, its first 1 taken for a slash).
            forced = _surest_forced(read, spec, how, 2)
        lacking = 8 - sum(not i.separator for i in items)  # for a date of eight digits
        if (
            spec.type == "date"
            and forced is not None
            and lacking > extra
            and any(d.confidence < HARDLY_ANY for d in forced[2] if d.label.isdigit())
        ):
            # The split made a short date keeping a piece read as hardly any digit: more
            # digits touch than one split parts ('10/04/2006' read '10/04/22', its year's
            # '2006' one blob cut into a 2 and a '006' read as a 2 at 0.0). Split as many
            # as a date of eight digits lacks; the surer valid reading.
            more = _surest_forced(read, spec, how, lacking)
            if more is not None and more[1] > forced[1]:
                forced = more
        if forced is not None and (
            not is_valid(spec, value, how)
            or forced[1] > confidence
            or (spec.type == "date" and digit_count(value) < sum(not i.separator for i in items))
        ):
            value, confidence, digits = forced[0], forced[1] * _FORCED, forced[2]
    if spec.type == "amount" and not field.cells and _three_after_point(items):
        # Three digits after the last point: thousands ('1.480'), or cents with one digit
        # cut in two. Join the pair that reads surest as one digit; that reading is a
        # guess (0.8x its confidence, under review), kept when valid and likelier.
        if _cut_after_point(items):
            # Two of the three are pieces of one blob split at a valley: the thousands
            # reading rests on that cut (a wide 6 cut into '67' read '58.65' as 58675),
            # so it is a guess as much as the joined one.
            confidence *= _FORCED
        fused = read(0, fuse=True)
        joined = fused[0] != value  # no pair read as one digit: the same reading again
        if (
            joined
            and is_valid(spec, fused[0], how)
            and (not is_valid(spec, value, how) or fused[1] > confidence)
        ):
            value, confidence, digits = fused[0], fused[1], fused[2]
        elif not is_valid(spec, value, how):
            # No pair reads as one digit, and there is no amount as read: a digit written
            # in two strokes (a 4 with its stem apart read '41', the two 0.1 as a 4
            # together, to the reject output two things). The surest pair however
            # unsure, kept when valid; a guess, so reviewed.
            loose = read(0, fuse=True, anyhow=True)
            if loose[0] != value and is_valid(spec, loose[0], how):
                value, confidence, digits = loose[0], loose[1] * _FORCED, loose[2]
    if (lead := zip_after_mark(spec, items, value, how)) is not None and len(digits) == 6:
        # A mark before a ZIP taken for a digit, and read as hardly any: the last five,
        # a guess, so reviewed (joining it to the first digit, as below, loses that one).
        value, digits = lead, digits[1:]
        confidence = float(np.prod([d.confidence for d in digits])) * _FORCED
    elif not field.cells and surplus_digits(spec, items, value, how) == 1:
        # One digit too many for a ZIP or a date (a 4 broken in two, a speck read as a
        # 1): join the neighbours that read surest as one digit, or else the next
        # surest, the surest valid reading; a guess, so reviewed.
        surest = _surest_forced(read, spec, how, 0, pair=True)
        if surest is not None:
            value, confidence, digits = surest
    if (
        spec.type == "amount"
        and not field.cells
        and any(not i.separator and i.confidence < _UNSURE_PIECE for i in items)
    ):
        # An unsure digit in an amount: a digit written in two strokes side by side (a 4
        # with its stem apart read '47', the stem a 7 at 0.37; a 0 broken in two read
        # '10'). Join the pair likeliest to be one digit; kept when valid and surer, a
        # guess, so reviewed. One pair only: trying the next two as well gained one real
        # amount of 1,080 and read them a sixth slower again.
        p_value, p_conf, p_digits, p_items = read(0, 0, pair=True)
        if p_items and is_valid(spec, p_value, how) and p_conf > confidence:
            value, confidence, digits = p_value, p_conf * _FORCED, p_digits
    if not field.cells and mixed_up(spec, items):
        # The right count, but a crop reads as hardly any digit: two touching digits read
        # as one, made up for by one digit read as two ('02/07/1996' read '9/07/19960': the
        # '02' as a 9, the 6's loop apart as a 0). Split one blob and join the pair that
        # reads surest as one digit; a guess, kept when valid and surer.
        swapped = _surest_forced(read, spec, how, 1, pair=True)
        if swapped is not None and (not is_valid(spec, value, how) or swapped[1] > confidence):
            value, confidence, digits = swapped[0], swapped[1] * _FORCED, swapped[2]
    if (zip5 := zip_after_state(spec, value, how)) is not None and len(digits) == 7:
        # The state's letters read as two digits before a US ZIP: the last five, a
        # guess, so reviewed.
        value, confidence, digits = zip5, confidence * _FORCED, digits[2:]
    bare = without_lone_point(spec, value)
    if bare is not None and not is_valid(spec, value, how) and is_valid(spec, bare, how):
        # An amount with one digit after its point ('50.1'): a speck by the foot of a
        # digit taken for the point. The digits alone; a guess, so reviewed.
        value, confidence = bare, confidence * _FORCED
    valid = is_valid(spec, value, how)
    size = (0, 0, field.box[2] - field.box[0], field.box[3] - field.box[1])
    return FieldResult(
        value=value,
        confidence=confidence if value is not None else 0.0,
        valid=valid,
        needs_review=(not valid) or confidence < threshold or field.runs_off,
        digits=tuple(digits),
        box=_to_page(size, (field.box[0], field.box[1]), aligned.rotation, shape),
    )


# A field read again (`_reading` with its field, spec, predictor and page bound): given
# the digits it lacks, the rank of the first blob to split, and fuse= / pair= / anyhow=.
Reading = Callable[..., tuple[str | None, float, list[DigitResult], list[Item]]]


def _surest_forced(
    read: Reading, spec: FieldSpec, method: str, extra: int, *, pair: bool = False
) -> tuple[str | None, float, list[DigitResult]] | None:
    """The surest valid reading with `extra` blobs split in two, the first of them each
    of the _FORCED_TRIES likeliest in turn (and with `pair`, the neighbours that read
    surest as one digit joined); with `extra` 0 and `pair`, the _FORCED_TRIES pairs
    likeliest to be one digit joined in turn. None when none is valid."""
    best: tuple[str | None, float, list[DigitResult]] | None = None
    for rank in range(_FORCED_TRIES):
        value, conf, digits, items = read(extra, rank, pair=pair)
        if not items:
            break  # no blob of that rank to split: none of a higher one either
        if is_valid(spec, value, method) and (best is None or conf > best[1]):
            best = (value, conf, digits)
            if conf >= _SURE_FORCED:
                break  # sure enough: the blobs after it are not tried
    return best


def _after_point(items: list[Item]) -> list[Item] | None:
    """The items after the last decimal point or comma; None without one."""
    points = [k for k, i in enumerate(items) if i.separator and i.label in ".,"]
    return items[points[-1] + 1 :] if points else None


def _three_after_point(items: list[Item]) -> bool:
    after = _after_point(items)
    return after is not None and [i.separator for i in after] == [False] * 3


def _cut_after_point(items: list[Item]) -> bool:
    """Whether two neighbouring digits after the last point were split out of one blob."""
    after = _after_point(items) or []
    return any(a.cut and b.cut for a, b in itertools.pairwise(after))


def _reading(
    field: FieldCrop,
    spec: FieldSpec,
    predictor: Predictor,
    rotation: npt.NDArray[Any],
    shape: tuple[int, int],
    extra: int,
    rank: int = 0,
    *,
    fuse: bool = False,
    pair: bool = False,
    anyhow: bool = False,
) -> tuple[str | None, float, list[DigitResult], list[Item]]:
    """Segment and classify a field: its value, confidence, digits and pieces."""
    one = spec.length is not None and spec.length[1] <= 1
    pieces = segment_field(
        field,
        predictor,
        extra=extra,
        rank=rank,
        fuse_cents=fuse,
        fuse_pair=pair,
        one=one,
        anyhow=anyhow,
    )
    digit_idx = [i for i, p in enumerate(pieces) if not p.separator]
    # A comb cell holds one digit by construction: "not one digit" says nothing there.
    preds = predictor.predict([pieces[i].image for i in digit_idx], reject=not field.cells)
    by_idx = dict(zip(digit_idx, preds, strict=True))
    items: list[Item] = []
    digits: list[DigitResult] = []
    reject_output = rejects(predictor)
    for i, piece in enumerate(pieces):
        if piece.separator:
            items.append(Item(piece.separator, 1.0, True))
            continue
        box = _to_page(piece.box, (field.box[0], field.box[1]), rotation, shape)
        pred = by_idx[i]
        label = predictor.labels[pred.label]
        conf = pred.confidence
        whole = not (piece.cut or piece.guessed) and pred.label < len(WIDEST)
        if not field.cells and _too_wide(piece.box, pred.label, whole, reject_output, conf):
            conf *= 0.5
        before = pieces[i - 1] if i > 0 else None
        if (
            label == "1"
            and conf < 0.99
            and piece.cut
            and before is not None
            and before.cut
            and before.box[2] >= piece.box[0] - 1
        ):
            # A 1 cut from the right of the digit it touches, not quite sure: the stem of a
            # 7 whose bar went with that digit ('126.97' read 126.91 at 0.97). A guess.
            conf *= _FORCED
        second = None
        if len(pred.probs) > 1:
            runner = int(np.argpartition(pred.probs, -2)[-2])
            second = (predictor.labels[runner], float(pred.probs[runner]))
        items.append(Item(label, conf, False, second, piece.cut))
        digits.append(DigitResult(label, conf, box))
    value = build_value(spec, items)
    digits = _as_read(value, items, digits)
    confidence = float(np.prod([d.confidence for d in digits])) if digits else 0.0
    if any(p.guessed and not p.separator for p in pieces):
        confidence *= _FORCED  # cut where no valley showed two digits: a guess, reviewed
    elif value is not None and "." in value and any(p.guessed for p in pieces):
        # A decimal point that may be a crumb of a digit (segment_field): the value's
        # scale rests on it ('20901' read '209.01'), so a person checks it.
        confidence *= _FORCED
    if (
        value is not None
        and digit_count(value) != len(digits)
        and not (
            spec.type == "date" and slashes_plainly_read(value, "".join(d.label for d in digits))
        )
    ):
        # The value reinterprets a piece (a '1' or '7' read as a slash elsewhere than
        # between day, month and year, a day or month padded with a 0: a '12' read as a
        # 2). Slashes taken back for 1s alone (a 1 drawn slanting) are no guess: 152 such
        # dates read right, none wrong, on seeds 2046-2062's cheques; nor 1s or 7s read
        # where the slashes go: 12 right, none wrong.
        confidence *= 0.8
    return value, confidence, digits, items


def _too_wide(box: Box, label: int, whole: bool, reject_output: bool, confidence: float) -> bool:
    """Whether a digit crop outside comb cells is wide enough to be digits merged, to be
    read at half confidence. One handwritten digit is rarely 1.3 times as wide as tall.
    A blob left whole may be as wide as MNIST's widest of the class it reads as (99th
    percentile: a flat 0 1.43, a 2 or 5 1.67); a piece cut from one may not (a '57' cut
    before the 7's stem reads as a wide 5). A blob left whole that a model with a reject
    output (`reject_output`: it reads two digits touching as not one) reads at 0.99 or more
    is one digit however wide: 98 right fields of seeds 2046-2066 (one wrong by another
    digit) and 10 right real amounts went to review for it alone."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    if whole and reject_output and confidence >= 0.99:
        return False
    return bw > max(1.3, WIDEST[label] if whole else 0.0) * bh


def _as_read(value: str | None, items: list[Item], digits: list[DigitResult]) -> list[DigitResult]:
    """The digits as the value reads them: a digit the value took the classifier's
    runner-up for (a date made plausible) reports that label and its probability."""
    if value is None:
        return digits
    read = [c for c in value if c.isdigit()]
    pieces = [i for i in items if not i.separator]
    if len(read) != len(digits) or len(pieces) != len(digits):
        return digits
    out = []
    for c, d, it in zip(read, digits, pieces, strict=True):
        if c != d.label and it.second is not None and it.second[0] == c:
            d = DigitResult(c, it.second[1], d.box)
        out.append(d)
    return out


def _cells_fit(spec: FieldSpec, cells: int) -> float:
    lo, hi = next((loc.cells for loc in spec.locate if loc.method == "comb"), (0, 99))
    return 1.0 if lo <= cells <= hi else 0.0


def _assign_rows(
    aligned: AlignedPage,
    template: Template,
    predictor: Predictor,
    combs: list[FieldSpec],
    threshold: Callable[[FieldSpec], float],
    structure: Structure,
) -> dict[str, FieldResult] | None:
    """Assign the comb rows found to the comb fields by the most plausible reading.

    Ranked first by order (the template's, or its exact reverse: designs differ),
    then by valid fields (a parsing date counts double) and rows whose number of cells
    suits the field, then by confidence. Each row is read once per field. None when
    there is nothing to choose (fewer than two rows).
    """
    rows = comb_rows(aligned, template, structure)
    if len(rows) < 2:
        return None
    cache: dict[tuple[int, str], FieldResult] = {}

    def read(r: int, spec: FieldSpec) -> FieldResult:
        if (r, spec.name) not in cache:
            cache[(r, spec.name)] = _read_one(aligned, spec, rows[r], predictor, threshold(spec))
        return cache[(r, spec.name)]

    best: tuple[tuple[float, float, float], dict[str, FieldResult]] | None = None
    for perm in itertools.permutations(range(len(rows)), min(len(combs), len(rows))):
        trial: dict[str, FieldResult] = {s.name: _empty(s) for s in combs}
        for spec, r in zip(combs, perm, strict=False):
            trial[spec.name] = read(r, spec)
        valid = sum((2.0 if s.type == "date" else 1.0) * trial[s.name].valid for s in combs)
        # A row whose number of cells suits the field (8 for DDMMYYYY, 10 for a phone).
        fit = sum(
            _cells_fit(spec, len(rows[r].cells)) for spec, r in zip(combs, perm, strict=False)
        )
        # Forms list these fields in the template's order or in its reverse.
        inv = sum(1 for i in range(len(perm)) for j in range(i + 1, len(perm)) if perm[i] > perm[j])
        order = min(inv, len(perm) * (len(perm) - 1) // 2 - inv)
        conf = sum(trial[s.name].confidence for s in combs)
        key = (float(-order), float(valid + fit), float(conf))
        if best is None or key > best[0]:
            best = (key, trial)
    assert best is not None
    return best[1]


def _read_fields(
    aligned: AlignedPage,
    template: Template,
    predictor: Predictor,
    *,
    review_threshold: float | None = None,
) -> dict[str, FieldResult]:
    structure = page_structure(aligned, template)
    crops = locate_fields(aligned, template, structure)

    def threshold(spec: FieldSpec) -> float:
        return review_threshold if review_threshold is not None else template.threshold(spec)

    combs = [s for s in template.fields if any(loc.method == "comb" for loc in s.locate)]
    assigned = None
    if template.any_order and len(combs) >= 2:
        assigned = _assign_rows(aligned, template, predictor, combs, threshold, structure)
    results: dict[str, FieldResult] = {}
    for s in template.fields:  # template order: the order of CSV columns and JSON keys
        if assigned is not None and s.name in assigned:
            results[s.name] = assigned[s.name]
        else:
            results[s.name] = _read_one(aligned, s, crops.get(s.name), predictor, threshold(s))
    return _review_shared_ink(results)


def _review_shared_ink(results: dict[str, FieldResult]) -> dict[str, FieldResult]:
    """Fields found on the same handwriting go to review: at most one of them is right
    (seed 2064's cheque, its amount box erased with the cheque's frame as scanner
    background, took the date's line for the amount's and read '26042023' as the
    amount, accepted)."""
    out = dict(results)
    for a, b in itertools.combinations(list(results), 2):
        if _same_ink(results[a], results[b]):
            for name in (a, b):
                out[name] = dataclasses.replace(out[name], needs_review=True)
    return out


def _same_ink(a: FieldResult, b: FieldResult) -> bool:
    """Whether two fields read the same handwriting: half or more of the digits of the
    one with fewer lie over digits of the other (their boxes' overlap over half the
    smaller box)."""
    first, other = sorted((a.digits, b.digits), key=len)
    if not first:
        return False
    hits = sum(any(overlap(d.box, e.box) > 0.5 for e in other) for d in first)
    return hits >= 0.5 * len(first)


def read_page(
    page: Page,
    template: Template,
    predictor: Predictor,
    *,
    deskew: bool = True,
    orient: bool = True,
    review_threshold: float | None = None,
) -> Record:
    """Read one page; any per-page error becomes a failed record (the batch goes on).

    With `orient`, a page scanned sideways or upside down is read turned upright (see
    `_read_oriented`); boxes stay in the pixels of the page as rasterised.
    """
    try:
        if orient and _locates_on_page(template):
            aligned, fields, turn = _read_oriented(
                page, template, predictor, deskew, review_threshold
            )
        else:
            aligned = align(page, deskew=deskew, max_side=template.max_side, cut_out=True)
            fields = read_fields(aligned, template, predictor, review_threshold=review_threshold)
            turn = 0
    except DigitocrError as exc:
        return failed_record(page.source, page.number, template.name, exc.message, page.sha256)
    except MemoryError:
        return failed_record(
            page.source, page.number, template.name, "out of memory on this page", page.sha256
        )
    except Exception as exc:
        log.exception("unexpected error on %s page %d", page.source, page.number)
        msg = f"internal error ({type(exc).__name__}: {exc}); please report it with this file"
        return failed_record(page.source, page.number, template.name, msg, page.sha256)
    return Record(
        page.source,
        page.number,
        template.name,
        "ok",
        None,
        aligned.skew_degrees,
        fields,
        page.sha256,
        turn,
    )


def _locates_on_page(template: Template) -> bool:
    """Whether the template finds its fields on a page (not a cut-out field read whole)."""
    return any(loc.method != "whole" for f in template.fields for loc in f.locate)


def _accepted(fields: dict[str, FieldResult]) -> int:
    return sum(f.valid and not f.needs_review for f in fields.values())


# How much a digit read surely tells which way up a page is: the share of MNIST training
# digits of its class that, turned upside down, do not read as a sure digit
# (`python bench/upside_down.py`). 0, 1, 8 turned read as themselves and 6, 9 as each
# other (82-94%), against 11-39% of 2, 4, 7: '10080' upside down is a sure '08001'.
_TELLS_WAY_UP = dict(
    zip("0123456789", (0.10, 0.06, 0.61, 0.47, 0.89, 0.34, 0.10, 0.63, 0.10, 0.18), strict=True)
)


def _evidence(fields: dict[str, FieldResult], *, quarter: bool = False) -> float:
    """How well a page read, for choosing its way up: over its valid fields, the sum of
    what each digit tells of the way up (`_TELLS_WAY_UP` against the page upside down;
    `quarter`: against it turned a quarter, where no digit reads as one: 1 each), times
    the field's confidence."""
    return sum(
        f.confidence * sum(1.0 if quarter else _TELLS_WAY_UP.get(d.label, 0.0) for d in f.digits)
        for f in fields.values()
        if f.valid
    )


def _aspect_turned(page: Page, template: Template) -> bool | None:
    """Whether the page's width/height fits the template's page aspect only turned a
    quarter; None when the template gives no aspect or neither way fits."""
    aspects = [t.aspect for t in (template, *template.resolved) if t.aspect is not None]
    h, w = page.image.shape[:2]

    def fits(r: float) -> bool:
        return any(lo <= r <= hi for lo, hi in aspects)

    if not aspects or fits(w / h) == fits(h / w):
        return None
    return fits(h / w)


def _turned(page: Page, degrees: int) -> tuple[Page, npt.NDArray[Any]]:
    """The page turned back upright from content turned `degrees` clockwise, and the 2x3
    map from the upright page's pixels to the page's own."""
    h, w = page.image.shape[:2]
    back = {
        90: [[0.0, -1.0, w], [1.0, 0.0, 0.0]],
        180: [[-1.0, 0.0, w], [0.0, -1.0, h]],
        270: [[0.0, 1.0, 0.0], [-1.0, 0.0, h]],
    }[degrees]
    image = np.ascontiguousarray(np.rot90(page.image, degrees // 90))
    return dataclasses.replace(page, image=image), np.array(back)


def _read_turned(
    page: Page,
    degrees: int,
    template: Template,
    predictor: Predictor,
    deskew: bool,
    review_threshold: float | None,
    aligned: AlignedPage | None = None,
) -> tuple[AlignedPage, dict[str, FieldResult]]:
    """The page's fields read with its content turned back `degrees` (clockwise) upright;
    `aligned`: the page already aligned as it comes, for 0."""
    if degrees == 0:
        aligned = aligned or align(page, deskew=deskew, max_side=template.max_side)
    else:
        upright, back = _turned(page, degrees)
        aligned = align(upright, deskew=deskew, max_side=template.max_side)
        # Boxes map back through the turn to the page as rasterised.
        rot = aligned.rotation
        inverse = np.hstack([back[:, :2] @ rot[:, :2], back[:, :2] @ rot[:, 2:] + back[:, 2:]])
        aligned = dataclasses.replace(aligned, page=page, rotation=inverse)
    return aligned, read_fields(aligned, template, predictor, review_threshold=review_threshold)


# A way up tried after the first must read this many times better to replace it (the
# two sideways ways, tried first together, compete evenly): most pages are scanned the
# right way up, and upside-down boxed postal codes of 0, 6, 8 and 9 can read as well as
# a hard upright one (6 of 300 generated envelopes turned at 1x).
_LATER_WAY = 2.0
# ... and read at least this much (`_evidence`; a little more than one sure 4): a page whose
# upright reading tells little of its way up (an amount '100.00') is not turned for a
# sure '7' read upside down.
_LEAST_EVIDENCE = 1.0


def _better(
    new: dict[str, FieldResult],
    old: dict[str, FieldResult],
    *,
    even: bool,
    first: bool,
    quarter: bool = False,
) -> bool:
    """Whether a way up reads better than the reading in hand. `first`: both come from
    the ways tried first (90 and 270 on a page the aspect calls sideways), or the new
    way is the one a template's corner mark tells: more evidence.
    Otherwise at least `_LEAST_EVIDENCE`, and more evidence (`even`: a sideways way on a
    page whose lines run down it) or twice as much, or more with more fields accepted.
    `quarter`: the two ways are a quarter turn apart (see `_evidence`)."""
    e_new, e_old = _evidence(new, quarter=quarter), _evidence(old, quarter=quarter)
    if first:
        return e_new > e_old
    if e_new < _LEAST_EVIDENCE:
        return False
    if e_new > (1.0 if even else _LATER_WAY) * e_old:
        return True
    return _accepted(new) > _accepted(old) and e_new > e_old


def _read_oriented(
    page: Page,
    template: Template,
    predictor: Predictor,
    deskew: bool,
    review_threshold: float | None,
) -> tuple[AlignedPage, dict[str, FieldResult], int]:
    """Read the page the way up that reads best (`_evidence`: the most digits read surely).

    Sideways first when the page fits the template's page aspect only turned a quarter:
    it is read with its content turned back both ways (90 and 270 degrees clockwise)
    and, while the reading is poor, as it comes and upside down. Any other page is read
    as it comes and, while the reading is poor, turned back both ways if the template
    gives no aspect and the lines of its ink run down the page (after deskewing), then
    upside down. Poor: fewer than half the fields accepted (valid and sure), and under
    `_LEAST_EVIDENCE` a field. A way tried later replaces the reading in hand only if it
    reads at least `_LEAST_EVIDENCE` and twice as well (`_LATER_WAY`; better is enough
    for the sideways ways of a page whose lines run down it), or better with more fields
    accepted. A template's corner `mark` (`corner_mark`), where it tells, settles upright
    against upside down for a page not turned a quarter (the other is never read), and
    for a poor page taken for sideways by its lines, or whose mark told neither, which
    quarter turn (that way needs only read better than the page as it comes).
    """
    n = len(template.fields)
    turned = _aspect_turned(page, template)
    way = None  # what the template's mark tells of upright against upside down
    marked: int | None = None  # the quarter turn it tells, for a page read poorly
    if turned:
        groups = [[90, 270], [0, 180]]
        as_is = None
    else:
        groups = [[0], [180]]
        as_is = align(page, deskew=deskew, max_side=template.max_side)
        way = corner_mark(as_is.ink, template.mark) if template.mark else None
        if way is not None:
            # The template's mark in its corner and not in the opposite one (an
            # envelope's stamp): upright, never read upside down, or the other way
            # round; still sideways if its lines say so (below).
            groups = [[way]]
    best: tuple[AlignedPage, dict[str, FieldResult], int] | None = None
    best_group = 0
    for k, group in enumerate(groups):
        for degrees in group:
            if best is not None and _accepted(best[1]) == n:
                break  # every field accepted
            aligned, fields = _read_turned(
                page, degrees, template, predictor, deskew, review_threshold, as_is
            )
            if best is None or _better(
                fields,
                best[1],
                even=all(d in (90, 270) for d in group),
                first=k == best_group == 0 or degrees == marked,
                quarter=(degrees - best[2]) % 180 != 0,
            ):
                best, best_group = (aligned, fields, degrees), k
        assert best is not None
        if 2 * _accepted(best[1]) >= n or _evidence(best[1]) >= _LEAST_EVIDENCE * n:
            # Half the fields or more accepted, or enough digits that tell the way up
            # read: the page is the right way up (upside down, a page reads as sure
            # digits little but 0, 1, 8, 6 and 9). On seeds 2026 and 2033, 50 of the 81
            # upright envelopes whose ZIP goes to review stop here rather than be read
            # again, and all 16 forms with fewer than half their fields accepted; the
            # same documents upside down read 0-1.44 as they come (forms), under 0.6
            # but one (envelopes).
            break
        if k == 0 and turned is None and as_is is not None:
            # No aspect to go by, and the lines run down the page: sideways, or a
            # portrait envelope written in vertical lines (read as it comes first all
            # the same). Looked at only for a poor reading: 9 ms a page. Where the
            # template's mark tells which quarter turn puts it in its corner, that way
            # only ('992601' turned 270 read surer as '109266' turned 90, upside down),
            # and that way too where the lines do not tell but the mark told neither
            # upright nor upside down.
            quarter = corner_mark(as_is.ink, template.mark, quarter=True) if template.mark else None
            if line_direction(as_is.ink) < 0 or (way is None and quarter is not None):
                # The mark's way needs only read better than the page as it comes: the
                # mark itself tells the way, where sure digits alone might not
                # ('90801-4817' at 0.08, under the evidence asked of another way).
                marked = quarter
                groups.insert(1, [quarter] if quarter is not None else [90, 270])
    assert best is not None
    return best


def failed_record(source: str, number: int, template: str, error: str, sha256: str = "") -> Record:
    return Record(
        source,
        number,
        template,
        "failed",
        error.splitlines()[0] if error else "error",
        None,
        {},
        sha256,
        None,
    )
