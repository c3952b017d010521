"""digitocr: read handwritten digits off scanned documents.

    import digitocr
    records = digitocr.read("cheque.png", template="cheque")

Heavy modules (OpenCV, ONNX Runtime) load on first use, so `import digitocr` is cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["ExitCode", "RunOptions", "__version__", "process_batch", "read"]


def __getattr__(name: str) -> Any:
    if name in ("read", "process_batch"):
        from . import api

        return getattr(api, name)
    if name == "RunOptions":
        from .options import RunOptions

        return RunOptions
    if name == "ExitCode":
        from .errors import ExitCode

        return ExitCode
    raise AttributeError(name)
