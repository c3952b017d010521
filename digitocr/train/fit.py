"""`digitocr train`: the original recipe on MNIST train, validated on a held-out split."""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import datasets
from ..segment.normalize import normalize_digit
from .augment import Augment, augment_batch, not_one_digit
from .models import DEFAULT_ARCH

__all__ = ["TrainOptions", "TrainResult", "cosine_lr", "prepare", "split_indices", "train"]


@dataclass(frozen=True)
class TrainOptions:
    arch: str = DEFAULT_ARCH
    epochs: int = 30
    batch_size: int = 128
    optimizer: str = "adam"  # adam | rmsprop | sgd (momentum 0.9)
    learning_rate: float = 1e-3
    batch_norm: bool = True
    dropout: float = 0.5
    augment: bool = True
    rotation: float = 10.0  # degrees, either way
    shift: float = 0.1  # share of the 28 px, either way
    zoom: float = 0.1  # share of the size (of the width alone with `renormalize`)
    shear: float = 0.0  # slant, with `renormalize`
    renormalize: bool = False  # reshape the digit, then normalise it as the pipeline does
    binarize: float = 0.0  # share of digits thresholded before normalising (`renormalize`)
    lowres: float = 0.0  # share of digits seen as a coarse capture first (`renormalize`)
    variants: float = 0.0  # share of 1s, 7s and 9s drawn in continental forms (`renormalize`)
    scan_augment: float = 0.4
    elastic: float = 0.0  # share of digits given an elastic distortion
    reject: float = 0.0  # share of each batch that is not one digit (an 11th, reject class)
    average: int = 0  # average the weights of the N best epochs when that helps validation
    procedural: float = 0.0  # share of each batch replaced by our pen-stroke renderer's digits
    val_size: int = 5000
    limit: int = 0  # use only the first N training digits (0: all); for smoke tests
    patience: int = 6  # early stopping, on validation loss
    lr_patience: int = 2  # ReduceLROnPlateau
    schedule: str = "plateau"  # plateau (ReduceLROnPlateau) | cosine (decay over `epochs`)
    seed: int = 0
    data: str | None = None
    out: str = "models/digits.onnx"
    workers: int = 0  # 0: TensorFlow's default thread count
    verbose: int = 2


@dataclass
class TrainResult:
    model: Any
    history: dict[str, list[float]]
    options: TrainOptions
    seconds: float
    n_train: int
    n_val: int
    extra: dict[str, Any] = field(default_factory=dict)


