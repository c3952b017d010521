"""MNIST in its original IDX format: find, verify, load and (when online) fetch.

NumPy only, so the synthetic-document generator and the tests can use it without
TensorFlow.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import DatasetError

__all__ = ["ENV_VAR", "FILES", "MIRRORS", "Mnist", "default_data_dir", "fetch", "load", "read_idx"]

ENV_VAR = "DIGITOCR_DATA"
# SHA-256 of the *uncompressed* IDX files: robust to a mirror that re-gzips them.
FILES: dict[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_HELP = (
    "set --data or ${env} to a folder holding the four MNIST IDX files "
    "(train-images-idx3-ubyte[.gz], ...), or run `digitocr data fetch` on a connected machine"
).replace("${env}", ENV_VAR)


@dataclass(frozen=True)
class Mnist:
    """One split: images (N, 28, 28) uint8 white-on-black, labels (N,) uint8."""

    images: npt.NDArray[Any]
    labels: npt.NDArray[Any]


def default_data_dir() -> Path:
    """The folder used when neither --data nor DIGITOCR_DATA is given."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digitocr" / "mnist"


def _resolve(data: str | Path | None) -> Path:
    if data:
        return Path(data)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else default_data_dir()


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise DatasetError(f"MNIST file {stem}[.gz] not found in {folder}: {_HELP}")


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatasetError(f"cannot read {path}: {exc}; {_HELP}") from exc


def read_idx(path: str | Path) -> npt.NDArray[Any]:
    """Read one IDX file (gzipped or not) of unsigned bytes into an array."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DatasetError(f"{path} is not an IDX file (only {len(raw)} bytes)")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08 or not 1 <= ndim <= 4:
        raise DatasetError(f"{path} has a wrong magic number {raw[:4].hex()} (expected 0000 08 0N)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path} is truncated inside its header")
    shape = struct.unpack(">" + "I" * ndim, raw[4:header])
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DatasetError(
            f"{path} is truncated or padded: {len(raw) - header} data bytes, expected {expected}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load(split: str = "train", data: str | Path | None = None) -> Mnist:
    """Load the `train` or `test` split from `data`, $DIGITOCR_DATA or the cache folder."""
    if split not in ("train", "test"):
        raise DatasetError(f"unknown split {split!r}: use 'train' or 'test'")
    folder = _resolve(data)
    if not folder.is_dir():
        raise DatasetError(f"MNIST folder {folder} does not exist: {_HELP}")
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1:
        raise DatasetError(f"{folder}: unexpected shapes {images.shape} / {labels.shape}")
    if len(images) != len(labels):
        raise DatasetError(f"{folder}: {len(images)} images but {len(labels)} labels")
    return Mnist(images=images, labels=labels)


def fetch(dest: str | Path | None = None, timeout: float = 30.0) -> Path:
    """Download the four canonical files into `dest` and verify their SHA-256."""
    folder = _resolve(dest)
    folder.mkdir(parents=True, exist_ok=True)
    for stem, digest in FILES.items():
        target = folder / (stem + ".gz")
        if target.is_file() and hashlib.sha256(_read_bytes(target)).hexdigest() == digest:
            continue
        errors: list[str] = []
        for mirror in MIRRORS:
            tmp = target.with_suffix(".part")
            try:
                with (
                    urllib.request.urlopen(mirror + stem + ".gz", timeout=timeout) as r,
                    open(tmp, "wb") as fh,
                ):
                    shutil.copyfileobj(r, fh)
            except OSError as exc:
                errors.append(f"{mirror}: {exc}")
                continue
            got = hashlib.sha256(_read_bytes(tmp)).hexdigest()
            if got != digest:
                tmp.unlink(missing_ok=True)
                errors.append(f"{mirror}: checksum mismatch ({got[:12]}...)")
                continue
            tmp.replace(target)
            break
        else:
            raise DatasetError(
                f"could not download {stem}.gz ({'; '.join(errors)}); this machine may be "
                f"offline: copy the files into {folder} or point {ENV_VAR} at a local copy"
            )
    return folder
