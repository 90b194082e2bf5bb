"""Reading a plain `task-resolver resolve REF [--option value ...]` without argparse.

argparse, with gettext and locale, and the building of its parser cost a cold start a few ms
(docs/benchmarks.md), which for `resolve` is a visible share of the whole run. So for the commands
in QUICK, the arguments are first read here, against the very arguments the command's
`add_arguments` declares (run against a recorder, not a parser): when every word is a declared
option spelled out in full (`--task x`, `--task=x`, a flag) or the one positional, the result is
what argparse would give. Anything else (help, `--`, an abbreviation, a missing or dash-led value,
a value its type refuses, an argument kind the recorder does not know) returns None and argparse
reads the arguments instead, with its own messages; tests/test_cli_quick.py checks both agree.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the CLI imports no typing
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

QUICK = ("resolve", "explain")  # the commands worth reading without argparse: one model, start-up dominates
_ACTIONS = ("store", "store_true", "append")
_KNOWN = {"action", "default", "help", "metavar", "type", "dest"}


class Arguments:
    """The parsed arguments: the attributes argparse's Namespace would have."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return vars(self) == vars(other)

    def __repr__(self) -> str:
        return "Arguments(" + ", ".join(f"{name}={value!r}" for name, value in vars(self).items()) + ")"


class Option:
    """One declared option: where it goes, its action, default and type."""

    __slots__ = ("dest", "action", "default", "type")

    def __init__(self, dest: str, action: str, default: Any, type: Callable[[str], Any] | None) -> None:
        self.dest, self.action, self.default, self.type = dest, action, default, type


class Recorder:
    """Stands in for the argparse parser while a command's `add_arguments` runs, and notes what it
    declares; anything beyond plain options and positionals (groups, nargs, choices...) makes the
    command not plain, so argparse reads it."""

    def __init__(self) -> None:
        self.options: dict[str, Option] = {}  # option string -> its option
        self.positionals: list[str] = []
        self.defaults: dict[str, Any] = {}
        self.plain = True

    def add_argument(self, *names: str, **options: Any) -> None:
        action = options.get("action", "store")
        if action not in _ACTIONS or not names or set(options) - _KNOWN:
            self.plain = False
            return
        default = options.get("default", False if action == "store_true" else None)
        if isinstance(default, str) and options.get("type") is not None:  # argparse would convert it
            self.plain = False
        if not names[0].startswith("-"):
            if len(names) > 1 or action != "store" or "default" in options or "type" in options:
                self.plain = False
            self.positionals.append(options.get("dest", names[0]))
            return
        long = [name for name in names if name.startswith("--")]
        dest = options.get("dest") or (long[0] if long else names[0]).lstrip("-").replace("-", "_")
        for name in names:
            self.options[name] = Option(dest, action, default, options.get("type"))

    def set_defaults(self, **values: Any) -> None:
        self.defaults.update(values)

    def __getattr__(self, name: str) -> Any:  # any other parser call: not a plain command
        self.plain = False
        return lambda *args, **kwargs: self


def command_module(name: str) -> Any:
    """The module of a command, imported (importlib.import_module, without importing importlib and
    warnings: a regular install's cold start has neither)."""
    __import__(name)
    return sys.modules[name]


def parse(argv: Sequence[str], module_name: str) -> Arguments | None:
    """`argv` (its first word the command) as argparse would read it, or None to let argparse read it."""
    recorder = Recorder()
    command_module(module_name).add_arguments(recorder)
    if not recorder.plain or len(recorder.positionals) != 1:
        return None
    values: dict[str, Any] = {option.dest: option.default for option in recorder.options.values()}
    values.update(recorder.defaults)
    given: list[str] = []
    words = iter(argv[1:])
    for word in words:
        if not word.startswith("-"):
            given.append(word)
            continue
        name, equals, explicit = word.partition("=")
        option = recorder.options.get(name)
        if option is None:
            return None
        if option.action == "store_true":
            if equals:
                return None
            values[option.dest] = True
            continue
        if equals:
            value: Any = explicit
        else:
            value = next(words, None)
            if value is None or value.startswith("-"):
                return None
        if option.type is not None:
            try:
                value = option.type(value)
            except Exception:  # argparse says what is wrong with it
                return None
        if option.action == "append":
            value = [*(values[option.dest] or ()), value]
        values[option.dest] = value
    if len(given) != 1:
        return None
    values[recorder.positionals[0]] = given[0]
    return Arguments(**values)
