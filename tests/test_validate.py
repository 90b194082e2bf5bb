"""`task-resolver validate`: one golden broken pack per check id, output formats, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from resolver.cli.main import main
from resolver.validation.context import CHECKS
from resolver.validation.validate import validate

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
SHIPPED_FILES = len(list((ROOT / "rules").glob("*.yaml")))


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def golden_args(case: str) -> list[str]:
    args = GOLDEN / case / "args"
    return args.read_text().split() if args.exists() else [f"tests/golden/{case}"]


# ------------------------------------------------------------------ golden cases


def test_every_check_has_a_golden_case():
    assert sorted(CHECKS) == CASES


@pytest.mark.parametrize("case", CASES)
def test_golden(capsys, case):
    code, out, err = run(capsys, *golden_args(case))
    expected_file = GOLDEN / case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(out)
    assert out == expected_file.read_text(), f"output differs from {expected_file} (UPDATE_GOLDEN=1 rewrites it)"
    assert err == ""
    assert f"[{case}]" in out  # the case exercises its own check
    severity = CHECKS[case][0]
    assert f": {severity}: " in out
    assert code == (1 if " error: " in out else 0)


# ------------------------------------------------------------------ the shipped rules


def test_shipped_rules_are_clean(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    assert out.startswith(f"checked {SHIPPED_FILES} files and ") and out.endswith(": no problems\n"), out


def test_shipped_rules_run_their_examples():
    report = validate()
    assert report.findings == []
    assert report.examples >= 20


def test_a_checkout_of_the_rules_directory_is_a_complete_rule_set(capsys, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    code, out, _ = run(capsys, str(copy))
    assert code == 0 and "no problems" in out
    # Removing a task from the copy breaks references in the copy's other files: it is not layered
    # over the shipped rules, which still define the task.
    tasks = copy / "tasks.yaml"
    tasks.write_text(tasks.read_text().replace("  keypoint-matching:\n", "  keypoint-matchin:\n"))
    code, out, _ = run(capsys, str(copy))
    assert code == 1
    assert "unknown task 'keypoint-matching'; did you mean 'keypoint-matchin'" in out
    assert "architectures.yaml" in out and "[unknown-task]" in out


def test_a_single_shipped_file_is_checked_with_its_siblings(capsys):
    code, out, _ = run(capsys, "rules/tasks.yaml")
    assert code == 0
    assert out.startswith(f"checked {SHIPPED_FILES} files")


# ------------------------------------------------------------------ formats


def test_json_format_is_a_list_of_findings(capsys):
    code, out, _ = run(capsys, "tests/golden/unknown-task", "--format", "json")
    assert code == 1
    findings = json.loads(out)
    assert [f["check"] for f in findings] == ["unknown-task", "unknown-task"]
    first = findings[0]
    assert first == {
        "file": "tests/golden/unknown-task/architectures.yaml",
        "line": 5,
        "col": 3,
        "severity": "error",
        "check": "unknown-task",
        "message": first["message"],
        "path": "/exact/AcmeForWidgetClassification",
    }
    assert "did you mean 'image-classification'" in first["message"]


def test_json_format_on_clean_rules_is_an_empty_list(capsys):
    code, out, _ = run(capsys, "--format", "json")
    assert (code, json.loads(out)) == (0, [])


def test_github_format_prints_workflow_annotations(capsys):
    code, out, _ = run(capsys, "tests/golden/unknown-task", "tests/golden/unused-definition", "--format", "github")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(
        "::error file=tests/golden/unknown-task/architectures.yaml,line=5,col=3,title=unknown-task::unknown task "
    )
    assert lines[0].endswith("[unknown-task]")
    assert any(
        line.startswith("::warning file=tests/golden/unused-definition/tasks.yaml,line=8,col=3,") for line in lines
    )
    assert lines[-1].startswith("checked 2 files")


def test_github_annotations_escape_newlines_and_commas():
    from resolver.cli.commands.validate import github_annotation
    from resolver.errors import Finding

    line = github_annotation(Finding("a,b:c.yaml", 1, 2, "two\nlines 100%", "schema"))
    assert line == "::error file=a%2Cb%3Ac.yaml,line=1,col=2,title=schema::two%0Alines 100%25 [schema]"


def test_strict_fails_on_warnings(capsys):
    assert run(capsys, "tests/golden/unused-definition")[0] == 0
    assert run(capsys, "tests/golden/unused-definition", "--strict")[0] == 1


# ------------------------------------------------------------------ broken files never crash the CLI


def _nested(depth: int) -> str:
    return "".join(" " * i + "a:\n" for i in range(depth))


BROKEN = {
    "not-yaml.yaml": (b"kind: tasks\nversion: 1\ntasks: {[}: oops\n\t- \x07", "yaml-syntax"),
    "binary.yaml": (bytes(range(256)) * 8, "yaml-syntax"),
    "empty.yaml": (b"", "header"),
    "comments-only.yaml": (b"# nothing here\n", "header"),
    "list.yaml": (b"- kind: tasks\n- version: 1\n", "header"),
    "scalar.yaml": (b"just a sentence\n", "header"),
    "two-documents.yaml": (b"kind: tasks\nversion: 1\n---\nkind: tasks\n", "yaml-syntax"),
    "aliases.yaml": (
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode() for i in range(7)
        ),
        "yaml-syntax",
    ),
    "self-reference.yaml": (b"kind: &k [*k]\n", "yaml-syntax"),
    "no-kind.yaml": (b"version: 1\ntasks: {}\n", "unknown-kind"),
    "tab-indent.yaml": (b"kind: tasks\n\tversion: 1\n", "yaml-syntax"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_a_finding_not_a_traceback(capsys, tmp_path, name):
    content, check = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, str(path), "--no-shipped")
    assert code == 1
    assert f"[{check}]" in out
    assert "Traceback" not in out + err
    assert out.splitlines()[0].startswith(os.path.relpath(path) + ":")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 5_000_000 + "]" * 5_000_000, id="10MB-flow-nesting"),
        pytest.param(_nested(4_500), id="10MB-block-nesting"),
        pytest.param("k:\n" + "  - " * 2_500_000 + "x\n", id="10MB-sequence-nesting"),
    ],
)
def test_ten_megabytes_of_nesting_in_a_fresh_process(tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    assert path.stat().st_size >= 10_000_000
    result = subprocess.run(
        [sys.executable, "-m", "resolver", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "deep.yaml:" in result.stdout and "[yaml-syntax]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_path_is_a_usage_error(capsys):
    """A path that is not there is a usage error (exit 2, as the README says), not a finding in the rules."""
    code, out, err = run(capsys, "no/such/rules")
    assert code == 2
    assert out == ""
    assert err.startswith("error: no such rules file or directory: no/such/rules\n  hint: ")
    assert "Traceback" not in err


def test_an_empty_pack_is_the_same_error_for_validate_and_resolve(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = run(capsys, str(empty))
    assert code == 1 and "no rule files (*.yaml, *.yml) in this directory [rules-path]" in out
    code = main(["resolve", str(ROOT / "examples" / "distilbert-sst2"), "--rules", str(empty)])
    _, err = capsys.readouterr()
    assert code == 2 and "no rule files (*.yaml, *.yml) in this directory [rules-path]" in err


def test_validate_with_no_paths_checks_the_packs_of_the_environment(capsys, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TASK_RESOLVER_RULES", str(empty))
    code, out, err = run(capsys)
    assert code == 1
    assert f"checking $TASK_RESOLVER_RULES ({empty}), layered over the shipped rules" in err
    assert "no rule files" in out


def test_unreadable_siblings_that_are_not_rule_files_are_ignored(capsys, tmp_path):
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "notes.yaml").write_bytes(b"\xff\xfe")
    rule = tmp_path / "architectures.yaml"
    rule.write_text("kind: architectures\nversion: 1\nexact:\n  AcmeForWidgetDetection: object-detection\n")
    code, out, _ = run(capsys, str(rule))
    assert (code, out) == (0, "checked 1 file and 0 examples: no problems\n")
    # ...but a directory is a pack: every YAML file in it must be a rule file
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1 and "docker-compose.yml:1:1: error: missing `kind:`" in out and "notes.yaml" in out


# ------------------------------------------------------------------ docs and the pre-commit hook


def test_rules_reference_lists_every_check():
    text = (ROOT / "docs" / "rules.md").read_text()
    for check, (severity, _) in CHECKS.items():
        assert f"| `{check}` | {severity} |" in text, check


def test_pre_commit_hook_definition(capsys):
    import re

    import yaml

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "task-resolver-validate"
    assert hook["language"] == "python" and hook["entry"] == "task-resolver validate"
    files = re.compile(hook["files"])
    assert files.search("rules/tasks.yaml") and files.search("my-rules/architectures.yml")
    assert not files.search("docs/rules.md") and not files.search(".github/workflows/ci.yaml")
    # pre-commit runs the entry with the changed files as arguments
    argv = hook["entry"].split()[1:] + ["rules/tasks.yaml", "rules/layouts.yaml"]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(f"checked {SHIPPED_FILES} files")


def test_a_directory_without_rule_files_is_a_finding(capsys, tmp_path):
    (tmp_path / "README.md").write_text("not rules")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    assert f"{tmp_path}:1:1: error: no rule files (*.yaml, *.yml) in this directory [rules-path]" in out
