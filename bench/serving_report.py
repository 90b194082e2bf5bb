"""How to run it, on real Hub repositories: the `serving` answers (runner, pooling task, pooling mode) over
../shared/eval/realworld*.jsonl, each case resolved as a local folder and through the loopback test Hub
(as bench/eval_realworld.py builds them), grouped by runner and pooling task, with the ids in each group.

Run: `python bench/serving_report.py [--eval-dir DIR] [--mode local|hub|both] [--json] [--ids]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # before huggingface_hub is imported: no call home

from common import ROOT, use_tests_helpers

use_tests_helpers()
sys.path.insert(0, str(ROOT))

from realworld_cases import EVAL_FILES, hub_metadata, iter_cases, repo_files, write_folder  # noqa: E402

from resolver.api import Resolver  # noqa: E402
from resolver.errors import TaskResolverError  # noqa: E402

DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"


def _row(case: dict[str, Any], resolve: Callable[[], Any]) -> dict[str, Any]:
    try:
        result = resolve()
    except TaskResolverError as error:
        return {
            "id": case["id"],
            "task": None,
            "runner": None,
            "pooling_task": None,
            "pooling_mode": None,
            "why": f"{type(error).__name__}: {error.message}",
        }
    serving = result.serving
    return {
        "id": case["id"],
        "task": result.task,
        "library": result.library,
        "runner": serving.runner,
        "pooling_task": serving.pooling_task,
        "pooling_mode": serving.pooling_mode,
        "why": serving.why,
    }


def run_local(cases: Iterable[tuple[str, dict[str, Any]]], resolver: Resolver) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="serving-report-") as tmp:
        for _, case in cases:
            folder = write_folder(case, Path(tmp))
            rows.append(_row(case, lambda folder=folder: resolver.resolve(str(folder))))
    return rows


def run_hub(cases: Iterable[tuple[str, dict[str, Any]]], resolver: Resolver) -> list[dict[str, Any]]:
    from hubserver import HubServer

    from resolver.evidence.hub import store as hub_store

    rows = []
    saved = {name: os.environ.get(name) for name in ("HF_ENDPOINT", "HF_HOME", "HF_HUB_OFFLINE", "HF_HUB_CACHE")}
    with tempfile.TemporaryDirectory(prefix="serving-report-hf-") as tmp, HubServer() as server:
        os.environ.update(HF_ENDPOINT=server.url, HF_HOME=tmp)
        os.environ.pop("HF_HUB_OFFLINE", None)
        os.environ.pop("HF_HUB_CACHE", None)
        hub_store.clear_memo()
        try:
            for _, case in cases:
                server.add_repo(case["id"], repo_files(case), **hub_metadata(case))
                rows.append(_row(case, lambda case=case: resolver.resolve(case["id"], token=False)))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            hub_store.clear_memo()
    return rows


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        key = f"{row['runner'] or '-'} / {row['pooling_task'] or '-'}"
        groups[key].append(row["id"])
    modes = Counter(row["pooling_mode"] or "-" for row in rows if row["runner"] == "pooling")
    return {
        "cases": len(rows),
        "by_runner": dict(Counter(row["runner"] or "-" for row in rows).most_common()),
        "by_runner_and_pooling_task": {key: len(ids) for key, ids in sorted(groups.items())},
        "pooling_modes": dict(modes.most_common()),
        "ids": {key: sorted(ids) for key, ids in sorted(groups.items())},
        "with_mode": {row["id"]: row["pooling_mode"] for row in rows if row["pooling_mode"]},
    }


def _print(mode: str, summary: dict[str, Any], ids: bool) -> None:
    print(f"\n== {mode}: {summary['cases']} cases")
    print("   runner:", ", ".join(f"{k} {v}" for k, v in summary["by_runner"].items()))
    for key, count in summary["by_runner_and_pooling_task"].items():
        print(f"   {key:<28} {count:>4}")
        if ids:
            print("      " + ", ".join(summary["ids"][key]))
    print("   pooling modes (pooling answers):", ", ".join(f"{k} {v}" for k, v in summary["pooling_modes"].items()))
    for repo, found in summary["with_mode"].items():
        print(f"      {repo}: {found}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="folder of realworld*.jsonl")
    parser.add_argument("--mode", choices=("local", "hub", "both"), default="both")
    parser.add_argument("--json", action="store_true", help="print every row as JSON")
    parser.add_argument("--ids", action="store_true", help="list the repo ids of each group")
    args = parser.parse_args(argv)
    cases = list(iter_cases(args.eval_dir, EVAL_FILES))
    if not cases:
        print(f"no realworld*.jsonl cases in {args.eval_dir}", file=sys.stderr)
        return 2
    resolver = Resolver(use_env=False)
    results: dict[str, list[dict[str, Any]]] = {}
    if args.mode in ("local", "both"):
        results["local"] = run_local(cases, resolver)
    if args.mode in ("hub", "both"):
        results["hub"] = run_hub(cases, resolver)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{len(cases)} cases from {args.eval_dir}")
    for mode, rows in results.items():
        _print(mode, summarize(rows), args.ids)
    return 0


if __name__ == "__main__":
    sys.exit(main())
