"""Time a page through the pipeline, best of several passes; prints numbers only.

    python bench/pagetime.py 'bench/out150/mnist-test/cheque/*' [--template cheque]
        [--limit 40] [--passes 5] [--no-orient] [--model OTHER.onnx] [--no-turns]

On a shared machine one run's timings wander by a third; each page's best of `--passes`
passes (a fresh predictor each pass, so no crop is remembered from the one before) is steadier, so two
versions of the code can be compared by running this on each in turn (from each
checkout with `PYTHONPATH=.`: a script otherwise imports the installed package, whichever
checkout that is). Prints the
pipeline's milliseconds a page (decoding apart), decoding's, their ratio, and the crops
a page that reached the model.
"""

from __future__ import annotations

import argparse
import glob
import time

import numpy as np


def main() -> None:
    from digitocr.engines.local import make_predictor
    from digitocr.ingest.rasterize import rasterize
    from digitocr.options import RunOptions
    from digitocr.pipeline import read_page
    from digitocr.templates.schema import load_template

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("pattern", help="a glob of scans (quote it)")
    ap.add_argument("--template", default="cheque")
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument(
        "--no-orient", action="store_true", help="read pages as they come (no way-up trials)"
    )
    ap.add_argument("--model", default=None, help="another ONNX model (with its card)")
    ap.add_argument("--no-turns", action="store_true", help="read no unsure crop turned")
    a = ap.parse_args()
    files = sorted(f for f in glob.glob(a.pattern) if not f.endswith(".json"))[: a.limit]
    if not files:
        raise SystemExit(f"no files match {a.pattern}")
    tmpl = load_template(a.template)
    crops = [0]

    def predictor():  # type: ignore[no-untyped-def]
        """A fresh one each pass: nothing remembered from the pass before."""
        opts = RunOptions(turns=not a.no_turns)
        pred = make_predictor(opts.model_copy(update={"model": a.model}) if a.model else opts)
        run = pred.engine.run

        def counted(x):  # type: ignore[no-untyped-def]
            crops[0] += len(x)
            return run(x)

        pred.engine.run = counted  # type: ignore[method-assign]
        return pred

    for page in rasterize(files[0]):  # warm up
        read_page(page, tmpl, predictor(), orient=not a.no_orient)
    best = np.full(len(files), np.inf)
    decode = np.full(len(files), np.inf)
    for _ in range(a.passes):
        pred = predictor()
        crops[0] = 0
        for i, f in enumerate(files):
            t = time.perf_counter()
            pages = list(rasterize(f))
            decode[i] = min(decode[i], time.perf_counter() - t)
            t = time.perf_counter()
            for page in pages:
                read_page(page, tmpl, pred, orient=not a.no_orient)
            best[i] = min(best[i], time.perf_counter() - t)
    print(f"files                         {len(files)}")
    print(f"pipeline_ms_per_file          {1000 * best.mean():.1f}")
    print(f"decode_ms_per_file            {1000 * decode.mean():.1f}")
    print(f"pipeline_over_decode          {(best.sum() + decode.sum()) / decode.sum():.2f}")
    print(f"crops_to_model_per_file       {crops[0] / len(files):.1f}")


if __name__ == "__main__":
    main()
