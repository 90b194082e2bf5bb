"""`task-resolver sync`: the generated table matches the installed transformers; --check reports drift."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from resolver.cli.main import main
from resolver.sync.tables import GENERATED_FILE, PIPELINES_FILE, read_generated

pytest.importorskip("transformers")


@pytest.fixture
def copy(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped rules directory, and the working directory set to its parent."""
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    monkeypatch.chdir(tmp_path)
    return target


def sync(capsys, *argv: str) -> tuple[int, str]:
    code = main(["sync", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def test_shipped_table_is_in_sync_with_installed_transformers(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    before = (ROOT / "rules" / GENERATED_FILE).read_bytes()
    code, out = sync(capsys, "--check")
    assert code == 0, out
    assert out.startswith(f"rules/{GENERATED_FILE}: in sync with transformers ")
    assert (ROOT / "rules" / GENERATED_FILE).read_bytes() == before  # --check writes nothing


def test_check_reports_drift_on_a_modified_copy(capsys, copy):
    generated = copy / GENERATED_FILE
    text = generated.read_text()
    entries, _ = read_generated(generated)
    assert entries["BertForMaskedLM"] == "fill-mask" and entries["WhisperForConditionalGeneration"]
    text = text.replace("  BertForMaskedLM: fill-mask\n", "")  # a class the file lost
    text = text.replace(  # a task someone edited by hand
        f"  WhisperForConditionalGeneration: {entries['WhisperForConditionalGeneration']}\n",
        "  WhisperForConditionalGeneration: text2text-generation\n",
    )
    text = text.replace("exact:\n", "exact:\n  AcmeRemovedModel: feature-extraction\n")  # a class transformers dropped
    generated.write_text(text)
    modified = generated.read_bytes()

    code, out = sync(capsys, "--check", "--output", str(generated))
    assert code == 1
    assert generated.read_bytes() == modified  # --check writes nothing
    assert f"rules/{GENERATED_FILE}: drift against transformers " in out
    assert ": +1 -1 ~1" in out
    assert "  + BertForMaskedLM: fill-mask\n" in out
    assert "  - AcmeRemovedModel: feature-extraction\n" in out
    assert (
        f"  ~ WhisperForConditionalGeneration: text2text-generation -> {entries['WhisperForConditionalGeneration']}\n"
        in out
    )
    assert out.rstrip().endswith("run `task-resolver sync` to regenerate, then review the diff")

    code, out = sync(capsys, "--output", str(generated))  # regenerate the copy...
    assert code == 0 and f"wrote rules/{GENERATED_FILE}: " in out and "(+1 -1 ~1)" in out
    assert generated.read_text() == (ROOT / "rules" / GENERATED_FILE).read_text()
    code, out = sync(capsys, "--check", "--output", str(copy))  # ...and it is in sync again (a directory works too)
    assert code == 0 and "in sync with transformers" in out


def test_check_with_a_missing_or_broken_generated_file(capsys, copy):
    generated = copy / GENERATED_FILE
    generated.unlink()
    code, out = sync(capsys, "--check", "--output", str(generated))
    assert code == 1 and "(file made from missing)" in out
    generated.write_text("kind: architectures\nexact: [this, is, not, a, table]\n")
    code, _ = sync(capsys, "--check", "--output", str(generated))
    assert code == 2  # an unreadable table is an environment problem...
    code, out = sync(capsys, "--output", str(generated))  # ...that regenerating fixes
    assert code == 0
    assert generated.read_text() == (ROOT / "rules" / GENERATED_FILE).read_text()


def test_recorded_versions_and_validity(capsys, copy):
    import transformers

    entries, versions = read_generated(copy / GENERATED_FILE)
    assert versions == {"transformers": transformers.__version__}
    assert len(entries) > 1000
    assert main(["validate", str(copy)]) == 0  # the generated file is a valid rule file
    capsys.readouterr()


def test_version_only_difference_is_not_drift(capsys, copy):
    generated = copy / GENERATED_FILE
    generated.write_text(generated.read_text().replace('transformers: "', 'transformers: "0.0.0-was-'))
    code, out = sync(capsys, "--check", "--output", str(generated))
    assert code == 0
    assert "entries identical" in out


def test_diffusers_pipelines_table_where_available(capsys, copy):
    from resolver.sync.tables import diffusers_table

    table = diffusers_table()
    if table is None:
        code, out = sync(capsys, "--check", "--output", str(copy))
        assert f"rules/{PIPELINES_FILE}: no diffusers table here" in out
        pytest.skip("diffusers (or resolver/sync/diffusers.py) is not available: nothing more to check")
    assert table.versions["diffusers"]
    assert table.entries.get("StableDiffusionPipeline") == "text-to-image"
    code, out = sync(capsys, "--output", str(copy))
    assert code == 0 and f"wrote rules/{PIPELINES_FILE}" in out
    entries, versions = read_generated(copy / PIPELINES_FILE)
    assert entries == table.entries and versions == table.versions
    assert main(["validate", str(copy)]) == 0


@pytest.fixture
def fake_diffusers(monkeypatch):
    """Stand-ins for diffusers and resolver/sync/diffusers.py: the sync plumbing, without importing torch."""
    import types

    library = types.ModuleType("diffusers")
    library.__version__ = "9.9.9"
    helper = types.ModuleType("resolver.sync.diffusers")
    helper.pipeline_tasks = lambda: {"AcmeInpaintPipeline": "inpainting", "AcmePipeline": "text-to-image"}
    monkeypatch.setitem(__import__("sys").modules, "diffusers", library)
    monkeypatch.setitem(__import__("sys").modules, "resolver.sync.diffusers", helper)
    return helper


def test_diffusers_table_is_written_beside_the_transformers_table(capsys, copy, fake_diffusers):
    (copy / PIPELINES_FILE).unlink(missing_ok=True)  # the shipped rules carry one: start without it
    code, out = sync(capsys, "--check", "--output", str(copy))
    assert code == 1 and f"rules/{PIPELINES_FILE}: drift against diffusers 9.9.9 (file made from missing)" in out
    assert "  + AcmeInpaintPipeline: inpainting\n" in out
    code, out = sync(capsys, "--output", str(copy))
    assert code == 0 and f"wrote rules/{PIPELINES_FILE}: 2 classes from diffusers 9.9.9 (+2 -0 ~0)" in out
    assert read_generated(copy / PIPELINES_FILE) == (
        {"AcmeInpaintPipeline": "inpainting", "AcmePipeline": "text-to-image"},
        {"diffusers": "9.9.9"},
    )
    assert sync(capsys, "--check", "--output", str(copy))[0] == 0
    assert main(["validate", str(copy)]) == 0  # a valid rule file, part of the rule set
    capsys.readouterr()
    import resolver

    found = resolver.Resolver(rule_paths=[copy / PIPELINES_FILE]).resolve_evidence({"class": "AcmeInpaintPipeline"})
    assert found.task == "inpainting"


def test_a_helper_without_the_expected_function_is_a_clear_error(capsys, copy, fake_diffusers):
    del fake_diffusers.pipeline_tasks
    code = main(["sync", "--check", "--output", str(copy)])
    err = capsys.readouterr().err
    assert code == 2 and "defines no pipeline_tasks() function" in err


def test_sync_hub_libraries_reports_names_the_rules_lack(tmp_path, capsys):
    copy = tmp_path / "model-libraries.ts"
    copy.write_text(
        'export const MODEL_LIBRARIES_UI_ELEMENTS = {\n\t"brand-new-lib": {\n\t\trepoName: "x",\n\t},\n};\n'
    )
    assert main(["sync", "--hub-libraries", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "+ brand-new-lib" in out and "rules/libraries.yaml differs" in out
    assert main(["sync", "--hub-libraries", str(tmp_path / "missing.ts")]) == 2
