"""The cascade: one ONNX file that asks its other members only about the unsure crops."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="needs the [train] extra")
ort = pytest.importorskip("onnxruntime", reason="needs the [cpu] extra")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from digitocr.train.cascade import (  # noqa: E402
    build_cascade,
    build_with_reject,
    cascade_reference,
    store_fp16,
    threshold_for_share,
    turn_images,
    with_reject_reference,
)


def _linear(path: Path, weights: np.ndarray, scale: float = 1.0) -> Path:
    """softmax(scale * flatten(image) @ weights): an (N, 28, 28, 1) -> (N, classes) model."""
    nodes = [
        helper.make_node("Reshape", ["image", "shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], ["logits"]),
        helper.make_node("Mul", ["logits", "scale"], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["probs"], axis=1),
    ]
    inits = [
        numpy_helper.from_array(np.array([-1, 784], np.int64), "shape"),
        numpy_helper.from_array(weights.astype(np.float32), "w"),
        numpy_helper.from_array(np.array(scale, np.float32), "scale"),
    ]
    graph = helper.make_graph(
        nodes,
        "linear",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 28, 28, 1])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", weights.shape[1]])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _run(path: Path, x: np.ndarray, **feeds: float) -> np.ndarray:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    extra = {k: np.array(v, np.float32) for k, v in feeds.items()}
    return np.asarray(sess.run(None, {sess.get_inputs()[0].name: x[..., None], **extra})[0])


def _members(tmp_path: Path, n: int = 3) -> list[Path]:
    rng = np.random.default_rng(0)
    return [_linear(tmp_path / f"m{i}.onnx", rng.normal(0, 1, (784, 10)), 0.05) for i in range(n)]


def test_cascade_asks_the_others_only_about_unsure_crops(tmp_path: Path) -> None:
    members = _members(tmp_path)
    x = np.random.default_rng(1).random((200, 28, 28)).astype(np.float32)
    probs = [_run(m, x) for m in members]
    threshold = float(np.median(probs[0].max(axis=1)))  # half the crops are unsure
    out = build_cascade(members, tmp_path / "c.onnx", threshold=threshold, fp16=False)
    got = _run(out, x)
    np.testing.assert_allclose(got, cascade_reference(probs, threshold), atol=1e-6)
    sure = probs[0].max(axis=1) >= threshold
    assert 80 < sure.sum() < 120
    np.testing.assert_array_equal(got[sure], probs[0][sure])  # the first member alone
    assert not np.allclose(got[~sure], probs[0][~sure])  # the mean of all three
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert _run(out, x[:0]).shape == (0, 10)  # an empty batch is fine
    everyone = build_cascade(members, tmp_path / "all.onnx", threshold=1.0, fp16=False)
    np.testing.assert_allclose(_run(everyone, x), np.mean(probs, axis=0), atol=1e-6)


def test_turned_crops_are_turned_as_opencv_turns_them() -> None:
    cv2 = pytest.importorskip("cv2")
    x = np.zeros((2, 28, 28, 1), np.float32)
    x[0, 4:24, 13:15] = 1.0  # an upright bar
    x[1] = np.random.default_rng(5).random((28, 28, 1))
    for degrees in (8.0, -8.0, 90.0):
        m = cv2.getRotationMatrix2D((13.5, 13.5), degrees, 1.0)
        want = np.stack([cv2.warpAffine(i[..., 0], m, (28, 28)) for i in x])
        np.testing.assert_allclose(turn_images(x, degrees)[..., 0], want, atol=1e-4)
    flat = turn_images(x[:1], 90.0)[0, ..., 0]
    assert flat[13:15, 4:24].min() > 0.99 and flat[4:12, 13:15].max() < 0.01  # lying down
    leans = turn_images(x[:1], 8.0)[0, ..., 0]  # counter-clockwise: the top goes left
    cols = np.arange(28)
    top, bottom = leans[4:8], leans[20:24]
    assert (top * cols).sum() / top.sum() < (bottom * cols).sum() / bottom.sum() - 1


def test_cascade_reads_unsure_crops_turned_by_the_chosen_members(tmp_path: Path) -> None:
    from digitocr.errors import ModelError

    members = _members(tmp_path)
    x = np.random.default_rng(6).random((120, 28, 28)).astype(np.float32)
    probs = [_run(m, x) for m in members]
    threshold = float(np.median(probs[0].max(axis=1)))
    turns = (8.0, -8.0)
    views = [turn_images(x[..., None], t)[..., 0] for t in turns]
    for turned in (None, [0, 2]):
        out = build_cascade(
            members, tmp_path / "t.onnx", threshold=threshold, fp16=True, turns=turns, turned=turned
        )
        which = [0, 1, 2] if turned is None else turned
        turned_probs = [[_run(members[i], v) for i in which] for v in views]
        got = _run(out, x)
        want = cascade_reference(probs, threshold, turned_probs)
        np.testing.assert_allclose(got, want, atol=2e-3)  # float16-stored weights
        sure = probs[0].max(axis=1) >= threshold
        np.testing.assert_allclose(got[sure], probs[0][sure], atol=2e-3)
        assert np.abs(got[~sure] - cascade_reference(probs, threshold)[~sure]).max() > 1e-3
        assert _run(out, x[:0]).shape == (0, 10)
    # The turn threshold is an input with a default: fed 0, no crop is read turned; fed
    # another value, only the unsure crops under it.
    plain = cascade_reference(probs, threshold)
    np.testing.assert_allclose(_run(out, x, cascade_turn_threshold=0.0), plain, atol=2e-3)
    some = float(np.median(probs[0].max(axis=1)[~sure]))
    want = cascade_reference(probs, threshold, turned_probs, turn_threshold=some)
    got = _run(out, x, cascade_turn_threshold=some)
    np.testing.assert_allclose(got, want, atol=2e-3)
    assert 0 < ((got - plain).max(axis=1) > 1e-3).sum() < (~sure).sum()
    # The grids are coordinates: kept float32 when the weights are stored as float16.
    grids = [i for i in onnx.load(str(out)).graph.initializer if i.name.startswith("cascade_grid")]
    assert [g.data_type for g in grids if len(g.dims) == 4] == [TensorProto.FLOAT] * 2
    with pytest.raises(ModelError, match="no member 4"):
        build_cascade(members, tmp_path / "t.onnx", threshold=0.5, turns=turns, turned=[3])


def test_float16_weights_halve_the_file_and_keep_the_answers(tmp_path: Path) -> None:
    members = _members(tmp_path, 2)
    x = np.random.default_rng(2).random((64, 28, 28)).astype(np.float32)
    full = build_cascade(members, tmp_path / "f32.onnx", threshold=0.5, fp16=False)
    half = build_cascade(members, tmp_path / "f16.onnx", threshold=0.5, fp16=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    a, b = _run(full, x), _run(half, x)
    assert np.abs(a - b).max() < 2e-3 and (a.argmax(1) == b.argmax(1)).mean() > 0.95
    kinds = {i.data_type for i in onnx.load(str(half)).graph.initializer if len(i.dims) > 1}
    assert kinds == {TensorProto.FLOAT16}
    model = store_fp16(onnx.load(str(members[0])))  # also for a single model
    assert any(n.op_type == "Cast" for n in model.graph.node)


def test_threshold_sends_the_asked_share_to_the_others() -> None:
    p = np.random.default_rng(3).dirichlet(np.ones(10) * 0.3, size=1000)
    t = threshold_for_share(p, 0.05)
    assert abs((p.max(axis=1) < t).mean() - 0.05) <= 0.002
    assert threshold_for_share(p, 0.0) == 0.0


def test_cascade_needs_two_members(tmp_path: Path) -> None:
    from digitocr.errors import ModelError

    with pytest.raises(ModelError, match="at least two"):
        build_cascade(_members(tmp_path, 1), tmp_path / "c.onnx", threshold=0.9)


def test_cascade_command_writes_a_checked_model_with_its_card(
    tmp_path: Path, mnist_dir: Path
) -> None:
    """Two nearest-mean classifiers (each class's mean MNIST digit) as a cascade."""
    from typer.testing import CliRunner

    from digitocr import datasets
    from digitocr.classify.card import load_card
    from digitocr.cli import app
    from digitocr.train.export import write_card
    from digitocr.train.fit import prepare

    train = datasets.load("train", str(mnist_dir))
    x = prepare(train.images[-6000:]).astype(np.float32) / 255
    y = train.labels[-6000:]
    paths = []
    for i, part in enumerate((slice(0, 3000), slice(3000, 6000))):
        means = np.stack([x[part][y[part] == c].mean(axis=0).ravel() for c in range(10)], 1)
        (tmp_path / f"run{i}").mkdir()  # members trained apart share one file name
        path = _linear(tmp_path / f"run{i}" / "digits.onnx", means, 0.2 + 0.1 * i)
        write_card(path, architecture="nearest-mean", parameters=7840, training={}, metrics={})
        paths.append(path)
    (tmp_path / "run1" / "digits_curves.png").write_bytes(b"member 2's curves")
    out = tmp_path / "cascade.onnx"
    (tmp_path / "cascade_curves.png").write_bytes(b"a single model's curves, now stale")
    args = ["cascade", *map(str, paths), "--out", str(out), "--data", str(mnist_dir)]
    r = CliRunner().invoke(app, [*args, "--share", "0.3"])
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout[r.stdout.index("{") :])
    card = load_card(out)  # hash and input spec match the file
    assert card.architecture == "cascade(nearest-mean, nearest-mean)"
    assert card.training["cascade"]["share"] == 0.3 and len(card.training["members"]) == 2
    assert abs(metrics["val_share_to_others"] - 0.3) < 0.01
    assert 0.6 < metrics["test_accuracy"] < 0.95  # a nearest-mean classifier's range
    assert metrics["cascade_members_max_abs_diff"] < 1e-5  # the members' own answers
    assert metrics["fp16_changed_labels"] <= 0.01 * card.training["n_val"]
    assert (tmp_path / "cascade_confusion.png").stat().st_size > 1000
    # Each member's curves travel with it; a curves plot of the file replaced is gone.
    assert [m["curves"] for m in card.training["members"]] == [None, "cascade_curves_2.png"]
    assert (tmp_path / "cascade_curves_2.png").read_bytes() == b"member 2's curves"
    assert not (tmp_path / "cascade_curves.png").exists()
    turned = CliRunner().invoke(app, [*args, "--no-evaluate", "--turn", "8", "--turn-member", "2"])
    assert turned.exit_code == 0, turned.output
    card = load_card(out)
    assert card.training["cascade"]["turns_degrees"] == [8.0, -8.0]
    assert card.training["cascade"]["turned_members"] == [1]
    checked = json.loads(turned.stdout[turned.stdout.index("{") :])
    assert checked["cascade_members_max_abs_diff"] < 1e-5
    bad = CliRunner().invoke(app, ["cascade", str(paths[0]), "--out", str(out)])
    assert bad.exit_code == 2 and "at least two" in bad.output
    # A member that trained on part of the validation split cannot be judged on it.
    recipe = {"recipe": {"limit": 4000, "val_size": 500}}
    write_card(paths[1], architecture="nearest-mean", parameters=7840, training=recipe, metrics={})
    bad = CliRunner().invoke(app, args)
    assert bad.exit_code == 2 and "trained on some of them" in bad.output


