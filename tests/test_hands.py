"""Continental sevens: a 7 without a bar across its stem is a 1 where writers cross 7s."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import digitocr
from digitocr.classify.hands import CrossedSevens, crossed
from digitocr.options import RunOptions
from digitocr.segment.normalize import normalize_digit
from digitocr.templates.schema import load_template
from digitocr.types import Prediction


def _seven(bar: bool) -> np.ndarray:
    """A 7 drawn 60 tall: its top bar, its stem, and with `bar` one across the stem."""
    ink = np.zeros((80, 70), np.uint8)
    cv2.line(ink, (10, 10), (55, 10), 255, 6)
    cv2.line(ink, (55, 10), (28, 70), 255, 6)
    if bar:
        cv2.line(ink, (22, 42), (58, 40), 255, 6)
    return ink


def _flagged_one() -> np.ndarray:
    """A 1 as continental hands write it: a long up-stroke from the left into its stem."""
    ink = np.zeros((80, 70), np.uint8)
    cv2.line(ink, (15, 30), (45, 10), 255, 6)
    cv2.line(ink, (45, 10), (38, 70), 255, 6)
    return ink


def test_a_bar_across_the_stem_is_found_and_a_top_bar_or_flag_is_not() -> None:
    assert crossed(normalize_digit(_seven(bar=True)))
    assert not crossed(normalize_digit(_seven(bar=False)))
    assert not crossed(normalize_digit(_flagged_one()))
    assert not crossed(np.zeros((28, 28), np.float32))


class _Sevens:
    """A stub model that reads every crop as a 7 at 0.9 (a 1 at 0.05)."""

    def __init__(self) -> None:
        self.labels = [str(d) for d in range(10)]

    def probs(self, crops, *, reject=True):
        p = np.full((len(crops), 10), 0.05 / 8, np.float32)
        p[:, 7], p[:, 1] = 0.9, 0.05
        return p


def test_a_seven_without_its_bar_goes_to_one_with_its_probability() -> None:
    crops = [normalize_digit(_seven(bar=False)), normalize_digit(_seven(bar=True))]
    preds = CrossedSevens(_Sevens()).predict(crops)
    assert all(isinstance(p, Prediction) for p in preds)
    assert (preds[0].label, preds[1].label) == (1, 7)
    assert preds[0].confidence == pytest.approx(0.95)  # the 7's and the 1's together
    assert preds[1].confidence == pytest.approx(0.9)
    assert CrossedSevens(_Sevens())(crops).shape == (2, 10)  # a scorer, as Predictor is


def test_the_template_or_the_run_says_whether_writers_cross_their_sevens(tmp_path: Path) -> None:
    ink = np.zeros((100, 260), np.uint8)
    ink[10:90, 10:80] = _seven(bar=False)
    ink[10:90, 100:170] = _seven(bar=True)
    cv2.line(ink, (205, 20), (200, 80), 255, 6)  # and a plain 1
    page = np.pad(255 - ink, 30, constant_values=255)
    (plain,) = digitocr.read(page, "digits")
    assert plain.fields["digits"].value == "771"
    opts = RunOptions(template="digits", crossed_sevens=True)
    (continental,) = digitocr.read(page, "digits", options=opts)
    assert continental.fields["digits"].value == "171"
    yaml = tmp_path / "cheques-uy.yaml"
    yaml.write_text(
        "name: cheques-uy\ncrossed_sevens: true\n"
        "fields:\n  - {name: digits, type: digits, locate: [{method: whole}]}\n"
    )
    assert load_template(yaml).crossed_sevens
    (by_template,) = digitocr.read(page, yaml)
    assert by_template.fields["digits"].value == "171"


def test_the_command_line_turns_crossed_sevens_on_and_off(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from digitocr.cli import app

    ink = np.zeros((100, 100), np.uint8)
    ink[10:90, 10:80] = _seven(bar=False)
    cv2.imwrite(str(tmp_path / "seven.png"), np.pad(255 - ink, 30, constant_values=255))
    values = {}
    for flag in ("--crossed-sevens", "--plain-sevens"):
        out = tmp_path / f"{flag[2:]}.jsonl"
        args = ["run", str(tmp_path / "seven.png"), "--template", "digits", "-q"]
        r = CliRunner().invoke(app, [*args, "--workers", "1", "--out", str(out), flag])
        assert r.exit_code == 0, r.stderr
        values[flag] = json.loads(out.read_text())["fields"]["digits"]["value"]
    assert values == {"--crossed-sevens": "1", "--plain-sevens": "7"}
