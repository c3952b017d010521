"""Walk the inputs: files and folders (recursive, sorted), without following link loops."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["IMAGE_SUFFIXES", "PDF_SUFFIXES", "SUFFIXES", "iter_inputs"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})
PDF_SUFFIXES = frozenset({".pdf"})
SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[str]:
    try:
        st = folder.stat()
    except OSError:
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:  # a symbolic-link loop, or the same folder twice
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(folder, entry.name)
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, seen)
        elif path.suffix.lower() in SUFFIXES:
            yield str(path)


def iter_inputs(inputs: Iterable[str | Path]) -> Iterator[str]:
    """Yield the files to read, in order; a named file is yielded whatever its suffix.

    A folder yields only files with a known suffix; a named file that does not exist
    is still yielded, so that it becomes a failed record rather than vanishing.
    """
    seen: set[tuple[int, int]] = set()
    for item in inputs:
        if "://" in str(item):
            from .remote import list_uri

            yield from list_uri(str(item), SUFFIXES)
            continue
        path = Path(item)
        if path.is_dir():
            yield from _walk(path, seen)
        else:
            yield str(item)
