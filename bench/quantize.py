"""8-bit quantisation of the shipped cascade: accuracy and speed against the float file.

    python bench/quantize.py [models/digits.onnx] [--parts c_m0_,r_] [--calibrate 3000]

Folds the cascade's float16-stored weights to float32, quantises the Conv and MatMul
nodes whose names start with one of `--parts` (ONNX Runtime's static quantisation: QDQ,
int8 weights per channel, 7-bit with `--reduce-range`; uint8 activations; min-max
ranges from the last `--calibrate` digits of MNIST's training file, most of them
training digits: never test digits), and prints for the float and the quantised file: MNIST test errors, the error
left when the least sure 1% and 5% are set aside, and crops/s (one thread, batch 64,
three runs). Node prefixes in the shipped file: `c_m0_` the first member, `c_m1_` and
`c_m2_` the others, `c_t0_`/`c_t1_` their turned readings, `r_` the reject model.
Measure only: nothing is written to models/.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from score import add_data_option

ROOT = Path(__file__).resolve().parent.parent


def fold_fp16(src: Path, dst: Path) -> None:
    """Replace each Cast(float16 initializer) by the float32 initializer it makes."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(src))
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    keep = []
    for node in g.node:
        src_init = inits.get(node.input[0]) if node.op_type == "Cast" else None
        if src_init is not None and src_init.data_type == onnx.TensorProto.FLOAT16:
            arr = numpy_helper.to_array(src_init).astype(np.float32)
            g.initializer.append(numpy_helper.from_array(arr, node.output[0]))
            continue
        keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    used = {i for node in g.node for i in node.input}
    for name, init in inits.items():
        if name not in used and init.data_type == onnx.TensorProto.FLOAT16:
            g.initializer.remove(init)
    onnx.save(m, str(dst))


def quantize(
    src: Path, dst: Path, parts: list[str], calib: np.ndarray, reduce_range: bool = False
) -> int:
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    nodes = [
        n.name
        for n in onnx.load(str(src)).graph.node
        if n.op_type in ("Conv", "MatMul") and any(n.name.startswith(p) for p in parts)
    ]

    class Batches(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.it = iter({"image": calib[i : i + 64]} for i in range(0, len(calib), 64))

        def get_next(self) -> dict[str, Any] | None:
            return next(self.it, None)

    quantize_static(
        str(src),
        str(dst),
        Batches(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_quantize=nodes,
        reduce_range=reduce_range,
    )
    return len(nodes)


class _Session:
    """A file without a card (the quantised one), run as `crops_per_second` runs an engine."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        o = ort.SessionOptions()
        o.intra_op_num_threads = 1
        o.inter_op_num_threads = 1
        o.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"])

    def run(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run(None, {"image": batch[..., None]})[0])


def measure(path: Path, x: np.ndarray, y: np.ndarray, seconds: float) -> str:
    from digitocr.train.evaluate import crops_per_second, rejection_curve

    s = _Session(path)
    p = np.concatenate([s.run(x[i : i + 256]) for i in range(0, len(x), 256)])[:, :10]
    wrong = p.argmax(1) != y
    kept = rejection_curve(p, y, (0.01, 0.05))
    rates = [crops_per_second(s, x[:4096], seconds) for _ in range(3)]
    return (
        f"{int(wrong.sum())} errors ({1 - wrong.mean():.2%}), at 1%/5% set aside "
        f"{kept['1%']:.3%}/{kept['5%']:.3%}, crops/s " + " / ".join(f"{r:,.0f}" for r in rates)
    )


def main() -> None:
    from digitocr import datasets
    from digitocr.train.fit import prepare

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", type=Path, nargs="?", default=ROOT / "models" / "digits.onnx")
    ap.add_argument("--parts", default="c_m0_,r_", help="node-name prefixes to quantise")
    ap.add_argument("--calibrate", type=int, default=3000)
    ap.add_argument(
        "--reduce-range",
        action="store_true",
        help="7-bit weights: no saturation on x86 machines without VNNI",
    )
    ap.add_argument("--seconds", type=float, default=3.0)
    add_data_option(ap)
    a = ap.parse_args()
    test = datasets.load("test", a.data)
    x = prepare(test.images).astype(np.float32) / 255.0
    train = datasets.load("train", a.data)
    calib = (prepare(train.images[-a.calibrate :]).astype(np.float32) / 255.0)[..., None]
    with tempfile.TemporaryDirectory() as tmp:
        f32, q8 = Path(tmp) / "float32.onnx", Path(tmp) / "int8.onnx"
        fold_fp16(a.model, f32)
        n = quantize(f32, q8, a.parts.split(","), calib, a.reduce_range)
        print(f"{a.model} (float):  {measure(f32, x, test.labels, a.seconds)}")
        print(f"int8, {n} nodes of {a.parts}: {measure(q8, x, test.labels, a.seconds)}")
        print(f"sizes: {f32.stat().st_size / 1e6:.2f} MB float32, {q8.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
