"""The task-resolver command line (also python -m resolver). Exit codes: 0 ok, 1 a finding (could not resolve, invalid rules, drift), 2 usage or environment error. A user error prints a message and a hint, never a traceback."""

from __future__ import annotations

import gc
import sys

from resolver.cli.common import dump_json, error_json, print_error
from resolver.cli.quick import QUICK, command_module, parse
from resolver.errors import TaskResolverError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a plain `resolve` imports neither typing nor argparse
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

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


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command-line parser. Given the arguments, only the invoked command's own parser is built
    (importing one command module, not all of them); without, or for a name that is no command, all."""
    from resolver.cli.parser import CommandParser
    from resolver.support.about import __version__

    parser = CommandParser(
        prog="task-resolver", description="Say which task a Hugging Face model was trained for, and why."
    )
    parser.add_argument("--version", action="version", version=f"task-resolver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    invoked = _invoked(argv)
    for name, (module_name, help_text) in COMMANDS.items():
        if invoked is not None and name != invoked:
            continue
        command = sub.add_parser(name, help=help_text, description=help_text)
        command_module(module_name).add_arguments(command)
        command.set_defaults(_module=module_name)
    return parser


def _invoked(argv: Sequence[str] | None) -> str | None:
    """The command the arguments name (the first one not an option: the top level takes no values), if one."""
    for arg in argv if argv is not None else ():
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
        if arg == "--":
            return None
    return None


def quick_arguments(argv: Sequence[str]) -> Any:
    """The arguments of a plain `resolve` / `explain`, read without argparse (quick.py), or None."""
    if not argv or argv[0] not in QUICK:
        return None
    module_name = COMMANDS[argv[0]][0]
    args: Any = parse(argv, module_name)
    if args is not None:
        args.command, args._module = argv[0], module_name
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = quick_arguments(argv)
    if args is None:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return 2
    try:
        return command_module(args._module).run(args)
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
    if sys.argv[1:2] and sys.argv[1] in QUICK:
        # One resolution, then the process ends: its imports and the unpickled rules live to the end
        # and make no cyclic garbage worth collecting; collecting them was a tenth of a cold start's work.
        gc.disable()
    raise SystemExit(main())
