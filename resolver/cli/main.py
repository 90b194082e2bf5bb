"""The task-resolver command line (also python -m resolver). Exit codes: 0 ok, 1 a finding (could not resolve, invalid rules, drift), 2 usage or environment error. A user error prints a message and a hint, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from resolver.cli.common import CommandParser, dump_json, error_json, print_error
from resolver.errors import TaskResolverError
from resolver.support.about import __version__

# Subcommands, each a module with `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "resolve": ("resolver.cli.commands.resolve", "say which task, library, framework and class a model has"),
    "explain": ("resolver.cli.commands.resolve", "resolve and show every rule consulted (same as resolve --explain)"),
    "tasks": ("resolver.cli.commands.tasks", "list the known tasks and their synonyms"),
    "validate": (
        "resolver.cli.commands.validate",
        "check rule files: schema, tasks, synonyms, shadowed patterns, examples",
    ),
    "sync": ("resolver.cli.commands.sync", "regenerate the generated architecture table from the installed libraries"),
    "batch": ("resolver.cli.commands.batch", "resolve many references (files, --scan, --cache, --hub-list)"),
    "inspect": (
        "resolver.cli.commands.inspect",
        "list every part of a model that loads on its own (exports, GGUF, adapters)",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="task-resolver", description="Say which task a Hugging Face model was trained for, and why."
    )
    parser.add_argument("--version", action="version", version=f"task-resolver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module_name).add_arguments(command)
        command.set_defaults(_module=module_name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return importlib.import_module(args._module).run(args)
    except TaskResolverError as error:
        if getattr(args, "json", False) or getattr(args, "format", None) == "json":
            dump_json(error_json(error))  # machines read stdout: the error as one JSON object, same exit code
        else:
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
