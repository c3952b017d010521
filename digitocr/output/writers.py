"""CSV, JSON and JSON Lines writers that see only records.

CSV and JSON Lines are written record by record and flushed, so an interrupted run
keeps every finished page; JSON is written to a temporary file and renamed into
place at the end, so it is either complete or absent, never broken.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from ..errors import ConfigError
from ..options import OutputFormat
from ..types import Record

__all__ = ["Writer", "csv_header", "format_for", "read_done"]


def format_for(path: Path | None, explicit: OutputFormat | None) -> OutputFormat:
    if explicit is not None:
        return explicit
    if path is None:
        return OutputFormat.csv
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("json", "jsonl", "csv"):
        return OutputFormat(suffix)
    if suffix == "ndjson":
        return OutputFormat.jsonl
    raise ConfigError(
        f"cannot tell the output format from {path.name!r}: use .csv, .json, .jsonl or --format"
    )


def csv_header(field_names: list[str]) -> list[str]:
    cols = ["file", "page", "template", "status", "error"]
    for f in field_names:
        cols += [f, f"{f}_confidence", f"{f}_needs_review"]
    return cols


def _csv_row(rec: Record, field_names: list[str]) -> list[str]:
    row = [rec.file, str(rec.page), rec.template, rec.status, rec.error or ""]
    for f in field_names:
        res = rec.fields.get(f)
        if res is None:
            row += ["", "", "true" if rec.status == "ok" else ""]
        else:
            row += [
                res.value or "",
                f"{res.confidence:.4f}",
                "true" if res.needs_review else "false",
            ]
    return row


class Writer:
    """Streams records to one output in one format; `close()` finalises it."""

    def __init__(
        self, path: Path | None, fmt: OutputFormat, field_names: list[str], *, append: bool = False
    ) -> None:
        self.path, self.fmt, self.field_names = path, fmt, field_names
        self.count = 0
        self._records: list[dict[str, Any]] = []
        self._tmp: str | None = None
        fh: IO[str]
        if fmt is OutputFormat.json:
            if append and path is not None and path.is_file():
                self._records = json.loads(path.read_text(encoding="utf-8") or "[]")
            fh = sys.stdout if path is None else self._open_tmp(path)
        elif path is None:
            fh = sys.stdout
        else:
            fresh = not (append and path.is_file() and path.stat().st_size > 0)
            if not fresh:
                _drop_partial_line(path)
            try:
                fh = open(  # noqa: SIM115 - streamed, closed by close()
                    path,
                    "w" if fresh else "a",
                    encoding="utf-8",
                    newline="",
                )
            except OSError as exc:
                raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
            append = not fresh
        self.fh = fh
        self._csv = csv.writer(fh) if fmt is OutputFormat.csv else None
        if self._csv is not None and not append:
            self._csv.writerow(csv_header(field_names))
            fh.flush()

    def _open_tmp(self, path: Path) -> IO[str]:
        try:
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent or "."
            )
        except OSError as exc:
            raise ConfigError(f"cannot write in {path.parent}: {exc.strerror}") from exc
        return os.fdopen(fd, "w", encoding="utf-8")

    def write(self, rec: Record) -> None:
        self.count += 1
        if self._csv is not None:
            self._csv.writerow(_csv_row(rec, self.field_names))
        elif self.fmt is OutputFormat.jsonl:
            self.fh.write(json.dumps(rec.export(), ensure_ascii=False) + "\n")
        else:
            self._records.append(rec.export())
            return
        self.fh.flush()

    def close(self, *, complete: bool = True) -> None:
        """Finish the output; an incomplete JSON run still writes what was done."""
        if self.fmt is OutputFormat.json:
            json.dump(self._records, self.fh, indent=1, ensure_ascii=False)
            self.fh.write("\n")
            self.fh.flush()
            if self._tmp is not None and self.path is not None:
                os.fsync(self.fh.fileno())
                self.fh.close()
                os.replace(self._tmp, self.path)
                self._tmp = None
            return
        if self.fh is not sys.stdout:
            self.fh.close()


def _drop_partial_line(path: Path) -> None:
    """A run killed mid-write may leave half a line: cut it so appending stays valid."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)


def read_done(path: Path, fmt: OutputFormat) -> set[tuple[str, int]]:
    """(file, page) pairs already in an output, for --resume."""
    if not path.is_file():
        return set()
    done: set[tuple[str, int]] = set()
    text = path.read_text(encoding="utf-8", errors="replace")
    if fmt is OutputFormat.csv:
        rows = list(csv.reader(text.splitlines()))
        for row in rows[1:]:
            if len(row) >= 2 and row[1].isdigit():
                done.add((row[0], int(row[1])))
    elif fmt is OutputFormat.jsonl:
        for line in text.splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by the interruption: that page is read again
            done.add((rec["file"], int(rec["page"])))
    else:
        try:
            for rec in json.loads(text or "[]"):
                done.add((rec["file"], int(rec["page"])))
        except json.JSONDecodeError:
            return set()
    return done
