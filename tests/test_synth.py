import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitocr.ingest.rasterize import rasterize
from digitocr.synth.generate import SynthOptions, generate

from .conftest import ROOT


def _gen(
    out: Path, kind: str, seed: int, formats: tuple[str, ...] = ("png",), **kw: object
) -> list[dict]:
    return generate(
        SynthOptions(
            out=out,
            kind=kind,
            count=2,
            formats=formats,
            seed=seed,
            form_template=str(ROOT / "pipelines" / "application-form.yaml"),
            **kw,
        )
    )  # type: ignore[arg-type]


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = _gen(tmp_path / "a", "cheque", 3)
    b = _gen(tmp_path / "b", "cheque", 3)
    c = _gen(tmp_path / "c", "cheque", 4)
    assert a == b and a != c
    assert (tmp_path / "a" / "cheque_0000.png").read_bytes() == (
        tmp_path / "b" / "cheque_0000.png"
    ).read_bytes()


@pytest.mark.parametrize("kind", ["cheque", "envelope", "form"])
def test_truth_boxes_hold_the_handwriting(tmp_path: Path, kind: str) -> None:
    truth = _gen(tmp_path, kind, 5)
    for t in truth:
        img = np.asarray(Image.open(tmp_path / t["file"]).convert("L"), np.float32)
        assert t["size"] == [img.shape[1], img.shape[0]]
        for name, (x0, y0, x1, y1) in t["boxes"].items():
            inside = img[y0:y1, x0:x1]
            assert inside.size and (inside < 120).mean() > 0.03, (
                f"{t['file']} {name}: no ink in its box"
            )
        assert json.loads((tmp_path / "truth.json").read_text()) == truth


def test_every_format_is_readable_including_multipage(tmp_path: Path) -> None:
    truth = generate(
        SynthOptions(
            out=tmp_path,
            kind="cheque",
            count=5,
            formats=("png", "jpg", "tif", "pdf"),
            multipage=2,
            seed=1,
        )
    )
    files = sorted({t["file"] for t in truth})
    assert {Path(f).suffix for f in files} == {".png", ".jpg", ".tif", ".pdf"}
    for f in files:
        pages = list(rasterize(str(tmp_path / f), dpi=100))
        assert len(pages) == sum(1 for t in truth if t["file"] == f)


def test_mnist_source_uses_the_chosen_split(tmp_path: Path, mnist_dir: Path) -> None:
    truth = generate(
        SynthOptions(
            out=tmp_path,
            kind="envelope",
            count=2,
            formats=("png",),
            seed=2,
            source="mnist-test",
            data=str(mnist_dir),
        )
    )
    assert all(t["domain"] == "mnist-test" for t in truth)


def test_the_date_is_written_on_the_cheque_not_past_its_edge() -> None:
    from digitocr.synth.documents import cheque
    from digitocr.synth.handwriting import DigitSource

    src = DigitSource("procedural")
    for seed in range(40):
        doc = cheque(np.random.default_rng(seed), src)
        width = doc.printed.shape[1]
        frame = int(np.nonzero(doc.printed[doc.printed.shape[0] // 2] > 0.5)[0].max())
        assert frame < width - 30
        assert doc.boxes["date"][2] <= frame, f"seed {seed}: the date runs past the cheque"
