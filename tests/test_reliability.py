"""Bad input never stops a batch; interruption never loses or breaks output."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import digitocr
from digitocr.errors import DigitocrError
from digitocr.options import RunOptions

from .conftest import ROOT

SAMPLES = ROOT / "samples"


def _png(path: Path, arr: np.ndarray) -> Path:
    Image.fromarray(arr).save(path)
    return path


def _bad_inputs(d: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, expected substring of the error; '' when the page reads as ok)."""
    import pikepdf

    good = (d / "good.png").write_bytes or None
    del good
    ok_png = _png(d / "ok.png", np.full((120, 200), 230, np.uint8)).read_bytes()
    jpg = d / "x.jpg"
    Image.fromarray(np.full((120, 200), 200, np.uint8)).save(jpg)
    out = {
        "zero-byte": (d / "zero.png", "empty file"),
        "truncated png": (d / "trunc.png", "truncated"),
        "truncated jpeg": (d / "trunc.jpg", "truncated"),
        "text named png": (d / "text.png", "not a readable image"),
        "unsupported": (d / "data.xyz", "not a readable image"),
        "missing": (d / "missing.png", "file not found"),
        "encrypted pdf": (d / "enc.pdf", "encrypted"),
        "corrupt pdf": (d / "corrupt.pdf", "corrupt PDF"),
        "bomb": (d / "bomb.png", "--max-pixels"),
        "one pixel": (d / "one.png", ""),
        "all white": (d / "white.png", ""),
        "all black": (d / "black.png", ""),
        "spaces and non-ascii": (d / "sub dir" / "näme ü.png", ""),
    }
    (d / "zero.png").write_bytes(b"")
    (d / "trunc.png").write_bytes(ok_png[: len(ok_png) // 2])
    (d / "trunc.jpg").write_bytes(jpg.read_bytes()[:200])
    (d / "text.png").write_text("not an image\n")
    (d / "data.xyz").write_text("?")
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.save(d / "enc.pdf", encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    (d / "corrupt.pdf").write_bytes(b"%PDF-1.4\ngarbage\n%%EOF")
    Image.new("1", (20000, 20000)).save(d / "bomb.png")
    _png(d / "one.png", np.full((1, 1), 255, np.uint8))
    _png(d / "white.png", np.full((700, 1000), 255, np.uint8))
    _png(d / "black.png", np.zeros((700, 1000), np.uint8))
    (d / "sub dir").mkdir()
    _png(d / "sub dir" / "näme ü.png", np.full((200, 300), 230, np.uint8))
    return out


@pytest.mark.parametrize("rasterizer", ["poppler", "pdfium"])
def test_each_bad_input_is_one_failed_record(tmp_path: Path, predictor, rasterizer: str) -> None:
    from digitocr.api import process_batch

    cases = _bad_inputs(tmp_path)
    records = []
    opts = RunOptions(template="cheque", rasterizer=rasterizer, max_pixels=50_000_000, workers=1)
    inputs = [str(f) for f, _ in cases.values()] + [str(SAMPLES / "cheque" / "cheque_0000.jpg")]
    summary = process_batch(inputs, opts, records.append)
    assert len(records) == len(cases) + 1, "one record per input, none lost"
    for (name, (path, expected)), rec in zip(cases.items(), records, strict=False):
        assert rec.file == str(path), name
        if expected:
            assert rec.status == "failed" and expected in (rec.error or ""), (name, rec.error)
            assert "\n" not in rec.error
        else:
            assert rec.status == "ok", (name, rec.error)
            assert all(f.value is None and f.needs_review for f in rec.fields.values()), name
    assert records[-1].status == "ok" and records[-1].fields["amount"].value, "the batch went on"
    assert summary.exit_code == 1 and summary.failed == sum(1 for _, e in cases.values() if e)


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    from digitocr.ingest.sources import iter_inputs

    (tmp_path / "a").mkdir()
    _png(tmp_path / "a" / "x.png", np.zeros((5, 5), np.uint8))
    os.symlink("..", tmp_path / "a" / "loop")
    files = list(iter_inputs([tmp_path]))
    assert files == [str(tmp_path / "a" / "x.png")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its permissions")
def test_unreadable_file(tmp_path: Path, predictor) -> None:
    p = _png(tmp_path / "p.png", np.zeros((5, 5), np.uint8))
    p.chmod(0)
    rec = digitocr.read(p, "digits", predictor=predictor)[0]
    assert rec.status == "failed" and "permission" in (rec.error or "")


def test_many_page_pdf_page_by_page(tmp_path: Path, predictor) -> None:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(60):
        pdf.add_blank_page(page_size=(300, 200))
    pdf.save(tmp_path / "long.pdf")
    recs = digitocr.read(
        tmp_path / "long.pdf", "digits", options=RunOptions(dpi=50), predictor=predictor
    )
    assert [r.page for r in recs] == list(range(1, 61)) and all(r.status == "ok" for r in recs)


def test_page_timeout_becomes_a_failed_record(predictor) -> None:
    from digitocr.engines.local import iter_file_records
    from digitocr.templates.schema import load_template

    opts = RunOptions(template="cheque", page_timeout=0.001)
    path = str(SAMPLES / "multipage" / "cheque_0000.pdf")
    recs = list(iter_file_records(path, load_template("cheque"), predictor, opts))
    assert recs and recs[0].status == "failed" and "page-timeout" in (recs[0].error or "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=st.integers(1, 300),
    w=st.integers(1, 300),
    dtype=st.sampled_from([np.uint8, np.uint16, np.float32, np.float64, np.int32, bool]),
    channels=st.sampled_from([0, 1, 3, 4]),
    seed=st.integers(0, 2**16),
)
def test_any_array_gives_records_or_a_typed_error(
    predictor, h: int, w: int, dtype: type, channels: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels == 0 else (h, w, channels)
    arr = (rng.random(shape) * 255).astype(dtype)
    for template in ("digits", "cheque", "form"):
        try:
            recs = digitocr.read(arr, template, predictor=predictor)
        except DigitocrError:
            continue
        assert len(recs) == 1 and recs[0].status in ("ok", "failed")
        if recs[0].status == "failed":
            assert "internal error" not in (recs[0].error or ""), recs[0].error


def test_fuzz_input_bytes(tmp_path: Path, predictor) -> None:
    """Random and mutated bytes, for a few seconds: never a crash, never an internal error."""
    rng = np.random.default_rng(0)
    seeds = [p.read_bytes() for p in sorted((SAMPLES / "cheque").iterdir()) if p.suffix != ".json"]
    seeds.append(_png(tmp_path / "s.png", np.full((40, 60), 200, np.uint8)).read_bytes())
    deadline = time.monotonic() + float(os.environ.get("DIGITOCR_FUZZ_SECONDS", "4"))
    tried = 0
    while time.monotonic() < deadline:
        base = bytearray(seeds[tried % len(seeds)])
        if tried % 5 == 0:
            data = bytes(rng.integers(0, 256, int(rng.integers(0, 2000)), dtype=np.uint8))
        else:
            for _ in range(int(rng.integers(1, 20))):
                base[int(rng.integers(0, len(base)))] = int(rng.integers(0, 256))
            data = bytes(base[: int(rng.integers(1, len(base) + 1))])
        p = tmp_path / f"f{tried}{['.png', '.jpg', '.pdf', '.tif'][tried % 4]}"
        p.write_bytes(data)
        recs = digitocr.read(p, "digits", options=RunOptions(dpi=72), predictor=predictor)
        assert recs and all("internal error" not in (r.error or "") for r in recs), recs[0].error
        p.unlink()
        tried += 1
    assert tried > 5


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "digitocr", "run", *args]


def _many_inputs(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    src = (SAMPLES / "cheque" / "cheque_0000.jpg").read_bytes()
    (folder / "c000.jpg").write_bytes(src)
    for i in range(1, n):
        os.link(folder / "c000.jpg", folder / f"c{i:03d}.jpg")
    return folder


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".json"])
def test_killed_run_resumes_to_the_same_result(tmp_path: Path, suffix: str) -> None:
    folder = _many_inputs(tmp_path, 24)
    full, part = tmp_path / f"full{suffix}", tmp_path / f"part{suffix}"
    subprocess.run(_cli(str(folder), "--out", str(full), "--workers", "1", "-q"), check=True)
    proc = subprocess.Popen(_cli(str(folder), "--out", str(part), "--workers", "1", "-q"))
    # Kill it hard once some records are out (JSON writes nothing until the end).
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        if suffix == ".json" and time.monotonic() - t0 > 2.5:
            break
        if suffix != ".json" and part.is_file() and part.read_text().count("\n") >= 6:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    if suffix == ".json":
        assert not part.exists() or json.loads(part.read_text()), "JSON is complete or absent"
    r = subprocess.run(
        _cli(str(folder), "--out", str(part), "--workers", "1", "--resume"),
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr

    def load(p: Path) -> list[str]:
        if suffix == ".json":
            return sorted(json.dumps(x, sort_keys=True) for x in json.loads(p.read_text()))
        if suffix == ".jsonl":
            return sorted(
                json.dumps(json.loads(x), sort_keys=True) for x in p.read_text().splitlines()
            )
        return sorted(p.read_text().splitlines())

    assert load(part) == load(full), "nothing lost, nothing duplicated"


def test_sigterm_stops_cleanly_and_says_interrupted(tmp_path: Path) -> None:
    folder = _many_inputs(tmp_path, 300)
    out = tmp_path / "r.json"
    overlays = tmp_path / "overlays"
    proc = subprocess.Popen(
        _cli(str(folder), "--out", str(out), "--workers", "1", "--overlays", str(overlays)),
        stderr=subprocess.PIPE,
        text=True,
    )
    # Signal once pages have been read (an overlay per page, drawn before its record is
    # written): a loaded machine can take seconds to start, and a signal during start-up
    # stops it before any page.
    deadline = time.monotonic() + 60
    while len(list(overlays.glob("*.png"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    done = json.loads(out.read_text())
    assert 0 < len(done) < 300 and "--resume" in err


def test_resume_drops_a_half_written_line(tmp_path: Path) -> None:
    from digitocr.options import OutputFormat
    from digitocr.output.writers import Writer, read_done

    out = tmp_path / "r.jsonl"
    good = json.dumps({"file": "a.png", "page": 1})
    out.write_text(good + "\n" + '{"file": "b.png", "pa')
    assert read_done(out, OutputFormat.jsonl) == {("a.png", 1)}
    Writer(out, OutputFormat.jsonl, ["x"], append=True).close()
    assert out.read_text() == good + "\n"
