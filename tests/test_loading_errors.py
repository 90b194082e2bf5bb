"""Loading without surprises: lazy imports, the class choice, and typed errors instead of crashes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import resolver
from resolver.loading.errors import LoadError, MissingPackageError, RemoteCodeError
from resolver.loading.imports import import_loader

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "diffusers", "sentence_transformers", "timm", "huggingface_hub")


def _folder(path: Path, config: dict, **files: str) -> str:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(config))
    for name, text in files.items():
        (path / name).write_text(text)
    return str(path)


def _run(code: str, tmp_path: Path, **env_overrides: str) -> dict:
    """Run `code` in a fresh interpreter and return the JSON object it prints last."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **env_overrides}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ imports stay lazy


def test_resolve_imports_nothing_heavy_and_model_class_imports_transformers(tmp_path):
    pytest.importorskip("transformers")
    folder = _folder(tmp_path / "m", {"model_type": "bert", "architectures": ["BertForSequenceClassification"]})
    result = _run(
        f"""
        import json, sys
        import resolver
        resolution = resolver.resolve({folder!r})
        after_resolve = [m for m in {HEAVY!r} if m in sys.modules]
        cls = resolution.model_class()
        print(json.dumps({{"after_resolve": after_resolve, "class": cls.__name__,
                           "transformers": "transformers" in sys.modules}}))
        """,
        tmp_path,
    )
    assert result == {"after_resolve": [], "class": "AutoModelForSequenceClassification", "transformers": True}


# ------------------------------------------------------------------ which class


@pytest.mark.parametrize(
    ("config", "task", "expected"),
    [
        (
            {"model_type": "pix2struct", "architectures": ["Pix2StructForConditionalGeneration"]},
            "image-to-text",
            "Pix2StructForConditionalGeneration",
        ),
        (
            {"model_type": "vision-encoder-decoder", "architectures": ["VisionEncoderDecoderModel"]},
            "document-question-answering",
            "VisionEncoderDecoderModel",
        ),
        ({"model_type": "vitpose", "architectures": ["VitPoseForPoseEstimation"]}, None, "VitPoseForPoseEstimation"),
        ({"model_type": "patchtst", "architectures": ["PatchTSTForPrediction"]}, None, "PatchTSTForPrediction"),
        (
            {"model_type": "pix2struct", "architectures": ["Pix2StructForConditionalGeneration"]},
            None,
            "AutoModelForImageTextToText",
        ),
        ({"model_type": "hubert"}, "asr", "AutoModelForCTC"),
        ({"model_type": "whisper"}, "asr", "AutoModelForSpeechSeq2Seq"),
    ],
)
def test_model_class_follows_the_rules(config, task, expected):
    pytest.importorskip("transformers")
    resolution = resolver.Resolver().resolve_evidence({"config": config}, task=task)
    assert resolution.model_class().__name__ == expected


def test_asr_takes_the_auto_class_whose_mapping_lists_the_model_type():
    """A whisper checkpoint whose class name says CTC: the rules pick AutoModelForCTC, whose mapping lacks whisper."""
    transformers = pytest.importorskip("transformers")
    resolution = resolver.Resolver().resolve_evidence(
        {"config": {"model_type": "whisper", "architectures": ["MyWhisperForCTC"]}}
    )
    assert resolution.loader == "transformers.AutoModelForCTC"
    assert resolution.model_class() is transformers.AutoModelForSpeechSeq2Seq


# ------------------------------------------------------------------ missing packages


def test_timm_is_not_installed_here_and_the_error_names_it(tmp_path):
    pytest.importorskip("torch")
    if __import__("importlib").util.find_spec("timm") is not None:
        pytest.skip("timm is installed: this test covers the error when it is not")
    folder = _folder(
        tmp_path / "resnet",
        {"architecture": "resnet18", "num_classes": 3, "pretrained_cfg": {"input_size": [3, 32, 32]}},
    )
    resolution = resolver.resolve(folder)
    assert (resolution.task, resolution.library, resolution.loader) == (
        "image-classification",
        "timm",
        "timm.create_model",
    )
    for attempt in (resolution.model_class, resolution.load):
        with pytest.raises(MissingPackageError, match="pip install timm") as caught:
            attempt()
        assert caught.value.package == "timm"
        assert isinstance(caught.value, ImportError)


