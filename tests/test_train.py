"""The whole training path stays alive: a small run, export, parity, evaluation."""

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="needs the [train] extra")
pytest.importorskip("tf2onnx", reason="needs the [train] extra")


def test_small_training_run_exports_a_checked_model(tmp_path: Path, mnist_dir: Path) -> None:
    from typer.testing import CliRunner

    from digitocr.classify.card import load_card
    from digitocr.classify.engine import OnnxEngine
    from digitocr.cli import app

    out = tmp_path / "small.onnx"
    r = CliRunner().invoke(
        app,
        [
            "train",
            "--data",
            str(mnist_dir),
            "--out",
            str(out),
            "--limit",
            "4000",
            "--epochs",
            "3",
            "--val-size",
            "500",
            "--batch-size",
            "32",
            "--elastic",
            "0.5",
            "--average",
            "2",
            "--reject",
            "0.1",
            "--schedule",
            "cosine",
            "--renormalize",  # reshaped before normalising, a share binarised
            "--binarize",
            "0.5",
            "--shear",
            "0.2",
        ],
    )
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout[r.stdout.index("{") :])
    assert metrics["keras_onnx_max_abs_diff"] <= 1e-4
    # Far above chance after ~330 steps (after 220, batch norm's running statistics can
    # still lag the weights and leave a model that reads everything as one digit).
    assert 0.3 < metrics["test_accuracy"] <= 1.0
    soup = metrics["weight_average"]  # the two best epochs, kept only if validation says so
    assert len(soup["epochs"]) == 2 and set(soup["epochs"]) <= {1, 2, 3}
    assert isinstance(soup["used"], bool)
    if soup["used"]:
        assert soup["val_loss"] < soup["single_val_loss"]
    card = load_card(out)  # the card matches the file it was written with
    assert card.architecture == "digitnet" and card.training["n_train"] == 3500
    recipe = card.training["recipe"]
    assert recipe["renormalize"] is True and recipe["binarize"] == 0.5
    for png in ("small_curves.png", "small_confusion.png", "small_mistakes.png"):
        assert (tmp_path / png).stat().st_size > 1000
    assert card.labels == [*"0123456789", "reject"]  # touching pairs as an 11th class
    from digitocr.classify.predictor import Predictor

    predictor = Predictor(OnnxEngine(out))  # loads through the inference path, spec checked
    probs = predictor.probs([np.zeros((28, 28), np.float32)] * 3)
    assert probs.shape == (3, 10) and (probs.sum(axis=1) <= 1.0 + 1e-5).all()


def test_train_without_data_is_a_clear_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from digitocr.cli import app

    r = CliRunner().invoke(
        app, ["train", "--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "m.onnx")]
    )
    assert r.exit_code == 5 and "DIGITOCR_DATA" in r.stderr


def test_cosine_schedule_decays_from_the_rate_to_the_floor() -> None:
    from digitocr.train.fit import cosine_lr

    rates = [cosine_lr(e, 20, 1e-3) for e in range(20)]
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(1e-5)
    assert all(a > b for a, b in itertools.pairwise(rates))
    assert rates[10] == pytest.approx(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + np.cos(np.pi * 10 / 19)))


def test_unknown_schedule_is_a_config_error(tmp_path: Path, mnist_dir: Path) -> None:
    from typer.testing import CliRunner

    from digitocr.cli import app

    r = CliRunner().invoke(
        app,
        ["train", "--data", str(mnist_dir), "--out", str(tmp_path / "m.onnx"), "--schedule", "x"],
    )
    assert r.exit_code == 2 and "plateau or cosine" in r.stderr


@pytest.mark.parametrize("arch", ["mlp", "cnn", "resnet", "digitnet", "digitnet2", "digitnet3"])
def test_every_architecture_reads_28x28_digits_into_classes(arch: str) -> None:
    from digitocr.train.models import ARCHS, build

    assert arch in ARCHS
    model = build(arch, dropout=0.3, classes=11)
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    p = np.asarray(model(x, training=False))
    assert p.shape == (3, 11)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_an_unknown_architecture_is_a_configuration_error() -> None:
    from digitocr.errors import ConfigError
    from digitocr.train.models import build

    with pytest.raises(ConfigError, match="digitnet3"):
        build("vgg")
