"""Digit predictions -> field values, confidence, `valid` and `needs_review`."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .segment.split import HARDLY_ANY, NOT_ONE
from .templates.schema import ANY_YEAR, DateOrder, FieldSpec, Years

__all__ = [
    "Item",
    "build_value",
    "digit_count",
    "is_valid",
    "missing_digits",
    "mixed_up",
    "slashes_plainly_read",
    "surplus_digits",
    "without_lone_point",
    "zip_after_state",
]


def digit_count(value: str | None) -> int:
    """How many digits a value holds (0 for none)."""
    return sum(c.isdigit() for c in value or "")


@dataclass(frozen=True)
class Item:
    """One segmented piece of a field: a digit (label, confidence) or a separator."""

    label: str  # '0'-'9', or the separator character
    confidence: float
    separator: bool
    second: tuple[str, float] | None = None  # the classifier's runner-up and its probability
    cut: bool = False  # split out of one blob with a neighbour (see DigitCrop.cut)


_AMOUNT = re.compile(r"^(0|[1-9]\d{0,11})(\.\d{2})?$")


def _amount(items: Sequence[Item]) -> str | None:
    digits = [i for i in items if not i.separator]
    if not digits:
        return None
    # Drop separators before the first and after the last digit (dashes, stray dots).
    first = next(k for k, i in enumerate(items) if not i.separator)
    last = max(k for k, i in enumerate(items) if not i.separator)
    core = items[first : last + 1]
    text = "".join(
        "." if i.separator and i.label in ".," else ("" if i.separator else i.label) for i in core
    )
    text = re.sub(r"\.+", ".", text)  # a point found twice (its halves, or '.' and ',')
    # The decimal separator is the last point followed by two digits, the cents; a point
    # between those two is a crumb (a stroke cut off a digit, the pen landing), as are
    # points before it that do not group thousands.
    cents = [k for k, c in enumerate(text) if c == "." and sum(d.isdigit() for d in text[k:]) == 2]
    if cents:
        k = cents[-1]
        return text[:k].replace(".", "") + "." + text[k:].replace(".", "")
    if re.search(r"\.\d$", text):
        return text[:-2].replace(".", "") + text[-2:]  # one cent digit: as read, invalid
    # Without cents, points group thousands (1.480 is one thousand four hundred and
    # eighty): groups of three after one of one to three digits. Otherwise they are kept
    # and the reading is not a valid amount ('40113.353': its cents cut into three).
    groups = text.split(".")
    if len(groups) == 1 or (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return text.replace(".", "")
    return text


_NONE = HARDLY_ANY  # under this, as hardly any digit (touching pairs read so: 0.00-0.04)
_SEP_LIKE = {"1", "7"}  # what a slash the detector missed is read as


def _groups(seq: Sequence[Item]) -> list[str]:
    groups: list[str] = [""]
    for i in seq:
        if i.separator:
            if groups[-1]:
                groups.append("")
        else:
            groups[-1] += i.label
    return [g for g in groups if g]


def _date(items: Sequence[Item], order: DateOrder = "any", years: Years = ANY_YEAR) -> str | None:
    """Digits with '/' between the day, month and year groups.

    A slanted '1' and a slash look alike, so the reading is a small search: each slash
    may be a '1' and each '1' or '7' may be a missed slash; the plausible date that needs
    the fewest such changes wins. Without a plausible one, the digits as read.
    """
    # A date written with slashes has no points nor hyphens: a point is a crumb of a
    # slash, of the pen landing, or a stroke cut off a digit, and so is a short flat
    # stroke (a 2's long foot cut off). One written with hyphens or points (two of them)
    # keeps those, and its one slash is more likely a slanted '1' ('24-03-/997').
    # Two slashes and two hyphens: each way is tried, slashes first (slanted 1s read as
    # slashes in '21-07-2018' are slashes with the hyphens dropped, and make no date).
    # A hyphen drawn in two strokes is two hyphens in a row: one separator.
    items = [
        it
        for k, it in enumerate(items)
        if not (
            k
            and it.separator
            and it.label in "-."
            and items[k - 1].separator
            and items[k - 1].label == it.label
        )
    ]
    seps = [i.label for i in items if i.separator]
    dashes = max("-.", key=seps.count)  # hyphens, or points if more
    drops = []
    if "/" in seps and (seps.count("/") >= 2 or seps.count(dashes) < 2):
        drops.append("-.")  # written with slashes
    if seps.count(dashes) >= 2:
        drops.append("-.".replace(dashes, ""))  # with hyphens (or points): the other goes
    # Neither ('21-11.2014', one hyphen and one point): every separator separates.
    readings = [
        _date_as_written(
            [it for it in items if not (it.separator and it.label in drop)], order, years
        )
        for drop in drops or [""]
    ]
    return next((r for r in readings if r and _plausible_date(r, order, years)), readings[0])


def _date_as_written(
    seq: Sequence[Item], order: DateOrder = "any", years: Years = ANY_YEAR
) -> str | None:
    """`_date` for items whose separators all separate (or are slashes)."""
    if not any(not i.separator for i in seq):
        return None
    digits = "".join(i.label for i in seq if not i.separator)
    if len(digits) == 8 and not any(i.separator and i.label == "/" for i in seq):
        # Written without slashes (comb cells, DDMMYYYY): read as it stands.
        cand = f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
        if _plausible_date(cand, order, years):
            return cand
    flex = [
        k
        for k, i in enumerate(seq)
        if (i.separator and i.label == "/") or (not i.separator and i.label in _SEP_LIKE)
    ]
    best: tuple[tuple[int, int], str] | None = None
    if len(digits) == 8 and _plausible_date(
        f"{digits[:2]}/{digits[2:4]}/{digits[4:]}", order, years
    ):
        # DDMMYYYY whatever the separators: comb cells with a printed slash read or missed.
        best = ((0, 1), f"{digits[:2]}/{digits[2:4]}/{digits[4:]}")
    elif len(digits) == 8 and (
        fixed := _with_runner_ups([i for i in seq if not i.separator], order, years)
    ):
        # Or with the runner-up of one or two unsure digits where that makes a date (a day
        # '77' whose first digit was a 1 read as 7 at 0.72): no reading that takes a digit
        # for a slash displaces it.
        best = ((0, 1), fixed)
    for mask in range(1 << min(len(flex), 10)):
        trial = list(seq)
        changes = 0
        for bit, k in enumerate(flex[:10]):
            if mask >> bit & 1:
                changes += 1
                trial[k] = (
                    Item("1", seq[k].confidence, False)
                    if seq[k].separator
                    else Item("/", 1.0, True)
                )
        if any(a.separator and b.separator for a, b in itertools.pairwise(trial)):
            continue  # two separators in a row: one of them is a digit
        groups = _groups(trial)
        if len(groups) == 3 and len(groups[0]) <= 2 and len(groups[1]) <= 2:
            cand = "/".join(g.zfill(2) if n < 2 else g for n, g in enumerate(groups))
            # Prefer the DD/MM shape as written on cheques, then the fewest changes.
            key = (0 if len(groups[0]) == len(groups[1]) == 2 else 1, changes)
            if (
                changes  # the digits as read took their runner-ups above
                and not _plausible_date(cand, order, years)
                and [len(g) for g in groups] == [2, 2, 4]
                and (fixed := _with_runner_ups([i for i in trial if not i.separator], order, years))
            ):
                # A slash taken back for a 1 and an unsure digit's runner-up together
                # ('08/07/1995', its 1 read as a slash and its first 9 as a 4 at 0.43).
                cand, key = fixed, (key[0], changes + 1)
            if _plausible_date(cand, order, years) and (best is None or key < best[0]):
                best = (key, cand)
    if best is not None:
        return best[1]
    if len(digits) in (6, 8):
        cand = f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
        if _plausible_date(cand, order, years):
            return cand
    groups = _groups(seq)
    return "/".join(groups) if len(groups) == 3 else digits


def slashes_plainly_read(value: str, read: str) -> bool:
    """Whether a date's value holds the digits `read` (the labels as read, in order) but
    for slashes, and those taken plainly: pieces read as slashes taken back for 1s (a 1
    drawn slanting), and nothing else; or an 8-digit date that is the digits read less a
    1 or 7 read where a slash goes (after the day, after the month), or two, one at each.
    """
    v = "".join(c for c in value if c.isdigit())
    return _ones_put_in(v, read) or _slashes_left_out(v, read)


def _ones_put_in(v: str, read: str) -> bool:
    rest = iter(read)
    want = next(rest, None)
    for c in v:
        if c == want:
            want = next(rest, None)
        elif c != "1":
            return False
    return want is None


def _slashes_left_out(v: str, r: str) -> bool:
    if len(v) != 8:
        return False
    if len(r) == 9:
        return (r[2] in "17" and v == r[:2] + r[3:]) or (r[4] in "17" and v == r[:4] + r[5:])
    return len(r) == 10 and r[2] in "17" and r[5] in "17" and v == r[:2] + r[3:5] + r[6:]


def _with_runner_ups(
    digits: Sequence[Item],
    order: DateOrder = "any",
    years: Years = ANY_YEAR,
    unsure: float = 0.99,
) -> str | None:
    """The likeliest DDMMYYYY date (or MMDDYYYY, as `order` allows) from 8 digits when
    up to two of those read under `unsure` take their runner-up instead; None when none
    makes a date."""
    weak = [k for k, d in enumerate(digits) if d.confidence < unsure and d.second is not None]
    best: tuple[float, str] | None = None
    for r in (1, 2):
        for ks in itertools.combinations(weak, r):
            labels = [d.label for d in digits]
            p = 1.0
            for k in ks:
                second = digits[k].second
                assert second is not None
                labels[k] = second[0]
                p *= second[1] / max(digits[k].confidence, 1e-6)
            cand = "".join(labels)
            cand = f"{cand[:2]}/{cand[2:4]}/{cand[4:]}"
            if _plausible_date(cand, order, years) and (best is None or p > best[0]):
                best = (p, cand)
        if best is not None:
            return best[1]  # one change before two
    return None


def _plausible_date(value: str, order: DateOrder = "any", years: Years = ANY_YEAR) -> bool:
    """A day and month as `order` writes them (`any`: DD/MM or MM/DD), a year within
    `years` (a template's `years`; two digits: 19YY or 20YY within them)."""
    parts = value.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return False
    if len(parts[0]) > 2 or len(parts[1]) > 2:
        return False  # '022/10/1995': a digit too many (a stroke read twice), not day 22
    a, b, y = (int(p) for p in parts)
    if len(parts[2]) not in (2, 4):
        return False
    lo, hi = years
    if not any(lo <= c <= hi for c in ((y,) if len(parts[2]) == 4 else (1900 + y, 2000 + y))):
        return False
    dm = 1 <= a <= 31 and 1 <= b <= 12  # DD/MM
    md = 1 <= a <= 12 and 1 <= b <= 31  # MM/DD
    return (dm and order != "mdy") or (md and order != "dmy")


def _zip_plus_four(items: Sequence[Item]) -> str | None:
    """The 9 digits of a ZIP+4 read with more than five before its hyphen: the state's
    letters taken for digits ('TX 05272-5109' read 7105272-5109). The last five count."""
    hyphens = [k for k, i in enumerate(items) if i.separator and i.label == "-"]
    if len(hyphens) != 1:
        return None
    before = [i.label for i in items[: hyphens[0]] if not i.separator]
    after = [i.label for i in items[hyphens[0] + 1 :] if not i.separator]
    if len(after) != 4 or len(before) <= 5:
        return None
    return "".join(before[-5:] + after)


def build_value(spec: FieldSpec, items: Sequence[Item]) -> str | None:
    """The field's value as the output contract writes it."""
    digits = "".join(i.label for i in items if not i.separator)
    if spec.type == "amount":
        return _amount(items)
    if spec.type == "date":
        return _date(items, spec.date_order, spec.years)
    if not digits:
        return None
    if spec.type == "zip":
        digits = _zip_plus_four(items) or digits
    if spec.type == "zip" and len(digits) == 9:
        return f"{digits[:5]}-{digits[5:]}"
    return digits


def is_valid(spec: FieldSpec, value: str | None, method: str = "") -> bool:
    """The field's format check: ZIP length, amount format, date plausibility, length.

    `method`: how the field was located. A boxed postal code has 5 to 7 cells; a ZIP at
    the end of a US address line (`trailing`) has 5 or 9 digits, nothing between."""
    if value is None:
        return False
    n = digit_count(value)
    if spec.length and not spec.length[0] <= n <= spec.length[1]:
        return False
    if spec.type == "amount":
        return bool(_AMOUNT.match(value))
    if spec.type == "date":
        return _plausible_date(value, spec.date_order, spec.years)
    if spec.type == "zip":
        return n in ((5, 9) if method == "trailing" else (5, 6, 7, 9))
    return n > 0


def surplus_digits(
    spec: FieldSpec, items: Sequence[Item], value: str | None, method: str = ""
) -> int:
    """How many digits too many an invalid ZIP has: over 5, or over 9 for a ZIP+4 (a
    hyphen, or 10 digits); an invalid date of 9 digits, 1, and so of 8 with two slashes
    in a row (one of them a 1 drawn slanting: 9 digits with it, '15//0/25330' for
    '15/10/2030', its wide 0 cut in two); a field of another type, how many over its
    template's `length` (a digit broken in two, a speck read as a 1); 0 for a valid field."""
    if is_valid(spec, value, method):
        return 0
    n = sum(not i.separator for i in items)
    if spec.type == "date":
        doubled = any(
            a.separator and b.separator and a.label == b.label == "/"
            for a, b in itertools.pairwise(items)
        )
        return 1 if n == 9 or (n == 8 and doubled) else 0
    if spec.type == "zip":
        plus4 = n >= 10 or _inner_hyphen(items)
        return max(0, n - (9 if plus4 else 5))
    return max(0, n - spec.length[1]) if spec.length else 0


def _hardly_a_digit(items: Sequence[Item]) -> bool:
    """Whether a digit crop reads under _NONE (two touching digits read as one do)."""
    return any(not i.separator and i.confidence < _NONE for i in items)


def mixed_up(spec: FieldSpec, items: Sequence[Item]) -> bool:
    """Whether a date of 8 digit crops or a ZIP of 5 or 9 has one read as hardly any
    digit (under _NONE): likely two touching digits read as one, with the count made up
    by a digit read as two (broken, or cut at a valley)."""
    n = sum(not i.separator for i in items)
    if (spec.type, n) not in (("date", 8), ("zip", 5), ("zip", 9)):
        return False
    return _hardly_a_digit(items)


def _inner_hyphen(items: Sequence[Item]) -> bool:
    """Whether a hyphen stands between digits, as a ZIP+4's does; one before the first
    digit or after the last is not one (a crossed 7's bar running on past its stem)."""
    at = [k for k, i in enumerate(items) if not i.separator]
    return bool(at) and any(
        i.separator and i.label == "-" and at[0] < k < at[-1] for k, i in enumerate(items)
    )


def zip_after_state(spec: FieldSpec, value: str | None, method: str = "") -> str | None:
    """A US ZIP read at the end of an address line (`trailing`) with 7 digits and no
    hyphen: the state's two letters before it taken for digits ('OR 82839' read
    0882839). The last five; None for any other field."""
    if spec.type != "zip" or method != "trailing" or not value:
        return None
    return value[2:] if value.isdigit() and len(value) == 7 else None


def zip_after_mark(
    spec: FieldSpec, items: Sequence[Item], value: str | None, method: str = ""
) -> str | None:
    """A US ZIP read at the end of an address line (`trailing`) with 6 digits and no
    hyphen, the first read as hardly any digit: the state's letters, or a pen mark
    across them, taken for one more digit ('TX 73612' read 273612, the 'TX' a 2 at
    0.0). The last five; None for any other field."""
    if spec.type != "zip" or method != "trailing" or not value:
        return None
    digits = [i for i in items if not i.separator]
    if not (value.isdigit() and len(value) == 6 and len(digits) == 6):
        return None
    return value[1:] if digits[0].confidence < _NONE else None


def without_lone_point(spec: FieldSpec, value: str | None) -> str | None:
    """An amount whose one point has a single digit after it ('50.1'): cents are two
    digits, so the point is a speck at the foot of the line (a crumb of a digit) or a
    thousands point short of digits. The digits alone; None for any other value."""
    if spec.type != "amount" or not value:
        return None
    whole, point, last = value.partition(".")
    if point and whole.isdigit() and len(last) == 1 and last.isdigit():
        return whole + last
    return None


def _year_unsure(items: Sequence[Item]) -> bool:
    """A two-digit year with a digit the classifier hardly believes (under 0.5): more
    likely four digits, some touching, than a year written short."""
    seps = [k for k, i in enumerate(items) if i.separator]
    year = [i for i in items[seps[-1] + 1 :] if not i.separator] if seps else []
    return len(year) == 2 and min(i.confidence for i in year) < NOT_ONE


def missing_digits(
    spec: FieldSpec, items: Sequence[Item], value: str | None, method: str = ""
) -> int:
    """How many digits a field's pieces likely lack for its format: 0 when they have
    enough, too many, or the format cannot tell (amounts, but for one whose one digit
    after the point reads as hardly any digit: the cents touching). `value`: the
    pieces' `build_value`; `method` as for `is_valid`.

    A date has 6 or 8 digits: 5 or 7 crops lack one, unless a slash read as a '1' made
    up the count, and 5 to 7 do where one reads as hardly any digit; a date made
    plausible by taking crops for slashes, with fewer than 8 digits left of 7 or more,
    lacks one too, and so may one whose 7 crops made 8 digits by zero-filling a
    one-digit day or month (the caller keeps the likelier reading).
    A US ZIP at the end of an address (`trailing`) read as five digits with a hyphen
    between them, one crop read as hardly any digit, is a ZIP+4 four short.
    """
    n = sum(not i.separator for i in items)
    if n == 0:
        return 0
    if spec.type == "date":
        d = digit_count(value)
        if d in (5, 7) or (n in (5, 7) and d < n) or (n >= 7 and d < min(n, 8)):
            return 1
        if n in (5, 7) and _hardly_a_digit(items):
            # A slash taken for a 1 made up the count, but a crop reads as hardly any
            # digit: two touching digits more likely ('01/12/2005' read 0 / 12 / 2005, the
            # '01' a 0 at 0.01; a 2 at 0.5 is a digit, and splitting another blob made
            # '06/11/2013' '06/11/2031').
            return 1
        if (
            n == 9
            and not _plausible_date(value or "", spec.date_order, spec.years)
            and _hardly_a_digit(items)
        ):
            # Nine crops and no date: both slashes read as 1s and two touching digits
            # read as one ('07/01/2023' read 071011623, the '20' a 6 at 0.01).
            return 1
        groups = _groups(items)
        parts = (value or "").split("/")
        if (
            n == 7
            and len(groups) == len(parts) == 3
            and any(len(groups[k]) == 1 and parts[k] == "0" + groups[k] for k in (0, 1))
        ):
            # A day or month of one digit, zero-filled: maybe two read as one (not one
            # whose second digit was read as a slash and taken back for a 1).
            return 1
        if d == 6 and len(groups) == 3 and _year_unsure(items):
            return 2  # '2000' read as a 2 and one blob of three touching digits
        if n == 6 and _hardly_a_digit(items):
            # Six digits make a short date, but not with a crop read as hardly any digit:
            # two touching digits more likely ('15/09/2011' read 15/09/20, its '11' a 0 at
            # 0.002, its first 1 taken for a slash). The caller keeps the split reading
            # only if it is a date.
            return 1
    if (
        spec.type == "zip"
        and method == "trailing"
        and n == 5
        and _inner_hyphen(items)
        and _hardly_a_digit(items)
    ):
        # A ZIP+4 with touching digits read as one ('55204-4390' read '20400', its '552'
        # and '439' each one blob), not a ZIP of five (nor a boxed code: Japan's has its
        # hyphen after three of seven).
        return 4
    if spec.type == "amount" and without_lone_point(spec, value) is not None:
        last = [i for i in items if not i.separator][-1]
        if last.confidence < _NONE:
            # One digit after the point, read as hardly any digit: the cents written
            # touching, read as one ('3540.11' read 3540.1, its '11' a 1 at 0.002).
            return 1
    if is_valid(spec, value, method):
        return 0
    want = spec.length[0] if spec.length else 0
    if spec.type == "zip":
        # A hyphen makes it a ZIP+4 ('536-2649': the first group's touching digits read
        # as one), as does an 8th digit.
        plus4 = n == 8 or _inner_hyphen(items)
        want = max(want, 9 if plus4 else 5)
    return max(0, want - n)
