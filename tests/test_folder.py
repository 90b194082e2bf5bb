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


def test_resolver_evidence_lists_a_folder_without_a_stat_and_a_missing_path_still_tries_the_hub(tmp_path, monkeypatch):
    """Listing tells a folder from a missing path: no stat before it (the parent's model_index.json is
    looked for with one access call); a path that is not there still goes the Hub's way, errors as before."""
    import os

    from resolver.evidence.hub.errors import HubUnavailable

    api = Resolver(use_env=False)
    documents = api.rules.documents  # compiled before counting: the rules' own files are stat'ed
    model = write(tmp_path / "model", {"config.json": {"architectures": ["BertForMaskedLM"]}, "model.safetensors": ""})
    (tmp_path / "file.txt").write_text("x")
    calls = []
    for name in ("stat", "lstat"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    evidence = api.evidence(str(model))
    assert calls == [] and evidence.files == {"config.json", "model.safetensors"}
    assert (
        evidence.documents["config.json"] == {"architectures": ["BertForMaskedLM"]}
        and "../model_index.json" in documents
    )
    monkeypatch.undo()

    with pytest.raises(EvidenceError, match="is a file, not a model folder"):
        api.evidence(str(tmp_path / "file.txt"))
    for missing in (str(tmp_path / "nowhere"), str(tmp_path / "file.txt") + "/", "not a repo id!"):
        with pytest.raises(EvidenceError, match="no such folder") as info:
            api.evidence(missing)
        assert info.value.hint == "pass an existing model folder, or a Hub repo id such as org/name"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(HubUnavailable):  # a repo id that is no folder here: asked of the Hub (offline: its error)
        api.evidence("acme-org/no-such-model", offline=True)


def test_a_regular_file_is_read_in_one_read_call_and_a_growing_one_to_its_end(tmp_path, monkeypatch):
    import os

    from resolver.support import files

    path = tmp_path / "config.json"
    path.write_bytes(b'{"model_type": "bert"}')
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    assert files.read_regular_file(path, 1000) == path.read_bytes() and len(reads) == 1
    # a file larger than fstat said (it grew, or it is a /proc file that reports no size): read to its end
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 3, *real_fstat(fd)[7:])))
    assert files.read_regular_file(path, 1000) == path.read_bytes()
    with pytest.raises(files.FileTooLarge) as info:  # and never past the limit
        files.read_regular_file(path, 10)
    assert (info.value.size, info.value.limit) == (11, 10)


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_a_file_that_reports_no_size_is_read_whole():
    from resolver.support.files import FileTooLarge, read_regular_file

    whole = Path("/proc/self/cmdline").read_bytes()
    assert read_regular_file("/proc/self/cmdline", 1 << 20) == whole
    with pytest.raises(FileTooLarge):
        read_regular_file("/proc/self/cmdline", len(whole) - 1)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '{"a": 1}\n',
        ' \t{"a": [1, 2.5, "x", null, true]}\r\n ',
        "\ufeff[1]",
        "\ufeff\ufeff[1]",
        '{"a": 1} x',
        '{"a": 1}\x0c',
        '{"a": 1}{"b": 2}',
        "NaN",
        '"text"',
        "",
        "   ",
        "[1,",
        '{"a": 1e999, "b": -0}',
    ],
)
def test_documents_parse_as_json_loads_does(tmp_path, text):
    """The reader's JSON value, or its error, is json.loads' on the text (one leading BOM dropped)."""
    from resolver.evidence.folder import from_folder

    (tmp_path / "doc.json").write_bytes(text.encode("utf-8"))
    try:
        expected = json.loads(text[1:] if text.startswith("\ufeff") else text)
    except json.JSONDecodeError as error:
        shown = tmp_path / "doc.json"
        with pytest.raises(EvidenceError) as info:
            from_folder(tmp_path, {"doc.json"})
        assert info.value.message == f"{shown}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
    else:
        assert repr(from_folder(tmp_path, {"doc.json"}).documents["doc.json"]) == repr(expected)


@pytest.mark.parametrize(
    ("content", "note"),
    [
        (None, None),  # no model_index.json above: nothing read, nothing said
        ("folder", None),  # a folder of that name is not a document
        ("null", "is null, not a JSON object"),
        ("{broken", "not valid JSON"),
        (b"\xff{}", "is not UTF-8 text"),
    ],
)
def test_a_components_parent_document_is_read_when_there_and_ignored_with_a_note_when_unusable(tmp_path, content, note):
    import os

    from resolver.evidence.folder import from_folder

    unet = write(tmp_path / "pipe" / "unet", {"config.json": {"_class_name": "UNet2DConditionModel"}})
    parent = tmp_path / "pipe" / "model_index.json"
    if content == "folder":
        parent.mkdir()
    elif content == "fifo":
        os.mkfifo(parent)
    elif content is not None:
        parent.write_bytes(content if isinstance(content, bytes) else content.encode())
    evidence = from_folder(unet, Resolver().rules.documents)
    assert "../model_index.json" not in evidence.documents
    notes = [n for n in evidence.notes if str(parent) in n]
    assert notes == ([] if note is None else [notes[0]]) and (note is None or note in notes[0])


@pytest.mark.parametrize("truncated", [False, True])
def test_documents_come_in_name_order_whatever_the_needed_names_and_the_listing(tmp_path, monkeypatch, truncated):
    """A rule pack may read a document whose name sorts before the parent's `../` ones: the evidence
    keeps every document in name order all the same, listed or looked up past a truncated listing."""
    from resolver.evidence import folder as folder_module

    if truncated:
        monkeypatch.setattr(folder_module, "MAX_FILES", 1)
    (tmp_path / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    component = tmp_path / "unet"
    component.mkdir()
    for name in ("config.json", "!first.json", "zeta.json", "weights.bin"):
        (component / name).write_text("{}")
    needed = {"../model_index.json", "!first.json", "config.json", "zeta.json", "absent.json"}
    evidence = folder_module.from_folder(component, needed)
    assert list(evidence.documents) == sorted(needed - {"absent.json"})
    assert set(evidence.files) >= {"config.json", "!first.json", "zeta.json"}
