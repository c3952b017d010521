"""The library's front door: `read()` for one document or array, `process_batch()` for many."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import ConfigError, ExitCode
from .ingest.sources import iter_inputs
from .options import Engine, RunOptions
from .templates.schema import Template, load_template
from .types import Page, Record

__all__ = ["Summary", "process_batch", "read"]

log = logging.getLogger(__name__)


@dataclass
class Summary:
    """What a batch did; `exit_code` follows the README's table."""

    pages: int = 0
    failed: int = 0
    fields: int = 0
    needs_review: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    failures: list[str] = field(default_factory=list)

    def add(self, rec: Record) -> None:
        self.pages += 1
        if rec.status != "ok":
            self.failed += 1
            if len(self.failures) < 20:
                self.failures.append(f"{rec.file} p{rec.page}: {rec.error}")
        self.fields += len(rec.fields)
        self.needs_review += sum(1 for f in rec.fields.values() if f.needs_review)

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.interrupted
        return ExitCode.partial_failure if self.failed else ExitCode.ok


def _template(template: str | Path | Template) -> Template:
    return template if isinstance(template, Template) else load_template(template)


def read(
    source: str | Path | npt.NDArray[Any],
    template: str | Path | Template = "digits",
    *,
    options: RunOptions | None = None,
    predictor: Any = None,
) -> list[Record]:
    """Read one file (every page) or one image array; returns one record per page.

    Raises `ConfigError`/`ModelError`/`TemplateError` for bad set-up; a page that
    cannot be read comes back as a record with status "failed".
    """
    from .engines.local import iter_file_records, make_predictor, read_with_options

    tmpl = _template(template)
    opts = options or RunOptions(template=tmpl.name)
    predictor = predictor or make_predictor(opts)
    if isinstance(source, np.ndarray):
        arr = source
        if arr.ndim == 3:
            arr = arr[..., :3].mean(axis=2) if arr.shape[2] >= 3 else arr[..., 0]
        if arr.ndim != 2 or arr.size == 0:
            raise ConfigError(
                f"an image array must be 2-D (or H x W x C), not shape {source.shape}"
            )
        if arr.dtype != np.uint8:
            arr = arr.astype(np.float64)
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            arr = ((arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)).astype(
                np.uint8
            )
        page = Page(source="<array>", number=1, image=np.ascontiguousarray(arr))
        return [read_with_options(page, tmpl, predictor, opts)]
    return list(iter_file_records(str(source), tmpl, predictor, opts))


def process_batch(
    inputs: Iterable[str | Path],
    options: RunOptions,
    sink: Callable[[Record], None],
    *,
    done: set[tuple[str, int]] | None = None,
    on_file: Callable[[str], None] | None = None,
) -> Summary:
    """Read every input and pass each record to `sink` in input order."""
    tmpl = _template(options.template)
    from .classify.card import load_card

    load_card(options.model)  # fail before any work if the model or its card is wrong
    summary = Summary()
    t0 = time.perf_counter()

    def _sink(rec: Record) -> None:
        summary.add(rec)
        sink(rec)

    paths: Iterable[str] = iter_inputs(inputs)
    if on_file is not None:
        paths = _tap(paths, on_file)
    try:
        if options.engine is Engine.ray:
            from .engines.ray import run_ray

            run_ray(paths, tmpl, options, _sink, done=done)
        else:
            from .engines.local import make_predictor, run_local

            predictor = make_predictor(options) if (options.workers == 1) else None
            run_local(paths, tmpl, options, _sink, done=done, predictor=predictor)
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.seconds = time.perf_counter() - t0
    return summary


def _tap(paths: Iterable[str], fn: Callable[[str], None]) -> Iterable[str]:
    for p in paths:
        fn(p)
        yield p
