"""Train, export, check parity, evaluate, and write the card and plots: the whole path."""

from __future__ import annotations

import functools
import logging
from dataclasses import asdict
from typing import Any

import numpy as np

from .. import datasets
from ..classify.card import REJECT
from .evaluate import Evaluation, evaluate, plot_confusion, plot_curves, plot_mistakes
from .export import export_onnx, parity, write_card
from .fit import TrainOptions, out_paths, prepare, train

__all__ = ["train_and_export"]

log = logging.getLogger(__name__)


def train_and_export(opts: TrainOptions, *, evaluate_test: bool = True) -> dict[str, Any]:
    """Run the full training path; returns the metrics written into the card."""
    result = train(opts)
    paths = out_paths(opts.out)
    export_onnx(result.model, paths["onnx"])
    # Parity on real digits: the first 512 of the test split (or train if absent).
    try:
        sample = datasets.load("test", opts.data).images[:512]
    except Exception:
        sample = datasets.load("train", opts.data).images[:512]
    diff = parity(result.model, paths["onnx"], prepare(sample).astype(np.float32) / 255.0)
    h = result.history
    best = int(np.argmin(h["val_loss"]))
    metrics: dict[str, Any] = {
        "val_accuracy": round(h["val_accuracy"][best], 5),
        "val_loss": round(h["val_loss"][best], 5),
        "best_epoch": best + 1,
        "epochs_run": len(h["val_loss"]),
        "train_seconds": round(result.seconds, 1),
        "keras_onnx_max_abs_diff": diff,
    }
    averaging = result.extra.get("averaging")
    if averaging:
        metrics["weight_average"] = averaging
        if averaging["used"]:
            metrics["val_accuracy"] = averaging["val_accuracy"]
            metrics["val_loss"] = averaging["val_loss"]
    training = {
        "data": "MNIST train split (60k) minus a held-out validation split",
        "n_train": result.n_train,
        "n_val": result.n_val,
        "recipe": asdict(opts),
    }
    params = int(result.model.count_params())
    labels = [str(i) for i in range(10)] + ([REJECT] if opts.reject else [])
    card = functools.partial(
        write_card,
        paths["onnx"],
        architecture=opts.arch,
        parameters=params,
        training=training,
        metrics=metrics,  # the same dict: test figures added below reach the second write
        labels=labels,
    )
    card()
    plot_curves(h, paths["curves"])
    if evaluate_test:
        ev: Evaluation = evaluate(paths["onnx"], opts.data)
        metrics.update(ev.export())
        test_images = datasets.load("test", opts.data).images
        plot_confusion(ev, paths["confusion"])
        plot_mistakes(
            ev, test_images, paths["onnx"].with_name(paths["onnx"].stem + "_mistakes.png")
        )
        card()
    return metrics
