"""`task-resolver validate [PATH ...]`: check rule files; findings as text, JSON or GitHub annotations."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from resolver.errors import EvidenceError, Finding


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="rule packs: directories or single rule files (default: the shipped rules)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text for people (default), json for machines, github for workflow annotations",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="a rule pack the checked packs build on: layered in, not reported on (repeatable)",
    )
    parser.add_argument(
        "--no-shipped",
        dest="shipped",
        action="store_false",
        help="check the files alone, not layered over the shipped rules",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")


def _escape(text: str, *, prop: bool = False) -> str:
    """Escape a value for a GitHub workflow command (properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_annotation(finding: Finding) -> str:
    """`::error file=...,line=...,col=...::message [check]`, which GitHub shows on the pull request's diff."""
    level = "error" if finding.severity == "error" else "warning"
    where = f"file={_escape(finding.file, prop=True)},line={finding.line},col={finding.col}"
    at = f" (at {finding.doc_path})" if finding.doc_path else ""
    message = f"{finding.message}{at} [{finding.check}]"
    return f"::{level} {where},title={_escape(finding.check, prop=True)}::{_escape(message)}"


def as_json(finding: Finding) -> dict:
    return {
        "file": finding.file,
        "line": finding.line,
        "col": finding.col,
        "severity": finding.severity,
        "check": finding.check,
        "message": finding.message,
        "path": finding.doc_path,
    }


def run(args: argparse.Namespace) -> int:
    from resolver.rulebook.packs import RULES_ENV, env_rule_paths
    from resolver.validation.validate import validate

    paths = list(args.paths)
    missing = [path for path in [*paths, *args.rules] if not Path(path).exists()]
    if missing:  # a path that is not there is a usage error (exit 2), not a finding in the rules
        raise EvidenceError(
            f"no such rules file or directory: {', '.join(map(str, missing))}",
            hint="pass rule packs that exist (directories of *.yaml files, or single rule files)",
        )
    if not paths:
        env_packs = env_rule_paths()
        sources = (
            f"${RULES_ENV} ({os.pathsep.join(map(str, env_packs))}), layered over the shipped rules"
            if env_packs
            else "the shipped rules"
        )
        if args.format == "text":
            print(f"checking {sources}", file=sys.stderr)
        paths = [str(pack) for pack in env_packs]
        for pack in paths:
            if not Path(pack).exists():
                raise EvidenceError(
                    f"no such rules file or directory: {pack} (from ${RULES_ENV})",
                    hint=f"fix or unset {RULES_ENV}",
                )
    report = validate(paths, context=args.rules, shipped=args.shipped)
    if args.format == "json":
        json.dump([as_json(f) for f in report.findings], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render = github_annotation if args.format == "github" else Finding.format
        for finding in report.findings:
            print(render(finding))
        print(report.summary())
    failed = report.errors or (args.strict and report.warnings)
    return 1 if failed else 0
