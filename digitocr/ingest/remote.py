"""Object storage (`s3://`, `gs://`, `file://`, ...) through pyarrow's filesystems.

pyarrow comes with the `[ray]` extra; local paths never need it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import BadInputError, ConfigError, MissingDependencyError

__all__ = ["is_uri", "list_uri", "localise", "upload"]


def is_uri(path: str) -> bool:
    return "://" in path


def _fs(uri: str) -> tuple[Any, str]:
    try:
        from pyarrow import fs
    except ImportError as exc:
        raise MissingDependencyError(
            f"{uri.split('://')[0]}:// paths need pyarrow: pip install 'digitocr[ray]'"
        ) from exc
    try:
        return fs.FileSystem.from_uri(uri)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends
        raise ConfigError(f"cannot open {uri}: {str(exc).splitlines()[0]}") from exc


def list_uri(uri: str, suffixes: frozenset[str]) -> Iterator[str]:
    """The files under a URI prefix (recursive, sorted), or the URI itself if a file."""
    from pyarrow import fs

    filesystem, path = _fs(uri)
    info = filesystem.get_file_info(path)
    scheme = uri.split("://", 1)[0]
    if info.type == fs.FileType.File:
        yield uri
        return
    if info.type != fs.FileType.Directory:
        yield uri  # missing: it becomes a failed record
        return
    entries = filesystem.get_file_info(fs.FileSelector(path, recursive=True))
    for e in sorted(entries, key=lambda e: e.path):
        if e.type == fs.FileType.File and os.path.splitext(e.path)[1].lower() in suffixes:
            yield f"{scheme}://{e.path}" if scheme != "file" else f"file://{e.path}"


def localise(path: str) -> tuple[str, Callable[[], None]]:
    """A local copy of a URI (and how to delete it); local paths are returned as they are."""
    if not is_uri(path):
        return path, lambda: None
    filesystem, inner = _fs(path)
    fd, tmp = tempfile.mkstemp(suffix=os.path.splitext(inner)[1])
    try:
        with os.fdopen(fd, "wb") as out, filesystem.open_input_stream(inner) as src:
            shutil.copyfileobj(src, out, 1 << 20)
    except OSError as exc:
        os.unlink(tmp)
        raise BadInputError(f"cannot read {path}: {str(exc).splitlines()[0]}") from exc
    return tmp, lambda: os.unlink(tmp)


def upload(local: str, uri: str) -> None:
    """Copy a finished local output file to its URI."""
    filesystem, inner = _fs(uri)
    with open(local, "rb") as src, filesystem.open_output_stream(inner) as out:
        shutil.copyfileobj(src, out, 1 << 20)
