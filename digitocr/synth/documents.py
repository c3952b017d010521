"""Clean document layouts with handwriting on them, and their exact ground truth.

Pages are drawn at 300 dpi as float ink maps (0 paper, 1 ink) with separate printed and
handwritten layers, so the scan simulation can colour the ink and the truth knows
exactly where every handwritten field is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from ..templates.schema import Template
from .handwriting import DigitSource

__all__ = ["Doc", "cheque", "envelope", "form"]

Layer = npt.NDArray[Any]
BANKS = [
    "FIRST NATIONAL BANK",
    "RIVERSIDE SAVINGS",
    "UNION TRUST CO.",
    "CITIZENS BANK",
    "NORTHERN CREDIT UNION",
]
NAMES = ["ALEX MORGAN", "SAM RIVERA", "JORDAN LEE", "CASEY PATEL", "ROBIN CHEN", "TAYLOR KIM"]
STREETS = ["12 Oak St", "480 Maple Ave", "77 Pine Rd", "9 Harbor Way", "1500 Elm Blvd"]
CITIES = [
    ("Springfield", "IL"),
    ("Albany", "NY"),
    ("Austin", "TX"),
    ("Salem", "OR"),
    ("Dover", "DE"),
]


@dataclass
class Doc:
    printed: Layer  # printed layer (forms, labels, rulings)
    hand: Layer  # handwriting layer
    template: str
    style: str
    fields: dict[str, str]  # truth as the contract writes values
    written: dict[str, str]  # as written, with separators
    boxes: dict[str, list[int]] = field(default_factory=dict)  # field bounds in page pixels
    extra: dict[str, Any] = field(default_factory=dict)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text(layer: Layer, xy: tuple[int, int], text: str, size: int, anchor: str = "la") -> None:
    img = Image.fromarray(np.zeros(layer.shape, np.uint8))
    ImageDraw.Draw(img).text(xy, text, fill=255, font=_font(size), anchor=anchor)
    np.maximum(layer, np.asarray(img, np.float32) / 255.0, out=layer)


def _rect(layer: Layer, box: tuple[int, int, int, int], t: int = 3, v: float = 1.0) -> None:
    cv2.rectangle(layer, box[:2], box[2:], v, t)


def _line(layer: Layer, a: tuple[int, int], b: tuple[int, int], t: int = 3, v: float = 1.0) -> None:
    cv2.line(layer, a, b, v, t)


def write(
    layer: Layer,
    text: str,
    x: int,
    baseline: int,
    height: int,
    src: DigitSource,
    rng: np.random.Generator,
    *,
    cells: list[tuple[int, int, int, int]] | None = None,
) -> list[int]:
    """Handwrite `text` from (x, baseline); or one character per cell. Returns the ink bounds."""
    pen = max(2.0, height * rng.uniform(0.08, 0.13))
    x0s, y0s, x1s, y1s = [], [], [], []
    cx = x
    chars = [c for c in text if c != " "] if cells else list(text)
    for i, ch in enumerate(chars):
        if ch == " ":
            cx += height // 2
            continue
        h = height if ch.isdigit() else {"/": height, "-": height, ".": height, ",": height}[ch]
        g = src.glyph(ch, h, rng, pen)
        gh, gw = g.shape
        if cells:
            c = cells[i]
            ox = (c[0] + c[2]) // 2 - gw // 2 + int(rng.integers(-3, 4))
            oy = (c[1] + c[3]) // 2 - gh // 2 + int(rng.integers(-3, 4))
        else:
            ox = cx
            oy = baseline - gh + int(rng.integers(-3, 4))
            if ch in ".,":
                oy = baseline - gh + int(0.05 * height)
            cx += (
                gw
                + int(height * rng.uniform(0.02, 0.12))
                - (int(height * 0.12) if ch in "-/" else 0)
            )
        H, W = layer.shape
        y0, x0 = max(0, oy), max(0, ox)
        y1, x1 = min(H, oy + gh), min(W, ox + gw)
        if y1 <= y0 or x1 <= x0:
            continue
        np.maximum(
            layer[y0:y1, x0:x1], g[y0 - oy : y1 - oy, x0 - ox : x1 - ox], out=layer[y0:y1, x0:x1]
        )
        x0s.append(x0)
        y0s.append(y0)
        x1s.append(x1)
        y1s.append(y1)
    if not x0s:
        return [x, baseline - height, x + 1, baseline]
    return [min(x0s), min(y0s), max(x1s), max(y1s)]


def _amount(rng: np.random.Generator) -> tuple[str, str]:
    whole = int(10 ** rng.uniform(0.5, 4.7))
    if rng.random() < 0.35:
        return str(whole), str(whole)
    cents = int(rng.integers(0, 100))
    sep = "," if rng.random() < 0.25 else "."
    return f"{whole}.{cents:02d}", f"{whole}{sep}{cents:02d}"


def _date(rng: np.random.Generator) -> tuple[str, str]:
    d, m, y = int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(1990, 2031))
    sep = "/" if rng.random() < 0.8 else "-"
    written = f"{d:02d}{sep}{m:02d}{sep}{y}"
    return f"{d:02d}/{m:02d}/{y}", written


def cheque(rng: np.random.Generator, src: DigitSource) -> Doc:
    """A personal cheque; bank layouts vary the box, date line and text positions."""
    W, H = 2400, int(2400 / rng.uniform(2.1, 2.4))
    P = np.zeros((H, W), np.float32)
    Hd = np.zeros((H, W), np.float32)
    m = int(rng.integers(40, 90))
    _rect(P, (m, m, W - m, H - m), 3)
    _text(P, (m + 60, m + 50), str(rng.choice(NAMES)), 44)
    _text(P, (m + 60, m + 105), str(rng.choice(STREETS)), 32)
    _text(P, (int(W * rng.uniform(0.35, 0.45)), m + 50), str(rng.choice(BANKS)), 50)
    _text(P, (W - m - 200, m + 25), str(rng.integers(100, 9999)), 40)
    # Amount box: size and position differ by bank.
    bw, bh = int(W * rng.uniform(0.17, 0.23)), int(H * rng.uniform(0.09, 0.12))
    bx = W - m - int(W * rng.uniform(0.03, 0.06)) - bw
    by = int(H * rng.uniform(0.38, 0.45))
    _rect(P, (bx, by, bx + bw, by + bh), 3)
    _text(P, (bx - 50, by + bh // 2), "$", 60, "lm")
    # Payee line left of the box, legal-amount line below, signature and memo lines.
    _text(P, (m + 60, by + bh - 40), "PAY TO THE ORDER OF", 28)
    _line(P, (m + 420, by + bh), (bx - 90, by + bh), 3)
    ly = by + bh + int(H * 0.16)
    _line(P, (m + 60, ly), (W - m - 300, ly), 3)
    _text(P, (W - m - 270, ly - 34), "DOLLARS", 30)
    _line(P, (m + 200, H - m - 150), (int(W * 0.45), H - m - 150), 3)
    _text(P, (m + 60, H - m - 185), "MEMO", 28)
    _line(P, (int(W * 0.6), H - m - 150), (W - m - 60, H - m - 150), 3)
    _text(
        P,
        (m + 250, H - m - 90),
        f"|:{rng.integers(10**8, 10**9)}|:  {rng.integers(10**7, 10**8)}|:",
        40,
    )
    # Date line above the box, towards the right.
    dx0 = bx - int(W * rng.uniform(0.02, 0.12))
    dy = by - int(H * rng.uniform(0.1, 0.15))
    _text(P, (dx0 - 130, dy - 34), "DATE", 30)
    _line(P, (dx0, dy), (W - m - 60, dy), 3)
    amount, amount_w = _amount(rng)
    date, date_w = _date(rng)
    dh = int(bh * rng.uniform(0.5, 0.7))
    abox = write(Hd, amount_w, bx + int(rng.integers(20, 80)), by + bh // 2 + dh // 2, dh, src, rng)
    # The date must fit on its line: shrink the writing when the line is short.
    room = (W - m - 60) - dx0 - 40
    date_h = int(min(dh * 0.9, room / (len(date_w) * 0.62)))
    x_date = dx0 + int(rng.integers(10, 40))
    base = dy - int(rng.integers(8, 20))
    # Glyph widths vary: a date that would still run off the cheque is written smaller.
    for _ in range(6):
        layer = np.zeros_like(Hd)
        dbox = write(layer, date_w, x_date, base, date_h, src, rng)
        if dbox[2] <= W - m - 10:
            break
        date_h = int(date_h * 0.88)
    np.maximum(Hd, layer, out=Hd)
    return Doc(
        P,
        Hd,
        "cheque",
        "cheque",
        {"amount": amount, "date": date},
        {"amount": amount_w, "date": date_w},
        {"amount": abox, "date": dbox},
    )


def envelope(rng: np.random.Generator, src: DigitSource) -> Doc:
    """An envelope: boxed postal-code cells, or a US address with a handwritten ZIP."""
    boxed = rng.random() < 0.5
    W, H = 2400, 1200
    P = np.zeros((H, W), np.float32)
    Hd = np.zeros((H, W), np.float32)
    _rect(P, (W - 330, 80, W - 120, 330), 3)
    _text(P, (W - 225, 205), "STAMP", 34, "mm")
    if boxed:
        n = int(rng.choice([5, 6, 6, 7]))
        digits = "".join(str(d) for d in rng.integers(0, 10, n))
        s, gap = int(rng.integers(70, 95)), int(rng.integers(10, 26))
        x, y = int(rng.integers(120, 260)), int(rng.integers(90, 170))
        cells = [(x + i * (s + gap), y, x + i * (s + gap) + s, y + s) for i in range(n)]
        for c in cells:
            _rect(P, c, 3)
        zbox = write(Hd, digits, 0, 0, int(s * 0.7), src, rng, cells=cells)
        for k in range(3):
            _line(P, (350, 520 + k * 150), (W - 500, 520 + k * 150), 3)
        write(Hd, "", 400, 500, 60, src, rng)
        _text(P, (420, 480), f"{rng.choice(STREETS)}, {rng.choice(CITIES)[0]}", 48)
        _text(P, (700, 630), str(rng.choice(NAMES)).title(), 48)
        return Doc(P, Hd, "envelope", f"box{n}", {"zip": digits}, {"zip": digits}, {"zip": zbox})
    _text(P, (100, 90), str(rng.choice(NAMES)), 34)
    _text(P, (100, 135), str(rng.choice(STREETS)), 34)
    city, st = CITIES[int(rng.integers(len(CITIES)))]
    _text(P, (100, 180), f"{city}, {st} {rng.integers(10000, 99999)}", 34)
    x0, y0 = int(rng.integers(800, 1000)), int(rng.integers(520, 640))
    lines = [str(rng.choice(NAMES)), str(rng.choice(STREETS))]
    for i, t in enumerate(lines):
        _text(P, (x0, y0 + i * 70), t, 50)
    city, st = CITIES[int(rng.integers(len(CITIES)))]
    last = f"{city}, {st}"
    _text(P, (x0, y0 + 2 * 70), last, 50)
    tw = int(ImageDraw.Draw(Image.new("L", (1, 1))).textlength(last, font=_font(50)))
    zip5 = "".join(str(d) for d in rng.integers(0, 10, 5))
    z = zip5 + (
        "-" + "".join(str(d) for d in rng.integers(0, 10, 4)) if rng.random() < 0.25 else ""
    )
    zbox = write(Hd, z, x0 + tw + 40, y0 + 2 * 70 + 50, int(rng.integers(46, 62)), src, rng)
    return Doc(P, Hd, "envelope", "us-zip", {"zip": z}, {"zip": z}, {"zip": zbox})


def form(rng: np.random.Generator, src: DigitSource, template: Template) -> Doc:
    """A form drawn from a template's `draw` entries: labels, comb cells, amount box."""
    W, H = 2480, 3508  # A4 at 300 dpi
    P = np.zeros((H, W), np.float32)
    Hd = np.zeros((H, W), np.float32)
    _text(P, (200, 200), "APPLICATION FORM", 70)
    _line(P, (200, 300), (W - 200, 300), 5)
    truth, written, boxes = {}, {}, {}
    for spec in template.fields:
        d = spec.draw or {}
        y = int(float(d.get("y", 0.2)) * H)
        x = int(float(d.get("x", 0.1)) * W)
        _text(P, (x, y - 70), str(d.get("label", spec.name)), 46)
        if spec.type == "amount":
            bw, bh = int(float(d.get("width", 0.3)) * W), int(d.get("height", 150))
            _rect(P, (x, y, x + bw, y + bh), 3)
            value, w_text = _amount(rng)
            boxes[spec.name] = write(Hd, w_text, x + 40, y + bh - 30, int(bh * 0.65), src, rng)
            truth[spec.name], written[spec.name] = value, w_text
            continue
        groups = [int(g) for g in d.get("groups", [spec.length[1] if spec.length else 8])]
        s, sep = int(d.get("cell", 95)), str(d.get("separator", ""))
        cells, cx = [], x
        for gi, g in enumerate(groups):
            for _ in range(g):
                cells.append((cx, y, cx + s, y + s))
                cx += s
            if gi < len(groups) - 1:
                if sep:
                    _text(P, (cx + 25, y + s // 2), sep, 60, "mm")
                cx += 50
        for c in cells:
            _rect(P, c, 3)
        if spec.type == "date":
            value, _w = _date(rng)
            digits = value.replace("/", "")
        else:
            digits = "".join(str(v) for v in rng.integers(0, 10, len(cells)))
            value = digits
        boxes[spec.name] = write(Hd, digits, 0, 0, int(s * 0.72), src, rng, cells=cells)
        truth[spec.name], written[spec.name] = value, digits
    return Doc(P, Hd, template.name, "form", truth, written, boxes)
