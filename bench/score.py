"""Score digitocr output against a truth.json: exact match, CER, error at reject rates.

python bench/score.py TRUTH.json PRED.json[l] [--seconds WALL]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

# The MNIST folder bench scripts read by default: the workplace's shared copy.
MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "mnist"


def add_data_option(ap: argparse.ArgumentParser) -> None:
    """`--data`: the MNIST folder, from DIGITOCR_DATA or else the shared copy."""
    ap.add_argument("--data", default=os.environ.get("DIGITOCR_DATA", str(MNIST)))


def digitocr_cmd(
    inputs: list[str], template: str, out: Path | None = None, *extra: str
) -> list[str]:
    """The `digitocr run` command line every bench script uses (quiet, this interpreter)."""
    cmd = [sys.executable, "-m", "digitocr", "run", *inputs, "--template", template, "-q"]
    return cmd + (["--out", str(out)] if out is not None else []) + list(extra)


def timed_run(inputs: list[str], template: str, out: Path | None = None, *extra: str) -> float:
    """Wall seconds of one `digitocr run`, interpreter start included."""
    t0 = time.perf_counter()
    subprocess.run(
        digitocr_cmd(inputs, template, out, *extra), check=False, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - t0


def norm(field: str, v: str | None) -> str | None:
    """Amounts compare exactly ("87.00" is not "87"); other fields by their digits."""
    if v is None:
        return None
    v = str(v).strip()
    if field == "amount":
        if "," in v and "." not in v and re.search(r",\d{1,2}$", v):
            v = v[: v.rfind(",")].replace(",", "") + "." + v[v.rfind(",") + 1 :]
        return re.sub(r"[^0-9.]", "", v.replace(",", ""))
    return re.sub(r"\D", "", v)


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def load(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    return data if isinstance(data, list) else [data]


def score(truth: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    by_key = {(Path(r["file"]).name, int(r["page"])): r for r in preds}
    rows = []  # (template, field, correct, edits, length, confidence, accepted)
    for t in truth:
        rec = by_key.get((Path(t["file"]).name, int(t.get("page", 1))), {})
        for name, value in t["fields"].items():
            p = (rec.get("fields") or {}).get(name) or {}
            tv, pv = norm(name, value) or "", norm(name, p.get("value"))
            ok = pv == tv
            accepted = p.get("needs_review") is False
            rows.append(
                (
                    t["template"],
                    name,
                    ok,
                    levenshtein(pv or "", tv),
                    len(tv),
                    p.get("confidence"),
                    accepted,
                )
            )
    out: dict[str, Any] = {"fields": {}}
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for r in rows:
        groups[(r[0], r[1])].append(r)
    groups[("all", "all")] = rows
    for (tmpl, name), rs in groups.items():
        srt = sorted(rs, key=lambda r: r[5] if r[5] is not None else -1.0)
        rej = {}
        for rate in (0.0, 0.05, 0.10):
            kept = srt[round(rate * len(srt)) :]
            rej[f"{int(rate * 100)}%"] = sum(not r[2] for r in kept) / max(1, len(kept))
        out["fields"][f"{tmpl}.{name}"] = {
            "n": len(rs),
            "exact": sum(r[2] for r in rs) / max(1, len(rs)),
            "cer": sum(r[3] for r in rs) / max(1, sum(r[4] for r in rs)),
            "error_at_reject": rej,
            # The review queue as the run flags it: kept without review, and wrong.
            "accepted": sum(r[6] for r in rs),
            "accepted_wrong": sum(r[6] and not r[2] for r in rs),
        }
    return out


def print_table(
    metrics: dict[str, Any], title: str, seconds: float | None = None, pages: int = 0
) -> None:
    print(f"\n== {title}")
    print(
        f"{'field':24} {'n':>4} {'exact':>7} {'CER':>7}   err@rej 0%    5%   10%   accepted wrong"
    )
    for key, m in metrics["fields"].items():
        r = m["error_at_reject"]
        rej = f"{r['0%']:7.3f} {r['5%']:5.3f} {r['10%']:5.3f}"
        queue = f"{m['accepted']:8d} {m['accepted_wrong']:5d}"
        print(f"{key:24} {m['n']:4d} {m['exact']:7.3f} {m['cer']:7.3f}   {rej}   {queue}")
    if seconds:
        print(f"throughput: {pages} pages in {seconds:.1f} s = {pages / seconds:.2f} pages/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("truth", type=Path)
    ap.add_argument("pred", type=Path)
    ap.add_argument("--seconds", type=float)
    a = ap.parse_args()
    truth = json.loads(a.truth.read_text())
    print_table(score(truth, load(a.pred)), str(a.pred), a.seconds, len(truth))


if __name__ == "__main__":
    main()
