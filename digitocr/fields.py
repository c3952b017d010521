"""Digit predictions -> field values, confidence, `valid` and `needs_review`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .templates.schema import FieldSpec

__all__ = ["Item", "build_value", "is_valid"]


@dataclass(frozen=True)
class Item:
    """One segmented piece of a field: a digit (label, confidence) or a separator."""

    label: str  # '0'-'9', or the separator character
    confidence: float
    separator: bool


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
    # The decimal separator is one followed by exactly two digits at the end; any other
    # point or comma groups thousands (1.480 is one thousand four hundred and eighty).
    m = re.match(r"^([\d.]*?)\.(\d{1,2})$", text)
    if m:
        return m.group(1).replace(".", "") + "." + m.group(2)
    return text.replace(".", "")


_SEP_LIKE = {"1", "7"}  # what a slash the detector missed is read as


def _date(items: Sequence[Item]) -> str | None:
    """Digits with '/' between the day, month and year groups.

    Separators the segmenter recognised are used as they are; otherwise a date has
    the shape 2-2-4 (or 2-2-2) and a slash read as a '1' at a separator position is
    taken for the slash when that gives a plausible date.
    """
    seq = list(items)
    if not any(not i.separator for i in seq):
        return None
    groups: list[str] = [""]
    for i in seq:
        if i.separator:
            if groups[-1]:
                groups.append("")
        else:
            groups[-1] += i.label
    groups = [g for g in groups if g]
    if len(groups) == 3 and _plausible_date("/".join(groups)):
        return "/".join(groups)
    digits = "".join(i.label for i in seq if not i.separator)
    # Try reading '1'-like glyphs at the separator positions as slashes.
    for n_year in (4, 2):
        if len(digits) == 6 + n_year and digits[2] in _SEP_LIKE and digits[5] in _SEP_LIKE:
            cand = f"{digits[:2]}/{digits[3:5]}/{digits[6:]}"
            if _plausible_date(cand):
                return cand
        if len(groups) == 2:  # one slash found, the other read as a digit
            first, second = groups
            if len(first) == 2 and len(second) in (3 + n_year,) and second[2] in _SEP_LIKE:
                cand = f"{first}/{second[:2]}/{second[3:]}"
                if _plausible_date(cand):
                    return cand
            if len(first) == 5 and first[2] in _SEP_LIKE and len(second) == n_year:
                cand = f"{first[:2]}/{first[3:]}/{second}"
                if _plausible_date(cand):
                    return cand
    if len(digits) in (6, 8):
        return f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
    if len(groups) == 3:
        return "/".join(groups)
    return digits


def _plausible_date(value: str) -> bool:
    parts = value.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return False
    a, b, y = (int(p) for p in parts)
    if len(parts[2]) == 4 and not 1900 <= y <= 2099:
        return False
    if len(parts[2]) not in (2, 4):
        return False
    dm = 1 <= a <= 31 and 1 <= b <= 12  # DD/MM
    md = 1 <= a <= 12 and 1 <= b <= 31  # MM/DD
    return dm or md


def build_value(spec: FieldSpec, items: Sequence[Item]) -> str | None:
    """The field's value as the output contract writes it."""
    digits = "".join(i.label for i in items if not i.separator)
    if spec.type == "amount":
        return _amount(items)
    if spec.type == "date":
        return _date(items)
    if not digits:
        return None
    if spec.type == "zip" and len(digits) == 9:
        return f"{digits[:5]}-{digits[5:]}"
    return digits


def is_valid(spec: FieldSpec, value: str | None) -> bool:
    """The field's format check: ZIP length, amount format, date plausibility, length."""
    if value is None:
        return False
    n = sum(c.isdigit() for c in value)
    if spec.length and not spec.length[0] <= n <= spec.length[1]:
        return False
    if spec.type == "amount":
        return bool(_AMOUNT.match(value))
    if spec.type == "date":
        return _plausible_date(value)
    if spec.type == "zip":
        return n in (5, 6, 7, 9)
    return n > 0
