"""The `task-resolver` command line (also `python -m resolver`).

Exit codes: 0 ok, 1 a finding (could not resolve, invalid rules, drift), 2 usage or environment
error. A user error prints a message and a hint, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .errors import ResolutionError, TaskResolverError

# Subcommands, each a module with `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "resolve": ("resolver.cli_resolve", "say which task, library, framework and class a model has"),
    "explain": ("resolver.cli_resolve", "resolve and show every rule consulted (same as resolve --explain)"),
    "tasks": ("resolver.cli_tasks", "list the known tasks and their synonyms"),
    "validate": ("resolver.cli_validate", "check rule files: schema, tasks, synonyms, shadowed patterns, examples"),
    "sync": ("resolver.cli_sync", "regenerate the generated architecture table from the installed libraries"),
}


class _Parser(argparse.ArgumentParser):
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="task-resolver", description="Say which task a Hugging Face model was trained for, and why.")
    parser.add_argument("--version", action="version", version=f"task-resolver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module_name).add_arguments(command)
        command.set_defaults(_module=module_name)
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return importlib.import_module(args._module).run(args)
    except TaskResolverError as error:
        print_error(error, explain=getattr(args, "explain", False) or args.command == "explain")
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `task-resolver tasks | head`
        return 0


def entry_point() -> None:
    """Console-script entry: exit with main()'s code."""
    raise SystemExit(main())
