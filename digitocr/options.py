"""One validated options object for a run, with string enums."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_MODEL", "Device", "Engine", "OutputFormat", "Rasterizer", "RunOptions"]

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "digits.onnx"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Rasterizer(StrEnum):
    auto = "auto"
    poppler = "poppler"
    pdfium = "pdfium"


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class RunOptions(BaseModel):
    """Everything `digitocr run` / `digitocr.process_batch` needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    template: str = "cheque"
    model: Path = DEFAULT_MODEL
    device: Device = Device.auto
    dpi: int = Field(300, ge=50, le=1200)
    rasterizer: Rasterizer = Rasterizer.auto
    workers: int = Field(1, ge=0)  # 0: one per available core
    engine: Engine = Engine.local
    ray_address: str | None = None
    batch_size: int = Field(64, ge=1)
    review_threshold: float | None = Field(None, ge=0.0, le=1.0)  # overrides the template's
    crossed_sevens: bool | None = None  # overrides the template's
    looped_nines: bool | None = None  # overrides the template's
    overlays: Path | None = None
    page_timeout: float | None = Field(None, gt=0)
    max_pixels: int = Field(200_000_000, ge=1)
    deskew: bool = True
    orient: bool = True  # read pages scanned sideways or upside down turned upright
    turns: bool = True  # a cascade built with --turn reads its unsure crops turned too
    resume: bool = False