def test_reject_output_scales_the_digits_and_keeps_their_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    digits = build_cascade(_members(tmp_path, 2), tmp_path / "c.onnx", threshold=0.5, fp16=False)
    reject = _linear(tmp_path / "r.onnx", rng.normal(0, 1, (784, 11)), 0.05)
    x = rng.random((100, 28, 28)).astype(np.float32)
    out = build_with_reject(digits, reject, tmp_path / "cr.onnx", floor=0.0, fp16=False)
    got = _run(out, x)
    p, r = _run(digits, x), _run(reject, x)[:, 10]
    assert got.shape == (100, 11)
    np.testing.assert_allclose(got, with_reject_reference(p, _run(reject, x), 0.0), atol=1e-6)
    np.testing.assert_allclose(got[:, 10], r, atol=1e-6)
    np.testing.assert_allclose(got[:, :10].sum(axis=1), 1.0 - r, atol=1e-5)
    np.testing.assert_array_equal(got[:, :10].argmax(1), p.argmax(1))  # same digit read
    assert _run(out, x[:0]).shape == (0, 11)
    # With a floor, reject probabilities under it count as nothing.
    floor = float(np.median(r))
    assert 0.02 < floor < 0.9  # the test is not vacuous: half the crops are under it
    floored = _run(build_with_reject(digits, reject, tmp_path / "f.onnx", floor=floor), x)
    low = r < floor
    np.testing.assert_allclose(floored[low, :10], p[low], atol=2e-3)  # float16 weights
    assert (floored[low, 10] == 0).all() and (floored[~low, 10] > 0).all()
    ref = with_reject_reference(p, _run(reject, x), floor)
    np.testing.assert_allclose(floored, ref, atol=2e-3)


