"""A plain `resolve` / `explain` is read without argparse (resolver/cli/quick.py): the arguments must
be exactly what argparse reads, and anything quick.py does not read in full goes to argparse."""

from __future__ import annotations

import pytest

from resolver.cli.main import build_parser, quick_arguments

PLAIN = [
    ["resolve", "examples/distilbert-sst2"],
    ["explain", "org/name"],
    ["resolve", "--json", "org/name"],
    ["resolve", "org/name", "--json", "--explain", "--offline", "--verbose", "--load", "--trust-remote-code"],
    ["resolve", "x", "--task", "ner", "--library", "transformers", "--subfolder", "unet"],
    ["resolve", "x", "--task=ner", "--revision=abc", "--token", "t", "--cache-dir", "/tmp/c"],
    ["resolve", "x", "--timeout", "2.5", "--vocab", "optimum", "--field", "loader"],
    ["resolve", "x", "--timeout=10"],
    ["resolve", "x", "--rules", "a", "--rules=b", "--rules", "c"],
    ["resolve", "x", "--task", "a", "--task", "b"],  # the last one wins
    ["resolve", "--task=", "x"],  # an empty value
    ["resolve", "--task=-x", "x"],  # an explicit value may start with a dash
    ["resolve", ""],
    ["resolve", "a=b"],
]

TO_ARGPARSE = [
    ["resolve"],  # no REF: argparse's error
    ["resolve", "a", "b"],
    ["resolve", "-h"],
    ["resolve", "x", "--help"],
    ["resolve", "--", "x"],
    ["resolve", "x", "--jso"],  # an abbreviation argparse accepts
    ["resolve", "x", "--unknown"],
    ["resolve", "x", "--task"],  # no value
    ["resolve", "x", "--task", "--json"],
    ["resolve", "x", "--task", "-1"],
    ["resolve", "x", "--json=yes"],
    ["resolve", "x", "--timeout", "soon"],  # argparse says why not
    ["resolve", "x", "--timeout", "0"],
    ["resolve", "-x"],
    ["--version"],
    ["tasks"],  # only the commands in QUICK
    [],
]


def by_argparse(argv: list[str]) -> dict:
    return vars(build_parser(argv).parse_args(argv))


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_plain_arguments_are_read_as_argparse_reads_them(argv):
    quick = quick_arguments(argv)
    assert quick is not None, "a plain command line must not need argparse"
    assert vars(quick) == by_argparse(argv)


@pytest.mark.parametrize("argv", TO_ARGPARSE, ids=" ".join)
def test_anything_else_is_left_to_argparse(argv):
    assert quick_arguments(argv) is None


def test_a_command_with_arguments_the_recorder_does_not_know_is_left_to_argparse(monkeypatch):
    from resolver.cli.commands import resolve

    declared = resolve.add_arguments

    def with_choices(parser):
        declared(parser)
        parser.add_argument("--mode", choices=["a", "b"])

    monkeypatch.setattr(resolve, "add_arguments", with_choices)
    assert quick_arguments(["resolve", "x"]) is None
