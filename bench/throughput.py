"""Throughput of `digitocr run` on this machine; prints numbers, asserts nothing.

    python bench/throughput.py [--pages 40] [--memory] [--no-turns]

- pages/s for 300-dpi PNG cheques and for PDFs (poppler and pdfium), 1 and 2 workers;
- the pipeline's time over the time to just decode the same files (the floor);
- the classifier alone: crops/s at batch 64 on one thread (on the pages' own crops, and
  on noise), and its share of a page;
- with --memory: peak resident memory for 100 and for 1,000 pages.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from score import digitocr_cmd, timed_run  # noqa: E402


def make_set(out: Path, n: int, fmt: str, dpi: str) -> Path:
    if not (out / "truth.json").is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "digitocr",
                "synth",
                str(out),
                "--kind",
                "cheque",
                "--count",
                str(n),
                "--formats",
                fmt,
                "--dpi",
                dpi,
                "--seed",
                "5",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def decode_floor(files: list[Path], dpi: int) -> float:
    """Seconds to only rasterise the same files (one process)."""
    from digitocr.ingest.rasterize import rasterize

    t0 = time.perf_counter()
    for f in files:
        for _ in rasterize(str(f), dpi=dpi):
            pass
    return time.perf_counter() - t0


def classifier_share(files: list[Path], turns: bool = True) -> dict[str, float]:
    """crops/s (batch 64, one thread) and the classifier's share of a page's time.

    Measured on the crops these pages give (a cascade's later members read only the
    crops its first is unsure of, so its speed depends on the crops), and on random
    noise for comparison with earlier runs.
    """
    import numpy as np

    from digitocr.engines.local import make_predictor
    from digitocr.ingest.rasterize import rasterize
    from digitocr.options import RunOptions
    from digitocr.pipeline import read_page
    from digitocr.templates.schema import load_template
    from digitocr.train.evaluate import crops_per_second

    pred = make_predictor(RunOptions(turns=turns))
    spent = [0.0]
    seen: list[np.ndarray] = []
    run = pred.engine.run

    def timed(batch):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = run(batch)
        spent[0] += time.perf_counter() - t
        seen.append(np.asarray(batch))
        return out

    pred.engine.run = timed  # type: ignore[method-assign]
    tmpl = load_template("cheque")
    pages = [p for f in files for p in rasterize(str(f))]
    for p in pages[:2]:  # warm up
        read_page(p, tmpl, pred)
    spent[0], seen[:] = 0.0, []
    t0 = time.perf_counter()
    for p in pages:
        read_page(p, tmpl, pred)
    share = spent[0] / (time.perf_counter() - t0)
    pred.engine.run = run  # type: ignore[method-assign]
    crops = np.concatenate(seen)
    noise = np.random.default_rng(0).random((64, *crops.shape[1:])).astype(np.float32)
    return {
        "classifier_crops_per_s_1thread_b64_page_crops": crops_per_second(pred.engine, crops),
        "classifier_crops_per_s_1thread_b64_noise": crops_per_second(pred.engine, noise),
        "classifier_page_crops_measured": float(len(crops)),
        "classifier_share_of_page_time": share,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument(
        "--memory", action="store_true", help="also peak memory for 100 and 1,000 pages"
    )
    ap.add_argument("--no-turns", action="store_true", help="run with --no-turns")
    a = ap.parse_args()
    turns = ["--no-turns"] if a.no_turns else []
    out = ROOT / "bench" / "out" / "throughput"
    png = make_set(out / "png300", a.pages, "png", "300-300")
    pdf = make_set(out / "pdf", a.pages, "pdf", "300-300")
    res: dict[str, float] = {}
    png_files = sorted(png.glob("*.png"))
    pdf_files = sorted(pdf.glob("*.pdf"))
    for workers in (1, 2):
        secs, _ = _peak([str(png)], ["--workers", str(workers), *turns])
        res[f"png300_pages_per_s_w{workers}"] = len(png_files) / secs
    res["png300_scaling_1_to_2"] = res["png300_pages_per_s_w2"] / res["png300_pages_per_s_w1"]
    for rast in ("poppler", "pdfium"):
        secs, _ = _peak(
            [str(pdf)], ["--workers", "2", "--rasterizer", rast, "--dpi", "300", *turns]
        )
        res[f"pdf_{rast}_pages_per_s_w2"] = len(pdf_files) / secs
        res[f"pdf_{rast}_decode_only_pages_per_s"] = len(pdf_files) / max(
            1e-9, _decode_pdf(pdf_files, rast)
        )
    # The floor: pipeline (1 worker, in-process timing excludes interpreter start) vs decode.
    floor = decode_floor(png_files, 300)
    from digitocr.engines.local import make_predictor
    from digitocr.ingest.rasterize import rasterize
    from digitocr.options import RunOptions
    from digitocr.pipeline import read_page
    from digitocr.templates.schema import load_template

    pred, tmpl = make_predictor(RunOptions(turns=not a.no_turns)), load_template("cheque")
    t0 = time.perf_counter()
    for f in png_files:
        for p in rasterize(str(f)):
            read_page(p, tmpl, pred)
    whole = time.perf_counter() - t0
    res["png300_decode_s_per_page"] = floor / len(png_files)
    res["png300_pipeline_s_per_page"] = whole / len(png_files)
    res["pipeline_over_decode"] = whole / floor
    res.update(classifier_share(png_files[:10], turns=not a.no_turns))
    one_page = timed_run([str(png_files[0])], "cheque", None, "--workers", "1", *turns)
    res["one_page_cli_seconds"] = one_page
    try:
        import ray  # noqa: F401

        for engine in ("local", "ray"):
            secs, _ = _peak([str(png)], ["--workers", "2", "--engine", engine, *turns])
            res[f"png300_pages_per_s_{engine}_engine_w2"] = len(png_files) / secs
    except ImportError:
        print("ray not installed: local vs Ray comparison skipped (pip install 'digitocr[ray]')")
    if a.memory:
        for n in (100, 1000):
            big = out / f"many{n}"
            big.mkdir(exist_ok=True)
            for i in range(n):
                link = big / f"p{i:04d}.png"
                if not link.exists():
                    os.link(png_files[i % len(png_files)], link)
            secs, rss = _peak([str(big)], ["--workers", "2", *turns])
            res[f"peak_rss_mib_{n}_pages"] = rss / 1024
            res[f"pages_per_s_{n}_pages_w2"] = n / secs
    for k, v in res.items():
        print(f"{k:42} {v:10.3f}")
    name = "throughput_no_turns.json" if a.no_turns else "throughput.json"
    (out / name).write_text(json.dumps(res, indent=1))


def _decode_pdf(files: list[Path], rasterizer: str) -> float:
    from digitocr.ingest.rasterize import rasterize

    t0 = time.perf_counter()
    for f in files:
        for _ in rasterize(str(f), dpi=300, rasterizer=rasterizer):
            pass
    return time.perf_counter() - t0


def _peak(inputs: list[str], extra: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) summed over the parent and its workers, sampled."""
    import threading

    cmd = digitocr_cmd(inputs, "cheque", ROOT / "bench" / "out" / "tp.csv", *extra)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            total = 0
            for pid in [proc.pid, *_children(proc.pid)]:
                try:
                    with open(f"/proc/{pid}/status") as fh:
                        total += next(int(x.split()[1]) for x in fh if x.startswith("VmRSS"))
                except (OSError, StopIteration):
                    pass
            peak[0] = max(peak[0], total)
            time.sleep(0.05)

    th = threading.Thread(target=sample)
    th.start()
    proc.wait()
    th.join()
    return time.perf_counter() - t0, peak[0]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


if __name__ == "__main__":
    main()