def test_a_reject_output_keeps_the_turns_and_the_engine_can_skip_them(tmp_path: Path) -> None:
    from digitocr.classify.engine import OnnxEngine
    from digitocr.train.export import write_card

    rng = np.random.default_rng(7)
    members = _members(tmp_path, 2)
    x = rng.random((60, 28, 28)).astype(np.float32)
    probs = [_run(m, x) for m in members]
    threshold = float(np.median(probs[0].max(axis=1)))
    turns = (8.0, -8.0)
    c = build_cascade(members, tmp_path / "c.onnx", threshold=threshold, fp16=False, turns=turns)
    reject = _linear(tmp_path / "r.onnx", rng.normal(0, 1, (784, 11)), 0.05)
    out = build_with_reject(c, reject, tmp_path / "cr.onnx", floor=0.0, fp16=False)
    labels = [*map(str, range(10)), "reject"]
    write_card(out, architecture="test", parameters=0, training={}, metrics={}, labels=labels)
    r = _run(reject, x)
    with_turns = OnnxEngine(out, device="cpu").run(x)
    without = OnnxEngine(out, device="cpu", turns=False).run(x)
    np.testing.assert_allclose(with_turns, with_reject_reference(_run(c, x), r, 0.0), atol=1e-5)
    plain = _run(c, x, cascade_turn_threshold=0.0)
    np.testing.assert_allclose(without, with_reject_reference(plain, r, 0.0), atol=1e-5)
    unsure = probs[0].max(axis=1) < threshold
    assert np.abs(with_turns - without)[unsure].max() > 1e-3
    np.testing.assert_array_equal(with_turns[~unsure], without[~unsure])


