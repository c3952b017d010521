"""The Ray Data engine gives the same output as the local engine (local Ray instance)."""

import builtins
import json
from pathlib import Path

import pytest

from digitocr.api import process_batch
from digitocr.errors import MissingDependencyError
from digitocr.options import Engine, RunOptions

from .conftest import ROOT

SAMPLES = ROOT / "samples"


def _records(engine: Engine) -> list[dict]:
    out: list[dict] = []
    opts = RunOptions(template="cheque", engine=engine, workers=2, dpi=150)
    process_batch(
        [SAMPLES / "cheque", SAMPLES / "multipage"], opts, lambda r: out.append(r.export())
    )
    return out


def test_ray_engine_matches_local_engine() -> None:
    pytest.importorskip("ray.data", reason="needs the [ray] extra")
    import ray

    try:
        ray_out = _records(Engine.ray)
    finally:
        ray.shutdown()
    local_out = _records(Engine.local)
    assert len(local_out) == 7
    assert json.dumps(ray_out, sort_keys=True) == json.dumps(local_out, sort_keys=True)


def test_ray_engine_without_ray_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *a: object, **k: object) -> object:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MissingDependencyError, match=r"digitocr\[ray\]"):
        process_batch([SAMPLES / "cheque"], RunOptions(engine=Engine.ray), lambda r: None)
