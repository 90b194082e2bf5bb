"""The command line: golden output for people, JSON for machines, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from resolver.cli.main import main

GOLDEN = Path(__file__).parent / "golden_cli"
EXAMPLE = "examples/distilbert-sst2"


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path} (UPDATE_GOLDEN=1 rewrites it)"


def test_resolve_example_text(capsys):
    code, out, err = run(capsys, "resolve", EXAMPLE)
    assert (code, err) == (0, "")
    check_golden("resolve-example.txt", out)


def test_explain_example_text(capsys):
    code, out, _ = run(capsys, "explain", EXAMPLE)
    assert code == 0
    check_golden("explain-example.txt", out)


def test_resolve_json(capsys):
    code, out, _ = run(capsys, "resolve", EXAMPLE, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["task"] == "text-classification"
    assert data["loader"] == "transformers.AutoModelForSequenceClassification"
    assert data["where"].startswith("rules/architectures.generated.yaml:")
    assert [step["step"] for step in data["trace"]][:3] == ["library", "framework", "config_architectures"]


def test_resolve_with_task_synonym(capsys):
    code, out, _ = run(capsys, "resolve", EXAMPLE, "--task", "causal-lm-with-past")
    assert code == 0
    assert "task:          text-generation" in out
    assert "decided by:    explicit_task" in out


def test_tasks_lists_vocabulary(capsys):
    code, out, _ = run(capsys, "tasks")
    assert code == 0
    assert any(line.startswith("text-generation ") and "causal-lm" in line for line in out.splitlines())
    code, out, _ = run(capsys, "tasks", "--json")
    rows = {row["task"]: row for row in json.loads(out)}
    assert "sentiment-analysis" in rows["text-classification"]["synonyms"]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["resolve", "no/such/dir/here"], 2, "error: no such folder: no/such/dir/here"),
        (["resolve", EXAMPLE, "--task", "txt-generation"], 2, "did you mean 'text-generation'"),
        (["resolve", EXAMPLE, "--library", "transfomers"], 2, "unknown library 'transfomers'"),
        (["resolve"], 2, "the following arguments are required: REF"),
        (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
        ([], 2, "usage:"),
    ],
)
def test_user_errors_exit_with_a_message_not_a_traceback(capsys, argv, code, message):
    try:
        actual = main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        actual = exit_.code
    out, err = capsys.readouterr()
    assert actual == code
    assert message in err
    assert "Traceback" not in err + out


def test_unresolvable_folder_exits_1_with_what_was_tried(capsys, tmp_path):
    (tmp_path / "README.md").write_text("hello")
    code, out, err = run(capsys, "explain", str(tmp_path))
    assert code == 1
    assert "could not tell the task" in err and "tried:" in err and "hint:" in err


def test_bad_config_json_exit_2(capsys, tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    code, _, err = run(capsys, "resolve", str(tmp_path))
    assert code == 2
    assert "config.json:1:2: not valid JSON" in err


def test_python_dash_m_and_console_script_agree():
    out = subprocess.run(
        [sys.executable, "-m", "resolver", "resolve", EXAMPLE], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0
    assert out.stdout == (GOLDEN / "resolve-example.txt").read_text()
