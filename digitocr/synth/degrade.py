"""Make a clean document look scanned: paper, ink colour, skew, resolution, blur, noise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from .documents import Doc

__all__ = ["Scan", "scan"]


@dataclass(frozen=True)
class Scan:
    """Degradation settings; each value is a (low, high) range drawn per page."""

    skew: tuple[float, float] = (-5.0, 5.0)
    scale: tuple[float, float] = (0.97, 1.03)
    dpi: tuple[int, int] = (150, 300)
    blur: tuple[float, float] = (0.0, 0.9)
    noise: tuple[float, float] = (1.5, 5.0)
    blue_ink: float = 0.4  # probability
    stray_marks: float = 0.5
    colour: float = 0.5  # probability of an RGB page (else greyscale)


def _texture(h: int, w: int, rng: np.random.Generator, cells: int) -> npt.NDArray[Any]:
    small = rng.normal(0, 1, (max(2, h // cells), max(2, w // cells))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def scan(
    doc: Doc, rng: np.random.Generator, cfg: Scan = Scan()
) -> tuple[npt.NDArray[Any], dict[str, object]]:
    """Render `doc` as a scanned RGB page; returns the image and the scan parameters.

    Updates `doc.boxes` in place to the saved image's pixel coordinates.
    """
    H, W = doc.printed.shape
    # Stray marks: a pen slip or a speck somewhere on the page.
    hand = doc.hand.copy()
    if rng.random() < cfg.stray_marks:
        for _ in range(int(rng.integers(1, 4))):
            x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
            cv2.ellipse(
                hand,
                (x, y),
                (int(rng.integers(3, 30)), int(rng.integers(2, 10))),
                float(rng.uniform(0, 180)),
                0,
                float(rng.uniform(30, 200)),
                0.8,
                2,
            )
    paper = np.array([1.0, 1.0, 1.0]) - np.array(
        [rng.uniform(0, 0.08), rng.uniform(0, 0.06), rng.uniform(0, 0.12)]
    )
    tex = 1.0 + 0.008 * _texture(H, W, rng, 40) + 0.01 * _texture(H, W, rng, 4)
    print_ink = np.array([0.1, 0.1, 0.12]) + rng.uniform(0, 0.15)
    hand_ink = (
        np.array([0.55, 0.2, 0.1]) if rng.random() < cfg.blue_ink else np.array([0.12, 0.12, 0.14])
    )  # BGR
    hand_ink = hand_ink * rng.uniform(0.6, 1.1)
    img = paper[None, None, :] * tex[..., None]
    a = doc.printed[..., None]
    img = img * (1 - a) + print_ink * a
    a = (hand * rng.uniform(0.8, 1.0))[..., None]
    img = img * (1 - a) + hand_ink * a
    # Geometry: skew, scale, shift, onto a scanner bed a little larger than the page.
    angle = float(rng.uniform(*cfg.skew))
    scale = float(rng.uniform(*cfg.scale))
    dpi = int(rng.integers(cfg.dpi[0], cfg.dpi[1] + 1))
    f = scale * dpi / 300.0
    mw, mh = int(W * 0.04), int(H * 0.04)
    out_w, out_h = int((W + 2 * mw) * dpi / 300), int((H + 2 * mh) * dpi / 300)
    centre = (W / 2, H / 2)
    m = cv2.getRotationMatrix2D(centre, angle, f)
    m[0, 2] += out_w / 2 - centre[0] + rng.uniform(-0.01, 0.01) * out_w
    m[1, 2] += out_h / 2 - centre[1] + rng.uniform(-0.01, 0.01) * out_h
    bed = (
        np.array([rng.uniform(0.85, 1.0)] * 3) if rng.random() < 0.7 else np.array([0.3, 0.3, 0.3])
    )
    warped = cv2.warpAffine(
        img.astype(np.float32),
        m,
        (out_w, out_h),
        flags=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=tuple(float(b) for b in bed),
    )
    sigma = float(rng.uniform(*cfg.blur))
    if sigma > 0.2:
        warped = cv2.GaussianBlur(warped, (0, 0), sigma)
    noise = float(rng.uniform(*cfg.noise))
    warped = warped * 255 + rng.normal(0, noise, warped.shape)
    out = np.clip(warped, 0, 255).astype(np.uint8)
    for name, b in doc.boxes.items():
        pts = (
            np.array(
                [[b[0], b[1], 1], [b[2], b[1], 1], [b[0], b[3], 1], [b[2], b[3], 1]], np.float64
            )
            @ m.T
        )
        doc.boxes[name] = [
            int(pts[:, 0].min()),
            int(pts[:, 1].min()),
            int(np.ceil(pts[:, 0].max())),
            int(np.ceil(pts[:, 1].max())),
        ]
    params: dict[str, object] = {
        "skew_deg": round(angle, 3),
        "scale": round(scale, 4),
        "dpi": dpi,
        "blur_sigma": round(sigma, 3),
        "noise_sigma": round(noise, 2),
    }
    return out, params
