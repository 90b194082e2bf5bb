"""Local folders: config.json, subfolders, weight files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

import resolver
from resolver import EvidenceError, ResolutionError
from resolver.api import Resolver


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


def test_folder_reader_tells_missing_file_and_odd_paths_apart_without_a_stat_first(tmp_path):
    """from_folder lists the folder without a stat beforehand: what the listing's failure means is
    still said as before (missing, a file, a FIFO, a path through a file, a dangling link, a NUL)."""
    import os

    from resolver.evidence.folder import from_folder

    documents = Resolver().rules.documents
    (tmp_path / "file.txt").write_text("x")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    model = write(tmp_path / "model", {"config.json": {"architectures": ["BertForMaskedLM"]}})
    (tmp_path / "link").symlink_to(model)
    for missing in ("nowhere", "file.txt/inside", "dangling", "no\0such"):
        with pytest.raises(EvidenceError, match="no such folder"):
            from_folder(str(tmp_path / missing), documents)
    for not_a_folder in ("file.txt", "fifo"):
        with pytest.raises(EvidenceError, match="is a file, not a model folder"):
            from_folder(tmp_path / not_a_folder, documents)
    linked = from_folder(tmp_path / "link", documents)
    assert linked.files == {"config.json"} and linked.documents["config.json"]["architectures"] == ["BertForMaskedLM"]
    assert linked.ref == str(tmp_path / "link")


def test_a_component_reads_its_pipelines_model_index_however_its_path_is_spelled(tmp_path, monkeypatch):
    from resolver.evidence.folder import from_folder

    documents = Resolver().rules.documents
    pipeline = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0", "unet": ["diffusers", "X"]}
    unet = {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.30.0"}
    write(tmp_path / "pipe", {"model_index.json": pipeline, "unet/config.json": unet})
    (tmp_path / "pipe" / "x").mkdir()
    monkeypatch.chdir(tmp_path)
    spellings = [
        str(tmp_path / "pipe" / "unet"),
        "pipe/unet",
        "./pipe/unet",
        "pipe/unet/",
        str(tmp_path / "pipe" / "." / "unet"),
        str(tmp_path / "pipe" / "x" / ".." / "unet"),
    ]
    for spelled in spellings:
        evidence = from_folder(spelled, documents)
        assert evidence.documents["../model_index.json"] == pipeline, spelled
    monkeypatch.chdir(tmp_path / "pipe" / "unet")
    assert from_folder(".", documents).documents["../model_index.json"] == pipeline
    assert from_folder(tmp_path / "pipe", documents, subfolder="unet").documents["../model_index.json"] == pipeline
    result = resolver.resolve(tmp_path / "pipe", subfolder="unet")
    assert (result.task, result.component) == ("text-to-image", True)
