"""Where a cascade's time goes: each member cut out of the file, timed at several batch sizes.

    python bench/members.py [models/digits.onnx] [--batches 1,3,9,64] [--seconds 1]

Each member of the shipped file (`c_m0_` the first, `c_m1_` and `c_m2_` the others, `r_`
the reject model; see bench/quantize.py) is cut out with `onnx.utils.extract_model`
between its input (the Identity that feeds it) and its Softmax, and timed alone on
MNIST test digits, one ONNX Runtime thread, for `--seconds` at each batch size: ms a
call and microseconds a crop. The cascade runs its first member and the reject model on
every crop and the others on the few unsure crops (about 3 of a batch of 64, read as
they are and turned by each of its turns), so the small batches show what those calls
cost and whether reading the unsure crops of all the turns as one batch would save
time (a call's fixed cost against its per-crop cost).
Measure only: nothing is written to models/.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from score import add_data_option

ROOT = Path(__file__).resolve().parent.parent


def members(model: Path) -> list[tuple[str, str, str]]:
    """(prefix, input, output) of each member read unturned: the Identity feeding it,
    its Softmax's output."""
    import onnx

    g = onnx.load(str(model), load_external_data=False).graph
    found = []
    for prefix in ("c_m0_", "c_m1_", "c_m2_", "c_m3_", "r_"):
        feed = [n.output[0] for n in g.node if n.op_type == "Identity" and
                n.output[0] == f"{prefix}image"]  # fmt: skip
        soft = [n.output[0] for n in g.node if n.op_type == "Softmax" and
                n.output[0].startswith(prefix)]  # fmt: skip
        if feed and soft:
            found.append((prefix, feed[0], soft[0]))
    return found


def main() -> None:
    import onnx.utils
    import onnxruntime as ort

    from digitocr import datasets
    from digitocr.train.fit import prepare

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", nargs="?", type=Path, default=ROOT / "models/digits.onnx")
    ap.add_argument("--batches", default="1,3,9,64")
    ap.add_argument("--seconds", type=float, default=1.0)
    add_data_option(ap)
    a = ap.parse_args()
    x = prepare(datasets.load("test", a.data).images[:4096]).astype(np.float32) / 255.0
    x = x[..., None]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    batches = [int(b) for b in a.batches.split(",")]
    print(f"{a.model}: ms a call / microseconds a crop, one thread")
    print("member  " + "".join(f"{'batch ' + str(b):>20}" for b in batches))
    with tempfile.TemporaryDirectory() as tmp:
        for prefix, src, dst in members(a.model):
            part = Path(tmp) / f"{prefix}.onnx"
            onnx.utils.extract_model(str(a.model), str(part), [src], [dst])
            sess = ort.InferenceSession(str(part), opts, providers=["CPUExecutionProvider"])
            name = sess.get_inputs()[0].name
            cells = []
            for b in batches:
                for i in range(5):
                    sess.run(None, {name: x[i * b : (i + 1) * b]})
                calls, t0, i = 0, time.perf_counter(), 0
                while time.perf_counter() - t0 < a.seconds:
                    sess.run(None, {name: x[i : i + b]})
                    calls, i = calls + 1, (i + b) % (len(x) - b)
                ms = (time.perf_counter() - t0) / calls * 1e3
                cells.append(f"{ms:8.3f} / {ms / b * 1e3:6.0f}")
            print(f"{prefix:<8}" + "".join(f"{c:>20}" for c in cells))


if __name__ == "__main__":
    main()
