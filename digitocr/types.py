"""Small frozen data classes for what flows between the stages.

files -> Page -> AlignedPage -> FieldCrop -> DigitCrop -> Prediction -> FieldResult -> Record
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AlignedPage",
    "Box",
    "DigitCrop",
    "DigitResult",
    "FieldCrop",
    "FieldResult",
    "Page",
    "Prediction",
    "Record",
]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels (x1, y1 exclusive)
Gray = npt.NDArray[Any]


@dataclass(frozen=True)
class Page:
    """One rasterised page: 8-bit greyscale, dark ink on light paper."""

    source: str  # the path as found from the INPUT given
    number: int  # 1-based
    image: Gray
    sha256: str = ""  # of the source file, for --resume


@dataclass(frozen=True)
class AlignedPage:
    """A cleaned, deskewed page; `image` is the page as rasterised, rotated by -skew."""

    page: Page
    gray: Gray  # deskewed greyscale
    ink: Gray  # deskewed binary mask, 255 = ink
    skew_degrees: float
    rotation: npt.NDArray[Any]  # 2x3 affine: deskewed -> rasterised coordinates


@dataclass(frozen=True)
class FieldCrop:
    """One field cut from an aligned page."""

    name: str
    kind: str  # digits | amount | date | zip
    gray: Gray
    ink: Gray  # binary, 255 = ink, box lines removed
    box: Box  # in deskewed page coordinates
    cells: tuple[Box, ...] = ()  # comb-box cells (field coordinates) when known
    inner: Box | None = None  # the located box in field coordinates (the crop adds margins)
    frame: Box | None = None  # the printed box around the field, when it has one
    method: str = ""  # how the template located it: box, comb, line, trailing, region, whole
    # Writing past the box's right side erased with the scanner's dark border beyond the
    # paper's edge: the value may lack its end, and goes to review.
    runs_off: bool = False

    @functools.cached_property
    def paper(self) -> float | None:
        """The paper's grey level (the grey page's 90th percentile), taken once a field;
        None when there is no grey page of the ink's size."""
        return float(np.percentile(self.gray, 90)) if self.gray.shape == self.ink.shape else None


@dataclass(frozen=True)
class DigitCrop:
    """One candidate character of a field, normalised to 28x28 (MNIST style)."""

    image: npt.NDArray[Any]  # 28x28, white ink on black, [0, 1]
    box: Box  # in field coordinates
    separator: str = ""  # '.', ',', '/', '-' when this is a separator, not a digit
    # Cut from a blob read as "not one digit", where no valley showed; a point, one that
    # may be a crumb of the digit whose columns it lies in.
    guessed: bool = False
    cut: bool = False  # a piece of a blob split at a valley (touching digits, or one broken)


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer for one crop."""

    label: int
    confidence: float
    probs: npt.NDArray[Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class DigitResult:
    label: str
    confidence: float
    box: Box  # page pixels as rasterised

    def export(self) -> dict[str, Any]:
        return {"label": self.label, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass(frozen=True)
class FieldResult:
    value: str | None
    confidence: float
    valid: bool
    needs_review: bool
    digits: tuple[DigitResult, ...] = ()
    box: Box | None = None  # page pixels as rasterised

    def export(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "valid": self.valid,
            "needs_review": self.needs_review,
            "digits": [d.export() for d in self.digits],
        }


@dataclass(frozen=True)
class Record:
    """One output record per page, as in the output contract."""

    file: str
    page: int
    template: str
    status: str  # ok | failed
    error: str | None = None
    skew_degrees: float | None = None
    fields: dict[str, FieldResult] = field(default_factory=dict)
    sha256: str = ""
    # Clockwise degrees (0, 90, 180, 270) the page's content was turned as scanned; it
    # was read turned back upright. None on a failed page.
    orientation: int | None = 0

    @classmethod
    def from_export(cls, d: dict[str, Any]) -> Record:
        """Rebuild a record from `export()` (records crossing a process or cluster)."""
        fields = {
            name: FieldResult(
                value=f["value"],
                confidence=f["confidence"],
                valid=f["valid"],
                needs_review=f["needs_review"],
                digits=tuple(
                    DigitResult(x["label"], x["confidence"], tuple(x["box"])) for x in f["digits"]
                ),
            )
            for name, f in d["fields"].items()
        }
        return cls(
            d["file"],
            d["page"],
            d["template"],
            d["status"],
            d["error"],
            d["skew_degrees"],
            fields,
            d.get("sha256", ""),
            d.get("orientation", 0),
        )

    def export(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "page": self.page,
            "template": self.template,
            "status": self.status,
            "error": self.error,
            "skew_degrees": None if self.skew_degrees is None else round(self.skew_degrees, 2),
            "orientation": self.orientation,
            "fields": {k: v.export() for k, v in self.fields.items()},
        }
