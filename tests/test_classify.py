import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from digitocr.classify.card import load_card
from digitocr.classify.engine import OnnxEngine
from digitocr.errors import ConfigError, ModelError


def _copy(model_path: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "m.onnx"
    shutil.copy(model_path, dst)
    shutil.copy(model_path.with_suffix(".json"), dst.with_suffix(".json"))
    return dst


def test_card_travels_with_the_model(model_path: Path) -> None:
    card = load_card(model_path)
    assert card.input.layout == "NHWC" and card.input.shape[1:] == [28, 28, 1]
    # The ten digits, then "not one digit" (the reject model's output beside the cascade).
    assert card.labels == [*(str(i) for i in range(10)), "reject"]
    assert card.training["reject_model"]["floor"] == 0.5
    assert card.metrics["test_accuracy"] >= 0.99
    assert model_path.stat().st_size <= 5 * 1024 * 1024


def test_missing_card(model_path: Path, tmp_path: Path) -> None:
    m = _copy(model_path, tmp_path)
    m.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match="card"):
        load_card(m)


def test_model_and_card_mismatch(model_path: Path, tmp_path: Path) -> None:
    m = _copy(model_path, tmp_path)
    m.write_bytes(m.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="sha256"):
        load_card(m)


def test_input_spec_mismatch(model_path: Path, tmp_path: Path) -> None:
    m = _copy(model_path, tmp_path)
    card = json.loads(m.with_suffix(".json").read_text())
    card["input"]["name"] = "pixels"
    m.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="inputs"):
        OnnxEngine(m)


def test_corrupt_model(model_path: Path, tmp_path: Path) -> None:
    m = _copy(model_path, tmp_path)
    m.write_bytes(b"not an onnx file")
    card = json.loads(m.with_suffix(".json").read_text())
    from digitocr.classify.card import file_sha256

    card["sha256"] = file_sha256(m)
    m.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="cannot load"):
        OnnxEngine(m)


def test_cuda_request_fails_clearly_without_cuda(model_path: Path) -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has the CUDA provider")
    with pytest.raises(ConfigError, match="--device cpu"):
        OnnxEngine(model_path, device="cuda")


def test_auto_runs_on_cpu_here(model_path: Path) -> None:
    eng = OnnxEngine(model_path, device="auto")
    assert eng.provider in ("CPUExecutionProvider", "CUDAExecutionProvider")
    out = eng.run(np.zeros((3, 28, 28), np.float32))
    assert out.shape == (3, 11) and np.allclose(out.sum(axis=1), 1, atol=1e-4)  # + reject


def test_accuracy_on_mnist_test_sample(predictor, mnist_dir) -> None:
    from digitocr import datasets
    from digitocr.segment.normalize import normalize_digit

    test = datasets.load("test", mnist_dir)
    x = [normalize_digit(im) for im in test.images[:2000]]
    pred = predictor(x).argmax(axis=1)
    acc = float((pred == test.labels[:2000]).mean())
    assert acc >= 0.99, acc


def test_each_crop_goes_to_the_model_once(model_path: Path) -> None:
    """Segmentation asks about the same crop again (a cut retried, a piece read to judge
    a cut and then for its field): the answer is remembered, and is the model's own."""
    from digitocr.classify.predictor import Predictor

    engine = OnnxEngine(model_path, device="cpu")
    sent: list[int] = []
    run = engine.run

    def counted(x: np.ndarray) -> np.ndarray:
        sent.append(len(x))
        return run(x)

    engine.run = counted  # type: ignore[method-assign]
    pred = Predictor(engine, batch_size=8, memo=50)
    rng = np.random.default_rng(0)
    x = [rng.random((28, 28)).astype(np.float32) for _ in range(30)]
    first = pred.probs(x + x[:4])  # a crop twice in one call runs once too
    assert sum(sent) == 30 and max(sent) == 8  # in batches
    again = pred.probs([x[7], x[0], x[7]], reject=False)
    assert sum(sent) == 30
    fresh = Predictor(OnnxEngine(model_path, device="cpu"))
    np.testing.assert_allclose(first[:30], fresh.probs(x), atol=1e-6)
    np.testing.assert_allclose(again, fresh.probs([x[7], x[0], x[7]], reject=False), atol=1e-6)
    np.testing.assert_array_equal(first[30:], first[:4])
    # Past `memo` crops the answers kept are dropped: memory stays bounded.
    pred.probs([rng.random((28, 28)).astype(np.float32) for _ in range(30)])
    assert sum(sent) == 60 and len(pred._seen) <= 50
    pred.probs(x[:1])
    assert sum(sent) == 61


def test_the_shipped_model_reads_unsure_crops_turned_unless_told_not_to(
    model_path: Path, mnist_dir: Path
) -> None:
    from digitocr import datasets
    from digitocr.train.fit import prepare

    card = OnnxEngine(model_path, device="cpu").card
    assert card.training["cascade"]["turns_degrees"] == [8.0, -8.0]
    x = prepare(datasets.load("test", str(mnist_dir)).images[:1000]).astype(np.float32) / 255
    turned = OnnxEngine(model_path, device="cpu").run(x)
    plain = OnnxEngine(model_path, device="cpu", turns=False).run(x)
    same = np.abs(turned - plain).max(axis=1) < 1e-6
    assert 0.9 < same.mean() < 0.99  # the crops the first model is unsure of read turned too
    assert (np.abs(turned - plain).max(axis=1) > 1e-3).sum() >= 10
