"""`digitocr evaluate`: an ONNX model on the MNIST test split, through ONNX Runtime only."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import datasets

__all__ = ["Evaluation", "evaluate", "rejection_curve"]


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    per_class: list[float]
    confusion: npt.NDArray[Any]
    error_at_reject: dict[str, float]  # e.g. {"1%": 0.0012}
    crops_per_s: float  # one process, one intra-op thread, batch 64
    n: int
    probs: npt.NDArray[Any]
    labels: npt.NDArray[Any]

    def export(self) -> dict[str, Any]:
        return {
            "test_accuracy": round(self.accuracy, 5),
            "test_n": self.n,
            "per_class_accuracy": [round(a, 5) for a in self.per_class],
            "test_error_at_reject": {k: round(v, 5) for k, v in self.error_at_reject.items()},
            "crops_per_s_1thread_b64": round(self.crops_per_s),
        }


def rejection_curve(
    probs: npt.NDArray[Any], labels: npt.NDArray[Any], rates: tuple[float, ...]
) -> dict[str, float]:
    """Error rate among the kept crops when the least confident `rate` are rejected."""
    conf = probs.max(axis=1)
    wrong = probs.argmax(axis=1) != labels
    order = np.argsort(conf)  # least confident first
    out = {}
    for r in rates:
        kept = order[round(r * len(order)) :]
        out[f"{r * 100:g}%"] = float(wrong[kept].mean()) if len(kept) else 0.0
    return out


def crops_per_second(
    engine: Any, x: npt.NDArray[Any], seconds: float = 2.0, batch: int = 64
) -> float:
    """crops/s over `x` in batches of `batch`, cycling through all of it.

    Not one batch repeated: a cascade asks its later members only about the crops its
    first is unsure of, so its speed depends on which crops it reads.
    """
    for i in range(0, min(len(x), 5 * batch), batch):  # warm up
        engine.run(x[i : i + batch])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for i in range(0, len(x), batch):
            n += len(engine.run(x[i : i + batch]))
    return n / (time.perf_counter() - t0)


def evaluate(
    model: str | Path, data: str | None = None, *, limit: int = 0, turns: bool = True
) -> Evaluation:
    from ..classify.engine import OnnxEngine
    from .fit import prepare

    test = datasets.load("test", data)
    images, labels = test.images, test.labels
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = prepare(images).astype(np.float32) / 255.0
    engine = OnnxEngine(model, device="cpu", threads=1, turns=turns)
    probs = np.concatenate([engine.run(x[i : i + 512]) for i in range(0, len(x), 512)])
    # Digits only: a reject output is for crops that are not one digit, never a test answer.
    probs = probs[:, engine.card.digit_columns]
    pred = probs.argmax(axis=1)
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (labels, pred), 1)
    per_class = [float(confusion[c, c] / max(1, confusion[c].sum())) for c in range(10)]
    return Evaluation(
        accuracy=float((pred == labels).mean()),
        per_class=per_class,
        confusion=confusion,
        error_at_reject=rejection_curve(probs, labels, (0.0, 0.01, 0.05)),
        crops_per_s=crops_per_second(engine, x[:4096]),
        n=len(labels),
        probs=probs,
        labels=labels,
    )


def plot_confusion(ev: Evaluation, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.imshow(np.log1p(ev.confusion), cmap="Blues")
    for i in range(10):
        for j in range(10):
            v = ev.confusion[i, j]
            if v:
                ax.text(
                    j,
                    i,
                    str(v),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if i == j else "black",
                )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"MNIST test confusion (accuracy {ev.accuracy * 100:.2f}%)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_mistakes(ev: Evaluation, images: npt.NDArray[Any], path: Path, n: int = 32) -> None:
    """The most confident mistakes as a grid, each titled 'true->pred conf'."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pred = ev.probs.argmax(axis=1)
    wrong = np.nonzero(pred != ev.labels)[0]
    wrong = wrong[np.argsort(-ev.probs[wrong].max(axis=1))][:n]
    cols = 8
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.4))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, i in zip(np.atleast_1d(axes).ravel(), wrong, strict=False):
        ax.imshow(images[i], cmap="gray")
        ax.set_title(f"{ev.labels[i]}->{pred[i]} {ev.probs[i].max():.2f}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_curves(history: dict[str, list[float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = range(1, len(history.get("loss", [])) + 1)
    for key, ax in (("accuracy", a), ("loss", b)):
        ax.plot(epochs, history.get(key, []), label=f"train {key}")
        ax.plot(epochs, history.get("val_" + key, []), label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
