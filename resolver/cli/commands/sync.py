"""`task-resolver sync [--check]`: regenerate the generated architecture tables, or report their drift."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print what regenerating would change and exit 1 if anything would",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="the transformers table to write or check (default: the shipped "
        "rules/architectures.generated.yaml); the diffusers table goes beside it",
    )
    parser.add_argument(
        "--hub-libraries",
        metavar="FILE",
        help="only compare the rules' list of Hub libraries with a copy of huggingface.js "
        "packages/tasks/src/model-libraries.ts; exit 1 when the rules' list is older",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="a rule pack layered over the shipped rules, e.g. one with its own auto_mappings.yaml",
    )


def _shown(path: Path) -> str:
    from resolver.support.paths import shipped_rules_dir

    if path.resolve().parent == Path(shipped_rules_dir()).resolve():
        return f"rules/{path.name}"
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _versions(versions: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items())) or "unknown versions"


def run(args: argparse.Namespace) -> int:
    from resolver.sync.tables import mapping_rules, plan, write

    if args.hub_libraries:
        return _hub_libraries(args)
    files = plan(mapping_rules(args.rules), Path(args.output) if args.output else None, check=args.check)
    drifted = False
    for generated in files:
        shown = _shown(generated.path)
        if generated.fresh is None:
            print(f"{shown}: no {generated.source} table here ({generated.source} not installed?); left as it is")
            continue
        change = generated.drift
        made_from = _versions(generated.fresh.versions)
        counts = f"+{len(change.added)} -{len(change.removed)} ~{len(change.changed)}"
        if args.check:
            if change or not generated.exists:
                drifted = True
                recorded = _versions(generated.current_versions) if generated.exists else "missing"
                print(f"{shown}: drift against {made_from} (file made from {recorded}): {counts}")
                for line in change.lines():
                    print(f"  {line}")
            else:
                note = ""
                if generated.current_versions != generated.fresh.versions:
                    note = f" (file records {_versions(generated.current_versions)}; entries identical)"
                print(f"{shown}: in sync with {made_from}, {len(generated.current)} {_unit(generated.path)}{note}")
            continue
        write(generated)
        print(f"wrote {shown}: {len(generated.fresh.entries)} {_unit(generated.path)} from {made_from} ({counts})")
    if drifted:
        print("run `task-resolver sync` to regenerate, then review the diff")
        return 1
    return 0


def _unit(path: Path) -> str:
    """What a generated table's entries are: model types for model_types.yaml, classes otherwise."""
    return "model types" if path.name.startswith("model_types") else "classes"


def _hub_libraries(args: argparse.Namespace) -> int:
    """--hub-libraries FILE: the Hub's library names the rules lack (+) or still list after the copy dropped them (-)."""
    from resolver.api import Resolver
    from resolver.sync.hub_libraries import hub_libraries_drift

    drift = hub_libraries_drift(Resolver(args.rules).rules, args.hub_libraries)
    if not drift:
        print(f"rules/libraries.yaml lists every library of {args.hub_libraries}")
        return 0
    print(f"rules/libraries.yaml differs from {args.hub_libraries}: +{len(drift.added)} -{len(drift.removed)}")
    for line in drift.lines():
        print(f"  {line}")
    print("add the new names to hub_libraries in rules/libraries.yaml (and their tasks), then review the diff")
    return 1
