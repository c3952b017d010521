"""The `digitocr` command: parse -> options -> api -> exit code. Nothing else lives here."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import ConfigError, DigitocrError, ExitCode
from .options import DEFAULT_MODEL, Device, Engine, OutputFormat, Rasterizer

app = typer.Typer(
    name="digitocr",
    help="Read handwritten digits (cheque amounts, ZIP codes, form fields) off scanned documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="The MNIST dataset used for training and evaluation.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
log = logging.getLogger("digitocr")


def _fail(exc: DigitocrError) -> typer.Exit:
    typer.secho(f"digitocr: error: {exc.message}", err=True, fg="red")
    return typer.Exit(int(exc.exit_code))


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@app.callback()
def _main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More logging on stderr.")
    ] = 0,
) -> None:
    logging.basicConfig(
        level=logging.WARNING - 10 * min(verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from .classify.engine import ort_available

    if not ort_available():
        typer.echo(
            "digitocr: note: no ONNX Runtime installed: pip install 'digitocr[cpu]' "
            "(or 'digitocr[gpu]') to read documents",
            err=True,
        )


@app.command()
def run(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files or folders (walked recursively, sorted), or s3:// gs:// URIs."),
    ],
    *,
    template: Annotated[
        str,
        typer.Option(
            "--template",
            "-t",
            help="Built-in name (cheque, envelope, form, digits, digit, amount, date, zip) "
            "or a template YAML path.",
        ),
    ] = "cheque",
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="Output file or URI (.csv, .json, .jsonl); CSV on stdout if omitted.",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option("--format", "-f", help="Output format (default: from --out's suffix)."),
    ] = None,
    model: Annotated[
        Path,
        typer.Option(
            help="ONNX model; its .json card must lie beside it.", envvar="DIGITOCR_MODEL"
        ),
    ] = DEFAULT_MODEL,
    device: Annotated[
        Device, typer.Option(help="auto uses CUDA only where it really works.")
    ] = Device.auto,
    dpi: Annotated[int, typer.Option(help="Resolution for rasterising PDFs.")] = 300,
    rasterizer: Annotated[
        Rasterizer, typer.Option(help="PDF backend: poppler (pdf2image) or pdfium (pip-only).")
    ] = Rasterizer.auto,
    workers: Annotated[int, typer.Option(help="Worker processes (0: one per available core).")] = 0,
    engine: Annotated[
        Engine, typer.Option(help="local process pool, or ray (needs the [ray] extra).")
    ] = Engine.local,
    ray_address: Annotated[
        str | None, typer.Option(help="Join a running Ray cluster (default: start a local one).")
    ] = None,
    overlays: Annotated[
        Path | None,
        typer.Option(help="Write a PNG per page showing fields, digits and confidences."),
    ] = None,
    review_threshold: Annotated[
        float | None, typer.Option(help="Override the template's review threshold (0-1).")
    ] = None,
    crossed_sevens: Annotated[
        bool | None,
        typer.Option(
            "--crossed-sevens/--plain-sevens",
            help="Writers cross their 7s (continental Europe, Latin America): a 7 without a "
            "bar across its stem is a 1 with a long up-stroke. Default: the template's "
            "setting (off in the built-ins).",
            show_default=False,
        ),
    ] = None,
    looped_nines: Annotated[
        bool | None,
        typer.Option(
            "--looped-nines/--plain-nines",
            help="Writers draw a 9 as a loop on one stroke from its left (much of Latin "
            "America): a digit read as an 8 with one loop high on a narrow stroke is a 9. "
            "Default: the template's setting (off in the built-ins).",
            show_default=False,
        ),
    ] = None,
    page_timeout: Annotated[
        float | None,
        typer.Option(help="Seconds a page may take before it becomes a failed record."),
    ] = None,
    max_pixels: Annotated[
        int, typer.Option(help="Largest image accepted (pixels), against decompression bombs.")
    ] = 200_000_000,
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue an interrupted run into the same --out, skipping pages already written."
        ),
    ] = False,
    deskew: Annotated[bool, typer.Option(help="Estimate and undo page skew.")] = True,
    orient: Annotated[
        bool,
        typer.Option(
            help="Read pages scanned sideways or upside down turned upright (the template's "
            "page aspect, then the way up with the most sure digits)."
        ),
    ] = True,
    turns: Annotated[
        bool,
        typer.Option(
            help="Let a model built with turns (the shipped one) read its unsure crops "
            "turned a little each way too; --no-turns reads cheques about a quarter "
            "faster and a little less well."
        ),
    ] = True,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Read documents and write one record per page (see the README's output contract)."""
    from pydantic import ValidationError

    from .options import RunOptions
    from .runner import run_command

    signal.signal(signal.SIGTERM, _sigterm)
    try:
        try:
            options = RunOptions(
                template=template,
                model=model,
                device=device,
                dpi=dpi,
                rasterizer=rasterizer,
                workers=workers,
                engine=engine,
                ray_address=ray_address,
                overlays=overlays,
                review_threshold=review_threshold,
                crossed_sevens=crossed_sevens,
                looped_nines=looped_nines,
                page_timeout=page_timeout,
                max_pixels=max_pixels,
                resume=resume,
                deskew=deskew,
                orient=orient,
                turns=turns,
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"--{'-'.join(str(x) for x in err['loc'])}: {err['msg']}") from exc
        code = run_command(inputs, options, out=out, fmt=fmt, quiet=quiet)
    except DigitocrError as exc:
        raise _fail(exc) from None
    raise typer.Exit(int(code))


