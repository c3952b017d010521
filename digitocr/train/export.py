"""Keras -> SavedModel -> tf2onnx, parity-checked against ONNX Runtime, plus the card.

`tf2onnx.convert.from_keras` fails on Keras 3 models; exporting a SavedModel with
`model.export()` and converting that works.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..classify.card import NORMALISATION, InputSpec, ModelCard, file_sha256
from ..errors import ModelError

__all__ = ["OPSET", "export_onnx", "parity", "write_card"]

OPSET = 17
_DISTRIBUTIONS = {
    "tensorflow": ("tensorflow-cpu", "tensorflow"),
    "keras": ("keras",),
    "tf2onnx": ("tf2onnx",),
    "onnxruntime": ("onnxruntime", "onnxruntime-gpu"),
    "numpy": ("numpy",),
    "cv2": ("opencv-python-headless", "opencv-python"),
}


def export_onnx(model: Any, out: str | Path) -> Path:
    """Write `model` to `out` as ONNX with a dynamic batch axis."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(str(saved), verbose=False)
        cmd = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(saved)]
        cmd += ["--output", str(out), "--opset", str(OPSET)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ModelError(f"tf2onnx failed: {proc.stderr.strip().splitlines()[-1:]}")
    return out


def parity(model: Any, onnx_path: Path, x: npt.NDArray[Any], atol: float = 1e-4) -> float:
    """Largest |Keras - ONNX Runtime| over `x` (N, 28, 28); raises above `atol`."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    ref = np.asarray(model.predict(x[..., None], verbose=0, batch_size=256))
    got = sess.run(None, {name: x[..., None].astype(np.float32)})[0]
    diff = float(np.abs(ref - got).max())
    if diff > atol:
        raise ModelError(f"ONNX export differs from Keras by {diff:.2e} (> {atol:g})")
    return diff


def write_card(
    onnx_path: Path,
    *,
    architecture: str,
    parameters: int,
    training: dict[str, Any],
    metrics: dict[str, Any],
    labels: list[str] | None = None,
) -> ModelCard:
    """Write the card beside the ONNX file; the input name is read from the file itself."""
    import onnx

    model = onnx.load(str(onnx_path))
    inp = model.graph.input[0]
    dims = [d.dim_value if d.dim_value > 0 else None for d in inp.type.tensor_type.shape.dim]
    versions = {"python": platform.python_version(), "onnx": onnx.__version__}
    # From the installed distributions' metadata: importing TensorFlow to ask would
    # cost seconds where it was not loaded (a cascade of exported models).
    for name, dists in _DISTRIBUTIONS.items():
        for dist in dists:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                versions[name] = importlib.metadata.version(dist)
                break
    card = ModelCard(
        architecture=architecture,
        parameters=parameters,
        input=InputSpec(name=inp.name, shape=dims, layout="NHWC", normalisation=NORMALISATION),
        output=model.graph.output[0].name,
        labels=labels or [str(i) for i in range(10)],
        sha256=file_sha256(onnx_path),
        training=training,
        metrics=metrics,
        versions=versions,
    )
    onnx_path.with_suffix(".json").write_text(
        card.model_dump_json(indent=2) + "\n", encoding="utf-8"
    )
    return card
