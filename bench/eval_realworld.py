"""Accuracy on real Hub repositories: ../shared/eval/realworld*.jsonl, resolved two ways.

Reads realworld.jsonl, realworld-more.jsonl and realworld-extra.jsonl (or the `--file`s given) and
reports each file alone; in local mode also over the cases that hold local evidence (a file list or
a document: a case with only what the Hub shows has nothing to write as a folder).

- local: each case written as a folder (config.json, model_index.json, adapter_config.json, the JSON
  files of `file_contents`, empty placeholders for the other listed files), no Hub metadata at all;
- hub: each case served by tests/hubserver.py on 127.0.0.1 with what the Hub shows (pipeline_tag,
  library_name, tags, transformersInfo) and resolved by repo id through the real huggingface_hub client.

A case is right when the task is its `expected_task` or one of its `accept`, either spelled as the rules'
canonical task (text-to-speech counts as text-to-audio, its canonical name). Prints accuracy per library
(the Hub's library_name when the case has one, else the resolver's) and overall, then every miss.
Run: `python bench/eval_realworld.py [--eval-dir DIR] [--file NAME] [--mode local|hub|both] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # before huggingface_hub is imported: no call home

from common import ROOT, use_tests_helpers

use_tests_helpers()
sys.path.insert(0, str(ROOT))

from realworld_cases import (  # noqa: E402
    EVAL_FILES,
    accepted,
    has_local_evidence,
    hub_metadata,
    iter_cases,
    repo_files,
    write_folder,
)

from resolver.api import Resolver  # noqa: E402
from resolver.errors import TaskResolverError  # noqa: E402

DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"


def _outcome(case: dict[str, Any], file: str, resolve: Callable[[], Any], rules: Any) -> dict[str, Any]:
    """Resolve one case and say whether the answer is accepted (synonyms count as their canonical task)."""
    row: dict[str, Any] = {
        "id": case["id"],
        "file": file,
        "expected": case["expected_task"],
        "local_evidence": has_local_evidence(case),
    }
    try:
        result = resolve()
    except TaskResolverError as error:
        row.update(task=None, library=None, strategy=None, ok=False, why=f"{type(error).__name__}: {error.message}")
        return row
    answered = [s for s in result.trace if s.outcome == "answered" and s.step == result.strategy]
    row.update(
        task=result.task,
        library=result.library,
        framework=result.framework,
        strategy=result.strategy,
        ok=result.task in accepted(case, rules.canonical_task),
        why=answered[0].message if answered else "",
    )
    return row


def run_local(cases: Iterable[tuple[str, dict[str, Any]]], resolver: Resolver) -> list[dict[str, Any]]:
    """Every case as a local folder, resolved with no Hub metadata."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="eval-realworld-") as tmp:
        for file, case in cases:
            folder = write_folder(case, Path(tmp))
            rows.append(_outcome(case, file, lambda folder=folder: resolver.resolve(str(folder)), resolver.rules))
    return rows


def run_hub(cases: Iterable[tuple[str, dict[str, Any]]], resolver: Resolver) -> list[dict[str, Any]]:
    """Every case served by the loopback test Hub, resolved by repo id with a fresh HF cache."""
    from hubserver import HubServer

    from resolver.evidence.hub import store as hub_store

    rows = []
    saved = {name: os.environ.get(name) for name in ("HF_ENDPOINT", "HF_HOME", "HF_HUB_OFFLINE", "HF_HUB_CACHE")}
    with tempfile.TemporaryDirectory(prefix="eval-realworld-hf-") as tmp, HubServer() as server:
        os.environ.update(HF_ENDPOINT=server.url, HF_HOME=tmp)
        os.environ.pop("HF_HUB_OFFLINE", None)
        os.environ.pop("HF_HUB_CACHE", None)
        hub_store.clear_memo()
        try:
            for file, case in cases:
                server.add_repo(case["id"], repo_files(case), **hub_metadata(case))
                resolve = lambda case=case: resolver.resolve(case["id"], token=False)  # noqa: E731
                rows.append(_outcome(case, file, resolve, resolver.rules))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            hub_store.clear_memo()
    return rows


def _group(row: dict[str, Any], case: dict[str, Any]) -> str:
    name = case.get("library_name") or row.get("library") or "(none)"
    return name.replace("-", "_")


def summarize(rows: list[dict[str, Any]], cases: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Accuracy per library, per eval file and overall; the misses."""
    per_library: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_file: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_file_evidence: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # cases a folder can show something of
    for row, (_, case) in zip(rows, cases, strict=True):
        tables = [(per_library, _group(row, case)), (per_file, row["file"])]
        if row["local_evidence"]:
            tables.append((per_file_evidence, row["file"]))
        for table, key in tables:
            table[key][0] += row["ok"]
            table[key][1] += 1
    right = sum(row["ok"] for row in rows)
    with_library = [(row, case) for row, (_, case) in zip(rows, cases, strict=True) if case.get("library_name")]
    same_library = sum(_group(row, case) == (row.get("library") or "").replace("-", "_") for row, case in with_library)
    return {
        "overall": [right, len(rows)],
        "library_agrees_with_hub": [same_library, len(with_library)],
        "per_file": dict(sorted(per_file.items())),
        "per_file_with_local_evidence": dict(sorted(per_file_evidence.items())),
        "without_local_evidence": [row["id"] for row in rows if not row["local_evidence"]],
        "per_library": dict(sorted(per_library.items())),
        "misses": [row for row in rows if not row["ok"]],
    }


def _print(mode: str, summary: dict[str, Any]) -> None:
    def pct(pair: list[int]) -> str:
        return f"{pair[0]:>3}/{pair[1]:<3} {100 * pair[0] / pair[1]:5.1f}%" if pair[1] else "  -"

    print(f"\n== {mode}: overall {pct(summary['overall'])}")
    print(f"   library = the Hub's library_name {pct(summary['library_agrees_with_hub'])}")
    for name, pair in summary["per_file"].items():
        evidence = summary["per_file_with_local_evidence"].get(name, [0, 0])
        print(f"   {name:<28} {pct(pair)}   with local evidence {pct(evidence)}")
    print("   per library (the Hub's library_name, else the resolver's):")
    for name, pair in summary["per_library"].items():
        print(f"   {name:<28} {pct(pair)}")
    if summary["misses"]:
        print(f"   misses ({len(summary['misses'])}):")
    for row in summary["misses"]:
        flag = "" if row["local_evidence"] else " (no local evidence)"
        print(
            f"   - {row['id']}{flag}: expected {row['expected']}, got {row['task']} [{row['strategy']}; {row['library']}]"
        )
        print(f"       {row['why']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="folder of realworld*.jsonl")
    parser.add_argument("--mode", choices=("local", "hub", "both"), default="both")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--file", action="append", choices=EVAL_FILES, help="only these eval files (repeatable)")
    args = parser.parse_args(argv)
    cases = list(iter_cases(args.eval_dir, tuple(args.file or EVAL_FILES)))
    if not cases:
        print(f"no realworld*.jsonl cases in {args.eval_dir}", file=sys.stderr)
        return 2
    resolver = Resolver(use_env=False)
    results: dict[str, Any] = {}
    if args.mode in ("local", "both"):
        results["local"] = summarize(run_local(cases, resolver), cases)
    if args.mode in ("hub", "both"):
        results["hub"] = summarize(run_hub(cases, resolver), cases)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{len(cases)} cases from {args.eval_dir}")
        for mode, summary in results.items():
            _print(mode, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
