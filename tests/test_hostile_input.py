"""Hostile and unlucky input (issue 13): no hang, no traceback, no escape, no silent wrong answer.

Each test runs the command line in-process (or the API) on a file layout made for the occasion;
`main()` returning an exit code with a message, instead of raising, is the "no traceback" part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT

import resolver
from resolver.cli.main import main
from resolver.errors import EvidenceError, RuleError, TaskResolverError
from resolver.evidence import folder as folder_evidence

EXAMPLE = ROOT / "examples" / "distilbert-sst2"
BERT = {"architectures": ["BertForMaskedLM"], "model_type": "bert"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def model(tmp_path: Path, config: object = BERT, name: str = "model") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    return folder


def within(seconds: float, call):
    """Run `call` on a thread; fail (instead of hanging the suite) if it has not returned in time."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it hangs"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# ------------------------------------------------------------------ 1. FIFOs and other special files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_named_config_json_is_an_error_not_a_hang(tmp_path, capsys):
    folder = tmp_path / "model"
    folder.mkdir()
    os.mkfifo(folder / "config.json")
    code, out, err = within(10, lambda: run(capsys, "resolve", folder))
    assert code == 2
    assert "config.json is a FIFO (named pipe), not a regular file" in err
    # with the task given the FIFO is left out (never opened), and the model resolves
    code, out, err = within(10, lambda: run(capsys, "resolve", folder, "--task", "fill-mask", "--explain"))
    assert code == 0 and "config.json is a FIFO (named pipe), not a regular file" in out
    assert (folder / "config.json").exists()  # left as it was


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_named_model_index_json_above_a_component_is_passed_over_not_waited_on(tmp_path):
    """The parent's model_index.json is opened without a stat first: a FIFO there is still no document
    (and no hang), as when a stat said it was no regular file."""
    (tmp_path / "pipe").mkdir()
    unet = model(tmp_path / "pipe", BERT, "unet")
    os.mkfifo(tmp_path / "pipe" / "model_index.json")
    evidence = within(10, lambda: resolver.Resolver().evidence(unet))
    assert "../model_index.json" not in evidence.documents and evidence.notes == ()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_in_place_of_the_rules_cache_is_rebuilt_around(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "TASK_RESOLVER_CACHE": str(cache)}
    command = [sys.executable, "-m", "resolver", "resolve", str(EXAMPLE), "--json"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
    (pickled,) = cache.glob("rules-*.pickle")
    pickled.unlink()
    os.mkfifo(pickled)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)  # hung forever before
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["task"] == "text-classification"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_among_the_rule_files_is_not_read(tmp_path, capsys):
    pack = tmp_path / "pack"
    pack.mkdir()
    os.mkfifo(pack / "tasks.yaml")
    code, out, err = within(10, lambda: run(capsys, "validate", pack / "tasks.yaml"))
    assert code == 1 and "is a FIFO (named pipe), not a regular file" in out


# ------------------------------------------------------------------ 3. tags in rule files


BAD_TAGS = {
    "bad-int": ("version: !!int abc", "2:10", "the value 'abc' does not fit its tag !!int"),
    "python-scalar": ("version: !!python/name:os.system 1", "2:10", "unsupported tag !!python/name:os.system"),
    "python-mapping": ("version: 1\nextra: !!python/object:os.Foo {a: 1}", "3:8", "unsupported tag !!python/object"),
    "custom": ("version: 1\nextra: !custom [1]", "3:8", "unsupported tag !custom"),
}


@pytest.mark.parametrize("case", sorted(BAD_TAGS))
def test_a_tag_in_a_rule_file_is_a_rule_error_at_its_line(tmp_path, capsys, monkeypatch, case):
    text, where, says = BAD_TAGS[case]
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "extra.yaml").write_text(f"kind: tasks\n{text}\n")
    code, out, _ = run(capsys, "validate", pack)
    assert code == 1 and f"extra.yaml:{where}: error: {says}" in out
    code, _, err = run(capsys, "resolve", EXAMPLE, "--rules", pack)
    assert code == 2 and says in err
    monkeypatch.setenv("TASK_RESOLVER_RULES", str(pack))
    code, _, err = run(capsys, "resolve", EXAMPLE)
    assert code == 2 and says in err
    assert "comes from $TASK_RESOLVER_RULES" in err  # the error names the variable that brought the pack in


