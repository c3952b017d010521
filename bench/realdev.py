"""How digitocr reads real cheque amounts: ORAND-CAR-A (../shared/real-dev), measure only.

    python bench/realdev.py [--folder ../shared/real-dev/orand-car-a-train] [--workers 2]
        [--model OTHER.onnx]

Runs `digitocr run FOLDER --template amount` and compares the digits of each value with
the label (labels carry digits only: `1.480` and `1480` are both "1480"). Prints string
accuracy, digit CER, the error among the fields not flagged for review, and the
commonest digit confusions (truth->read) in values read with the right length.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import levenshtein, load, timed_run

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--folder", type=Path, default=ROOT.parent / "shared" / "real-dev" / "orand-car-a-train"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", type=Path, help="another ONNX model (card beside it)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "realdev.jsonl")
    ap.add_argument(
        "--crossed-sevens",
        action="store_true",
        help="read as for writers who cross their 7s (Uruguay's do): digitocr run --crossed-sevens",
    )
    ap.add_argument(
        "--looped-nines",
        action="store_true",
        help="read as for writers whose 9 is a loop on one stroke (Uruguay's often are): "
        "digitocr run --looped-nines",
    )
    a = ap.parse_args()
    labels = {d["file"]: d["label"] for d in json.loads((a.folder / "labels.json").read_text())}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    extra = ["--workers", str(a.workers)] + (["--model", str(a.model)] if a.model else [])
    extra += ["--crossed-sevens"] if a.crossed_sevens else []
    extra += ["--looped-nines"] if a.looped_nines else []
    secs = timed_run([str(a.folder)], "amount", a.out, *extra)
    n = ok = edits = chars = accepted = accepted_wrong = 0
    confusions: Counter[tuple[str, str]] = Counter()
    read: list[tuple[bool, float, bool]] = []  # valid, confidence, right
    for rec in load(a.out):
        name = Path(rec["file"]).name
        if name not in labels:
            continue
        f = (rec.get("fields") or {}).get("amount") or {}
        pred = "".join(c for c in (f.get("value") or "") if c.isdigit())
        truth = labels[name]
        n += 1
        if len(pred) == len(truth):
            confusions.update((t, p) for t, p in zip(truth, pred, strict=True) if t != p)
        ok += pred == truth
        edits += levenshtein(pred, truth)
        chars += len(truth)
        if not f.get("needs_review", True):
            accepted += 1
            accepted_wrong += pred != truth
        read.append((bool(f.get("valid")), float(f.get("confidence") or 0.0), pred == truth))
    print(f"ORAND-CAR-A: {n} fields in {secs:.1f} s ({n / secs:.1f} fields/s)")
    print(f"string accuracy {ok / max(1, n):.3f}   digit CER {edits / max(1, chars):.3f}")
    print(
        f"accepted without review {accepted} ({accepted / max(1, n):.1%}), "
        f"error among them {accepted_wrong / max(1, accepted):.3f}"
    )
    top = ", ".join(f"{t}->{p} {k}" for (t, p), k in confusions.most_common(6))
    print(f"commonest digit misreads, in values of the right length: {top}")
    print("with another review threshold (digitocr run --review-threshold T):")
    for t in (0.95, 0.98, 0.99, 0.995, 0.999, 0.9999):
        kept = [right for valid, conf, right in read if valid and conf >= t]
        wrong = len(kept) - sum(kept)
        print(
            f"  {t:<7} accepted {len(kept):4d} ({len(kept) / max(1, n):5.1%}), "
            f"wrong among them {wrong:3d} ({wrong / max(1, len(kept)):.1%})"
        )


if __name__ == "__main__":
    main()
