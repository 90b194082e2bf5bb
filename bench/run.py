"""Run every benchmark and write docs/benchmarks.md: `python bench/run.py [--runs N] [--quick]`.

Each part runs in its own process (cold start, in-process throughput, Hub requests), so one part's
imports (transformers, optimum, the Hub client) never weigh on another's figures, and a part that
fails is reported without losing the others.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, ROOT, child_env  # noqa: E402
from machine import describe  # noqa: E402
from report import render  # noqa: E402

PARTS = {"coldstart": "coldstart.py", "inprocess": "inprocess.py", "hub": "hub_requests.py"}


def run_part(name: str, runs: int, with_optimum: bool) -> dict[str, Any]:
    """One part in a fresh Python; its JSON on stdout, its errors raised with the tail of stderr."""
    command = [sys.executable, str(BENCH / PARTS[name]), "--runs", str(runs)]
    if not with_optimum:
        command.append("--no-optimum")
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=child_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark task-resolver against optimum; write docs/benchmarks.md.")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure (default 5)")
    parser.add_argument("--hub-runs", type=int, default=3, help="runs per Hub scenario (default 3)")
    parser.add_argument("--quick", action="store_true", help="3 runs per figure")
    parser.add_argument("--no-optimum", action="store_true", help="measure task-resolver only")
    parser.add_argument("--only", choices=sorted(PARTS), action="append", help="run only these parts (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="where to write the report")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    results: dict[str, Any] = {"machine": describe(), "runs": runs, "errors": {}}
    with_optimum = not args.no_optimum
    if with_optimum and importlib.util.find_spec("optimum") is None:
        with_optimum = False
        results["errors"]["optimum"] = "not installed: pip install '.[bench]' (task-resolver measured alone)"
    for name in args.only or PARTS:
        try:
            results[name] = run_part(name, min(runs, args.hub_runs) if name == "hub" else runs, with_optimum)
        except Exception as error:  # keep the other parts; the report says what failed
            results["errors"][name] = str(error)
            print(f"bench: {name} failed: {error}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"bench: wrote {args.out}", file=sys.stderr)
    return 1 if set(results["errors"]) - {"optimum"} else 0


if __name__ == "__main__":
    raise SystemExit(main())
