"""`task-resolver tasks`: the task vocabulary, with synonyms and the libraries that load each task."""

from __future__ import annotations

import argparse

from resolver.cli.common import add_rules_option, dump_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_rules_option(parser)


def run(args: argparse.Namespace) -> int:
    from resolver.api import Resolver

    rules = Resolver(args.rules).rules
    rows = [
        {
            "task": name,
            "synonyms": sorted(alias for alias, (task, _) in rules.synonyms.items() if task == name),
            "libraries": sorted(rules.tasks[name].loaders),
        }
        for name in sorted(rules.tasks)
    ]
    if args.json:
        dump_json(rows)
        return 0
    print("TASK  [libraries with a loader for it]  (also: synonyms accepted for it); [-]: no library loads it yet")
    width = max(len(row["task"]) for row in rows)
    for row in rows:
        synonyms = f"  (also: {', '.join(row['synonyms'])})" if row["synonyms"] else ""
        libraries = ", ".join(row["libraries"]) or "-"
        print(f"{row['task']:<{width}}  [{libraries}]{synonyms}")
    return 0
