"""One error hierarchy and one set of exit codes for the library and the CLI."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "BadInputError",
    "ConfigError",
    "DatasetError",
    "DigitocrError",
    "ExitCode",
    "MissingDependencyError",
    "ModelError",
    "PageTimeoutError",
    "TemplateError",
]


class ExitCode(IntEnum):
    """Process exit codes of the `digitocr` command (documented in the README)."""

    ok = 0
    partial_failure = 1  # some inputs failed; the others were written
    bad_args = 2  # bad arguments or configuration, found before any work
    input_missing = 3  # no input file was found at all
    missing_dependency = 4  # an optional extra is not installed
    dataset_missing = 5  # training/evaluation data not found or corrupt
    interrupted = 130  # Ctrl-C / SIGTERM: what was done is written


class DigitocrError(Exception):
    """Base of every error digitocr raises on purpose; carries an exit code."""

    exit_code: ExitCode = ExitCode.bad_args

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(DigitocrError):
    """Bad options or arguments, found before any work starts."""


class TemplateError(ConfigError):
    """A template YAML that does not validate (the message names field and problem)."""


class ModelError(ConfigError):
    """Missing, corrupt or mismatched ONNX model or model card."""


class MissingDependencyError(DigitocrError):
    """An optional extra (onnxruntime, tensorflow, ray, ...) is not installed."""

    exit_code = ExitCode.missing_dependency


class DatasetError(DigitocrError):
    """MNIST files missing, truncated or of the wrong format."""

    exit_code = ExitCode.dataset_missing


class BadInputError(DigitocrError):
    """One input file or page cannot be read; becomes one failed record."""

    exit_code = ExitCode.partial_failure


class PageTimeoutError(BadInputError):
    """A page took longer than --page-timeout."""
