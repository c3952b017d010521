"""Keras architectures selectable by name (`digitocr train --arch`)."""

from __future__ import annotations

from typing import Any

__all__ = ["ARCHS", "DEFAULT_ARCH", "build"]

ARCHS = ("mlp", "cnn", "resnet", "digitnet", "digitnet2", "digitnet3")
DEFAULT_ARCH = "digitnet"


def _conv_bn(
    x: Any,
    filters: int,
    L: Any,
    batch_norm: bool,
    size: int = 3,
    strides: int = 1,
    padding: str = "same",
) -> Any:
    x = L.Conv2D(filters, size, strides=strides, padding=padding, use_bias=not batch_norm)(x)
    if batch_norm:
        x = L.BatchNormalization()(x)
    return L.ReLU()(x)


def build(arch: str, *, batch_norm: bool = True, dropout: float = 0.5, classes: int = 10) -> Any:
    """Build an uncompiled Keras model taking (N, 28, 28, 1) in [0, 1], giving softmax(classes)."""
    import keras
    from keras import layers as L

    inp = keras.Input((28, 28, 1), name="image")
    if arch == "mlp":
        x = L.Flatten()(inp)
        for units in (512, 256):
            x = L.Dense(units, use_bias=not batch_norm)(x)
            if batch_norm:
                x = L.BatchNormalization()(x)
            x = L.ReLU()(x)
            x = L.Dropout(dropout * 0.5)(x)
    elif arch == "cnn":  # the original design
        x = L.Conv2D(32, 3)(inp)
        if batch_norm:
            x = L.BatchNormalization()(x)
        x = L.MaxPooling2D()(L.ReLU()(x))
        x = L.Conv2D(64, 3)(x)
        if batch_norm:
            x = L.BatchNormalization()(x)
        x = L.MaxPooling2D()(L.ReLU()(x))
        x = L.Flatten()(x)
        x = L.Dense(128, activation="relu")(x)
        x = L.Dropout(dropout)(x)
    elif arch == "resnet":  # a small residual CNN
        x = _conv_bn(inp, 32, L, batch_norm)
        for filters in (32, 64, 64):
            shortcut = x
            if shortcut.shape[-1] != filters:
                shortcut = L.Conv2D(filters, 1, use_bias=False)(shortcut)
            y = _conv_bn(x, filters, L, batch_norm)
            y = L.Conv2D(filters, 3, padding="same")(y)
            x = L.ReLU()(L.Add()([shortcut, y]))
            x = L.MaxPooling2D()(x) if filters != 32 or x.shape[1] == 28 else x
        x = L.GlobalAveragePooling2D()(x)
        x = L.Dropout(dropout * 0.5)(x)
    elif arch == "digitnet":  # our default: two double-conv blocks, fast on one CPU core
        x = inp
        for filters in (32, 64):
            x = _conv_bn(x, filters, L, batch_norm)
            x = _conv_bn(x, filters, L, batch_norm)
            x = L.MaxPooling2D()(x)
            x = L.Dropout(dropout * 0.5)(x)
        x = L.Flatten()(x)
        x = L.Dense(256, use_bias=not batch_norm)(x)
        if batch_norm:
            x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
        x = L.Dropout(dropout)(x)
    elif arch == "digitnet2":
        # A third of digitnet's arithmetic (6.9M multiply-adds a crop, not 19M): one 5x5
        # layer at full size, one at half, two at a quarter; the fast cascade member.
        x = _conv_bn(inp, 32, L, batch_norm, 5)
        x = L.MaxPooling2D()(x)
        x = _conv_bn(x, 48, L, batch_norm)
        x = L.MaxPooling2D()(x)
        x = L.Dropout(dropout * 0.25)(x)
        x = _conv_bn(x, 64, L, batch_norm)
        x = _conv_bn(x, 64, L, batch_norm)
        x = L.Dropout(dropout * 0.25)(x)
        x = L.Flatten()(x)
        x = L.Dense(128, use_bias=not batch_norm)(x)
        if batch_norm:
            x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
        x = L.Dropout(dropout)(x)
    elif arch == "digitnet3":
        # Deeper and slower (about 14M multiply-adds a crop): stride-2 5x5 convolutions
        # instead of pooling, after Deotte's Kaggle MNIST design. Too slow to read every
        # crop; a cascade's later member, which reads only the crops the first is unsure of.
        x = inp
        for filters in (32, 64):
            x = _conv_bn(x, filters, L, batch_norm, 3, padding="valid")
            x = _conv_bn(x, filters, L, batch_norm, 3, padding="valid")
            x = _conv_bn(x, filters, L, batch_norm, 5, strides=2)
            x = L.Dropout(dropout * 0.8)(x)
        x = _conv_bn(x, 128, L, batch_norm, 4, padding="valid")
        x = L.Flatten()(x)
        x = L.Dropout(dropout * 0.8)(x)
    else:
        from ..errors import ConfigError

        raise ConfigError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHS)}")
    out = L.Dense(classes, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name=arch)
