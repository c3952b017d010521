"""`digitocr synth`: write generated scans and their truth.json (the output contract's form)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from ..templates.schema import load_template
from .degrade import Scan, scan
from .documents import Doc, cheque, envelope, form
from .handwriting import DigitSource

__all__ = ["SynthOptions", "generate"]

FORMATS = ("png", "jpg", "tif", "pdf")


@dataclass(frozen=True)
class SynthOptions:
    out: Path
    kind: str = "cheque"  # cheque | envelope | form
    count: int = 10
    source: str = "procedural"  # procedural | mnist-train | mnist-test
    formats: tuple[str, ...] = FORMATS  # cycled over the documents
    multipage: int = 1  # pages per TIFF/PDF file
    seed: int = 0
    data: str | None = None  # MNIST folder for mnist-* sources
    form_template: str = "pipelines/application-form.yaml"
    scan: Scan = field(default_factory=Scan)


def _doc(opts: SynthOptions, rng: np.random.Generator, src: DigitSource) -> Doc:
    if opts.kind == "cheque":
        return cheque(rng, src)
    if opts.kind == "envelope":
        return envelope(rng, src)
    if opts.kind == "form":
        return form(rng, src, load_template(opts.form_template))
    raise ValueError(f"unknown document kind {opts.kind!r}")


def _save(
    pages: list[np.ndarray], path: Path, fmt: str, dpi: int, rng: np.random.Generator, grey: bool
) -> None:
    ims = [Image.fromarray(cv2.cvtColor(p, cv2.COLOR_BGR2RGB)) for p in pages]
    if grey:
        ims = [im.convert("L") for im in ims]
    if fmt == "png":
        ims[0].save(path, dpi=(dpi, dpi))
    elif fmt == "jpg":
        ims[0].save(path, quality=int(rng.integers(70, 95)), dpi=(dpi, dpi))
    elif fmt == "tif":
        ims[0].save(
            path,
            save_all=len(ims) > 1,
            append_images=ims[1:],
            compression="jpeg",
            quality=85,
            dpi=(dpi, dpi),
        )
    elif fmt == "pdf":
        ims[0].save(path, save_all=len(ims) > 1, append_images=ims[1:], resolution=float(dpi))


def generate(opts: SynthOptions) -> list[dict[str, Any]]:
    """Generate `count` documents (deterministic for a seed); returns and writes the truth."""
    opts.out.mkdir(parents=True, exist_ok=True)
    src = DigitSource(opts.source, opts.data)
    truth: list[dict[str, Any]] = []
    i = 0
    file_no = 0
    while i < opts.count:
        fmt = opts.formats[file_no % len(opts.formats)]
        n_pages = opts.multipage if fmt in ("tif", "pdf") else 1
        n_pages = min(n_pages, opts.count - i)
        name = f"{opts.kind}_{file_no:04d}.{fmt}"
        pages, dpis = [], []
        frng = np.random.default_rng([opts.seed, file_no])
        grey = frng.random() > opts.scan.colour
        for p in range(n_pages):
            rng = np.random.default_rng([opts.seed, file_no, p])
            doc = _doc(opts, rng, src)
            img, params = scan(doc, rng, opts.scan)
            pages.append(img)
            dpis.append(int(params["dpi"]))  # type: ignore[call-overload]
            truth.append(
                {
                    "file": name,
                    "page": p + 1,
                    "template": doc.template,
                    "style": doc.style,
                    "domain": opts.source,
                    "fields": doc.fields,
                    "written": doc.written,
                    "boxes": doc.boxes,
                    "size": [img.shape[1], img.shape[0]],
                    "format": fmt,
                    **params,
                }
            )
            i += 1
        if n_pages > 1:  # one resolution per multi-page file
            pages = [cv2.resize(pg, (pages[0].shape[1], pages[0].shape[0])) for pg in pages]
        _save(pages, opts.out / name, fmt, dpis[0], frng, grey)
        file_no += 1
    (opts.out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth
