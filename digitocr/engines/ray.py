"""The Ray Data engine: the same stage functions, spread over a Ray cluster.

Inputs become a dataset of file paths; `map_batches` runs a stateful actor class that
loads the ONNX session once per actor (a GPU actor with `--device cuda`) and reads each
file with the same code as the local engine. Order is preserved, so the records reach
the same writers in input order. Paths may be local (visible to every node) or object
storage URIs (`s3://`, `gs://`), which actors read through pyarrow's filesystems.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import MissingDependencyError
from ..options import Device, RunOptions
from ..templates.schema import Template
from ..types import Record

__all__ = ["run_ray"]

log = logging.getLogger(__name__)


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingDependencyError(
            "--engine ray needs the [ray] extra: pip install 'digitocr[ray]'"
        ) from exc
    return ray


class _Reader:
    """A Ray actor: one predictor for its lifetime, reading one file per row."""

    def __init__(self, template_json: str, options_json: str) -> None:
        from .local import make_predictor

        self.template = Template.model_validate_json(template_json)
        if self.template.variants:  # resolved variants are excluded from the JSON
            from ..templates.schema import load_template

            self.template = load_template(self.template.name)
        self.options = RunOptions.model_validate_json(options_json)
        self.predictor = make_predictor(self.options)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from .local import iter_file_records

        idx, records = [], []
        for i, path, skip in zip(batch["idx"], batch["path"], batch["skip"], strict=True):
            skipped = frozenset(json.loads(str(skip)))
            for rec in iter_file_records(
                str(path), self.template, self.predictor, self.options, skipped
            ):
                idx.append(int(i))
                records.append(json.dumps(rec.export()))
        return {"idx": idx, "record": records}


def run_ray(
    paths: Iterable[str],
    template: Template,
    options: RunOptions,
    sink: Callable[[Record], None],
    done: set[tuple[str, int]] | None = None,
) -> None:
    """Read every file on Ray and hand each record to `sink`, in input order."""
    ray = _ray()
    from .local import available_cores

    done = done or set()
    items = [
        {"idx": i, "path": p, "skip": json.dumps(sorted(n for f, n in done if f == p))}
        for i, p in enumerate(paths)
    ]
    if not items:
        return
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
        }
        if options.ray_address:
            ray.init(address=options.ray_address, **kwargs)
        else:
            ray.init(num_cpus=options.workers or available_cores(), **kwargs)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    actors = options.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    gpu = options.device is Device.cuda
    ds = ray.data.from_items(items, override_num_blocks=min(len(items), 8 * actors))
    ds = ds.map_batches(
        _Reader,
        batch_size=1,
        batch_format="numpy",
        concurrency=actors,
        num_cpus=1,
        num_gpus=1 if gpu else 0,
        fn_constructor_kwargs={
            "template_json": template.model_dump_json(),
            "options_json": options.model_dump_json(),
        },
    )
    for row in ds.iter_rows():
        sink(Record.from_export(json.loads(row["record"])))
