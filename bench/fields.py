"""Field accuracy on generated documents, and on ../shared/bench-dev with its own scorer.

    python bench/fields.py [--count 30] [--seed 2026] [--sources mnist-test,procedural]
                           [--data ../shared/datasets/mnist] [--workers 2] [--no-bench-dev]

Generates cheques, envelopes and forms whose handwriting comes from the MNIST **test**
split (never seen in training) and from our procedural renderer, runs `digitocr run` on
each set, and prints per template and field: exact match, character error rate, error
among accepted fields when the least confident 0/5/10% go to review, the fields the run
accepts without review and the wrong ones among them, and pages/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import add_data_option, load, print_table, score, timed_run

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = {
    "cheque": "cheque",
    "envelope": "envelope",
    "form": str(ROOT / "pipelines" / "application-form.yaml"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=30, help="documents per kind and source")
    add_data_option(ap)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--bench-dev", type=Path, default=ROOT.parent / "shared" / "bench-dev")
    ap.add_argument("--no-bench-dev", action="store_true", help="skip ../shared/bench-dev")
    ap.add_argument(
        "--seed",
        type=int,
        default=2026,
        help="generator seed; 2026 is the set the segmentation was tuned on, others are fresh",
    )
    ap.add_argument("--sources", default="mnist-test,procedural")
    a = ap.parse_args()
    results = {}
    for source in a.sources.split(","):
        for kind, template in TEMPLATES.items():
            folder = a.out / source / kind
            if not (folder / "truth.json").is_file():
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "digitocr",
                        "synth",
                        str(folder),
                        "--kind",
                        kind,
                        "--count",
                        str(a.count),
                        "--source",
                        source,
                        "--data",
                        a.data,
                        "--formats",
                        "png,jpg,tif,pdf",
                        "--seed",
                        str(a.seed),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            truth = json.loads((folder / "truth.json").read_text())
            pred = a.out / f"{source}-{kind}.jsonl"
            secs = timed_run([str(folder)], template, pred, "--workers", str(a.workers))
            m = score(truth, load(pred))
            results[f"{source}/{kind}"] = {**m, "seconds": secs, "pages": len(truth)}
            print_table(m, f"{source} {kind} ({len(truth)} pages)", secs, len(truth))
    if not a.no_bench_dev and (a.bench_dev / "truth.json").is_file():
        pred = a.out / "bench-dev.json"
        recs: list[dict] = []
        secs = 0.0
        for kind in ("cheque", "envelope", "form"):
            part = a.out / f"bench-dev-{kind}.json"
            secs += timed_run(
                [str(a.bench_dev / kind)], kind, part, "--workers", str(a.workers), "--dpi", "200"
            )
            recs += json.loads(part.read_text())
        pred.write_text(json.dumps(recs))
        print("\n== ../shared/bench-dev with its own scorer")
        subprocess.run(
            [
                sys.executable,
                str(a.bench_dev / "score.py"),
                str(a.bench_dev / "truth.json"),
                str(pred),
                "--seconds",
                f"{secs:.2f}",
            ],
            check=False,
        )
        bench_truth = json.loads((a.bench_dev / "truth.json").read_text())
        m = score(bench_truth, recs)
        results["bench-dev"] = {**m, "seconds": secs, "pages": len(bench_truth)}
        print_table(m, "bench-dev, the review queue as our runs flag it")
    print("\n== review queue: fields kept without review, and wrong among them")
    for source in ("mnist-test", "procedural", "bench-dev"):
        sets = [v["fields"]["all.all"] for k, v in results.items() if k.split("/")[0] == source]
        n, ok = sum(f["n"] for f in sets), sum(f["exact"] * f["n"] for f in sets)
        kept, wrong = sum(f["accepted"] for f in sets), sum(f["accepted_wrong"] for f in sets)
        if n:
            print(
                f"{source:12} {n:4d} fields  exact {ok / n:.3f}  accepted {kept} "
                f"({kept / n:.0%})  wrong {wrong} ({wrong / max(1, kept):.1%})"
            )
    (a.out / "fields.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
