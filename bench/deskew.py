"""Deskewing alone: its time a page and how near the truth its angle is; prints numbers.

    python bench/deskew.py bench/out2067/mnist-test [--limit 60] [--kinds cheque,envelope,form]

For each kind of a generated set (`bench/fields.py` writes them, each page's rotation in
its truth.json as `skew_deg`), the first `--limit` documents are rasterised and cleaned
as `digitocr run` cleans them (`pipeline.align` without deskewing: the template's working
size, binarised, the scanner's border dropped); then `estimate_skew` alone is timed on
the ink masks, best of `--passes` passes a page. Prints per kind and overall: pages,
milliseconds a page, the mean and largest error in degrees, and pages over 0.1 and 0.3.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

TEMPLATES = {"cheque": "cheque", "envelope": "envelope", "form": "pipelines/application-form.yaml"}
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from digitocr.imaging.deskew import estimate_skew
    from digitocr.ingest.rasterize import rasterize
    from digitocr.pipeline import align
    from digitocr.templates.schema import load_template

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("sets", nargs="+", type=Path, help="generated sets (folders of kinds)")
    ap.add_argument("--limit", type=int, default=60, help="documents a kind and set")
    ap.add_argument("--kinds", default="cheque,envelope,form")
    ap.add_argument("--passes", type=int, default=2)
    a = ap.parse_args()
    rows: list[tuple[str, float, float]] = []  # kind, error, seconds
    for kind in a.kinds.split(","):
        name = TEMPLATES[kind]
        template = load_template(ROOT / name if name.endswith(".yaml") else name)
        for folder in (s / kind for s in a.sets):
            if not (folder / "truth.json").is_file():
                print(f"{folder}: no truth.json, skipped")
                continue
            for t in json.loads((folder / "truth.json").read_text())[: a.limit]:
                page = next(rasterize(str(folder / t["file"])))
                ink = align(page, deskew=False, max_side=template.max_side).ink
                best = float("inf")
                for _ in range(a.passes):
                    t0 = time.perf_counter()
                    angle = estimate_skew(ink)
                    best = min(best, time.perf_counter() - t0)
                rows.append((kind, abs(angle - t["skew_deg"]), best))
    kinds = sorted({r[0] for r in rows})
    print(
        f"{'kind':10} {'pages':>5} {'ms/page':>8} {'mean err':>9} {'max err':>8} {'>0.1':>5} {'>0.3':>5}"
    )
    for kind in [*kinds, "all"]:
        sel = [r for r in rows if kind in ("all", r[0])]
        if not sel:
            continue
        err = np.array([r[1] for r in sel])
        ms = 1000 * float(np.mean([r[2] for r in sel]))
        print(
            f"{kind:10} {len(sel):5d} {ms:8.1f} {err.mean():9.4f} {err.max():8.3f} "
            f"{int((err > 0.1).sum()):5d} {int((err > 0.3).sum()):5d}"
        )


if __name__ == "__main__":
    main()