@pytest.mark.parametrize(
    ("blocked", "path", "says"),
    [
        ("transformers", "transformers.AutoModel", "task-resolver[load]"),
        ("torch", "torch.nn.Module", "pip install torch==2.13.0"),
        ("diffusers", "diffusers.DiffusionPipeline", "pip install diffusers"),
        ("sentence_transformers", "sentence_transformers.SentenceTransformer", "pip install sentence-transformers"),
    ],
)
def test_a_missing_package_is_a_typed_error_with_the_install_command(monkeypatch, blocked, path, says):
    for name in [m for m in sys.modules if m == blocked or m.startswith(blocked + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, blocked, None)  # import now fails as if it were not installed
    with pytest.raises(MissingPackageError) as caught:
        import_loader(path)
    assert caught.value.package == blocked
    assert says in str(caught.value)


def test_import_loader_errors_say_what_is_wrong():
    pytest.importorskip("transformers")
    with pytest.raises(LoadError, match="not an import path"):
        import_loader("AutoModel")
    with pytest.raises(LoadError, match="has no 'AutoModelForTelepathy'") as caught:
        import_loader("transformers.AutoModelForTelepathy")
    assert "pip install -U transformers" in caught.value.hint


def test_cli_load_of_a_timm_model_is_an_error_message_not_a_traceback(tmp_path, capsys):
    if __import__("importlib").util.find_spec("timm") is not None:
        pytest.skip("timm is installed")
    from resolver.cli.main import main

    folder = _folder(tmp_path / "resnet", {"architecture": "resnet18", "pretrained_cfg": {}})
    assert main(["resolve", folder, "--load"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: timm.create_model needs the package 'timm'")
    assert "Traceback" not in err


# ------------------------------------------------------------------ custom code


CUSTOM = {
    "model_type": "tiny-custom",
    "architectures": ["TinyCustomForCausalLM"],
    "auto_map": {"AutoConfig": "configuration_tiny.TinyConfig", "AutoModelForCausalLM": "modeling_tiny.TinyModel"},
}
# Code that would leave a mark if anything ran it.
MARKER_CODE = "import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('ran')\n"


@pytest.fixture()
def custom_folder(tmp_path):
    return _folder(
        tmp_path / "custom", CUSTOM, **{"modeling_tiny.py": MARKER_CODE, "configuration_tiny.py": MARKER_CODE}
    )


@pytest.mark.parametrize("flag", [None, False])
def test_custom_code_without_trust_is_refused_before_any_code_runs(custom_folder, flag):
    pytest.importorskip("transformers")
    options = {} if flag is None else {"trust_remote_code": flag}
    with pytest.raises(RemoteCodeError) as caught:
        resolver.load_model(custom_folder, **options)
    message = str(caught.value)
    assert "ships its own model code" in message and "trust_remote_code=True" in message
    assert ("forbids" in message) is (flag is False)
    assert not (Path(custom_folder) / "RAN").exists()


def test_custom_code_class_when_the_rules_loader_is_not_importable(custom_folder):
    transformers = pytest.importorskip("transformers")
    resolution = dataclasses.replace(resolver.resolve(custom_folder), loader="transformers.TinyCustomForCausalLM")
    assert resolution.model_class(trust_remote_code=True) is transformers.AutoModelForCausalLM
    with pytest.raises(RemoteCodeError):
        resolution.load()


def test_auto_map_on_a_model_transformers_knows_needs_no_trust(tmp_path):
    """transformers has its own class for the model type, so the shipped code is not needed."""
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=32,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    transformers.BertForMaskedLM(config).save_pretrained(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    data = json.loads(path.read_text())
    data["auto_map"] = {"AutoModelForMaskedLM": "modeling_mine.MyBert"}
    path.write_text(json.dumps(data))
    assert isinstance(resolver.load_model(tmp_path / "m"), transformers.BertForMaskedLM)


def test_a_failed_from_pretrained_is_a_load_error(tmp_path):
    pytest.importorskip("transformers")
    folder = _folder(
        tmp_path / "noweights",
        {
            "model_type": "bert",
            "architectures": ["BertForMaskedLM"],
            "vocab_size": 32,
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 32,
        },
    )
    resolution = resolver.resolve(folder)
    with pytest.raises(LoadError, match="could not load") as caught:
        resolution.load()
    assert caught.value.__cause__ is not None


def test_a_resolution_without_loader_says_where_to_add_one():
    resolution = resolver.Resolver().resolve_evidence({"config": {"model_type": "x"}}, task="tabular-regression")
    assert resolution.loader is None
    with pytest.raises(LoadError, match="no loader for task 'tabular-regression'") as caught:
        resolution.model_class()
    assert "rules/tasks.yaml" in caught.value.hint


# ------------------------------------------------------------------ from the Hub


def test_load_model_from_a_hub_repo_at_a_revision(tmp_path):
    """The resolution carries the repo id and the commit it resolved; loading fetches that same commit."""
    transformers = pytest.importorskip("transformers")
    from hubserver import HubServer

    def files(model) -> dict:
        model.save_pretrained(tmp_path / "save")
        return {p.name: p.read_bytes() for p in (tmp_path / "save").iterdir() if p.is_file()}

    config = transformers.BertConfig(
        vocab_size=32,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    with HubServer() as hub:
        old = hub.add_repo("org/tiny", files(transformers.BertForSequenceClassification(config)))
        hub.add_repo("org/tiny", files(transformers.BertForMaskedLM(config)), revisions={"v1": old})
        result = _run(
            """
            import json, resolver
            latest = resolver.load_model("org/tiny")
            resolution = resolver.resolve("org/tiny", revision="v1")
            tagged = resolution.load()
            print(json.dumps({"latest": type(latest).__name__, "tagged": tagged.config.architectures,
                              "task": resolution.task, "revision": resolution.revision}))
            """,
            tmp_path,
            HF_ENDPOINT=hub.url,
            HF_HOME=str(tmp_path / "hf"),
            HF_HUB_OFFLINE="0",
        )
    assert result["latest"] == "BertForMaskedLM"
    # the weights and config of v1, not of main loaded with v1's class
    assert (result["tagged"], result["task"]) == (["BertForSequenceClassification"], "text-classification")
    assert result["revision"] in ("v1", old)