@app.command()
def train(
    *,
    arch: Annotated[
        str,
        typer.Option(
            help="mlp, cnn (the original design), resnet, digitnet (default), digitnet2 "
            "(a third of digitnet's arithmetic: the fast first model of a cascade) or digitnet3 "
            "(deeper and slower: a later member of a cascade)."
        ),
    ] = "digitnet",
    data: Annotated[
        Path | None, typer.Option(help="MNIST folder (IDX files).", envvar="DIGITOCR_DATA")
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Where to write the ONNX model (card and plots beside it).")
    ] = Path("models/digits.onnx"),
    epochs: Annotated[int, typer.Option(min=1)] = 30,
    batch_size: Annotated[int, typer.Option(min=1)] = 128,
    optimizer: Annotated[
        str, typer.Option(help="adam, rmsprop or sgd (Nesterov momentum 0.9).")
    ] = "adam",
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 1e-3,
    schedule: Annotated[
        str,
        typer.Option(
            help="plateau (halve the rate when validation stalls) or cosine (decay to 1e-5 "
            "over --epochs)."
        ),
    ] = "plateau",
    batch_norm: Annotated[bool, typer.Option(help="Batch normalisation after each layer.")] = True,
    dropout: Annotated[float, typer.Option(min=0.0, max=0.9)] = 0.5,
    augment: Annotated[
        bool, typer.Option(help="Rotations, shifts and zooms (and the effects below).")
    ] = True,
    rotation: Annotated[float, typer.Option(min=0.0, help="Rotation, degrees either way.")] = 10.0,
    shift: Annotated[float, typer.Option(min=0.0, help="Shift, share of 28 px either way.")] = 0.1,
    zoom: Annotated[
        float,
        typer.Option(min=0.0, help="Zoom, share of the size (of the width with --renormalize)."),
    ] = 0.1,
    shear: Annotated[
        float,
        typer.Option(min=0.0, help="Slant, with --renormalize: x moves by up to this x height."),
    ] = 0.0,
    renormalize: Annotated[
        bool,
        typer.Option(
            help="Reshape each digit at 3x and normalise it again, as the pipeline's crops are."
        ),
    ] = False,
    binarize: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of digits thresholded before normalising."),
    ] = 0.0,
    lowres: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of digits seen first as a coarse capture (7-14 px, 16 greys), with "
            "--renormalize.",
        ),
    ] = 0.0,
    variants: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of 1s, 7s and 9s drawn as continental writers draw them (a 1's "
            "up-stroke, a 7 crossed, a 9's tail curled to the left), which MNIST's writers "
            "rarely do; "
            "with --renormalize.",
        ),
    ] = 0.0,
    scan_augment: Annotated[
        float,
        typer.Option(help="Share of digits given scan effects (strokes, blur, noise, box lines)."),
    ] = 0.4,
    elastic: Annotated[
        float, typer.Option(help="Share of digits given an elastic distortion (0-1).")
    ] = 0.0,
    reject: Annotated[
        float,
        typer.Option(help="Share of each batch that is two touching digits, an 11th reject class."),
    ] = 0.0,
    average: Annotated[
        int,
        typer.Option(help="Average the weights of the N best epochs if validation improves."),
    ] = 0,
    procedural: Annotated[
        float, typer.Option(help="Share of each batch drawn by our pen-stroke renderer (0-1).")
    ] = 0.0,
    val_size: Annotated[int, typer.Option(help="Digits held out of train for validation.")] = 5000,
    patience: Annotated[int, typer.Option(help="Early stopping patience (epochs).")] = 6,
    limit: Annotated[
        int, typer.Option(help="Use only N training digits (0: all), for quick runs.")
    ] = 0,
    seed: Annotated[int, typer.Option()] = 0,
    evaluate_test: Annotated[
        bool,
        typer.Option(
            "--evaluate/--no-evaluate", help="Evaluate on the MNIST test split after export."
        ),
    ] = True,
) -> None:
    """Train a classifier on MNIST train, export it to ONNX with its card, and evaluate it."""
    import json

    try:
        import importlib.util

        missing = [
            m
            for m in ("tensorflow", "keras", "tf2onnx", "onnx", "matplotlib", "onnxruntime")
            if importlib.util.find_spec(m) is None
        ]
        if missing:
            from .errors import MissingDependencyError

            raise MissingDependencyError(
                "training needs the [train] and [cpu] extras: pip install 'digitocr[train,cpu]' "
                f"({', '.join(missing)} missing)"
            )
        from .train.fit import TrainOptions
        from .train.run import train_and_export

        opts = TrainOptions(
            arch=arch,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            learning_rate=learning_rate,
            schedule=schedule,
            batch_norm=batch_norm,
            dropout=dropout,
            augment=augment,
            rotation=rotation,
            shift=shift,
            zoom=zoom,
            shear=shear,
            renormalize=renormalize,
            binarize=binarize,
            lowres=lowres,
            variants=variants,
            scan_augment=scan_augment,
            elastic=elastic,
            average=average,
            reject=reject,
            procedural=procedural,
            val_size=val_size,
            limit=limit,
            patience=patience,
            seed=seed,
            data=str(data) if data else None,
            out=str(out),
        )
        metrics = train_and_export(opts, evaluate_test=evaluate_test)
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(metrics, indent=1))


