"""Pages scanned sideways or upside down: read as they come and turned, against upright.

    python bench/turned.py bench/out150/mnist-test [--limit 60] [--kinds cheque,envelope,form]
    python bench/turned.py ../shared/bench-dev

For each kind, the first `--limit` documents of a generated set (`bench/fields.py` writes
them), or of bench-dev (at its 200 dpi, with the built-in templates), are rasterised, and each page's content is turned clockwise by 90, 180 and 270
degrees in turn (one way a page, cycling; `--every-way`: all three) and written as PNG to
a temporary folder.
`digitocr run` reads the turned pages with and without `--no-orient`, and the upright
originals; prints, per kind: field exact match and accepted errors for the three, how
many turned pages were read the right way up, how many upright pages were turned
(`orientation` not 0), and each run's wall time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import load, score, timed_run

TEMPLATES = {"cheque": "cheque", "envelope": "envelope", "form": "pipelines/application-form.yaml"}
ROOT = Path(__file__).resolve().parent.parent


def _truth(folder: Path) -> list[dict]:
    """A kind's truth: its folder's truth.json (a generated set), or the records of that
    kind in the set's own truth.json (../shared/bench-dev: 'envelope/env_0000.jpg')."""
    if (folder / "truth.json").is_file():
        return json.loads((folder / "truth.json").read_text())
    every = json.loads((folder.parent / "truth.json").read_text())
    return [t for t in every if t["file"].startswith(folder.name + "/")]


def _turn(
    folder: Path, out: Path, limit: int, dpi: int, every_way: bool = False
) -> tuple[list[dict], list[dict], list[str]]:
    """Turned PNGs of the first `limit` documents (each one way, cycling, or with
    `every_way` all three); their truth, the upright truth, inputs."""
    from digitocr.ingest.rasterize import rasterize

    truth = _truth(folder)[:limit]
    turned, upright, inputs = [], [], []
    for i, t in enumerate(truth):
        src = folder / Path(t["file"]).name
        page = list(rasterize(str(src), dpi=dpi))[t.get("page", 1) - 1]
        for degrees in (90, 180, 270) if every_way else ((90, 180, 270)[i % 3],):
            name = f"{src.stem}_p{t.get('page', 1)}_turned{degrees}.png"
            cv2.imwrite(str(out / name), np.rot90(page.image, -degrees // 90))
            turned.append({**t, "file": name, "page": 1, "turned": degrees})
        upright.append(t)
        inputs.append(str(src))
    return turned, upright, sorted(set(inputs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "sets",
        type=Path,
        help="a generated set's folder (cheque/, envelope/, form/), or ../shared/bench-dev",
    )
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--kinds", default="cheque,envelope,form")
    ap.add_argument("--workers", default="2")
    ap.add_argument("--every-way", action="store_true", help="each page turned all three ways")
    a = ap.parse_args()
    print(
        f"{'kind':9} {'run':14} {'fields':>6} {'exact':>7} {'accepted':>8} {'wrong':>5} "
        f"{'way up':>7} {'seconds':>8}"
    )
    # bench-dev (one truth.json for its three kinds) is read with the built-in templates
    # at its scans' 200 dpi, as bench/fields.py reads it.
    bench_dev = not (a.sets / a.kinds.split(",")[0] / "truth.json").is_file()
    dpi = 200 if bench_dev else 300
    for kind in a.kinds.split(","):
        folder = a.sets / kind
        template = str(ROOT / TEMPLATES[kind]) if kind == "form" else TEMPLATES[kind]
        if bench_dev:
            template = kind
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "in").mkdir()
            turned, upright, originals = _turn(folder, work / "in", a.limit, dpi, a.every_way)
            runs = [
                ("upright", originals, upright, ("--dpi", str(dpi))),
                ("turned", [str(work / "in")], turned, ()),
                ("--no-orient", [str(work / "in")], turned, ("--no-orient",)),
            ]
            for label, inputs, truth, extra in runs:
                out = work / f"{label.strip('-')}.jsonl"
                secs = timed_run(inputs, template, out, "--workers", a.workers, *extra)
                preds = load(out)
                m = score(truth, preds)["fields"]["all.all"]
                want = {(Path(t["file"]).name): t.get("turned", 0) for t in truth}
                right = sum(
                    r.get("orientation") == want.get(Path(r["file"]).name)
                    for r in preds
                    if Path(r["file"]).name in want
                )
                print(
                    f"{kind:9} {label:14} {m['n']:6d} {m['exact']:7.3f} {m['accepted']:8d} "
                    f"{m['accepted_wrong']:5d} {right:3d}/{len(truth):<3d} {secs:8.1f}"
                )


if __name__ == "__main__":
    main()
