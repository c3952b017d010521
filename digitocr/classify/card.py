"""The model card: a JSON file beside the .onnx that says how to feed the model.

The normalisation, input spec and labels travel with the model, so inference can
never disagree with training; the card is checked against the ONNX file on load.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ModelError

__all__ = ["InputSpec", "ModelCard", "card_path", "file_sha256", "load_card"]

NORMALISATION = "mnist-20x20-com28"


class InputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    shape: list[int | None]  # e.g. [null, 28, 28, 1]
    layout: Literal["NHWC", "NCHW"]
    dtype: Literal["float32"] = "float32"
    scaling: str = "x/255: [0, 1], white ink on black"
    normalisation: str = NORMALISATION


# The label of an extra output trained on crops that are not one digit (touching pairs,
# halves of a wrongly cut digit): segmentation reads its mass as "no digit here".
REJECT = "reject"


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="allow")
    format_version: int = 1
    name: str = "digits"
    architecture: str
    parameters: int
    input: InputSpec
    output: str = "probs"
    labels: list[str] = Field(default_factory=lambda: [str(i) for i in range(10)])
    sha256: str
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)

    @property
    def digit_columns(self) -> list[int]:
        """Output columns that are digits (all but a reject class, if the model has one)."""
        return [i for i, label in enumerate(self.labels) if label != REJECT]


def card_path(onnx_path: str | Path) -> Path:
    return Path(onnx_path).with_suffix(".json")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_card(onnx_path: str | Path, *, check_hash: bool = True) -> ModelCard:
    """Read and validate the card beside `onnx_path`; the file's hash must match."""
    onnx_path = Path(onnx_path)
    if not onnx_path.is_file():
        raise ModelError(
            f"model {onnx_path} not found: pass --model PATH.onnx or train one "
            "with `digitocr train` (needs the [train] extra)"
        )
    path = card_path(onnx_path)
    if not path.is_file():
        raise ModelError(f"model card {path} not found: every .onnx needs its .json card beside it")
    try:
        card = ModelCard.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0:3]
        raise ModelError(f"model card {path} is invalid: {' '.join(first)}") from exc
    if card.input.normalisation != NORMALISATION:
        raise ModelError(
            f"model card {path} expects normalisation {card.input.normalisation!r}; "
            f"this digitocr produces {NORMALISATION!r}"
        )
    if check_hash and file_sha256(onnx_path) != card.sha256:
        raise ModelError(
            f"{onnx_path} does not match the sha256 in {path}: the model and its card "
            "were not written together (re-export, or restore the pair)"
        )
    return card