@app.command()
def cascade(
    members: Annotated[
        list[Path],
        typer.Argument(help="Trained models (.onnx with cards); the first reads every crop."),
    ],
    *,
    out: Annotated[
        Path, typer.Option(help="Where to write the cascade (card and plots beside it).")
    ] = Path("models/digits.onnx"),
    share: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of the validation digits, the first model's least sure, that the "
            "others are asked about too; sets the confidence threshold.",
        ),
    ] = 0.05,
    fp16: Annotated[
        bool, typer.Option(help="Store the weights as float16 (computed in float32).")
    ] = True,
    data: Annotated[Path | None, typer.Option(help="MNIST folder.", envvar="DIGITOCR_DATA")] = None,
    evaluate_test: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Evaluate on the MNIST test split.")
    ] = True,
    turn: Annotated[
        list[float] | None,
        typer.Option(
            min=0.0,
            max=45.0,
            help="Also read the unsure crops turned by +DEGREES and -DEGREES, with every "
            "model (or those given by --turn-member), and average all the readings "
            "(repeatable).",
        ),
    ] = None,
    turn_member: Annotated[
        list[int] | None,
        typer.Option(
            min=1,
            help="With --turn: the models (1 = the first) that read the turned crops; all "
            "by default (repeatable). Each costs its own time again per turn on the unsure "
            "crops.",
        ),
    ] = None,
    reject_floor: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="When the first model is a reject model (trained with --reject): its "
            "reject probabilities under this count as 0, as attach-reject's --floor.",
        ),
    ] = 0.5,
) -> None:
    """Join trained models into one ONNX cascade: the others read only the unsure crops.

    The first may be a reject model: the cascade then also gives its reject output (read
    once, where attach-reject would add a second model reading every crop)."""
    import json

    try:
        from .errors import MissingDependencyError

        try:
            import onnx  # noqa: F401
        except ImportError as exc:
            raise MissingDependencyError(
                "building a cascade needs onnx: pip install 'digitocr[train,cpu]'"
            ) from exc
        from .train.cascade import CascadeOptions, make_cascade

        metrics = make_cascade(
            CascadeOptions(
                members=[str(m) for m in members],
                out=str(out),
                share=share,
                fp16=fp16,
                data=str(data) if data else None,
                evaluate_test=evaluate_test,
                turns=tuple(d for t in turn or () if t for d in (t, -t)),
                turned=tuple(m - 1 for m in turn_member) if turn_member else None,
                reject_floor=reject_floor,
            )
        )
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(metrics, indent=1))