def test_a_reject_model_first_reads_every_crop_once_for_digits_and_reject(
    tmp_path: Path,
) -> None:
    """A reject model as the first member: the file reads as the cascade of its digits
    (renormalised) with its own reject column attached, turned readings included."""
    rng = np.random.default_rng(8)
    reject = _linear(tmp_path / "r.onnx", rng.normal(0, 1, (784, 11)), 0.05)
    others = _members(tmp_path, 2)
    x = rng.random((150, 28, 28)).astype(np.float32)
    raw = _run(reject, x)
    digits = raw[:, :10] / raw[:, :10].sum(axis=1, keepdims=True)
    probs = [digits, *(_run(m, x) for m in others)]
    threshold = float(np.median(digits.max(axis=1)))
    turns = (8.0, -8.0)
    views = [turn_images(x[..., None], t)[..., 0] for t in turns]
    turned = []
    for v in views:
        r = _run(reject, v)[:, :10]
        turned.append([r / r.sum(axis=1, keepdims=True), *(_run(m, v) for m in others)])
    floor = float(np.median(raw[:, 10]))
    out = build_cascade(
        [reject, *others],
        tmp_path / "rc.onnx",
        threshold=threshold,
        fp16=False,
        turns=turns,
        reject_floor=floor,
    )
    got = _run(out, x)
    assert got.shape == (150, 11)
    want = with_reject_reference(cascade_reference(probs, threshold, turned), raw, floor)
    # A crop within rounding of the threshold may fall either side of it: all but those.
    edge = np.abs(digits.max(axis=1) - threshold) < 1e-6
    np.testing.assert_allclose(got[~edge], want[~edge], atol=1e-5)
    low = raw[:, 10] < floor
    assert (got[low, 10] == 0).all() and np.allclose(got[~low, 10], raw[~low, 10], atol=1e-6)
    unsure = digits.max(axis=1) < threshold
    assert np.abs(got[unsure, :10] - digits[unsure] * (1 - got[unsure, 10:])).max() > 1e-3
    # It reads as the cascade of its digits with the model attached beside it (which
    # reads every crop a second time). Its digits renormalised are the softmax of its
    # first 10 logits: a linear model of its first 10 weight columns.
    weights = numpy_helper.to_array(onnx.load(str(reject)).graph.initializer[1])
    digits_only = _linear(tmp_path / "r10.onnx", weights[:, :10], 0.05)
    c = build_cascade(
        [digits_only, *others], tmp_path / "c.onnx", threshold=threshold, fp16=False, turns=turns
    )
    beside = _run(build_with_reject(c, reject, tmp_path / "cr.onnx", floor=floor, fp16=False), x)
    np.testing.assert_allclose(got[~edge], beside[~edge], atol=1e-5)
    assert _run(out, x[:0]).shape == (0, 11)
    # Later in a cascade, a reject model is read by its digits alone.
    later = build_cascade(
        [*others, reject], tmp_path / "l.onnx", threshold=threshold, fp16=False, turns=turns
    )
    plain = build_cascade(
        [*others, digits_only], tmp_path / "p.onnx", threshold=threshold, fp16=False, turns=turns
    )
    assert _run(later, x).shape == (150, 10)
    np.testing.assert_allclose(_run(later, x), _run(plain, x), atol=1e-6)
    with pytest.raises(Exception, match="11 columns"):
        build_cascade(others, tmp_path / "bad.onnx", threshold=0.5, reject_floor=0.5)


