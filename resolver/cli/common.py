"""What every command shares: the --rules and Hub options, JSON output and error printing (the
argument parser itself is parser.py's, or quick.py's for a plain `resolve`)."""

from __future__ import annotations

import sys

from resolver.errors import ResolutionError, TaskResolverError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the CLI imports neither typing nor (for a plain resolve) argparse
if TYPE_CHECKING:
    import argparse
    from typing import Any


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    """--rules DIR (repeatable): extra rule packs layered over the shipped rules."""
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="an extra rules directory or file, layered over the shipped rules (repeatable)",
    )


def print_error(error: BaseException, *, explain: bool = False) -> None:
    """A user error as `error: ...` plus its hint; with --explain, the trace of what was tried."""
    print(f"error: {error}", file=sys.stderr)
    if explain and isinstance(error, ResolutionError) and error.trace:
        print("tried:", file=sys.stderr)
        for step in error.trace:
            where = f"  ({step.where})" if step.where else ""
            print(f"  {step.outcome:<9} {step.step:<22} {step.message}{where}", file=sys.stderr)


def dump_json(data: Any) -> None:
    import json

    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def error_json(error: TaskResolverError) -> dict[str, Any]:
    """`{"error": {"type", "message", "hint", "where"}}`: what --json prints on stdout for a user error.

    `where` is the first finding's file:line:col for rule errors, else null; a resolution error
    also carries its trace.
    """
    findings = getattr(error, "findings", None) or []
    where = f"{findings[0].file}:{findings[0].line}:{findings[0].col}" if findings else None
    body: dict[str, Any] = {"type": type(error).__name__, "message": error.message, "hint": error.hint, "where": where}
    if findings:
        body["findings"] = [
            {
                "file": f.file,
                "line": f.line,
                "col": f.col,
                "severity": f.severity,
                "check": f.check,
                "message": f.message,
            }
            for f in findings
        ]
    trace = getattr(error, "trace", None)
    if trace:
        body["trace"] = [step._asdict() if hasattr(step, "_asdict") else list(step) for step in trace]
    return {"error": body}


def add_hub_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that takes one reference, which may be a Hub repo id."""
    parser.add_argument("--revision", help="Hub revision: a branch, tag or commit sha (default: main)")
    parser.add_argument("--token", help="Hub token (default: $HF_TOKEN or the saved login)")
    parser.add_argument("--cache-dir", help="Hub cache folder (default: $HF_HUB_CACHE)")
    parser.add_argument(
        "--offline",
        action="store_true",
        default=None,
        help="never contact the Hub; use the local cache only (also $HF_HUB_OFFLINE=1)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help="give up on the Hub after this long in all, retries included (default: $TASK_RESOLVER_HUB_TIMEOUT or 30)",
    )


def seconds(text: str) -> float:
    """--timeout's value: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r}: the timeout must be a positive number of seconds")
    return value