@app.command("attach-reject")
def attach_reject(
    model: Annotated[Path, typer.Argument(help="The digit model (.onnx with its card).")],
    reject_model: Annotated[
        Path,
        typer.Argument(help="A model trained with --reject; its last output says 'not one digit'."),
    ],
    *,
    out: Annotated[
        Path, typer.Option(help="Where to write the joined model (card beside it).")
    ] = Path("models/digits.onnx"),
    floor: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Reject probabilities under this count as 0 (small ones are noise on real crops).",
        ),
    ] = 0.5,
    fp16: Annotated[
        bool, typer.Option(help="Store the weights as float16 (computed in float32).")
    ] = True,
    data: Annotated[Path | None, typer.Option(help="MNIST folder.", envvar="DIGITOCR_DATA")] = None,
    evaluate_test: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Evaluate on the MNIST test split.")
    ] = True,
) -> None:
    """Give a digit model a reject output: crops that look like touching digits lose
    confidence (segmentation cuts them; fields read with them go to review)."""
    import json

    try:
        from .errors import MissingDependencyError

        try:
            import onnx  # noqa: F401
        except ImportError as exc:
            raise MissingDependencyError(
                "attaching a reject model needs onnx: pip install 'digitocr[train,cpu]'"
            ) from exc
        from .train.cascade import make_with_reject

        metrics = make_with_reject(
            model,
            reject_model,
            out,
            data=str(data) if data else None,
            floor=floor,
            fp16=fp16,
            evaluate_test=evaluate_test,
        )
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(metrics, indent=1))


