"""Local folders: config.json, subfolders, weight files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

import resolver
from resolver import EvidenceError, ResolutionError


def write(folder: Path, files: dict[str, object]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return folder


def test_bundled_example_resolves_offline():
    result = resolver.resolve(ROOT / "examples" / "distilbert-sst2")
    assert (result.task, result.library, result.loader) == (
        "text-classification",
        "transformers",
        "transformers.AutoModelForSequenceClassification",
    )
    assert result.model_type == "distilbert"
    assert result.source == "folder"


@pytest.mark.parametrize(
    ("weights", "framework", "frameworks"),
    [
        (["model.safetensors"], "pt", ("pt",)),
        (["pytorch_model.bin"], "pt", ("pt",)),
        (["tf_model.h5"], "tf", ("tf",)),
        (["flax_model.msgpack"], "flax", ("flax",)),
        (["model.safetensors", "onnx/model.onnx"], "pt", ("pt", "onnx")),
        ([], None, ()),
    ],
)
def test_framework_comes_from_the_weight_files(tmp_path, weights, framework, frameworks):
    write(tmp_path, {"config.json": {"architectures": ["BertForMaskedLM"]}, **{w: "" for w in weights}})
    result = resolver.resolve(tmp_path)
    assert (result.framework, result.frameworks) == (framework, frameworks)


def test_subfolder_is_resolved_on_its_own(tmp_path):
    write(
        tmp_path,
        {
            "config.json": {"architectures": ["BertForMaskedLM"]},
            "classifier/config.json": {"architectures": ["BertForSequenceClassification"]},
        },
    )
    assert resolver.resolve(tmp_path).task == "fill-mask"
    result = resolver.resolve(tmp_path, subfolder="classifier")
    assert (result.task, result.subfolder) == ("text-classification", "classifier")


def test_missing_subfolder_is_a_clear_error(tmp_path):
    write(tmp_path, {"config.json": {}})
    with pytest.raises(EvidenceError, match="has no subfolder 'nope'"):
        resolver.resolve(tmp_path, subfolder="nope")


def test_config_that_is_not_json_names_file_line_and_column(tmp_path):
    (tmp_path / "config.json").write_text('{\n  "architectures": ["BertModel"],\n  oops\n}\n')
    with pytest.raises(EvidenceError) as info:
        resolver.resolve(tmp_path)
    message = str(info.value)
    assert f"{tmp_path / 'config.json'}:3:3: not valid JSON" in message
    assert "--task" in message
    assert (tmp_path / "config.json").read_text().startswith('{\n  "architectures"'), "input left untouched"


def test_missing_folder_and_file_instead_of_folder(tmp_path):
    with pytest.raises(EvidenceError, match="no such folder"):
        resolver.resolve(str(tmp_path / "does" / "not" / "exist"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(EvidenceError, match="is a file, not a model folder"):
        resolver.resolve(tmp_path / "file.txt")


def test_folder_without_any_evidence_cannot_be_resolved_but_task_rescues_it(tmp_path):
    write(tmp_path, {"README.md": "# hello"})
    with pytest.raises(ResolutionError):
        resolver.resolve(tmp_path)
    result = resolver.resolve(tmp_path, task="text-generation")
    assert result.task == "text-generation"
    assert result.library is None


def test_custom_code_model_resolves_from_auto_map(tmp_path):
    write(
        tmp_path,
        {
            "config.json": {
                "architectures": ["AcmeChat"],
                "auto_map": {
                    "AutoConfig": "configuration_acme.AcmeConfig",
                    "AutoModel": "modeling_acme.AcmeModel",
                    "AutoModelForCausalLM": "modeling_acme.AcmeChat",
                },
            }
        },
    )
    result = resolver.resolve(tmp_path)
    assert (result.task, result.strategy) == ("text-generation", "auto_map")
