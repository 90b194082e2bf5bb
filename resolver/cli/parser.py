"""The command line's argparse parser: exits 2 with a hint on a usage error, and measures the terminal without shutil."""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the CLI imports no typing
if TYPE_CHECKING:
    from typing import Any


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
