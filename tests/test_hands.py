"""Continental hands: a 7 without a bar across its stem is a 1 where writers cross 7s, an
8 that is one loop on a stem is a 9 where writers draw 9s so."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import digitocr
from digitocr.classify.hands import CrossedSevens, LoopedNines, crossed, loop_on_a_stem
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


def _looped_nine() -> np.ndarray:
    """A 9 as many Latin American hands write it: a loop, its stem leaving from its left
    (the model reads it as an 8)."""
    ink = np.zeros((90, 70), np.uint8)
    cv2.ellipse(ink, (35, 25), (17, 15), 0, 0, 360, 255, 6)
    cv2.line(ink, (19, 30), (22, 82), 255, 6)
    return ink


def _eight(open_below: bool = False) -> np.ndarray:
    ink = np.zeros((90, 70), np.uint8)
    cv2.ellipse(ink, (35, 22), (14, 13), 0, 0, 360, 255, 6)
    if open_below:  # its lower loop not closed: an S-like stroke under the upper loop
        cv2.ellipse(ink, (35, 60), (18, 18), 0, 200, 500, 255, 6)
    else:
        cv2.ellipse(ink, (35, 60), (18, 18), 0, 0, 360, 255, 6)
    return ink


def _six() -> np.ndarray:
    ink = np.zeros((90, 70), np.uint8)
    cv2.ellipse(ink, (35, 60), (17, 16), 0, 0, 360, 255, 6)
    cv2.line(ink, (20, 55), (45, 8), 255, 6)
    return ink


def test_one_loop_high_on_a_narrow_stroke_is_found_and_eights_and_sixes_are_not() -> None:
    assert loop_on_a_stem(normalize_digit(_looped_nine()))
    assert not loop_on_a_stem(normalize_digit(_eight()))
    assert not loop_on_a_stem(normalize_digit(_eight(open_below=True)))
    assert not loop_on_a_stem(normalize_digit(_six()))  # its loop low
    assert not loop_on_a_stem(normalize_digit(_flagged_one()))  # no loop
    assert not loop_on_a_stem(np.zeros((28, 28), np.float32))


def test_a_bar_across_the_stem_is_found_and_a_top_bar_or_flag_is_not() -> None:
    assert crossed(normalize_digit(_seven(bar=True)))
    assert not crossed(normalize_digit(_seven(bar=False)))
    assert not crossed(normalize_digit(_flagged_one()))
    assert not crossed(np.zeros((28, 28), np.float32))


class _Reads:
    """A stub model that reads every crop as `label` at 0.9 (`other` at 0.05)."""

    def __init__(self, label: int, other: int) -> None:
        self.labels = [str(d) for d in range(10)]
        self.label, self.other = label, other

    def probs(self, crops, *, reject=True):
        p = np.full((len(crops), 10), 0.05 / 8, np.float32)
        p[:, self.label], p[:, self.other] = 0.9, 0.05
        return p


@pytest.mark.parametrize(
    ("hand", "read", "moved", "shapes"),
    [
        (CrossedSevens, 7, 1, [_seven(bar=False), _seven(bar=True)]),
        (LoopedNines, 8, 9, [_looped_nine(), _eight()]),
    ],
)
def test_the_shape_moves_the_models_label_to_the_other_with_its_probability(
    hand, read, moved, shapes
) -> None:
    crops = [normalize_digit(s) for s in shapes]
    preds = hand(_Reads(read, moved)).predict(crops)
    assert all(isinstance(p, Prediction) for p in preds)
    assert (preds[0].label, preds[1].label) == (moved, read)
    assert preds[0].confidence == pytest.approx(0.95)  # the two labels' together
    assert preds[1].confidence == pytest.approx(0.9)
    assert hand(_Reads(read, moved))(crops).shape == (2, 10)  # a scorer, as Predictor is


def _sevens_and_a_one() -> np.ndarray:
    """'771' as continental hands write '171': a 7 without its bar, a crossed 7, a 1."""
    ink = np.zeros((100, 260), np.uint8)
    ink[10:90, 10:80] = _seven(bar=False)
    ink[10:90, 100:170] = _seven(bar=True)
    cv2.line(ink, (205, 20), (200, 80), 255, 6)  # and a plain 1
    return ink


@pytest.mark.parametrize(
    ("ink", "hand", "plain", "continental"),
    [
        (_sevens_and_a_one(), "crossed_sevens", "771", "171"),
        (_looped_nine(), "looped_nines", "8", "9"),
    ],
)
def test_the_template_or_the_run_says_how_its_writers_write(
    tmp_path: Path, ink, hand, plain, continental
) -> None:
    page = np.pad(255 - ink, 30, constant_values=255)
    (read,) = digitocr.read(page, "digits")
    assert read.fields["digits"].value == plain
    (read,) = digitocr.read(page, "digits", options=RunOptions(template="digits", **{hand: True}))
    assert read.fields["digits"].value == continental
    yaml = tmp_path / "cheques-uy.yaml"
    yaml.write_text(
        f"name: cheques-uy\n{hand}: true\n"
        "fields:\n  - {name: digits, type: digits, locate: [{method: whole}]}\n"
    )
    assert getattr(load_template(yaml), hand)
    (read,) = digitocr.read(page, yaml)
    assert read.fields["digits"].value == continental
    off = RunOptions(template=str(yaml), **{hand: False})  # the run overrides the template
    (read,) = digitocr.read(page, yaml, options=off)
    assert read.fields["digits"].value == plain


@pytest.mark.parametrize(
    ("ink", "flags", "values"),
    [
        (_seven(bar=False), ("--crossed-sevens", "--plain-sevens"), ("1", "7")),
        (_looped_nine(), ("--looped-nines", "--plain-nines"), ("9", "8")),
    ],
)
def test_the_command_line_turns_each_hand_on_and_off(tmp_path: Path, ink, flags, values) -> None:
    from typer.testing import CliRunner

    from digitocr.cli import app

    cv2.imwrite(str(tmp_path / "digit.png"), np.pad(255 - ink, 30, constant_values=255))
    read = []
    for flag in flags:
        out = tmp_path / f"{flag[2:]}.jsonl"
        args = ["run", str(tmp_path / "digit.png"), "--template", "digits", "-q"]
        r = CliRunner().invoke(app, [*args, "--workers", "1", "--out", str(out), flag])
        assert r.exit_code == 0, r.stderr
        read.append(json.loads(out.read_text())["fields"]["digits"]["value"])
    assert tuple(read) == values
