"""Classifier speed: crops/s in one process, one ONNX Runtime thread, batch 64.

    python bench/speed.py models/digits.onnx [runs/a/digits.onnx ...] [--seconds 4 --repeat 3]

Each model (with its card beside it) reads batches of 64 normalised MNIST test digits for
`--seconds`, `--repeat` times; prints the crops/s of each run (they wander from run to run
on a shared machine, so several are printed, not one).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from score import add_data_option


def main() -> None:
    from digitocr import datasets
    from digitocr.classify.engine import OnnxEngine
    from digitocr.train.evaluate import crops_per_second
    from digitocr.train.fit import prepare

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    add_data_option(ap)
    a = ap.parse_args()
    x = prepare(datasets.load("test", a.data).images[:4096]).astype(np.float32) / 255.0
    for path in a.models:
        engine = OnnxEngine(path, device="cpu", threads=1)
        rates = [crops_per_second(engine, x, a.seconds, a.batch) for _ in range(a.repeat)]
        print(f"{path}: " + " / ".join(f"{r:,.0f}" for r in rates) + " crops/s")


if __name__ == "__main__":
    main()
