"""The command line, three ways: CliRunner, exit codes, and a real subprocess."""

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digitocr.cli import app
from digitocr.errors import ExitCode

from .conftest import ROOT
from .contract import RecordOut

runner = CliRunner()
SAMPLES = ROOT / "samples"


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_csv_on_stdout_by_default() -> None:
    code, out, err = _run("run", str(SAMPLES / "cheque"), "--template", "cheque", "--workers", "1")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "file",
        "page",
        "template",
        "status",
        "error",
        "amount",
        "amount_confidence",
        "amount_needs_review",
        "date",
        "date_confidence",
        "date_needs_review",
    ]
    assert len(rows) == 5 and all(r[3] == "ok" for r in rows[1:])
    assert "pages" in err and "need review" in err, "the summary goes to stderr"


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_outputs_follow_the_contract(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"r{suffix}"
    code, _, err = _run(
        "run",
        str(SAMPLES / "envelope"),
        str(SAMPLES / "multipage"),
        "--template",
        "envelope",
        "--out",
        str(out),
        "--workers",
        "1",
    )
    assert code == 0, err
    text = out.read_text()
    records = json.loads(text) if suffix == ".json" else [json.loads(x) for x in text.splitlines()]
    assert len(records) == 4 + 3
    for r in records:
        RecordOut.model_validate(r)
    files = [r["file"] for r in records]
    assert files == sorted(files[:4]) + [files[4]] * 3, "input order, folders walked sorted"


def test_a_page_scanned_upside_down_is_read_turned_unless_no_orient(tmp_path: Path) -> None:
    import cv2

    from digitocr.ingest.rasterize import rasterize

    img = next(rasterize(str(SAMPLES / "cheque" / "cheque_0003.pdf"))).image
    cv2.imwrite(str(tmp_path / "upside_down.png"), cv2.rotate(img, cv2.ROTATE_180))
    for flag, turn, amount in (("--orient", 180, "70"), ("--no-orient", 0, None)):
        out = tmp_path / f"r{flag}.jsonl"
        args = ("run", str(tmp_path / "upside_down.png"), "--template", "cheque", "--out", str(out))
        code, _, err = _run(*args, flag, "--workers", "1")
        assert code == 0, err
        (rec,) = [json.loads(x) for x in out.read_text().splitlines()]
        RecordOut.model_validate(rec)
        assert rec["orientation"] == turn
        if amount is not None:
            assert rec["fields"]["amount"]["value"] == amount
        else:
            assert rec["fields"]["amount"]["value"] != "70"


def test_leading_zeros_survive_csv(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    img = np.full((80, 300), 255, np.uint8)
    cv2.putText(img, "02139", (10, 62), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 6)
    cv2.imwrite(str(tmp_path / "zip.png"), img)
    code, out, _ = _run("run", str(tmp_path / "zip.png"), "--template", "zip", "--workers", "1")
    assert code == 0
    row = next(iter(csv.DictReader(io.StringIO(out))))
    assert row["zip"] == "02139"


def test_bad_template_exits_before_work(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("name: t\nfields:\n  - name: a\n    type: money\n    locate: [{method: box}]\n")
    code, _, err = _run("run", str(SAMPLES / "cheque"), "--template", str(bad))
    assert code == ExitCode.bad_args and "fields.0.type" in err


def test_missing_model_exits_before_work(tmp_path: Path) -> None:
    code, _, err = _run("run", str(SAMPLES / "cheque"), "--model", str(tmp_path / "none.onnx"))
    assert code == ExitCode.bad_args and "not found" in err


def test_unwritable_output_exits_before_work(tmp_path: Path) -> None:
    code, _, err = _run(
        "run", str(SAMPLES / "cheque"), "--out", str(tmp_path / "no" / "dir" / "r.csv")
    )
    assert code == ExitCode.bad_args and "does not exist" in err


def test_partial_failure_has_its_own_exit_code(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"this is not a png")
    out = tmp_path / "r.jsonl"
    code, _, _ = _run(
        "run",
        str(SAMPLES / "cheque" / "cheque_0000.jpg"),
        str(tmp_path / "broken.png"),
        "--out",
        str(out),
        "--workers",
        "1",
    )
    assert code == ExitCode.partial_failure
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["status"] for r in recs] == ["ok", "failed"]


def test_templates_command_lists_builtins() -> None:
    code, out, _ = _run("templates")
    assert code == 0 and "cheque" in out and "envelope" in out and "form" in out


def test_subprocess_help_is_fast_and_run_works(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "digitocr", "run", "--help"], capture_output=True, text=True
    )
    assert r.returncode == 0 and "--template" in r.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import digitocr.cli, sys; print('tensorflow' in sys.modules)"],
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "False", "the CLI must not import TensorFlow"
    assert time.perf_counter() - t0 < 10
    out = tmp_path / "r.csv"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "digitocr",
            "run",
            str(SAMPLES / "form"),
            "--template",
            str(ROOT / "pipelines" / "application-form.yaml"),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert len(list(csv.reader(out.open()))) == 1 + 3


def test_object_storage_uris_in_and_out(tmp_path: Path) -> None:
    """URIs go through pyarrow's filesystems (file:// here; s3:// and gs:// the same way)."""
    pytest.importorskip("pyarrow", reason="needs the [ray] extra")
    out_uri = f"file://{tmp_path}/results.jsonl"
    code, _, err = _run(
        "run",
        f"file://{SAMPLES / 'cheque'}",
        "--template",
        "cheque",
        "--out",
        out_uri,
        "--workers",
        "1",
    )
    assert code == 0, err
    recs = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert len(recs) == 4 and all(r["file"].startswith("file://") for r in recs)
    assert all(r["status"] == "ok" for r in recs)


def test_train_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "tf2onnx" else real(name, *a)
    )
    code, _, err = _run("train", "--epochs", "1")
    assert code == ExitCode.missing_dependency and "digitocr[train,cpu]" in err and "tf2onnx" in err
