"""Whose misreads are they: the classifier's, or the pipeline's? (generated documents)

    python bench/provenance.py --seeds 2064-2078 [--kinds cheque,envelope,form]
        [--out bench/out{seed}] [--pred {out}/mnist-test-{kind}.jsonl (also {seed})]
        [--data ../shared/datasets/mnist] [--model models/digits.onnx] [--list]

The generator draws each handwritten digit from the MNIST test split, and does so
deterministically for a seed: this draws every document of bench/fields.py's sets
again (nothing is rendered), notes which test image each digit of each field came
from, and reads those images with the model as MNIST gives them (as
`digitocr evaluate` does). Then, over the fields read with as many digits as written,
each digit read wrong on the page is the classifier's when the model also misreads
its MNIST image, and the pipeline's (rasterising, locating, line removal, segmentation,
normalisation) when the model reads the image right. Prints per kind and field: digits,
misread on the page, how many of those the model misreads as MNIST too, and the
pipeline's rate among the digits whose image the model reads right (split by how sure
it is of the image: a digit it reads at 0.97 or more was spoiled by the pipeline; one
it reads unsure was fragile). `--list` prints each of the pipeline's misreads.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from score import add_data_option, load  # noqa: E402

import digitocr.synth.documents as documents  # noqa: E402
import digitocr.synth.generate as generate  # noqa: E402
from digitocr.synth.handwriting import DigitSource  # noqa: E402
from digitocr.train.evaluate import evaluate  # noqa: E402

FORM = str(ROOT / "pipelines" / "application-form.yaml")


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


class Recorder:
    """Wraps the generator's `write` and `DigitSource.glyph` to note, per call of
    `write`, the MNIST index of each digit it draws (the same random draws: the
    generator's own choice is made from the same state)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self._glyph = DigitSource.glyph
        self._write = documents.write

    def __enter__(self) -> Recorder:
        rec = self

        def glyph(
            src: DigitSource, ch: str, height: int, rng: np.random.Generator, pen: Any = None
        ) -> Any:
            if ch.isdigit() and src.kind != "procedural":
                src._load()
                assert src._by_label is not None
                state = rng.bit_generator.state
                rec.calls[-1][1].append(int(rng.choice(src._by_label[int(ch)])))
                rng.bit_generator.state = state
            return rec._glyph(src, ch, height, rng, pen)

        def write(layer: Any, text: str, *a: Any, **k: Any) -> Any:
            rec.calls.append((text, []))
            return rec._write(layer, text, *a, **k)

        DigitSource.glyph = glyph  # type: ignore[method-assign, assignment]
        documents.write = write  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        DigitSource.glyph = self._glyph  # type: ignore[method-assign]
        documents.write = self._write  # type: ignore[assignment]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", required=True, help="e.g. 2064-2078 or 2064,2070")
    ap.add_argument("--kinds", default="cheque,envelope,form")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out{seed}"))
    ap.add_argument("--pred", default="{out}/mnist-test-{kind}.jsonl")
    ap.add_argument("--model", default=str(ROOT / "models" / "digits.onnx"))
    ap.add_argument("--list", action="store_true", help="print each of the pipeline's misreads")
    add_data_option(ap)
    a = ap.parse_args()
    ev = evaluate(a.model, a.data)
    raw_pred, raw_conf, labels = ev.probs.argmax(1), ev.probs.max(1), ev.labels
    src = DigitSource("mnist-test", a.data)
    # per (kind, field): digits, misread, misread as MNIST too, pipeline's (sure), (unsure)
    stats: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for kind in a.kinds.split(","):
        for seed in _seeds(a.seeds):
            out = a.out.format(seed=seed)
            truth = json.loads((Path(out) / "mnist-test" / kind / "truth.json").read_text())
            preds = {
                (Path(r["file"]).name, int(r["page"])): r
                for r in load(Path(a.pred.format(out=out, kind=kind, seed=seed)))
            }
            opts = generate.SynthOptions(
                out=Path(out), kind=kind, source="mnist-test", seed=seed, form_template=FORM
            )
            opts = dataclasses.replace(opts, data=a.data)
            for t in truth:
                file_no = int(t["file"].split("_")[1].split(".")[0])
                rng = np.random.default_rng([seed, file_no, int(t.get("page", 1)) - 1])
                with Recorder() as rec:
                    doc = generate._doc(opts, rng, src)
                if doc.fields != t["fields"]:
                    sys.exit(f"{out}/{t['file']}: drawn again, the fields differ: another code?")
                record = preds.get((t["file"], int(t.get("page", 1))))
                for name, written in t["written"].items():
                    want = "".join(c for c in written if c.isdigit())
                    drawn = [
                        ix
                        for text, ix in rec.calls
                        if "".join(c for c in text if c.isdigit()) == want and len(ix) == len(want)
                    ]
                    field = ((record or {}).get("fields") or {}).get(name) or {}
                    got = [d["label"] for d in field.get("digits", []) if d["label"].isdigit()]
                    if not drawn or len(got) != len(want):
                        continue
                    s = stats[(kind, name)]
                    for c, g, ix in zip(want, got, drawn[-1], strict=True):
                        s[0] += 1
                        raw_wrong = bool(raw_pred[ix] != labels[ix])
                        s[5] += not raw_wrong
                        if g == c:
                            continue
                        s[1] += 1
                        if raw_wrong:
                            s[2] += 1
                            continue
                        s[3 if raw_conf[ix] >= 0.97 else 4] += 1
                        if a.list:
                            print(
                                f"{seed} {t['file']} {name} {c}>{g} mnist-test #{ix} "
                                f"(read {raw_conf[ix]:.3f} as MNIST)"
                            )
    print(
        f"{'kind.field':22} {'digits':>7} {'misread':>7} {'as MNIST':>8} "
        f"{'pipeline':>8} {'spoiled':>7} {'fragile':>7} {'pipeline rate':>13}"
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for (kind, name), s in sorted(stats.items()):
        totals[kind] = [x + y for x, y in zip(totals[kind], s, strict=True)]
        _row(f"{kind}.{name}", s)
    for kind, s in totals.items():
        _row(f"{kind}.all", s)


def _row(name: str, s: list[int]) -> None:
    n, bad, raw, sure, unsure, raw_right = s
    rate = 100 * (sure + unsure) / max(1, raw_right)
    print(
        f"{name:22} {n:7d} {bad:7d} {raw:8d} {sure + unsure:8d} {sure:7d} {unsure:7d} {rate:12.3f}%"
    )


if __name__ == "__main__":
    main()
