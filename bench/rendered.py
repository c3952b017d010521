"""The classifier on MNIST test digits as they reach it from a scan, against the raw digits.

    python bench/rendered.py [--data ../shared/datasets/mnist] [--heights 30,45,70]

Each test digit is drawn the way `digitocr synth` writes it on a page (cropped, scaled
to a height in pixels with cubic interpolation), printed dark on light paper, blurred
and given sensor noise, binarised with Otsu's threshold (scikit-image), and normalised by
`normalize_digit`, the code the pipeline and the training share. Prints the accuracy on
the raw digits (as `digitocr evaluate` feeds them) and on the rendered ones, and how many
digits only the rendering gets wrong.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from score import add_data_option
from skimage.filters import threshold_otsu

from digitocr.datasets import load
from digitocr.engines.local import make_predictor
from digitocr.options import RunOptions
from digitocr.segment.normalize import normalize_digit
from digitocr.train.fit import prepare

ROOT = Path(__file__).resolve().parent.parent


def render(img: np.ndarray, height: int, rng: np.random.Generator) -> np.ndarray:
    ys, xs = np.nonzero(img > 30)
    crop = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255
    w = max(2, round(crop.shape[1] * height / crop.shape[0]))
    ink = np.clip(cv2.resize(crop, (w, height), interpolation=cv2.INTER_CUBIC) * 1.15, 0, 1)
    ink = cv2.copyMakeBorder(ink, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=0)
    page = cv2.GaussianBlur(235 - 205 * ink, (0, 0), 0.6) + rng.normal(0, 2, ink.shape)
    mask = np.where(page < threshold_otsu(page), 255, 0).astype(np.uint8)
    return normalize_digit(mask)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    add_data_option(ap)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "digits.onnx")
    ap.add_argument("--heights", default="30,45,70", help="digit heights in pixels")
    a = ap.parse_args()
    predict = make_predictor(RunOptions(model=a.model, device="cpu"))
    test = load("test", a.data)
    raw_x = prepare(test.images).astype(np.float32) / 255  # as `digitocr evaluate` does
    raw = np.argmax(predict(list(raw_x)), axis=1) == test.labels
    print(f"raw digits (normalised as in training)  accuracy {raw.mean():.4f}")
    rng = np.random.default_rng(0)
    for height in (int(h) for h in a.heights.split(",")):
        ok = np.argmax(predict([render(x, height, rng) for x in test.images]), 1) == test.labels
        print(
            f"rendered at {height:3d} px                 accuracy {ok.mean():.4f}  "
            f"wrong only when rendered {int((~ok & raw).sum())}"
        )


if __name__ == "__main__":
    main()
