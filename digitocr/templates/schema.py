"""Template YAML -> a validated `Template`, with errors that name the field and problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import TemplateError
from ..imaging.orientation import Corner

__all__ = [
    "ANY_YEAR",
    "BUILTIN_DIR",
    "DateOrder",
    "FieldSpec",
    "Locate",
    "Template",
    "Years",
    "builtin_names",
    "load_template",
]

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
FieldType = Literal["digits", "amount", "date", "zip"]
DateOrder = Literal["dmy", "mdy", "any"]
Years = tuple[int, int]  # a date's plausible years, first and last
ANY_YEAR: Years = (1900, 2099)
Region = tuple[float, float, float, float]


class Locate(BaseModel):
    """One way to find a field; a field lists several, tried in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["box", "line", "comb", "trailing", "region", "whole"]
    # Where to search, as fractions of the deskewed page: x0, y0, x1, y1.
    region: Region = (0.0, 0.0, 1.0, 1.0)
    # box: width/height range of the printed rectangle; comb: number of cells.
    aspect: tuple[float, float] = (1.5, 12.0)
    min_width: float = 0.05  # fraction of page width
    max_width: float = 0.6  # box: wider rectangles are page borders, not fields
    cells: tuple[int, int] = (4, 12)
    # Order among candidates: comb/line rows top to bottom (0 = first); -1 = last.
    index: int = 0
    below: str | None = None  # only candidates below this (already located) field
    above: str | None = None  # only candidates above this field
    band: float = 1.0  # line: height of the band above the line, in units of `ref` height
    ref: str | None = None  # line: a located field whose height sets the band
    band_fraction: float = 0.1  # line: band height as a page fraction when no ref
    needs_ink: bool = True  # skip candidates with no handwriting in them

    @model_validator(mode="after")
    def _check(self) -> Locate:
        x0, y0, x1, y1 = self.region
        if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
            raise ValueError(f"region {self.region} must be 0 <= x0 < x1 <= 1, 0 <= y0 < y1 <= 1")
        if self.aspect[0] > self.aspect[1] or self.cells[0] > self.cells[1]:
            raise ValueError("ranges must be [low, high]")
        return self


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: FieldType = "digits"
    locate: tuple[Locate, ...] = Field(min_length=1)
    length: tuple[int, int] | None = None  # allowed digit count [min, max]
    review_threshold: float | None = Field(None, ge=0, le=1)
    # A date's day and month order as written: `dmy` (DD/MM/YYYY), `mdy` (MM/DD/YYYY, US
    # cheques), or `any` (either makes a plausible date).
    date_order: DateOrder = "any"
    # The years a date may plausibly carry, first and last (a cheque's: the last decades
    # and the next few, not 1953 nor 2079). A date outside them is not valid, and the
    # reading takes an unsure digit's runner-up where that makes one within them.
    years: Years = ANY_YEAR
    # How `digitocr synth` draws this field (ignored when reading): label, position, cells.
    draw: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if self.date_order != "any" and self.type != "date":
            raise ValueError(f"date_order is for date fields, not type {self.type!r}")
        if self.years != ANY_YEAR and self.type != "date":
            raise ValueError(f"years is for date fields, not type {self.type!r}")
        lo, hi = self.years
        if not ANY_YEAR[0] <= lo <= hi <= ANY_YEAR[1]:
            raise ValueError(
                f"years must be [first, last] within {ANY_YEAR[0]}-{ANY_YEAR[1]}, got [{lo}, {hi}]"
            )
        return self


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    aspect: tuple[float, float] | None = None  # expected page width/height range
    # A printed mark in this corner of the page the right way up (an envelope's stamp,
    # top right): ink there and little in the opposite corner says a page is upright,
    # the other way round upside down (imaging/orientation.corner_mark).
    mark: Corner | None = None
    review_threshold: float = Field(0.95, ge=0, le=1)
    # Pages with a longer side (pixels) are shrunk to it before reading, for speed (1800
    # on 300-dpi cheques: the pipeline 1.3-1.4x faster, a few tenths of a point fewer
    # fields right on generated sets). None, the default: every page as scanned.
    max_side: int | None = Field(None, ge=256)
    # Its writers cross their 7s (continental Europe, Latin America): a digit read as a
    # 7 with no bar across its stem is a 1 with a long up-stroke (classify/hands.py).
    crossed_sevens: bool = False
    # Its writers draw a 9 as a loop on one stroke from its left (much of Latin
    # America): a digit read as an 8 with one loop high on a narrow stroke is a 9.
    looped_nines: bool = False
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    # Designs of the same form (same field names): each page is read with every variant
    # and the reading with the most valid fields wins.
    variants: tuple[str, ...] = ()
    # The comb-box fields may come in any order on the page: the rows found are assigned
    # to them by the most plausible reading (valid values, dates weighted).
    any_order: bool = False
    resolved: tuple[Template, ...] = Field(default=(), exclude=True)

    @model_validator(mode="after")
    def _check(self) -> Template:
        names = [f.name for f in self.fields]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"field names must be unique: {sorted(dup)}")
        for i, f in enumerate(self.fields):
            for loc in f.locate:
                for ref in (loc.below, loc.above, loc.ref):
                    if ref is not None and ref not in names[:i]:
                        raise ValueError(
                            f"field {f.name!r} refers to {ref!r}, which is not a field "
                            "listed before it"
                        )
        return self

    def threshold(self, spec: FieldSpec) -> float:
        return spec.review_threshold if spec.review_threshold is not None else self.review_threshold


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def _format_error(exc: ValidationError, path: str) -> str:
    errors = exc.errors()
    # A list whose items failed is also "too short" by the items that passed ('fields:
    # Tuple should have at least 1 item after validation, not 0'): the items' own errors
    # say why, so that one is left out.
    errors = [
        e
        for e in errors
        if not (
            e["type"] == "too_short"
            and any(
                len(o["loc"]) > len(e["loc"]) and o["loc"][: len(e["loc"])] == e["loc"]
                for o in errors
            )
        )
    ]
    parts = []
    for err in errors[:3]:
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"{loc or '(top)'}: {err['msg']}")
    return f"template {path} is invalid: " + "; ".join(parts)


def load_template(name_or_path: str | Path) -> Template:
    """A built-in template by name, or a user's YAML file by path."""
    text = str(name_or_path)
    path = Path(text)
    if not path.suffix and (BUILTIN_DIR / f"{text}.yaml").is_file():
        path = BUILTIN_DIR / f"{text}.yaml"
    if not path.is_file():
        raise TemplateError(
            f"template {text!r} not found: use one of {', '.join(builtin_names())} "
            "or the path of a template YAML (see pipelines/)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TemplateError(
            f"template {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from exc
    if not isinstance(data, dict):
        raise TemplateError(f"template {path} must be a mapping with 'name' and 'fields'")
    data.setdefault("name", path.stem)
    try:
        tmpl = Template.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(_format_error(exc, str(path))) from exc
    if not tmpl.variants:
        return tmpl
    resolved = []
    names = [f.name for f in tmpl.fields]
    for v in tmpl.variants:
        local = path.parent / v if Path(v).suffix else path.parent / f"{v}.yaml"
        var = load_template(local if local.is_file() else v)
        if var.variants:
            raise TemplateError(f"template {path}: variant {v!r} has variants of its own")
        if sorted(f.name for f in var.fields) != sorted(names):
            raise TemplateError(f"template {path}: variant {v!r} must have the fields {names}")
        resolved.append(var)
    return tmpl.model_copy(update={"resolved": tuple(resolved)})
