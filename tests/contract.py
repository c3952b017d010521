"""The output contract (../shared/CONTRACT.md) as a schema, for validating real output."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DigitOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(pattern=r"^[0-9]$")
    confidence: float = Field(ge=0, le=1)
    box: list[int] = Field(min_length=4, max_length=4)

    @model_validator(mode="after")
    def _box(self) -> DigitOut:
        x0, y0, x1, y1 = self.box
        assert 0 <= x0 < x1 and 0 <= y0 < y1, self.box
        return self


class FieldOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str | None
    confidence: float = Field(ge=0, le=1)
    valid: bool
    needs_review: bool
    digits: list[DigitOut]

    @model_validator(mode="after")
    def _rules(self) -> FieldOut:
        if not self.valid:
            assert self.needs_review, "an invalid field must be queued for review"
        if self.value is None:
            assert self.needs_review and not self.valid
        return self


class RecordOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    page: int = Field(ge=1)
    template: str
    status: Literal["ok", "failed"]
    error: str | None
    skew_degrees: float | None
    # Added to the contract's keys: how the page was turned as scanned (clockwise).
    orientation: Literal[0, 90, 180, 270] | None
    fields: dict[str, FieldOut]

    @model_validator(mode="after")
    def _rules(self) -> RecordOut:
        if self.status == "failed":
            assert self.error and "\n" not in self.error and self.fields == {}
            assert self.orientation is None
        else:
            assert self.error is None and self.orientation is not None
        return self
