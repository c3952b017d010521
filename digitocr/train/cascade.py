"""Several trained classifiers as one ONNX model: a cascade that asks the others only
about the crops the first is unsure of.

Nearly all of a classifier's mistakes are among its least confident answers (the
error of the stop-8 model falls from 0.43% to 0.01% when its least sure 5% are set
aside). The cascade runs the first (fast) member on the whole batch; the crops whose
top probability is under `threshold` are gathered and run through every other member,
and their probabilities become the mean over all members. The others then cost a few
per cent of the first one's time, while the hard crops get an ensemble's answer.
A member may be a reject model (`digitocr train --reject`, 11 outputs): its digit
probabilities, renormalised, are its reading. When it is the first, its reject column
can be attached to the cascade's answer as `build_with_reject` attaches a separate
reject model's, so the one model that reads every crop gives both (a reject model
beside the cascade would read every crop a second time).
With `turns` (degrees), the hard crops are also read turned by each angle, by every
member (test-time augmentation, `GridSample`), and all those readings join the mean:
a slanted or rotated digit that one view reads wrongly is outvoted by the others. The
turn threshold is a graph input with a default (the cascade threshold): fed 0, no crop
is turned and the file reads as the same cascade without turns.

Built from plain ONNX operators (ReduceMax, Less, NonZero, Gather, ScatterND, and
GridSample for the turns): one file that ONNX Runtime runs as it is, with a dynamic
batch axis; a batch with no unsure crop runs the other members on zero rows. Weights
may be stored as float16 and cast to float32 when the session loads (ONNX Runtime folds
the casts), which halves the file and leaves the arithmetic in float32.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ModelError

__all__ = [
    "CascadeOptions",
    "build_cascade",
    "cascade_reference",
    "make_cascade",
    "store_fp16",
    "threshold_for_share",
    "turn_grid",
    "turn_images",
]


def store_fp16(model: Any, keep: Sequence[str] = ()) -> Any:
    """Keep the float32 weights as float16 initializers, cast back to float32 on load
    (but those named in `keep`)."""
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    casts, halves = [], []
    for init in list(g.initializer):
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) <= 16:
            continue  # shapes, scalars and small constants stay as they are
        if init.name in keep:
            continue
        half = numpy_helper.from_array(
            numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16"
        )
        halves.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
        g.initializer.remove(init)
    g.initializer.extend(halves)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    return model


_SIDE = 28
TURN_THRESHOLD = "cascade_turn_threshold"  # an input with a default (the cascade threshold)


def turn_grid(degrees: float, side: int = _SIDE) -> npt.NDArray[np.float32]:
    """Where each pixel of a crop turned by `degrees` comes from, as `GridSample` takes it.

    (1, side, side, 2) source (x, y) in [-1, 1] (align_corners: -1 and 1 are the centres
    of the edge pixels); a positive angle turns the digit counter-clockwise about the
    crop's centre, as `cv2.getRotationMatrix2D` does.
    """
    a = np.deg2rad(degrees)
    c = (side - 1) / 2.0
    y, x = np.mgrid[0:side, 0:side].astype(np.float64) - c
    sx = c + np.cos(a) * x - np.sin(a) * y
    sy = c + np.sin(a) * x + np.cos(a) * y
    grid = np.stack([sx, sy], axis=-1) / (side - 1) * 2.0 - 1.0
    return grid[None].astype(np.float32)


def turn_images(x: npt.NDArray[Any], degrees: float) -> npt.NDArray[np.float32]:
    """Crops (N, side, side, 1) turned by `degrees`: what the cascade's `GridSample` does
    (bilinear, zeros outside), in numpy, to check the file against."""
    x = np.asarray(x, np.float32)[..., 0]
    n, side = x.shape[0], x.shape[1]
    grid = turn_grid(degrees, side)[0].astype(np.float64)
    sx, sy = (grid[..., 0] + 1) / 2 * (side - 1), (grid[..., 1] + 1) / 2 * (side - 1)
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    wx, wy = sx - x0, sy - y0
    out = np.zeros((n, side, side), np.float64)
    for dy, dx, w in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                      (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):  # fmt: skip
        yy, xx = y0 + dy, x0 + dx
        inside = (yy >= 0) & (yy < side) & (xx >= 0) & (xx < side)
        out += w * inside * x[:, np.clip(yy, 0, side - 1), np.clip(xx, 0, side - 1)]
    return out.astype(np.float32)[..., None]


def build_cascade(
    members: Sequence[Path],
    out: Path,
    *,
    threshold: float,
    fp16: bool = True,
    turns: Sequence[float] = (),
    turned: Sequence[int] | None = None,
    reject_floor: float | None = None,
) -> Path:
    """Write the cascade of `members` (the first runs on every crop) to `out`.

    The unsure crops are read by every member as they are, and by the members indexed
    in `turned` (all by default) turned by each of `turns` (degrees); their
    probabilities are the mean of all those readings. A member with 11 outputs is a
    reject model (10 digits then reject): the cascade reads its digits renormalised.
    With `reject_floor`, the first member must be one, and the cascade gives 11 columns:
    its answer with the first member's reject column attached as `build_with_reject`
    attaches one (`floor`).
    """
    import onnx
    from onnx import TensorProto, compose, helper, numpy_helper

    if len(members) < 2:
        raise ModelError("a cascade needs at least two member models")
    if not 0.0 < threshold <= 1.0:
        raise ModelError(f"cascade threshold {threshold} must be in (0, 1]")
    turned = range(len(members)) if turned is None else turned
    if not set(turned) <= set(range(len(members))):
        raise ModelError(f"the cascade has no member {max(turned) + 1} to read turned crops")
    if not turns:
        turned = []
    models = []
    for i, path in enumerate(members):
        m = onnx.load(str(path))
        if len(m.graph.input) != 1 or len(m.graph.output) != 1:
            raise ModelError(f"{path}: a cascade member needs one input and one output")
        if _columns(m) == 11 or (i == 0 and reject_floor is not None):
            m = _digits_beside_reject(m, path)
        models.append(compose.add_prefix(m, f"m{i}_"))
    nodes: list[Any] = []
    inits: list[Any] = [
        helper.make_tensor("cascade_threshold", TensorProto.FLOAT, [], [threshold]),
        helper.make_tensor("cascade_flat", TensorProto.INT64, [1], [-1]),
        helper.make_tensor("cascade_axis", TensorProto.INT64, [1], [-1]),
        helper.make_tensor("cascade_count", TensorProto.FLOAT, [], [len(models)]),
    ]
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 28, 28, 1])]
    opsets: dict[str, int] = {}
    if turns:
        opsets[""] = 16  # GridSample
        # Overridable: a run that feeds 0 reads no crop turned (faster, see OnnxEngine).
        inputs.append(helper.make_tensor_value_info(TURN_THRESHOLD, TensorProto.FLOAT, []))
        inits += [
            helper.make_tensor(TURN_THRESHOLD, TensorProto.FLOAT, [], [threshold]),
            helper.make_tensor("cascade_zero", TensorProto.FLOAT, [], [0.0]),
            helper.make_tensor(
                "cascade_count_turned", TensorProto.FLOAT, [], [len(set(turned)) * len(turns)]
            ),
            helper.make_tensor("cascade_nchw", TensorProto.INT64, [4], [-1, 1, _SIDE, _SIDE]),
            helper.make_tensor("cascade_nhwc", TensorProto.INT64, [4], [-1, _SIDE, _SIDE, 1]),
            helper.make_tensor("cascade_first", TensorProto.INT64, [1], [0]),
            helper.make_tensor("cascade_one", TensorProto.INT64, [1], [1]),
            helper.make_tensor("cascade_grid_tail", TensorProto.INT64, [3], [_SIDE, _SIDE, 2]),
        ]
        for t, degrees in enumerate(turns):
            inits.append(numpy_helper.from_array(turn_grid(degrees), f"cascade_grid{t}"))
    for m in models:
        inits.extend(m.graph.initializer)
        for o in m.opset_import:
            opsets[o.domain] = max(opsets.get(o.domain, 0), o.version)

    def wire(m: Any, source: str, tag: str = "") -> str:
        """`m`'s nodes reading `source`; with a tag, another copy of them (its values
        renamed, the weights shared)."""
        g = m.graph
        renamed = {g.input[0].name} | {o for n in g.node for o in n.output}

        def name(v: str) -> str:
            return tag + v if v in renamed else v

        nodes.append(helper.make_node("Identity", [source], [name(g.input[0].name)]))
        for n in g.node:
            copy = onnx.NodeProto()
            copy.CopyFrom(n)
            copy.name = tag + n.name if n.name else ""
            copy.input[:] = [name(v) for v in n.input]
            copy.output[:] = [name(v) for v in n.output]
            nodes.append(copy)
        return name(g.output[0].name)

    first = wire(models[0], "image")
    nodes += [
        helper.make_node("ReduceMax", [first], ["cascade_top"], axes=[1], keepdims=0),
        helper.make_node("Less", ["cascade_top", "cascade_threshold"], ["cascade_unsure"]),
        helper.make_node("NonZero", ["cascade_unsure"], ["cascade_nonzero"]),
        helper.make_node("Reshape", ["cascade_nonzero", "cascade_flat"], ["cascade_idx"]),
        helper.make_node("Gather", ["image", "cascade_idx"], ["cascade_hard"], axis=0),
        helper.make_node("Gather", [first, "cascade_idx"], ["cascade_sum0"], axis=0),
    ]
    total = "cascade_sum0"
    for i, m in enumerate(models[1:], start=1):
        nodes.append(helper.make_node("Add", [total, wire(m, "cascade_hard")], [f"cascade_sum{i}"]))
        total = f"cascade_sum{i}"
    mean = [helper.make_node("Div", [total, "cascade_count"], ["cascade_mean"])]
    if turns:
        chosen = [m for i, m in enumerate(models) if i in set(turned)]
        _turned_readings(nodes, chosen, len(turns), total, wire)
        mean = [
            helper.make_node("Cast", ["cascade_turn"], ["cascade_turn_f"], to=TensorProto.FLOAT),
            helper.make_node(
                "Mul", ["cascade_turn_f", "cascade_count_turned"], ["cascade_count_extra"]
            ),
            helper.make_node("Add", ["cascade_count_extra", "cascade_count"], ["cascade_counts"]),
            helper.make_node("Unsqueeze", ["cascade_counts", "cascade_axis"], ["cascade_per_row"]),
            helper.make_node("Div", ["cascade_all", "cascade_per_row"], ["cascade_mean"]),
        ]
    answer = "probs" if reject_floor is None else "cascade_digits"
    nodes += [
        *mean,
        helper.make_node("Unsqueeze", ["cascade_idx", "cascade_axis"], ["cascade_rows"]),
        helper.make_node("ScatterND", [first, "cascade_rows", "cascade_mean"], [answer]),
    ]
    classes = models[0].graph.output[0].type.tensor_type.shape.dim[-1].dim_value or None
    if reject_floor is not None:  # the first member's own 11 columns, read once above
        more_nodes, more_inits = _reject_nodes(answer, models[0].graph.output[1].name, reject_floor)
        nodes += more_nodes
        inits += more_inits
        classes = 11
    graph = helper.make_graph(
        nodes,
        "cascade",
        inputs,
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", classes])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid(d, v) for d, v in sorted(opsets.items())]
    )
    model.ir_version = models[0].ir_version
    if fp16:  # the sampling grids stay float32: they are coordinates, not weights
        store_fp16(model, keep=[f"cascade_grid{t}" for t in range(len(turns))])
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return out


def _columns(m: Any) -> int:
    """How many columns a one-output model gives (0 where its graph does not say)."""
    return int(m.graph.output[0].type.tensor_type.shape.dim[-1].dim_value)


def _digits_beside_reject(m: Any, path: Path) -> Any:
    """A reject model's graph with two outputs: its 10 digit probabilities divided by
    their sum (what a cascade member gives), then its own 11 columns."""
    from onnx import TensorProto, helper

    g = m.graph
    raw = g.output[0].name
    if _columns(m) != 11:
        raise ModelError(f"{path}: a reject model gives 11 columns, 10 digits then reject")
    g.initializer.extend(
        [
            helper.make_tensor("split_start", TensorProto.INT64, [1], [0]),
            helper.make_tensor("split_end", TensorProto.INT64, [1], [10]),
            helper.make_tensor("split_axis", TensorProto.INT64, [1], [1]),
        ]
    )
    g.node.extend(
        [
            helper.make_node(
                "Slice", [raw, "split_start", "split_end", "split_axis"], ["split_digits"]
            ),
            helper.make_node("ReduceSum", ["split_digits", "split_axis"], ["split_sum"]),
            helper.make_node("Div", ["split_digits", "split_sum"], ["split_probs"]),
        ]
    )
    g.output.insert(0, helper.make_tensor_value_info("split_probs", TensorProto.FLOAT, ["N", 10]))
    return m


def _reject_member_probs(path: Path, x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A reject model's digits renormalised, as a cascade's first member reads them: by
    the same nodes (a crop at the threshold must fall on the same side of it here as in
    the file, and numpy's sum may round otherwise)."""
    import onnx
    import onnxruntime as ort

    m = _digits_beside_reject(onnx.load(str(path)), path)
    del m.graph.output[1:]
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    name = m.graph.input[0].name
    return np.concatenate(
        [sess.run(None, {name: x[i : i + 512, ..., None]})[0] for i in range(0, len(x), 512)]
    )