def split_indices(n: int, val_size: int, limit: int = 0) -> tuple[Any, Any]:
    """(validation, training) indices into MNIST train.

    The held-out digits do not depend on the training seed: models trained with other
    seeds share one validation split, so a cascade of them can be judged on it.
    """
    order = np.random.default_rng(0).permutation(n)
    if limit:
        order = order[:limit]
    n_val = min(val_size, len(order) // 6)
    return order[:n_val], order[n_val:]


def prepare(images: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Pass MNIST digits through the pipeline's own normaliser (the one normalisation)."""
    out = np.empty_like(images)
    for i, img in enumerate(images):
        out[i] = np.round(normalize_digit(img) * 255).astype(np.uint8)
    return out


def _procedural(digit: int, rng: np.random.Generator) -> npt.NDArray[Any]:
    from ..synth.handwriting import render_glyph

    ink = render_glyph(str(digit), int(rng.integers(20, 90)), rng)
    return np.asarray(np.round(normalize_digit((ink * 255).astype(np.uint8)) * 255), np.uint8)


def _optimizer(name: str, lr: float) -> Any:
    import keras

    if name == "adam":
        return keras.optimizers.Adam(lr)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(lr)
    if name == "sgd":
        return keras.optimizers.SGD(lr, momentum=0.9, nesterov=True)
    from ..errors import ConfigError

    raise ConfigError(f"unknown optimiser {name!r}: use adam, rmsprop or sgd")


def train(opts: TrainOptions) -> TrainResult:
    """Train one model; returns the Keras model (best weights restored) and its history."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    schedule = _lr_schedule(opts)  # an unknown schedule fails before the data loads
    if opts.workers:
        tf.config.threading.set_intra_op_parallelism_threads(opts.workers)
    keras.utils.set_random_seed(opts.seed)
    mnist = datasets.load("train", opts.data)
    val_idx, tr_idx = split_indices(len(mnist.labels), opts.val_size, opts.limit)
    n_val = len(val_idx)
    rng = np.random.default_rng(opts.seed)
    x_tr, y_tr = prepare(mnist.images[tr_idx]), mnist.labels[tr_idx]
    x_val = prepare(mnist.images[val_idx]).astype(np.float32)[..., None] / 255.0
    y_val = mnist.labels[val_idx]
    aug = (
        Augment(
            rotation=opts.rotation,
            shift=opts.shift,
            zoom=opts.zoom,
            scan=opts.scan_augment,
            elastic=opts.elastic,
            renormalize=opts.renormalize,
            shear=opts.shear,
            binarize=opts.binarize,
            lowres=opts.lowres,
            variants=opts.variants,
        )
        if opts.augment
        else Augment(0, 0, 0, 0)
    )

    class Batches(keras.utils.PyDataset):  # type: ignore[misc]
        def __init__(self) -> None:
            # One background thread makes the next batches while TensorFlow trains on
            # this one (OpenCV releases the GIL); one thread keeps the draws in order.
            super().__init__(workers=1, use_multiprocessing=False, max_queue_size=8)
            self.perm = rng.permutation(len(y_tr))

        def __len__(self) -> int:
            return int(np.ceil(len(y_tr) / opts.batch_size))

        def __getitem__(self, i: int) -> tuple[Any, Any]:
            idx = self.perm[i * opts.batch_size : (i + 1) * opts.batch_size]
            x, y = x_tr[idx].copy(), y_tr[idx].copy()
            if opts.procedural:
                # Out-of-domain handwriting: digits drawn by our renderer, normalised alike.
                k = round(opts.procedural * len(idx))
                y[:k] = rng.integers(0, 10, k)
                x[:k] = [_procedural(int(d), rng) for d in y[:k]]
            k = round(opts.reject * len(idx))
            if k:
                # "Not one digit": touching pairs and halves, label 10, normalised alike.
                pick = rng.integers(0, len(y_tr), (k, 2))
                y[-k:] = 10
                x[-k:] = [
                    np.round(normalize_digit(not_one_digit(x_tr[i], x_tr[j], rng)) * 255)
                    for i, j in pick
                ]
            return augment_batch(x, aug, rng, y), y

        def on_epoch_end(self) -> None:
            self.perm = rng.permutation(len(y_tr))

    from .models import build

    model = build(
        opts.arch,
        batch_norm=opts.batch_norm,
        dropout=opts.dropout,
        classes=11 if opts.reject else 10,
    )
    model.compile(
        optimizer=_optimizer(opts.optimizer, opts.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    snapshots = _Snapshots(opts.average)
    callbacks = [
        snapshots.callback,
        schedule,
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=opts.patience, restore_best_weights=True
        ),
    ]
    t0 = time.perf_counter()
    hist = model.fit(
        Batches(),
        validation_data=(x_val, y_val),
        epochs=opts.epochs,
        callbacks=callbacks,
        verbose=opts.verbose,
    )
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    extra: dict[str, Any] = {"options": asdict(opts)}
    if opts.average > 1:
        extra["averaging"] = snapshots.apply_best(model, x_val, y_val, history["val_loss"])
    seconds = time.perf_counter() - t0
    return TrainResult(model, history, opts, seconds, len(tr_idx), n_val, extra)


def cosine_lr(epoch: int, epochs: int, lr: float, floor: float = 1e-5) -> float:
    """Learning rate of `epoch` (0-based) under cosine decay from `lr` to `floor` over
    `epochs` (Loshchilov & Hutter 2017, without restarts)."""
    t = min(1.0, epoch / max(1, epochs - 1))
    return floor + 0.5 * (lr - floor) * (1.0 + math.cos(math.pi * t))


def _lr_schedule(opts: TrainOptions) -> Any:
    import keras

    if opts.schedule == "plateau":
        return keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=opts.lr_patience, min_lr=1e-5
        )
    if opts.schedule == "cosine":
        return keras.callbacks.LearningRateScheduler(
            lambda epoch: cosine_lr(epoch, opts.epochs, opts.learning_rate)
        )
    from ..errors import ConfigError

    raise ConfigError(f"unknown learning-rate schedule {opts.schedule!r}: use plateau or cosine")


class _Snapshots:
    """Keep each epoch's weights; afterwards try the average of the N best (a "soup").

    Averaging the weights of nearby low-loss epochs (Izmailov et al. 2018, SWA) lands
    in a flatter minimum; it is kept only when it lowers the validation loss.
    """

    def __init__(self, keep: int) -> None:
        import keras

        self.keep = keep
        self.weights: list[list[npt.NDArray[Any]]] = []
        snapshots = self

        class Callback(keras.callbacks.Callback):  # type: ignore[misc]
            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                if snapshots.keep > 1:
                    snapshots.weights.append(
                        [np.array(w, copy=True) for w in self.model.get_weights()]
                    )

        self.callback = Callback()

    def apply_best(
        self, model: Any, x_val: Any, y_val: Any, val_loss: list[float]
    ) -> dict[str, Any]:
        best = [int(i) for i in np.argsort(val_loss)[: self.keep]]
        single_loss, single_acc = model.evaluate(x_val, y_val, verbose=0)
        restored = model.get_weights()
        chosen = [self.weights[i] for i in best]
        model.set_weights([np.mean(ws, axis=0) for ws in zip(*chosen, strict=True)])
        loss, acc = model.evaluate(x_val, y_val, verbose=0)
        used = loss < single_loss
        if not used:
            model.set_weights(restored)
        self.weights.clear()
        return {
            "epochs": sorted(i + 1 for i in best),
            "val_loss": round(float(loss), 5),
            "val_accuracy": round(float(acc), 5),
            "single_val_loss": round(float(single_loss), 5),
            "single_val_accuracy": round(float(single_acc), 5),
            "used": bool(used),
        }


def out_paths(onnx_path: str | Path) -> dict[str, Path]:
    p = Path(onnx_path)
    return {
        "onnx": p,
        "card": p.with_suffix(".json"),
        "curves": p.with_name(p.stem + "_curves.png"),
        "confusion": p.with_name(p.stem + "_confusion.png"),
    }
