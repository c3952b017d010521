"""The original article's comparison, measured here: MLP, basic CNN, ResNet, our default.

    python bench/architectures.py [--epochs 12] [--data ../shared/datasets/mnist]
    python bench/architectures.py --table        # print the table from the saved results

Each is trained with the same recipe (augmentation, batch norm, dropout, LR schedule,
early stopping on a held-out validation split), exported to ONNX and evaluated on the
MNIST test split through ONNX Runtime. The default row can instead be read from the
shipped model's card (`--shipped`), which was trained longer.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "architectures"


def table(rows: dict[str, dict]) -> None:
    print(
        "| model | test accuracy | parameters | epochs | training time (2 cores) | crops/s (1 thread, batch 64) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in rows.items():
        print(
            f"| {name} | {r['test_accuracy'] * 100:.2f}% | {r['parameters']:,} | {r['epochs_run']} | "
            f"{r['train_seconds'] / 60:.1f} min | {r['crops_per_s_1thread_b64']:,} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--archs", default="mlp,cnn,resnet,digitnet")
    ap.add_argument(
        "--data",
        default=os.environ.get("DIGITOCR_DATA", str(ROOT.parent / "shared/datasets/mnist")),
    )
    ap.add_argument(
        "--shipped", action="store_true", help="take the digitnet row from models/digits.json"
    )
    ap.add_argument("--table", action="store_true")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    saved = OUT / "results.json"
    rows: dict[str, dict] = json.loads(saved.read_text()) if saved.is_file() else {}
    if not a.table:
        from digitocr.train.fit import TrainOptions
        from digitocr.train.run import train_and_export

        for arch in a.archs.split(","):
            if arch == "digitnet" and a.shipped:
                card = json.loads((ROOT / "models" / "digits.json").read_text())
                rows["digitnet (shipped)"] = {**card["metrics"], "parameters": card["parameters"]}
                continue
            m = train_and_export(
                TrainOptions(
                    arch=arch,
                    epochs=a.epochs,
                    patience=4,
                    data=a.data,
                    out=str(OUT / f"{arch}.onnx"),
                    verbose=0,
                )
            )
            card = json.loads((OUT / f"{arch}.json").read_text())
            rows[arch] = {**m, "parameters": card["parameters"]}
            saved.write_text(json.dumps(rows, indent=1))
            print(arch, json.dumps(rows[arch]))
    saved.write_text(json.dumps(rows, indent=1))
    table(rows)


if __name__ == "__main__":
    main()
