"""Shared fixtures: the MNIST folder (or a reasoned skip), the shipped model, generated docs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from digitocr.options import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _mnist_dir() -> Path | None:
    for cand in (os.environ.get("DIGITOCR_DATA"), ROOT.parent / "shared" / "datasets" / "mnist"):
        if (cand and (Path(cand) / "t10k-images-idx3-ubyte.gz").is_file()) or (
            cand and (Path(cand) / "t10k-images-idx3-ubyte").is_file()
        ):
            return Path(cand)  # type: ignore[arg-type]
    return None


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    d = _mnist_dir()
    if d is None:
        if os.environ.get("DIGITOCR_REQUIRE_DATA"):
            pytest.fail(
                "DIGITOCR_REQUIRE_DATA is set but no MNIST folder was found (set DIGITOCR_DATA)"
            )
        pytest.skip("no MNIST dataset: set DIGITOCR_DATA to a folder with the IDX files")
    return d


@pytest.fixture(scope="session")
def model_path() -> Path:
    assert DEFAULT_MODEL.is_file(), "the shipped model models/digits.onnx is missing"
    return DEFAULT_MODEL


@pytest.fixture(scope="session")
def predictor(model_path: Path):
    from digitocr.engines.local import make_predictor
    from digitocr.options import RunOptions

    return make_predictor(RunOptions(model=model_path, device="cpu"))


@pytest.fixture(scope="session")
def synth_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A few generated documents of each kind (procedural handwriting, fixed seeds)."""
    from digitocr.synth.generate import SynthOptions, generate

    out = {}
    for kind in ("cheque", "envelope", "form"):
        folder = tmp_path_factory.mktemp(kind)
        generate(
            SynthOptions(
                out=folder,
                kind=kind,
                count=6,
                formats=("png", "jpg"),
                seed=11,
                form_template=str(ROOT / "pipelines" / "application-form.yaml"),
            )
        )
        out[kind] = folder
    return out


def blank_page(h: int = 1000, w: int = 1400) -> np.ndarray:
    return np.full((h, w), 235, np.uint8)
