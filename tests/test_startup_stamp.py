"""The stamp of the shipped rules (resolver/support/stamp.py): what lets the first run skip jsonschema.

The stamp must be current (else the first run after an install is slow), and it must never let a
file through that was not validated byte for byte: a changed byte, a changed schema, a new file or
a rule pack means full validation, with its file:line findings.

`UPDATE_GOLDEN=1 python -m pytest tests/test_startup_stamp.py` rewrites the stamp after validating
the shipped rules in full (no stamp trusted), and refuses while they have an error.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from resolver import RuleError, api
from resolver.rulebook import cache as rules_cache
from resolver.rulebook import documents, schema
from resolver.rulebook.cache import read_rule_files
from resolver.rulebook.documents import gather
from resolver.support import paths, stamp

STAMP_FILE = Path(stamp.__file__)


def shipped() -> tuple[list, list[bytes]]:
    files = gather([])
    return files, read_rule_files(files)


def test_the_stamp_is_current_and_the_shipped_rules_pass_full_validation():
    files, contents = shipped()
    api.build_rules(files, contents, trust_stamp=False)  # raises RuleError if anything is wrong
    expected = schema.stamp_module(schema.shipped_stamps(files, contents))
    if os.environ.get("UPDATE_GOLDEN"):
        STAMP_FILE.write_text(expected, encoding="utf-8")
    assert STAMP_FILE.read_text(encoding="utf-8") == expected, (
        "the shipped rules, schemas or version changed: rewrite the stamp with "
        "`UPDATE_GOLDEN=1 python -m pytest tests/test_startup_stamp.py` (it validates them first)"
    )


def test_the_unchanged_shipped_rules_are_trusted_whole():
    files, contents = shipped()
    trusted, whole = schema.stamped_files(files, contents)
    assert trusted == frozenset(range(len(files))) and whole


@pytest.fixture
def copied_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped rules copied to a temporary folder that stands in for the shipped one (same labels)."""
    folder = tmp_path / "rules"
    shutil.copytree(paths.shipped_rules_dir(), folder)
    monkeypatch.setattr(documents, "shipped_rules_dir", lambda: folder)
    monkeypatch.setenv("TASK_RESOLVER_NO_CACHE", "1")
    monkeypatch.setattr(api, "_MEMO", {})
    return folder


def validated_labels(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which files the next load_rules() schema-checks."""
    checked: list[str] = []
    real = schema.schema_findings

    def spy(doc):
        checked.append(doc.label)
        return real(doc)

    monkeypatch.setattr(schema, "schema_findings", spy)
    return checked


def test_a_copy_with_identical_bytes_is_trusted(copied_rules, monkeypatch):
    checked = validated_labels(monkeypatch)
    assert api.load_rules().tasks
    assert checked == []


def test_one_changed_byte_means_that_file_is_validated_again(copied_rules, monkeypatch):
    target = copied_rules / "tasks.yaml"
    target.write_bytes(target.read_bytes() + b"\n")  # same data, other bytes
    checked = validated_labels(monkeypatch)
    assert api.load_rules().tasks
    assert checked == ["rules/tasks.yaml"]
    files, contents = shipped()
    trusted, whole = schema.stamped_files(files, contents)
    assert not whole and len(trusted) == len(files) - 1


def test_an_invalid_shipped_file_still_gives_its_file_line_finding(copied_rules):
    target = copied_rules / "libraries.yaml"
    text = target.read_text(encoding="utf-8")
    assert "default_task:" in text
    target.write_text(text.replace("default_task:", "default_tsak:", 1), encoding="utf-8")
    with pytest.raises(RuleError) as error:
        api.load_rules()
    schema_errors = [f for f in error.value.findings if f.check == "schema"]
    assert schema_errors and all(f.file == "rules/libraries.yaml" and f.line > 1 for f in schema_errors)
    assert any("default_tsak" in f.message or "default_task" in f.message for f in schema_errors)


def test_a_new_shipped_file_is_validated_and_the_cross_file_checks_run(copied_rules, monkeypatch):
    (copied_rules / "zz-extra.yaml").write_text("kind: architectures\nversion: 1\nexact:\n  ExtraForX: not-a-task\n")
    with pytest.raises(RuleError) as error:  # schema-valid, but names an unknown task: a cross-file check
        api.load_rules()
    assert any(f.file == "rules/zz-extra.yaml" and f.line == 4 for f in error.value.findings)


def test_a_changed_schema_means_full_validation(copied_rules, tmp_path, monkeypatch):
    schemas = tmp_path / "schema"
    shutil.copytree(paths.schema_dir(), schemas)
    common = schemas / "common.schema.json"
    common.write_text(common.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    monkeypatch.setattr(rules_cache, "schema_dir", lambda: schemas)
    files, contents = shipped()
    assert schema.stamped_files(files, contents) == (frozenset(), False)


def test_a_rule_pack_is_always_validated_even_with_the_shipped_bytes(copied_rules, tmp_path, monkeypatch):
    pack = tmp_path / "pack"
    pack.mkdir()
    shutil.copy(copied_rules / "tasks.yaml", pack / "tasks.yaml")
    checked = validated_labels(monkeypatch)
    api.load_rules([pack])
    assert checked == [os.path.relpath(pack / "tasks.yaml")]