def _reject_nodes(digits: str, both: str, floor: float) -> tuple[list[Any], list[Any]]:
    """Nodes (and their constants) giving `probs`: the 10 columns of `digits` times
    (1 - reject), then reject, the last of `both`'s 11 columns, counted as 0 under
    `floor`."""
    from onnx import TensorProto, helper

    inits = [
        helper.make_tensor("reject_start", TensorProto.INT64, [1], [10]),
        helper.make_tensor("reject_end", TensorProto.INT64, [1], [11]),
        helper.make_tensor("reject_axis", TensorProto.INT64, [1], [1]),
        helper.make_tensor("reject_one", TensorProto.FLOAT, [], [1.0]),
        helper.make_tensor("reject_floor", TensorProto.FLOAT, [], [floor]),
    ]
    nodes = [
        helper.make_node(
            "Slice", [both, "reject_start", "reject_end", "reject_axis"], ["reject_raw"]
        ),
        helper.make_node("GreaterOrEqual", ["reject_raw", "reject_floor"], ["reject_counts"]),
        helper.make_node("Cast", ["reject_counts"], ["reject_mask"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["reject_raw", "reject_mask"], ["reject_p"]),
        helper.make_node("Sub", ["reject_one", "reject_p"], ["reject_keep"]),
        helper.make_node("Mul", [digits, "reject_keep"], ["reject_digits"]),
        helper.make_node("Concat", ["reject_digits", "reject_p"], ["probs"], axis=1),
    ]
    return nodes, inits


def _turned_readings(
    nodes: list[Any], models: Sequence[Any], turns: int, total: str, wire: Any
) -> None:
    """Append to `nodes` those that read the unsure crops whose first reading is under
    the turn threshold turned (`cascade_grid<t>`), by `models` (wired in by `wire`, which
    appends to `nodes` too), and add those readings to theirs in `total`: `cascade_all`
    (the sums), `cascade_turn` (which unsure crops were turned)."""
    from onnx import helper

    nodes += [
        helper.make_node("ReduceMax", ["cascade_sum0"], ["cascade_hard_top"], axes=[1], keepdims=0),
        helper.make_node("Less", ["cascade_hard_top", TURN_THRESHOLD], ["cascade_turn"]),
        helper.make_node("NonZero", ["cascade_turn"], ["cascade_turn_nonzero"]),
        helper.make_node("Reshape", ["cascade_turn_nonzero", "cascade_flat"], ["cascade_tidx"]),
        helper.make_node("Gather", ["cascade_hard", "cascade_tidx"], ["cascade_thard"], axis=0),
        helper.make_node("Reshape", ["cascade_thard", "cascade_nchw"], ["cascade_thard_nchw"]),
        helper.make_node("Shape", ["cascade_thard"], ["cascade_thard_shape"]),
        helper.make_node(
            "Slice", ["cascade_thard_shape", "cascade_first", "cascade_one"], ["cascade_thard_n"]
        ),
        helper.make_node(
            "Concat", ["cascade_thard_n", "cascade_grid_tail"], ["cascade_grid_shape"], axis=0
        ),
    ]
    sums: list[str] = []
    for t in range(turns):
        view = f"cascade_turned{t}"
        nodes += [
            helper.make_node(
                "Expand", [f"cascade_grid{t}", "cascade_grid_shape"], [f"cascade_grid{t}_n"]
            ),
            helper.make_node(
                "GridSample",
                ["cascade_thard_nchw", f"cascade_grid{t}_n"],
                [f"{view}_nchw"],
                align_corners=1,
                mode="bilinear",
                padding_mode="zeros",
            ),
            helper.make_node("Reshape", [f"{view}_nchw", "cascade_nhwc"], [view]),
        ]
        for m in models:
            reading = wire(m, view, f"t{t}_")
            if sums:
                added = f"{view}_sum{len(sums)}"
                nodes.append(helper.make_node("Add", [sums[-1], reading], [added]))
                reading = added
            sums.append(reading)
    nodes += [
        helper.make_node("Mul", [total, "cascade_zero"], ["cascade_zeros"]),
        helper.make_node("Unsqueeze", ["cascade_tidx", "cascade_axis"], ["cascade_trows"]),
        helper.make_node(
            "ScatterND", ["cascade_zeros", "cascade_trows", sums[-1]], ["cascade_textra"]
        ),
        helper.make_node("Add", [total, "cascade_textra"], ["cascade_all"]),
    ]


def cascade_reference(
    member_probs: Sequence[npt.NDArray[Any]],
    threshold: float,
    turned_probs: Sequence[Sequence[npt.NDArray[Any]]] = (),
    turn_threshold: float | None = None,
) -> npt.NDArray[Any]:
    """What the cascade computes, from each member's probabilities on the whole batch
    (and, for a cascade with turns, on the batch turned by each angle: one list per turn
    of the probabilities of the members that read turned crops; the unsure crops whose
    first reading is under `turn_threshold`, by default all, are read turned)."""
    first = np.asarray(member_probs[0], np.float32)
    unsure = first.max(axis=1) < threshold
    out = first.copy()
    out[unsure] = np.mean([np.asarray(p)[unsure] for p in member_probs], axis=0)
    turned = unsure & (
        first.max(axis=1) < (threshold if turn_threshold is None else turn_threshold)
    )
    views = [*member_probs, *(p for turn in turned_probs for p in turn)]
    if turned_probs:
        out[turned] = np.mean([np.asarray(p)[turned] for p in views], axis=0)
    return out


def threshold_for_share(first_probs: npt.NDArray[Any], share: float) -> float:
    """The confidence under which `share` of these crops fall (to the other members)."""
    top = np.sort(first_probs.max(axis=1))
    k = min(len(top) - 1, max(0, round(share * len(top))))
    return float(np.nextafter(top[k], np.float32(1.0))) if share > 0 else 0.0


@dataclass(frozen=True)
class CascadeOptions:
    members: list[str]
    out: str = "models/digits.onnx"
    share: float = 0.05  # of the validation digits the first member is least sure of
    fp16: bool = True
    data: str | None = None
    val_size: int = 5000
    evaluate_test: bool = True
    turns: tuple[float, ...] = ()  # degrees: the unsure crops are also read turned
    turned: tuple[int, ...] | None = None  # by these members (0-based; None: all)
    reject_floor: float = 0.5  # when the first member is a reject model (see build_cascade)
    extra: dict[str, Any] = field(default_factory=dict)


def _probs(path: Path, x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    from ..classify.engine import OnnxEngine

    engine = OnnxEngine(path, device="cpu", threads=0)
    return np.concatenate([engine.run(x[i : i + 512]) for i in range(0, len(x), 512)])


_MEMBER_METRICS = (
    "val_accuracy",
    "test_accuracy",
    "epochs_run",
    "train_seconds",
    "crops_per_s_1thread_b64",
)


def _stored_members(paths: Sequence[Path], tmp: Path) -> list[Path]:
    """Each member with its weights stored as the cascade stores them (float16)."""
    import onnx

    from ..classify.card import file_sha256

    out = []
    for i, p in enumerate(paths):
        q = tmp / f"{i}-{p.name}"  # members are often all called digits.onnx
        onnx.save(store_fp16(onnx.load(str(p))), str(q))
        card = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        card["sha256"] = file_sha256(q)
        q.with_suffix(".json").write_text(json.dumps(card), encoding="utf-8")
        out.append(q)
    return out


def _copy_member_curves(paths: Sequence[Path], out: Path) -> list[str | None]:
    """Each member's training curves beside the cascade (`<out>_curves_<i>.png`).

    A cascade is not trained, so a `<out>_curves.png` left there by the single model
    it replaces would describe another model: it is removed.
    """
    import shutil

    out.with_name(out.stem + "_curves.png").unlink(missing_ok=True)
    names: list[str | None] = []
    for i, p in enumerate(paths, 1):
        src = p.with_name(p.stem + "_curves.png")
        dst = out.with_name(f"{out.stem}_curves_{i}.png")
        dst.unlink(missing_ok=True)
        if src.is_file():
            shutil.copyfile(src, dst)
        names.append(dst.name if src.is_file() else None)
    return names


def make_cascade(opts: CascadeOptions) -> dict[str, Any]:
    """Build, check and evaluate a cascade; writes it with its card and plots."""
    from .. import datasets
    from ..classify.card import REJECT, load_card
    from .evaluate import evaluate, plot_confusion, plot_mistakes
    from .export import write_card
    from .fit import prepare, split_indices

    paths = [Path(m) for m in opts.members]
    if len(paths) < 2:
        raise ModelError("a cascade needs at least two member models")
    if not 0.0 < opts.share < 1.0:
        raise ModelError(f"--share {opts.share} must be between 0 and 1")
    cards = [load_card(p) for p in paths]
    digits = [str(i) for i in range(10)]
    # Reject models are read by their digits; one that comes first gives its reject too.
    rejects = [c.labels == [*digits, REJECT] for c in cards]
    rejecting = rejects[0]
    for p, c, is_reject in zip(paths, cards, rejects, strict=True):
        if (c.labels != digits and not is_reject) or c.input.shape[1:] != [28, 28, 1]:
            raise ModelError(
                f"{p}: cascade members take (N, 28, 28, 1) and give 10 digits "
                "(or 10 digits and reject: a model trained with --reject)"
            )
        recipe = c.training.get("recipe", {})
        if recipe and (recipe.get("limit") or recipe.get("val_size", 0) < opts.val_size):
            # The threshold and the validation figures need digits no member trained on.
            raise ModelError(
                f"{p} held out fewer than the {opts.val_size} validation digits "
                "(--limit or a smaller --val-size): it trained on some of them"
            )
    train = datasets.load("train", opts.data)
    val_idx, _ = split_indices(len(train.labels), opts.val_size)
    x_val = prepare(train.images[val_idx]).astype(np.float32) / 255.0
    y_val = train.labels[val_idx]

    turned = sorted(set(range(len(paths)) if opts.turned is None else opts.turned))
    if turned and turned[-1] >= len(paths):
        raise ModelError(f"the cascade has no member {turned[-1] + 1} to read turned crops")
    turned = turned if opts.turns else []

    def read(models: Sequence[Path], i: int, x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if rejects[i]:
            return _reject_member_probs(models[i], x)
        return _probs(models[i], x)

    def readings(models: Sequence[Path]) -> tuple[list[Any], list[list[Any]]]:
        """The models' probabilities on the validation digits, as they are and turned."""
        views = [turn_images(x_val[..., None], a)[..., 0] for a in opts.turns]
        return [read(models, i, x_val) for i in range(len(models))], [
            [read(models, i, v) for i in turned] for v in views
        ]

    def reference(read_out: tuple[list[Any], list[list[Any]]], first: Path) -> npt.NDArray[Any]:
        """What the file computes, from its members' readings (and the first's reject)."""
        ref = cascade_reference(read_out[0], threshold, read_out[1])
        if rejecting:
            ref = with_reject_reference(ref, _probs(first, x_val), opts.reject_floor)
        return ref

    val_read = readings(paths)
    val_probs = val_read[0]
    threshold = threshold_for_share(val_probs[0], opts.share)
    out = build_cascade(
        paths,
        Path(opts.out),
        threshold=threshold,
        fp16=opts.fp16,
        turns=opts.turns,
        turned=turned,
        reject_floor=opts.reject_floor if rejecting else None,
    )
    curves = _copy_member_curves(paths, out)
    members = [
        {
            "file": p.name,
            "architecture": c.architecture,
            "parameters": c.parameters,
            "sha256": c.sha256,
            "metrics": {k: c.metrics.get(k) for k in _MEMBER_METRICS},
            "recipe": c.training.get("recipe", {}),
            "curves": curve,
        }
        for p, c, curve in zip(paths, cards, curves, strict=True)
    ]
    training = {
        "data": cards[0].training.get("data"),
        "n_val": len(val_idx),
        "cascade": {
            "threshold": threshold,
            "share": opts.share,
            "fp16_weights": opts.fp16,
            "turns_degrees": list(opts.turns),
            "turned_members": turned,
        },
        "members": members,
        **opts.extra,
    }
    architecture = "cascade(" + ", ".join(c.architecture for c in cards) + ")"
    if rejecting:  # described as `make_with_reject` describes an attached one
        training["reject_model"] = {**members[0], "floor": opts.reject_floor, "member": 1}
        architecture += " + reject(member 1)"
    metrics: dict[str, Any] = {}
    card = functools.partial(
        write_card,
        out,
        architecture=architecture,
        parameters=sum(c.parameters for c in cards),
        training=training,
        metrics=metrics,  # the same dict: figures added below reach the later writes
        labels=cards[0].labels,
    )
    card()
    # The file computes what its members compute, wired as documented (each member was
    # checked against Keras when it was exported). With float16 weights the reference is
    # the members with the same float16 weights; what float16 changes is reported.
    got = _probs(out, x_val)
    full = reference(val_read, paths[0])
    same = full
    if opts.fp16:
        with tempfile.TemporaryDirectory() as tmp:
            stored = _stored_members(paths, Path(tmp))
            same = reference(readings(stored), stored[0])
    diff = float(np.abs(got - same).max())
    if diff > 1e-5:
        for path in (out, out.with_suffix(".json")):
            path.unlink(missing_ok=True)
        raise ModelError(f"the cascade differs from its members by {diff:.2e}")
    metrics.update(
        {
            "val_accuracy": round(float((got[:, :10].argmax(1) == y_val).mean()), 5),
            "val_share_to_others": round(float((val_probs[0].max(1) < threshold).mean()), 5),
            "members_val_accuracy": [
                round(float((p.argmax(1) == y_val).mean()), 5) for p in val_probs
            ],
            "cascade_members_max_abs_diff": diff,
            "fp16_max_abs_diff": float(np.abs(got - full).max()),
            "fp16_changed_labels": int((got.argmax(1) != full.argmax(1)).sum()),
        }
    )
    if rejecting:
        metrics["val_reject_mean"] = round(float(got[:, 10].mean()), 5)
        metrics["val_reject_over_half"] = round(float((got[:, 10] > 0.5).mean()), 5)
    card()
    if opts.evaluate_test:
        ev = evaluate(out, opts.data)
        metrics.update(ev.export())
        plot_confusion(ev, out.with_name(out.stem + "_confusion.png"))
        images = datasets.load("test", opts.data).images
        plot_mistakes(ev, images, out.with_name(out.stem + "_mistakes.png"))
        card()
    return metrics


def build_with_reject(
    model: Path, reject: Path, out: Path, *, floor: float = 0.5, fp16: bool = True
) -> Path:
    """Write `model` (10 digit outputs) with `reject`'s last output beside it, to `out`.

    `reject` is a model trained with a reject class (`digitocr train --reject`): its last
    output is the probability that a crop is not one digit (two digits touching). The
    file gives 11 columns: the digit probabilities times (1 - reject), then reject.
    Which digit is likeliest never changes; a crop that looks like two touching digits
    loses confidence, so segmentation cuts it and a field read with it goes to review.
    A reject probability under `floor` counts as 0: the reject model learnt touching
    MNIST digits, and on real crops its small values are noise.
    """
    import onnx
    from onnx import TensorProto, compose, helper

    parts, overridable = [], []
    for prefix, path in (("c_", model), ("r_", reject)):
        m = onnx.load(str(path))
        defaults = {x.name for x in m.graph.initializer}
        if any(i.name not in defaults for i in m.graph.input[1:]) or len(m.graph.output) != 1:
            raise ModelError(f"{path}: needs one input and one output")
        m = compose.add_prefix(m, prefix)
        # Inputs with defaults (a cascade's turn threshold) stay inputs of the joined file.
        overridable += list(m.graph.input[1:])
        parts.append(m)
    main, rej = parts
    digits, both = main.graph.output[0].name, rej.graph.output[0].name
    tail, inits = _reject_nodes(digits, both, floor)
    nodes: list[Any] = []
    opsets: dict[str, int] = {}
    for m in parts:
        inits.extend(m.graph.initializer)
        nodes.append(helper.make_node("Identity", ["image"], [m.graph.input[0].name]))
        nodes.extend(m.graph.node)
        for o in m.opset_import:
            opsets[o.domain] = max(opsets.get(o.domain, 0), o.version)
    nodes += tail
    graph = helper.make_graph(
        nodes,
        "digits_with_reject",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 28, 28, 1]), *overridable],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 11])],
        initializer=inits,
    )
    combined = helper.make_model(
        graph, opset_imports=[helper.make_opsetid(d, v) for d, v in sorted(opsets.items())]
    )
    combined.ir_version = max(main.ir_version, rej.ir_version)
    if fp16:
        store_fp16(combined)
    onnx.checker.check_model(combined)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(combined, str(out))
    return out


