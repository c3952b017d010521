"""The only module that imports onnxruntime: sessions and provider choice."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError, MissingDependencyError, ModelError
from .card import ModelCard, load_card

__all__ = ["OnnxEngine", "ort_available"]

log = logging.getLogger(__name__)
_EXTRA = (
    "install an ONNX Runtime: pip install 'digitocr[cpu]' (or 'digitocr[gpu]' on NVIDIA machines)"
)


def _ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise MissingDependencyError(f"onnxruntime is not installed: {_EXTRA}") from exc
    return onnxruntime


def ort_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


class OnnxEngine:
    """An ONNX Runtime session for a digit model, checked against its card.

    `device`: `auto` takes CUDA only if a session really gets the CUDA provider;
    `cuda` fails where it does not; `cpu` never tries it.
    """

    def __init__(
        self, model: str | Path, *, device: str = "auto", threads: int = 1, turns: bool = True
    ) -> None:
        ort = _ort()
        self.card: ModelCard = load_card(model)
        self.path = Path(model)
        opts = ort.SessionOptions()
        # One intra-op thread: crops are tiny and parallelism comes from worker processes.
        opts.intra_op_num_threads = max(0, threads)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        available = ort.get_available_providers()
        wants_cuda = device in ("auto", "cuda") and "CUDAExecutionProvider" in available
        if device == "cuda" and not wants_cuda:
            raise ConfigError(
                "--device cuda: this onnxruntime has no CUDA provider "
                f"(available: {', '.join(available)}); pip install 'digitocr[gpu]' "
                "with CUDA 12 and cuDNN 9, or use --device cpu"
            )
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"]
            if wants_cuda
            else ["CPUExecutionProvider"]
        )
        try:
            self.session = ort.InferenceSession(str(model), opts, providers=providers)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load model {model}: {str(exc).splitlines()[0]}") from exc
        got = self.session.get_providers()
        if device == "cuda" and "CUDAExecutionProvider" not in got:
            raise ConfigError(
                "--device cuda: the CUDA provider failed to start (CUDA/cuDNN libraries "
                "missing?); use --device cpu or fix the CUDA install"
            )
        self.provider = got[0]
        log.info("ONNX Runtime provider: %s", self.provider)
        self._check_spec()
        # A cascade built with --turn reads its unsure crops turned too, unless its turn
        # threshold (an input with a default) is fed 0: then no crop is turned.
        self._feeds: dict[str, Any] = {}
        if not turns:
            self._feeds = {
                i.name: np.array(0.0, np.float32)
                for i in self.session.get_overridable_initializers()
                if i.name.endswith("cascade_turn_threshold")
            }

    def _check_spec(self) -> None:
        inputs = self.session.get_inputs()
        spec = self.card.input
        if len(inputs) != 1 or inputs[0].name != spec.name:
            names = [i.name for i in inputs]
            raise ModelError(f"{self.path}: inputs {names} differ from the card's {spec.name!r}")
        shape = list(inputs[0].shape)
        want = spec.shape
        same = len(shape) == len(want) and all(
            w is None or s == w for s, w in zip(shape, want, strict=False)
        )
        if not same:
            raise ModelError(f"{self.path}: input shape {shape} differs from the card's {want}")
        out_shape = self.session.get_outputs()[0].shape
        if len(out_shape) != 2:
            raise ModelError(f"{self.path}: output must be (batch, classes)")
        if isinstance(out_shape[1], int) and out_shape[1] != len(self.card.labels):
            raise ModelError(
                f"{self.path}: {out_shape[1]} outputs but the card lists "
                f"{len(self.card.labels)} labels"
            )

    def run(self, batch: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Class probabilities for a (N, 28, 28) batch in [0, 1]."""
        x = batch.astype(np.float32, copy=False)
        x = x[:, None] if self.card.input.layout == "NCHW" else x[..., None]
        out = self.session.run(None, {self.card.input.name: x, **self._feeds})[0]
        return np.asarray(out, dtype=np.float32)
