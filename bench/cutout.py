"""Cut-out single digits: MNIST test digits scanned one to an image, read by templates.

    python bench/cutout.py [--limit 10000] [--templates digit,digits] [--seed 0]

Each MNIST test digit is drawn as `digitocr synth` draws MNIST handwriting (its ink box
scaled to 68 pixels high, the height of a form's comb digit at 300 dpi), then scanned as
`synth` scans a page (ink and paper levels, 150-300 dpi, blur up to 0.9 pixel, noise of
1.5-5 grey levels) with a 30-pixel margin, and read whole by each template. Prints the
digits read wrong (a value that is not that one digit: a misread, two digits, none) and
how many were sent to review, beside the classifier on the MNIST images themselves.
Test digits only: measure, never tune on them.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from score import add_data_option


def scan(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 MNIST digit as a grey scan of a cut-out digit."""
    ys, xs = np.nonzero(img > 30)
    crop = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    h = 68
    w = max(2, round(crop.shape[1] * h / crop.shape[0]))
    ink = np.clip(cv2.resize(crop, (w, h), interpolation=cv2.INTER_CUBIC) * 1.15, 0, 1)
    alpha = np.pad(ink, 30) * rng.uniform(0.8, 1.0)
    dark, paper = 0.13 * rng.uniform(0.6, 1.1), rng.uniform(0.85, 1.0)
    page = paper * (1 - alpha) + dark * alpha
    f = rng.uniform(0.97, 1.03) * rng.integers(150, 301) / 300
    page = cv2.resize(
        page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    )
    sigma = rng.uniform(0, 0.9)
    if sigma > 0.2:
        page = cv2.GaussianBlur(page, (0, 0), sigma)
    page = page * 255 + rng.normal(0, rng.uniform(1.5, 5.0), page.shape)
    return np.clip(page, 0, 255).astype(np.uint8)


def main() -> None:
    import digitocr
    from digitocr import datasets
    from digitocr.engines.local import make_predictor
    from digitocr.options import RunOptions
    from digitocr.train.fit import prepare

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=10000)
    ap.add_argument("--templates", default="digit,digits")
    ap.add_argument("--seed", type=int, default=0)
    add_data_option(ap)
    a = ap.parse_args()
    test = datasets.load("test", a.data)
    images, labels = test.images[: a.limit], test.labels[: a.limit]
    rng = np.random.default_rng(a.seed)
    scans = [scan(img, rng) for img in images]
    predictor = make_predictor(RunOptions())
    x = prepare(images).astype(np.float32) / 255.0
    direct = np.array([p.label for p in predictor.predict(list(x))])
    print(f"{len(labels)} MNIST test digits; the classifier on the MNIST images: "
          f"{int((direct != labels).sum())} wrong")  # fmt: skip
    for name in a.templates.split(","):
        wrong = review = apart = 0
        for img, label in zip(scans, labels, strict=True):
            rec = digitocr.read(img, template=name, predictor=predictor)[0]
            field = next(iter(rec.fields.values()))
            value = field.value or ""
            wrong += value != str(label)
            apart += len(value) != 1
            review += field.needs_review
        print(f"template {name:8s} {wrong:5d} wrong ({apart} not one digit), "
              f"{review} to review")  # fmt: skip


if __name__ == "__main__":
    main()
