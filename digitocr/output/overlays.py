"""Annotated PNGs for a person to check: field boxes, digit boxes, labels, confidences."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cv2
import numpy.typing as npt

from ..types import Record

__all__ = ["draw_overlay", "overlay_name"]

_GREEN, _ORANGE, _BLUE = (40, 160, 40), (0, 140, 255), (200, 90, 20)


def overlay_name(rec: Record) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", rec.file.strip("./"))[-120:]
    return f"{stem}_p{rec.page}.png"


def draw_overlay(image: npt.NDArray[Any], rec: Record, folder: Path) -> Path:
    """Write the page with what was read drawn on it; returns the PNG's path."""
    vis = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    scale = max(0.6, min(image.shape[:2]) / 900)
    thick = max(1, round(scale * 2))
    for name, res in rec.fields.items():
        colour = _ORANGE if res.needs_review else _GREEN
        if res.box:
            x0, y0, x1, y1 = res.box
            cv2.rectangle(vis, (x0, y0), (x1, y1), colour, thick + 1)
            text = (
                f"{name}: {res.value} ({res.confidence:.2f}){' REVIEW' if res.needs_review else ''}"
            )
            cv2.putText(
                vis,
                text,
                (x0, max(15, y0 - 8)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.6 * scale,
                colour,
                thick,
            )
        for d in res.digits:
            x0, y0, x1, y1 = d.box
            cv2.rectangle(vis, (x0, y0), (x1, y1), _BLUE, thick)
            cv2.putText(
                vis,
                f"{d.label} {d.confidence:.2f}",
                (x0, y1 + int(18 * scale)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.45 * scale,
                _BLUE,
                thick,
            )
    if rec.status != "ok":
        cv2.putText(
            vis,
            f"FAILED: {rec.error}",
            (10, 30),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.8 * scale,
            (0, 0, 255),
            thick,
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / overlay_name(rec)
    cv2.imwrite(str(path), vis)
    return path
