"""What every command shares: the argument parser that exits 2 with a hint, the --rules option, JSON output and error printing."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from resolver.errors import ResolutionError


class CommandParser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a hint instead of a usage dump on errors."""

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
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
