"""How often a digit turned upside down still reads as a sure digit, per class.

    python bench/upside_down.py [--data ../shared/datasets/mnist] [--count 10000] [--split train]

Each digit (MNIST, the training split by default: the table is used by the pipeline,
so it is not read off the test digits) is turned 180 degrees, normalised as the
pipeline normalises crops, and read by the shipped model. Prints, per class, the share
read as a sure digit (confidence 0.9 or more) and the commonest such labels; one minus
that share is how much a digit of the class tells which way up a page is
(`digitocr.pipeline._TELLS_WAY_UP`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitocr.datasets import load
from digitocr.engines.local import make_predictor
from digitocr.options import RunOptions
from digitocr.segment.normalize import normalize_digit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--split", default="train", choices=["train", "test"])
    a = ap.parse_args()
    mnist = load(a.split, a.data)
    images, labels = mnist.images[: a.count], mnist.labels[: a.count]
    pred = make_predictor(RunOptions(device="cpu"))
    crops = [normalize_digit(np.ascontiguousarray(np.rot90(x, 2))) for x in images]
    out = pred.predict(crops)
    read = np.array([pred.labels[o.label] for o in out])
    sure = np.array([o.confidence >= 0.9 for o in out]) & np.char.isdigit(read.astype(str))
    print("class  n     read_sure  tells_way_up  commonest sure labels")
    for d in range(10):
        m = labels == d
        vals, counts = np.unique(read[m & sure], return_counts=True)
        top = ", ".join(
            f"{v} {c / m.sum():.2f}"
            for v, c in sorted(zip(vals, counts, strict=True), key=lambda t: -t[1])[:3]
        )
        share = float(sure[m].mean())
        print(f"{d}      {m.sum():<5d} {share:9.2f}  {1 - share:12.2f}  {top}")


if __name__ == "__main__":
    main()