def test_attach_reject_command_writes_a_checked_model_with_its_card(
    tmp_path: Path, mnist_dir: Path
) -> None:
    from typer.testing import CliRunner

    from digitocr import datasets
    from digitocr.classify.card import REJECT, load_card
    from digitocr.classify.engine import OnnxEngine
    from digitocr.classify.predictor import Predictor
    from digitocr.cli import app
    from digitocr.train.export import write_card
    from digitocr.train.fit import prepare

    train = datasets.load("train", str(mnist_dir))
    x = prepare(train.images[-3000:]).astype(np.float32) / 255
    y = train.labels[-3000:]
    means = np.stack([x[y == c].mean(axis=0).ravel() for c in range(10)], 1)
    model = _linear(tmp_path / "digits.onnx", means, 0.2)
    write_card(model, architecture="nearest-mean", parameters=7840, training={}, metrics={})
    # "Not one digit": a template of ink spread wide, as two digits side by side are.
    wide = np.zeros((28, 28), np.float32)
    wide[6:22, 2:26] = 1.0
    with_wide = np.concatenate([means, wide.reshape(784, 1) - means.mean(1, keepdims=True)], 1)
    rej = _linear(tmp_path / "reject.onnx", with_wide, 0.2)
    labels = [*map(str, range(10)), REJECT]
    write_card(
        rej, architecture="wide-ink", parameters=8624, training={}, metrics={}, labels=labels
    )
    out = tmp_path / "joined.onnx"
    args = ["attach-reject", str(model), str(rej), "--out", str(out), "--data", str(mnist_dir)]
    r = CliRunner().invoke(app, [*args, "--floor", "0"])
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout[r.stdout.index("{") :])
    card = load_card(out)
    assert card.labels == labels and card.architecture == "nearest-mean + reject(wide-ink)"
    assert card.training["reject_model"]["architecture"] == "wide-ink"
    assert card.training["reject_model"]["floor"] == 0.0
    assert metrics["with_reject_max_abs_diff"] < 1e-5
    assert 0.6 < metrics["test_accuracy"] < 0.95  # the digit model's accuracy, unchanged
    # The predictor reads digits only; their probabilities now leave room for "reject".
    pred = Predictor(OnnxEngine(out, device="cpu"))
    assert pred.labels == [str(i) for i in range(10)]
    p = pred.probs(list(x[:50]))
    assert p.shape == (50, 10) and (p.sum(axis=1) < 1.0).all()
    # For crops known to be one digit each (comb cells), the digits alone.
    alone = pred.probs(list(x[:50]), reject=False)
    np.testing.assert_allclose(alone.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(alone.argmax(1), p.argmax(1))
    # A model without a reject class cannot serve as one, and vice versa.
    bad = CliRunner().invoke(app, ["attach-reject", str(model), str(model), "--out", str(out)])
    assert bad.exit_code == 2 and "not a reject model" in bad.output
    bad = CliRunner().invoke(app, ["attach-reject", str(rej), str(rej), "--out", str(out)])
    assert bad.exit_code == 2 and "10 digits" in bad.output
    # The reject model may instead be a cascade's first member: its reject column is then
    # the cascade's, from the one reading of every crop.
    first = tmp_path / "first.onnx"
    args = ["cascade", str(rej), str(model), "--out", str(first), "--data", str(mnist_dir)]
    r = CliRunner().invoke(app, [*args, "--reject-floor", "0", "--no-evaluate"])
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout[r.stdout.index("{") :])
    card = load_card(first)
    assert card.labels == labels
    assert card.architecture == "cascade(wide-ink, nearest-mean) + reject(member 1)"
    assert card.training["reject_model"]["architecture"] == "wide-ink"
    assert card.training["reject_model"]["floor"] == 0.0
    assert metrics["cascade_members_max_abs_diff"] < 1e-5
    assert metrics["val_reject_mean"] > 0
    assert Predictor(OnnxEngine(first, device="cpu")).probs(list(x[:50])).shape == (50, 10)
    # Later in a cascade it is read by its digits; the cascade gives no reject column.
    later = tmp_path / "later.onnx"
    args = ["cascade", str(model), str(rej), "--out", str(later), "--data", str(mnist_dir)]
    r = CliRunner().invoke(app, [*args, "--no-evaluate"])
    assert r.exit_code == 0, r.output
    assert load_card(later).labels == labels[:10]
    assert json.loads(r.stdout[r.stdout.index("{") :])["cascade_members_max_abs_diff"] < 1e-5
