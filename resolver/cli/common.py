"""What every command shares: the argument parser that exits 2 with a hint, the --rules option, JSON output and error printing."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from resolver.errors import ResolutionError, TaskResolverError


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, measuring the terminal as shutil.get_terminal_size does without importing
    shutil (argparse builds a formatter for every argument added; shutil costs a cold start ~4 ms)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def terminal_columns(fallback: int = 80) -> int:
    """shutil.get_terminal_size().columns: $COLUMNS, else the terminal of stdout, else `fallback`."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or fallback
    return columns


class CommandParser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a hint instead of a usage dump on errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}\n  hint: run `{self.prog} --help`", file=sys.stderr)
        raise SystemExit(2)


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
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: the timeout must be a positive number of seconds")
    return value
