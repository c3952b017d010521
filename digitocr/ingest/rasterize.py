"""Rasterise one input file into 8-bit greyscale pages, one at a time.

Images go through Pillow (every mode, multi-page TIFF, a decompression-bomb limit);
PDFs through pdf2image/poppler as asked, or pypdfium2 where poppler is missing.
"""

from __future__ import annotations

import hashlib
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageSequence, UnidentifiedImageError

from ..errors import BadInputError, ConfigError
from ..types import Page
from .sources import PDF_SUFFIXES

__all__ = ["file_sha256", "image_to_gray", "poppler_available", "rasterize", "sniff"]


def poppler_available() -> bool:
    return shutil.which("pdftoppm") is not None and shutil.which("pdfinfo") is not None


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: str) -> str:
    """`pdf` or `image` by the file's first bytes (not its name)."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        raise BadInputError("empty file (0 bytes)")
    if b"%PDF" in head[:1024]:
        return "pdf"
    return "image"


def image_to_gray(img: Image.Image) -> npt.NDArray[Any]:
    """Any Pillow image -> uint8 greyscale; transparency composited on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        return np.asarray((arr - lo) * scale, dtype=np.uint8)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return np.asarray(img.convert("L"), dtype=np.uint8)


def _image_pages(path: str, max_pixels: int) -> Iterator[npt.NDArray[Any]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # The size is checked here, per frame and before decoding, with our own limit.
            Image.MAX_IMAGE_PIXELS = None
            with Image.open(path) as img:
                for frame in ImageSequence.Iterator(img):
                    w, h = frame.size
                    if w * h > max_pixels:
                        raise BadInputError(
                            f"image is {w}x{h} = {w * h:,} pixels, "
                            f"over --max-pixels {max_pixels:,} "
                            "(a decompression bomb? raise the limit if the image is genuine)"
                        )
                    yield image_to_gray(frame)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadInputError(
            f"image too large ({exc}); raise --max-pixels if it is genuine"
        ) from exc
    except UnidentifiedImageError as exc:
        raise BadInputError("not a readable image (unknown or corrupt format)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadInputError(f"corrupt or truncated image: {str(exc).splitlines()[0]}") from exc


def _pdf_pages_pdfium(path: str, dpi: int, max_pixels: int) -> Iterator[npt.NDArray[Any]]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise BadInputError(
                "PDF is encrypted: remove the password (qpdf --decrypt) and try again"
            ) from exc
        raise BadInputError(f"corrupt PDF: {msg}") from exc
    try:
        if len(doc) == 0:
            raise BadInputError("PDF has no pages")
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            if w * h * (dpi / 72) ** 2 > max_pixels:
                raise BadInputError(f"PDF page {i + 1} at {dpi} dpi is over --max-pixels")
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            arr = bitmap.to_numpy()
            yield np.ascontiguousarray(arr if arr.ndim == 2 else arr[..., 0])
            page.close()
    finally:
        doc.close()


def _pdf_pages_poppler(path: str, dpi: int, max_pixels: int) -> Iterator[npt.NDArray[Any]]:
    from pdf2image import convert_from_path, pdfinfo_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError

    try:
        info = pdfinfo_from_path(path)
    except PDFInfoNotInstalledError as exc:
        raise ConfigError(
            "poppler is not installed: apt-get install poppler-utils, or use --rasterizer pdfium"
        ) from exc
    except (PDFPageCountError, PDFSyntaxError) as exc:
        msg = str(exc).lower()
        if "incorrect password" in msg or "encrypt" in msg:
            raise BadInputError(
                "PDF is encrypted: remove the password (qpdf --decrypt) and try again"
            ) from exc
        detail = (str(exc).strip().splitlines() or ["unreadable"])[-1]
        if "page range" in detail or "page count 0" in str(exc):
            raise BadInputError("PDF has no pages") from exc
        raise BadInputError(f"corrupt PDF: {detail}") from exc
    pages = int(info.get("Pages", 0))
    if pages == 0:
        raise BadInputError("PDF has no pages")
    for n in range(1, pages + 1):  # one page at a time: memory stays bounded
        try:
            imgs = convert_from_path(path, dpi=dpi, first_page=n, last_page=n, grayscale=True)
        except (PDFPageCountError, PDFSyntaxError) as exc:
            if n == 1 and "page range" in str(exc):
                raise BadInputError("PDF has no pages") from exc
            raise BadInputError(
                f"PDF page {n} cannot be rendered: {str(exc).strip()[:120]}"
            ) from exc
        if not imgs and n == 1:
            raise BadInputError("PDF has no pages")
        if not imgs:
            raise BadInputError(f"PDF page {n} could not be rendered")
        w, h = imgs[0].size
        if w * h > max_pixels:
            raise BadInputError(f"PDF page {n} at {dpi} dpi is over --max-pixels")
        yield image_to_gray(imgs[0])


def rasterize(
    path: str, *, dpi: int = 300, rasterizer: str = "auto", max_pixels: int = 200_000_000
) -> Iterator[Page]:
    """Yield the pages of one file, 1-based, as greyscale `Page`s."""
    p = Path(path)
    if not p.exists():
        raise BadInputError("file not found")
    if p.is_dir():
        raise BadInputError("is a folder, not a file")
    try:
        kind = sniff(path)
        digest = file_sha256(path)
    except PermissionError as exc:
        raise BadInputError("permission denied: cannot read the file") from exc
    except OSError as exc:
        raise BadInputError(f"cannot read the file: {exc.strerror}") from exc
    if kind == "pdf" or p.suffix.lower() in PDF_SUFFIXES:
        use_pdfium = rasterizer == "pdfium" or (rasterizer == "auto" and not poppler_available())
        pages = (_pdf_pages_pdfium if use_pdfium else _pdf_pages_poppler)(path, dpi, max_pixels)
    else:
        pages = _image_pages(path, max_pixels)
    for number, image in enumerate(pages, start=1):
        yield Page(source=path, number=number, image=image, sha256=digest)
