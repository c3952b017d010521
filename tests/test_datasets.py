import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from digitocr import datasets
from digitocr.errors import DatasetError


def _write_idx(
    path: Path, arr: np.ndarray, *, magic: bytes | None = None, gz: bool = False
) -> None:
    head = magic or struct.pack(">HBB", 0, 8, arr.ndim)
    raw = head + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.astype(np.uint8).tobytes()
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(raw)
    else:
        path.write_bytes(raw)


def test_read_idx_roundtrip_plain_and_gz(tmp_path: Path) -> None:
    arr = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    _write_idx(tmp_path / "a", arr)
    _write_idx(tmp_path / "b.gz", arr, gz=True)
    assert np.array_equal(datasets.read_idx(tmp_path / "a"), arr)
    assert np.array_equal(datasets.read_idx(tmp_path / "b.gz"), arr)


def test_wrong_magic_is_a_clear_error(tmp_path: Path) -> None:
    _write_idx(tmp_path / "x", np.zeros((1, 28, 28)), magic=b"\x00\x00\x0d\x03")
    with pytest.raises(DatasetError, match="wrong magic"):
        datasets.read_idx(tmp_path / "x")


def test_truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    _write_idx(tmp_path / "x", np.zeros((3, 28, 28)))
    data = (tmp_path / "x").read_bytes()
    (tmp_path / "x").write_bytes(data[:-100])
    with pytest.raises(DatasetError, match="truncated"):
        datasets.read_idx(tmp_path / "x")


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    _write_idx(tmp_path / "x.gz", np.zeros((3, 28, 28)), gz=True)
    data = (tmp_path / "x.gz").read_bytes()
    (tmp_path / "x.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError):
        datasets.read_idx(tmp_path / "x.gz")


def test_missing_folder_names_both_ways_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as err:
        datasets.load("train", tmp_path / "nope")
    assert "DIGITOCR_DATA" in err.value.message and "digitocr data fetch" in err.value.message


def test_env_var_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imgs = np.random.default_rng(0).integers(0, 255, (5, 28, 28)).astype(np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", imgs)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(5))
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    m = datasets.load("test")
    assert m.images.shape == (5, 28, 28) and list(m.labels) == [0, 1, 2, 3, 4]


def test_label_count_mismatch(tmp_path: Path) -> None:
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((5, 28, 28)))
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(4))
    with pytest.raises(DatasetError, match="5 images but 4 labels"):
        datasets.load("test", tmp_path)


def test_fetch_offline_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*a: object, **k: object) -> None:
        raise OSError("network unreachable")

    monkeypatch.setattr(datasets.urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError, match="offline"):
        datasets.fetch(tmp_path)


def test_fetch_rejects_bad_checksum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class Fake(io.BytesIO):
        def __enter__(self) -> "Fake":
            return self

        def __exit__(self, *a: object) -> None:
            pass

    monkeypatch.setattr(
        datasets.urllib.request, "urlopen", lambda *a, **k: Fake(gzip.compress(b"junk"))
    )
    with pytest.raises(DatasetError, match="checksum mismatch"):
        datasets.fetch(tmp_path)
    assert not list(tmp_path.glob("*.gz")), "a file that failed its checksum must not be kept"


def test_shared_mnist_matches_canonical_hashes(mnist_dir: Path) -> None:
    import hashlib

    for stem, digest in datasets.FILES.items():
        raw = datasets._read_bytes(datasets._find(mnist_dir, stem))
        assert hashlib.sha256(raw).hexdigest() == digest
    train = datasets.load("train", mnist_dir)
    assert train.images.shape == (60000, 28, 28)