def with_reject_reference(
    digit_probs: npt.NDArray[Any], reject_probs: npt.NDArray[Any], floor: float = 0.5
) -> npt.NDArray[Any]:
    """What `build_with_reject` computes, from the two models' own outputs."""
    r = np.asarray(reject_probs, np.float32)[:, -1:]
    r = np.where(r >= np.float32(floor), r, np.float32(0.0))
    return np.concatenate([np.asarray(digit_probs, np.float32) * (1.0 - r), r], axis=1)


def make_with_reject(
    model: str | Path,
    reject: str | Path,
    out: str | Path,
    *,
    data: str | None = None,
    floor: float = 0.5,
    fp16: bool = True,
    evaluate_test: bool = True,
) -> dict[str, Any]:
    """Attach a reject model to a digit model; checked, evaluated, with its card."""
    import shutil

    from .. import datasets
    from ..classify.card import REJECT, load_card
    from .evaluate import evaluate
    from .export import write_card
    from .fit import prepare, split_indices

    model, reject, out = Path(model), Path(reject), Path(out)
    card, rcard = load_card(model), load_card(reject)
    digits = [str(i) for i in range(10)]
    if card.labels != digits:
        raise ModelError(f"{model}: the digit model must give the 10 digits and nothing else")
    if rcard.labels != [*digits, REJECT]:
        raise ModelError(f"{reject}: not a reject model (train one with `digitocr train --reject`)")
    describe = functools.partial(
        write_card,
        architecture=f"{card.architecture} + reject({rcard.architecture})",
        parameters=card.parameters + rcard.parameters,
        labels=[*digits, REJECT],
    )
    train = datasets.load("train", data)
    val_idx, _ = split_indices(len(train.labels), int(card.training.get("n_val", 5000)))
    x_val = prepare(train.images[val_idx]).astype(np.float32) / 255.0
    with tempfile.TemporaryDirectory() as tmp:
        # Written aside first: `out` may be `model` itself.
        staged = build_with_reject(model, reject, Path(tmp) / out.name, floor=floor, fp16=fp16)
        describe(staged, training={}, metrics={})  # the engine reads a file with its card
        got = _probs(staged, x_val)
        same = [model, reject]
        if fp16:
            same = _stored_members(same, Path(tmp))
        ref = with_reject_reference(_probs(same[0], x_val), _probs(same[1], x_val), floor)
        diff = float(np.abs(got - ref).max())
        if diff > 1e-5:
            raise ModelError(f"the model with a reject output differs from its parts by {diff:.2e}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged, out)
    r = got[:, -1]
    training = dict(card.training)
    training["reject_model"] = {
        "file": reject.name,
        "architecture": rcard.architecture,
        "parameters": rcard.parameters,
        "sha256": rcard.sha256,
        "metrics": {k: rcard.metrics.get(k) for k in _MEMBER_METRICS},
        "recipe": rcard.training.get("recipe", {}),
        "floor": floor,
    }
    metrics = {k: v for k, v in card.metrics.items() if not k.startswith("test_")}
    metrics.update(
        {
            "with_reject_max_abs_diff": diff,
            # How much of the confidence the reject output takes from real digits.
            "val_reject_mean": round(float(r.mean()), 5),
            "val_reject_over_half": round(float((r > 0.5).mean()), 5),
        }
    )
    describe(out, training=training, metrics=metrics)
    if evaluate_test:
        metrics.update(evaluate(out, data).export())
        describe(out, training=training, metrics=metrics)
    return metrics