@app.command()
def evaluate(
    *,
    model: Annotated[Path, typer.Option(envvar="DIGITOCR_MODEL")] = DEFAULT_MODEL,
    data: Annotated[Path | None, typer.Option(help="MNIST folder.", envvar="DIGITOCR_DATA")] = None,
    limit: Annotated[int, typer.Option(help="Only the first N test digits (0: all).")] = 0,
    plots: Annotated[
        Path | None, typer.Option(help="Folder for the confusion matrix and mistakes PNGs.")
    ] = None,
    turns: Annotated[
        bool, typer.Option(help="Let a model built with turns read unsure crops turned too.")
    ] = True,
) -> None:
    """Accuracy of an ONNX model on the MNIST test split (ONNX Runtime only)."""
    import json

    from .train.evaluate import evaluate as run_eval

    try:
        ev = run_eval(model, str(data) if data else None, limit=limit, turns=turns)
        if plots is not None:
            from . import datasets
            from .train.evaluate import plot_confusion, plot_mistakes

            plots.mkdir(parents=True, exist_ok=True)
            plot_confusion(ev, plots / "confusion.png")
            plot_mistakes(
                ev,
                datasets.load("test", str(data) if data else None).images,
                plots / "mistakes.png",
            )
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(ev.export(), indent=1))


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Folder for the generated scans and truth.json.")],
    *,
    kind: Annotated[str, typer.Option(help="cheque, envelope or form.")] = "cheque",
    count: Annotated[int, typer.Option(min=1, help="Number of pages.")] = 10,
    source: Annotated[
        str, typer.Option(help="Handwriting: procedural, mnist-train or mnist-test.")
    ] = "procedural",
    formats: Annotated[
        str, typer.Option(help="Comma-separated file formats, cycled: png,jpg,tif,pdf.")
    ] = "png,jpg,tif,pdf",
    multipage: Annotated[int, typer.Option(min=1, help="Pages per TIFF/PDF file.")] = 1,
    form_template: Annotated[
        Path, typer.Option(help="Template YAML with `draw` entries (forms).")
    ] = Path("pipelines/application-form.yaml"),
    dpi: Annotated[str, typer.Option(help="Resolution range, e.g. 150-300.")] = "150-300",
    seed: Annotated[int, typer.Option()] = 0,
    data: Annotated[
        Path | None, typer.Option(help="MNIST folder (mnist-* sources).", envvar="DIGITOCR_DATA")
    ] = None,
) -> None:
    """Generate realistic scanned documents with exact ground truth (truth.json)."""
    from .synth.degrade import Scan
    from .synth.generate import FORMATS, SynthOptions, generate

    fmts = tuple(
        f.strip().lower().replace("jpeg", "jpg").replace("tiff", "tif") for f in formats.split(",")
    )
    try:
        bad = [f for f in fmts if f not in FORMATS]
        if (
            bad
            or kind not in ("cheque", "envelope", "form")
            or source not in ("procedural", "mnist-train", "mnist-test")
        ):
            raise ConfigError(f"bad synth options: kind={kind} source={source} formats={formats}")
        lo, _, hi = dpi.partition("-")
        scan = Scan(dpi=(int(lo), int(hi or lo)))
        truth = generate(
            SynthOptions(
                out=out,
                kind=kind,
                count=count,
                source=source,
                formats=fmts,
                multipage=multipage,
                seed=seed,
                data=str(data) if data else None,
                form_template=str(form_template),
                scan=scan,
            )
        )
    except ValueError as exc:
        raise _fail(ConfigError(f"bad --dpi {dpi!r}: use LOW-HIGH, e.g. 150-300")) from exc
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(f"wrote {len(truth)} pages and truth.json to {out}")


@app.command()
def templates(
    name: Annotated[str | None, typer.Argument(help="Show one template's fields.")] = None,
) -> None:
    """List the built-in templates, or show one."""
    from .templates.schema import builtin_names, load_template

    try:
        if name is None:
            for n in builtin_names():
                typer.echo(f"{n:10} {load_template(n).description}")
            return
        t = load_template(name)
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(f"{t.name}: {t.description} (review threshold {t.review_threshold})")
    for f in t.fields:
        how = ", ".join(loc.method for loc in f.locate)
        typer.echo(f"  {f.name:10} {f.type:7} located by {how}")


@data_app.command("fetch")
def data_fetch(
    data: Annotated[
        Path | None, typer.Option(help="Destination folder.", envvar="DIGITOCR_DATA")
    ] = None,
) -> None:
    """Download the four MNIST files and verify their SHA-256 (needs internet)."""
    from .datasets import fetch

    try:
        folder = fetch(data)
    except DigitocrError as exc:
        raise _fail(exc) from None
    typer.echo(f"MNIST ready in {folder}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("digitocr: interrupted", err=True)
        sys.exit(int(ExitCode.interrupted))
