"""The body of `digitocr run`: output writer, progress on stderr, summary, exit code."""

from __future__ import annotations

import sys
from pathlib import Path

from .api import Summary, process_batch
from .errors import ConfigError, ExitCode
from .ingest.sources import iter_inputs
from .options import OutputFormat, RunOptions
from .output.writers import Writer, format_for, read_done
from .templates.schema import load_template
from .types import Record

__all__ = ["run_command"]


def run_command(
    inputs: list[str],
    options: RunOptions,
    *,
    out: str | None,
    fmt: OutputFormat | None,
    quiet: bool = False,
) -> ExitCode:
    """Run a batch into `out` (a path or an object-storage URI); returns the exit code.

    Errors found before any work (template, model, inputs, output) raise.
    """
    template = load_template(options.template)
    from .classify.card import load_card

    load_card(options.model)
    if not inputs:
        raise ConfigError("no INPUT given: name files or folders to read")
    missing = [i for i in inputs if "://" not in i and not Path(i).exists()]
    if missing and len(missing) == len(inputs):
        raise ConfigError(f"input not found: {', '.join(missing[:3])}")
    files = list(iter_inputs(inputs))
    if not files:
        raise ConfigError(f"no readable files (images or PDFs) under {', '.join(inputs[:3])}")
    remote_out = out if out is not None and "://" in out else None
    local_out: Path | None = None
    if remote_out is not None:
        if options.resume:
            raise ConfigError("--resume needs a local --out; copy the output back first")
        import tempfile

        local_out = Path(tempfile.mkdtemp()) / Path(remote_out.split("://", 1)[1]).name
    elif out is not None:
        local_out = Path(out)
    out_fmt = format_for(local_out, fmt)
    done: set[tuple[str, int]] = set()
    if options.resume:
        if local_out is None:
            raise ConfigError("--resume needs --out: the output to continue")
        done = read_done(local_out, out_fmt)
    if local_out is not None and not local_out.parent.exists():
        raise ConfigError(f"cannot write {local_out}: folder {local_out.parent} does not exist")
    out = remote_out or (str(local_out) if local_out else None)
    writer = Writer(local_out, out_fmt, [f.name for f in template.fields], append=options.resume)
    progress = None if quiet or not sys.stderr.isatty() else _progress(len(files))
    summary = Summary()
    try:

        def sink(rec: Record) -> None:
            writer.write(rec)
            if progress is not None:
                progress.advance(rec)

        summary = process_batch(files, options, sink, done=done)
    finally:
        writer.close()
        if progress is not None:
            progress.stop()
        if remote_out is not None and local_out is not None and local_out.is_file():
            from .ingest.remote import upload

            upload(str(local_out), remote_out)
    if not quiet:
        _print_summary(summary, skipped=len(done), out=out)
    return summary.exit_code


class _progress:
    """A rich progress bar on stderr: pages, pages/s, ETA over files."""

    def __init__(self, files: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.p = Progress(
            TextColumn("[bold]reading"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            TextColumn("{task.fields[pages]} pages, {task.fields[rate]:.1f} pages/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.p.add_task("read", total=files, pages=0, rate=0.0)
        self.pages = 0
        self.last_file: str | None = None
        self.p.start()

    def advance(self, rec: Record) -> None:
        self.pages += 1
        new_file = rec.file != self.last_file
        self.last_file = rec.file
        elapsed = self.p.tasks[0].elapsed or 1e-9
        self.p.update(
            self.task, advance=1 if new_file else 0, pages=self.pages, rate=self.pages / elapsed
        )

    def stop(self) -> None:
        self.p.stop()


def _print_summary(s: Summary, *, skipped: int, out: str | None) -> None:
    rate = s.pages / s.seconds if s.seconds else 0.0
    lines = [
        f"digitocr: {s.pages} pages in {s.seconds:.1f} s ({rate:.2f} pages/s), "
        f"{s.fields} fields, {s.needs_review} need review, {s.failed} failed"
        + (f", {skipped} already done (resumed)" if skipped else "")
        + (f" -> {out}" if out else "")
    ]
    lines += [f"  failed: {f}" for f in s.failures[:10]]
    if s.interrupted:
        lines.append("  interrupted: what was read is written; rerun with --resume to continue")
    print("\n".join(lines), file=sys.stderr)
