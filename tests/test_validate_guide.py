"""Replay docs/adding-a-model.md as written, so the guide and the tool cannot drift apart.

Blocks are replayed in order in an empty folder: a block whose info string has `file=PATH` is
written to PATH; a `console` block is a list of `$ task-resolver ...` commands, each followed by its
exact output; a `python` block is executed. Line numbers into the shipped rules (rules/x.yaml:NN)
are compared loosely, since other rules may move them; everything else must match exactly.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

from resolver.cli.main import main

GUIDE = ROOT / "docs" / "adding-a-model.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SHIPPED_LINE = re.compile(r"\b(rules/[\w.]+\.yaml):\d+")


def blocks(text: str) -> list[tuple[str, dict[str, str], str]]:
    """(language, options such as file=..., body) of every fenced block."""
    found = []
    for language, info, body in FENCE.findall(text):
        options = dict(part.split("=", 1) for part in info.split() if "=" in part)
        found.append((language, options, body))
    return found


def commands(body: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"console block output before any command: {line!r}"
            pairs[-1][1].append(line)
    return [(command, "".join(out + "\n" for out in output)) for command, output in pairs]


def loose(text: str) -> str:
    return SHIPPED_LINE.sub(r"\1:N", text)


def test_the_guide_has_the_steps_the_issue_asks_for():
    text = GUIDE.read_text()
    found = blocks(text)
    written = [options["file"] for _, options, _ in found if "file" in options]
    assert "my-rules/architectures.yaml" in written
    assert not any(path.endswith(".py") for path in written)  # no Python touched
    replayed = [command for language, _, body in found if language == "console" for command, _ in commands(body)]
    assert "task-resolver validate my-rules" in replayed
    assert any(c.startswith("task-resolver resolve ") and "--explain" in c for c in replayed)
    assert "AcmeForConditionalGeneration" in text


def test_replay_the_guide(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    replayed = 0
    for language, options, body in blocks(GUIDE.read_text()):
        if "file" in options:
            path = Path(options["file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        elif language == "console":
            for command, expected in commands(body):
                argv = shlex.split(command)
                assert argv[0] == "task-resolver", command
                code = main(argv[1:])
                out, err = capsys.readouterr()
                assert loose(out) == loose(expected), f"`{command}` printed:\n{out}"
                assert code == (1 if " error: " in expected else 0), f"`{command}` exited {code}: {err}"
                replayed += 1
        elif language == "python":
            exec(compile(body, str(GUIDE), "exec"), {})  # noqa: S102 - the guide's own example
            replayed += 1
    assert replayed >= 5


@pytest.mark.parametrize("path", ["docs/rules.md", "docs/adding-a-model.md"])
def test_docs_link_to_files_that_exist(path):
    text = (ROOT / path).read_text()
    for target in re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]+)?\)", text):
        assert (ROOT / path).parent.joinpath(target).exists(), target
