"""The original article's comparison, measured here: MLP, basic CNN, ResNet, our default.

    python bench/architectures.py [--epochs 12] [--data ../shared/datasets/mnist]
    python bench/architectures.py --table        # print the table from the saved results
    python bench/architectures.py --archs shipped   # only the shipped model (and its members)

Each is trained with the same recipe (augmentation, batch norm, dropout, LR schedule,
early stopping on a held-out validation split), exported to ONNX and evaluated on the
MNIST test split through ONNX Runtime. The shipped model's rows are read from its card
(`shipped`): a cascade's members were trained longer, each with its own recipe.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from score import add_data_option

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


def shipped_rows(data: str) -> dict[str, dict]:
    """The shipped model's row, and one per member when it is a cascade (from its card)."""
    card = json.loads((ROOT / "models" / "digits.json").read_text())
    members = card.get("training", {}).get("members", [])
    rows = {}
    for m in members:
        name = f"{m['architecture']} ({m['recipe'].get('seed', 0)}, member)"
        rows[name] = {**m["metrics"], "parameters": m["parameters"]}
    total = {
        "train_seconds": sum(m["metrics"].get("train_seconds") or 0 for m in members),
        "epochs_run": sum(m["metrics"].get("epochs_run") or 0 for m in members),
    }
    from digitocr.train.evaluate import evaluate

    ev = evaluate(ROOT / "models" / "digits.onnx", data)  # accuracy and speed, measured now
    rows[f"{card['architecture']} (shipped)"] = {
        **total,
        **card["metrics"],
        **ev.export(),
        "parameters": card["parameters"],
    }
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument(
        "--archs",
        default="mlp,cnn,resnet,shipped",
        help="architectures to train; 'shipped' reads the rows of models/digits.json instead",
    )
    add_data_option(ap)
    ap.add_argument("--table", action="store_true")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    saved = OUT / "results.json"
    rows: dict[str, dict] = json.loads(saved.read_text()) if saved.is_file() else {}
    if not a.table:
        from digitocr.train.fit import TrainOptions
        from digitocr.train.run import train_and_export

        for arch in a.archs.split(","):
            if arch == "shipped":
                rows.update(shipped_rows(a.data))
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