# ------------------------------------------------------------------ 4, 9. configs that are not model configs


def test_a_config_nested_100000_levels_deep_is_an_evidence_error(tmp_path, capsys):
    folder = model(tmp_path, "[" * 100_000 + "]" * 100_000)
    code, _, err = run(capsys, "resolve", folder)
    assert code == 2 and "nested too deeply" in err


def test_an_integer_too_long_for_python_is_an_evidence_error_not_a_traceback(tmp_path, capsys):
    (tmp_path / "config.json").write_text('{"vocab_size": ' + "9" * 5000 + "}")
    assert main(["resolve", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "config.json: not usable JSON" in err and "4300 digits" in err and "Traceback" not in err


def test_a_pipelines_unusable_model_index_json_is_passed_over_by_its_component(tmp_path):
    (tmp_path / "model_index.json").write_text('{"_class_name": ' + "1" * 5000 + "}")
    unet = tmp_path / "unet"
    unet.mkdir()
    (unet / "config.json").write_text(
        json.dumps({"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.30.0"})
    )
    resolution = resolver.Resolver(use_env=False).resolve(str(unet))
    assert resolution.library == "diffusers"
    assert any("ignored" in step.message and "model_index.json" in step.message for step in resolution.trace)


def test_evidence_built_by_hand_with_a_set_of_files_resolves():
    evidence = resolver.Evidence(
        source="evidence",
        files={"config.json", "model.safetensors"},
        documents={"config.json": {"architectures": ["BertForMaskedLM"]}},
    )
    resolution = resolver.Resolver(use_env=False).resolve(evidence)
    assert (resolution.task, resolution.framework) == ("fill-mask", "pt")


@pytest.mark.parametrize(("text", "kind"), [("[1, 2]", "a list"), ("null", "null"), ('"bert"', "a string")])
def test_a_config_that_is_not_an_object_is_an_evidence_error(tmp_path, capsys, text, kind):
    folder = model(tmp_path, text)
    code, out, err = run(capsys, "resolve", folder)
    assert (code, out) == (2, "")
    assert f"config.json is {kind}, not a JSON object" in err


def test_wrong_typed_known_keys_are_ignored_with_a_note(tmp_path):
    folder = model(tmp_path, {"architectures": [123], "model_type": 5, "vocab_size": 10})
    result = resolver.resolve(folder)
    notes = [step.message for step in result.trace if step.outcome == "note"]
    assert any("ignored 'architectures'" in note and "[123]" in note for note in notes)
    assert any("ignored 'model_type'" in note for note in notes)
    assert result.architecture is None and result.model_type is None


def test_a_huge_config_is_refused_before_it_is_read(tmp_path, monkeypatch, capsys):
    folder = model(tmp_path, {"architectures": ["BertForMaskedLM"], "padding": "x" * 5000})
    monkeypatch.setattr(folder_evidence, "MAX_DOCUMENT_BYTES", 1000)
    code, _, err = run(capsys, "resolve", folder)
    assert code == 2 and "too large to be a model's JSON document" in err


# ------------------------------------------------------------------ 5, 10. references


def test_an_empty_reference_is_a_usage_error(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(model(tmp_path))  # a model in the current folder must not be resolved by accident
    code, out, err = run(capsys, "resolve", "")
    assert (code, out) == (2, "") and "the reference is empty" in err
    with pytest.raises(EvidenceError, match="empty"):
        resolver.resolve("")


@pytest.mark.parametrize("ref", ["a" * 300, "org/" + "b" * 5000, "bad\0name"])
def test_absurd_references_are_clear_errors(capsys, ref):
    code, out, err = run(capsys, "resolve", ref) if "\0" not in ref else (2, "", "")
    assert code == 2 and out == ""
    with pytest.raises(TaskResolverError):
        resolver.resolve(ref, offline=True)


# ------------------------------------------------------------------ 7. subfolders stay inside


def test_a_subfolder_must_stay_inside_the_model(tmp_path, capsys):
    outer = model(tmp_path, BERT, "outer")
    inner = outer / "inner"
    inner.mkdir()
    (inner / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    other = model(tmp_path, {"architectures": ["WhisperForConditionalGeneration"]}, "other")
    (inner / "escape").symlink_to(other, target_is_directory=True)
    for subfolder in ("/", str(other), "../other", "../../other", "escape"):
        code, out, err = run(capsys, "resolve", inner, "--subfolder", subfolder)
        assert (code, out) == (2, ""), subfolder
        assert "leaves the model folder" in err
    code, out, _ = run(capsys, "resolve", outer, "--subfolder", "inner/.", "--json")
    assert code == 0 and json.loads(out)["task"] == "text-generation"  # a path that stays inside still works


@pytest.mark.parametrize("subfolder", ["/etc", "../other", "a/../../b", "C:/x"])
def test_a_repo_subfolder_must_stay_inside_the_repo(subfolder):
    with pytest.raises(EvidenceError, match="leaves the repository"):
        resolver.resolve("org/name", subfolder=subfolder, offline=True)


# ------------------------------------------------------------------ 8. huge listings


def test_a_capped_listing_says_so_and_still_reads_the_config(tmp_path, monkeypatch):
    folder = model(tmp_path, BERT)
    for number in range(1_500):
        (folder / f"shard-{number:05d}.bin").touch()
    monkeypatch.setattr(folder_evidence, "MAX_FILES", 1_000)
    result = resolver.resolve(folder)
    assert result.task == "fill-mask"  # "no rule matched" before: config.json fell past the cap
    assert any("more than 1,000 files" in step.message for step in result.trace if step.outcome == "note")


# ------------------------------------------------------------------ the smaller items


def test_json_output_reports_errors_as_json_on_stdout(tmp_path, capsys):
    folder = model(tmp_path, "[]")
    code, out, err = run(capsys, "resolve", folder, "--json")
    assert code == 2 and err == ""
    error = json.loads(out)["error"]
    assert error["type"] == "EvidenceError" and "not a JSON object" in error["message"] and error["hint"]
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "x.yaml").write_text("kind: tasks\nversion: !!int abc\n")
    code, out, _ = run(capsys, "resolve", folder, "--json", "--rules", pack)
    error = json.loads(out)["error"]
    assert code == 2 and error["type"] == "RuleError" and error["where"].endswith("x.yaml:2:10")


def test_trust_remote_code_without_load_says_it_does_nothing(capsys):
    code, _, err = run(capsys, "resolve", EXAMPLE, "--trust-remote-code")
    assert code == 0 and "--trust-remote-code has no effect without --load" in err


def test_the_tasks_listing_explains_its_brackets(capsys):
    code, out, _ = run(capsys, "tasks")
    assert code == 0 and out.splitlines()[0].startswith("TASK  [libraries with a loader for it]")


def test_the_torch_install_hint_is_the_readme_two_step_install():
    from resolver.loading.errors import install_hint

    for package in ("torch", "transformers"):
        hint = install_hint(package)
        assert "pip install torch==2.13.0" in hint and "task-resolver[load]" in hint


def test_errors_never_change_the_users_files(tmp_path, capsys):
    folder = model(tmp_path, "[" * 50_000)
    before = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    run(capsys, "resolve", folder)
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == before


def test_rule_errors_are_typed_in_the_api(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "x.yaml").write_text("kind: tasks\nversion: 1\nsomething: !!binary aGVsbG8=\n")
    with pytest.raises(RuleError) as caught:
        _ = resolver.Resolver([pack], use_env=False).rules
    assert caught.value.findings[0].line == 3


# ------------------------------------------------------------------ 2. a hung Hub, through the command line


def test_the_cli_gives_up_on_a_hung_hub_by_its_timeout(tmp_path, monkeypatch, capsys):
    from hubserver import HubServer
    from test_hub import isolated_hf

    for _ in isolated_hf(monkeypatch, tmp_path):
        with HubServer() as hub:
            hub.add_repo("org/model", {"config.json": BERT}, pipeline_tag="fill-mask")
            monkeypatch.setenv("HF_ENDPOINT", hub.url)
            hub.hang()
            import time

            started = time.monotonic()
            code, out, err = within(20, lambda: run(capsys, "resolve", "org/model", "--timeout", "1"))
            waited = time.monotonic() - started
            assert code == 2 and out == ""
            assert waited < 8, f"took {waited:.1f} s to give up with --timeout 1"
            assert "--timeout" in err and "Retrying" not in err
            code, out, _ = within(20, lambda: run(capsys, "resolve", "org/model", "--timeout", "1", "--json"))
            assert code == 2 and json.loads(out)["error"]["type"] == "HubTimeout"
        break


def test_a_folder_named_config_json_is_an_evidence_error(tmp_path, capsys):
    folder = tmp_path / "model"
    (folder / "config.json").mkdir(parents=True)
    code, out, err = run(capsys, "resolve", folder)
    assert (code, out) == (2, "") and "config.json is a folder, not a JSON file" in err


def test_the_listing_cap_holds_inside_one_flat_folder(tmp_path):
    for number in range(300):
        (tmp_path / f"f{number}").touch()
    listed, truncated = folder_evidence.list_files(tmp_path, 100)
    assert len(listed) == 100 and truncated


def test_a_component_resolved_as_dot_still_reads_its_pipeline(tmp_path, monkeypatch):
    pipeline = tmp_path / "pipe"
    (pipeline / "unet").mkdir(parents=True)
    (pipeline / "model_index.json").write_text(
        json.dumps({"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]})
    )
    (pipeline / "unet" / "config.json").write_text(json.dumps({"_class_name": "UNet2DConditionModel"}))
    by_path = resolver.resolve(pipeline / "unet")
    monkeypatch.chdir(pipeline / "unet")
    by_dot = resolver.resolve(".")
    assert (by_dot.task, by_dot.component, by_dot.loader) == (by_path.task, by_path.component, by_path.loader)


def test_a_broken_document_stops_only_a_resolution_that_needs_it(tmp_path, capsys):
    """Without a task a broken config.json is an error whose hint offers --task; with --task the model
    resolves, the broken file left out with a note, and nothing on disk is touched."""
    (tmp_path / "config.json").write_text("{not json")
    pooling = tmp_path / "st"
    (pooling / "1_Pooling").mkdir(parents=True)
    (pooling / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    (pooling / "modules.json").write_text(
        json.dumps([{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}])
    )
    (pooling / "1_Pooling" / "config.json").write_text("not json")

    assert main(["resolve", str(tmp_path)]) == 2
    assert "pass the task explicitly with --task" in capsys.readouterr().err
    assert main(["resolve", str(tmp_path), "--task", "text-generation", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loader"] == "transformers.AutoModelForCausalLM"
    resolution = resolver.resolve(str(tmp_path), task="text-generation")
    assert any(step.message.startswith(f"ignored {tmp_path / 'config.json'}") for step in resolution.trace)
    assert (tmp_path / "config.json").read_text() == "{not json"

    with pytest.raises(EvidenceError, match="not valid JSON"):
        resolver.resolve(str(pooling))
    found = resolver.resolve(str(pooling), task="sentence-similarity")
    assert (found.serving.runner, found.serving.pooling_task, found.serving.pooling_mode) == ("pooling", "embed", None)
