"""The default engine: a process pool, one ONNX Runtime thread per worker.

Files are handed out one at a time and results come back in input order, so memory
stays flat however many files there are; a worker reads a file page by page.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from ..errors import BadInputError, DigitocrError, PageTimeoutError
from ..ingest.rasterize import rasterize
from ..options import RunOptions
from ..pipeline import failed_record, read_page
from ..templates.schema import Template
from ..types import Page, Record

__all__ = ["available_cores", "iter_file_records", "run_local"]

_state: dict[str, Any] = {}


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def make_predictor(options: RunOptions) -> Any:
    from ..classify.engine import OnnxEngine
    from ..classify.predictor import Predictor

    engine = OnnxEngine(options.model, device=options.device.value, threads=1, turns=options.turns)
    return Predictor(engine, batch_size=options.batch_size)


def read_with_options(
    page: Page, template: Template, predictor: Any, options: RunOptions
) -> Record:
    """One page through the pipeline with the run's page options."""
    from ..classify.hands import CrossedSevens, LoopedNines

    for hand, given, default in (
        (CrossedSevens, options.crossed_sevens, template.crossed_sevens),
        (LoopedNines, options.looped_nines, template.looped_nines),
    ):
        if given if given is not None else default:
            predictor = hand(predictor)
    return read_page(
        page,
        template,
        predictor,
        deskew=options.deskew,
        orient=options.orient,
        review_threshold=options.review_threshold,
    )


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise PageTimeoutError in this (main) thread after `seconds` (Unix timers)."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def _expired(signum: int, frame: Any) -> None:
        raise PageTimeoutError(f"page took longer than --page-timeout {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def iter_file_records(
    path: str,
    template: Template,
    predictor: Any,
    options: RunOptions,
    skip: frozenset[int] = frozenset(),
) -> Iterator[Record]:
    """Records for every page of one file; a file that cannot be read is one failed record.

    A URI (s3://, gs://, file://) is read from a local copy; records keep the URI.
    """
    from ..ingest.remote import localise

    try:
        local, cleanup = localise(path)
    except DigitocrError as exc:
        yield failed_record(path, 1, template.name, exc.message)
        return
    try:
        for rec in _file_records(local, template, predictor, options, skip):
            yield rec if local == path else replace(rec, file=path)
    finally:
        cleanup()


def _file_records(
    path: str, template: Template, predictor: Any, options: RunOptions, skip: frozenset[int]
) -> Iterator[Record]:
    pages = rasterize(
        path, dpi=options.dpi, rasterizer=options.rasterizer.value, max_pixels=options.max_pixels
    )
    current = 0
    while True:
        current += 1
        try:
            with _deadline(options.page_timeout):
                page = next(pages, None)
        except BadInputError as exc:  # PageTimeoutError included: the file cannot go on
            yield failed_record(path, current, template.name, exc.message)
            return
        except MemoryError:
            yield failed_record(path, current, template.name, "out of memory reading this file")
            return
        if page is None:
            return
        if page.number in skip:
            continue
        try:
            with _deadline(options.page_timeout):
                rec = read_with_options(page, template, predictor, options)
        except PageTimeoutError as exc:
            rec = failed_record(path, page.number, template.name, exc.message, page.sha256)
        if options.overlays is not None:
            from ..output.overlays import draw_overlay

            draw_overlay(page.image, rec, options.overlays)
        yield rec


def _single_threaded() -> None:
    """One thread per worker for OpenCV too: parallelism comes from the workers, and
    OpenCV's own threads would only fight them for the same cores."""
    import cv2

    cv2.setNumThreads(1)


def _init_worker(template: Template, options: RunOptions) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _single_threaded()
    _state["template"], _state["options"] = template, options
    _state["predictor"] = make_predictor(options)


def _work(task: tuple[str, frozenset[int]]) -> list[Record]:
    path, skip = task
    return list(
        iter_file_records(path, _state["template"], _state["predictor"], _state["options"], skip)
    )


def run_local(
    paths: Iterable[str],
    template: Template,
    options: RunOptions,
    sink: Callable[[Record], None],
    done: set[tuple[str, int]] | None = None,
    predictor: Any = None,
) -> None:
    """Read every file and hand each record to `sink`, in input order."""
    done = done or set()
    workers = options.workers or available_cores()

    def tasks() -> Iterator[tuple[str, frozenset[int]]]:
        for p in paths:
            yield p, frozenset(n for f, n in done if f == p) if done else frozenset()

    if workers <= 1:
        _single_threaded()
        predictor = predictor or make_predictor(options)
        for path, skip in tasks():
            for rec in iter_file_records(path, template, predictor, options, skip):
                sink(rec)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    pool = ctx.Pool(workers, initializer=_init_worker, initargs=(template, options))
    try:
        for records in pool.imap(_work, tasks(), chunksize=1):
            for rec in records:
                sink(rec)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
