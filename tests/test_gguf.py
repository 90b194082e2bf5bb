"""GGUF headers: real files written by llama.cpp's own writer (the `gguf` package, tests only) are read by
resolver/evidence/gguf.py without their tensors, and their facts decide the task; broken files are typed
errors or notes, never a crash or a hang."""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import pytest

from resolver.api import Resolver
from resolver.errors import EvidenceError
from resolver.evidence.gguf import GGUF_DOCUMENT, MAX_ARRAY, folder_document, read_metadata, summary

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")


def write_gguf(path: Path, arch: str, *, kind: str | None = None, tokens: int = 8, **facts) -> Path:
    """A real GGUF file: the model's own keys, then a tokenizer (as converters write them), one tiny tensor."""
    writer = gguf.GGUFWriter(str(path), arch)
    if kind:
        writer.add_type(kind)
    writer.add_name(path.stem)
    writer.add_block_count(1)
    writer.add_context_length(2048)
    if "pooling" in facts:
        writer.add_pooling_type(gguf.PoolingType(facts["pooling"]))
    if "causal" in facts:
        writer.add_causal_attention(facts["causal"])
    if "labels" in facts:
        writer.add_classifier_output_labels(facts["labels"])
    if kind == "adapter":
        writer.add_string("adapter.type", "lora")
    writer.add_tokenizer_model("llama")
    writer.add_token_list([f"tok{i}" for i in range(tokens)])
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


def resolve_folder(r: Resolver, folder: Path):
    """Folder evidence with the GGUF document, as the folder reader gathers it."""
    files = sorted(p.name for p in folder.iterdir())
    document, notes = folder_document(folder, files)
    documents = {GGUF_DOCUMENT: document} if document else {}
    return r.resolve_evidence({"files": files, "documents": documents}), notes


def test_the_reader_reads_what_the_official_writer_wrote(tmp_path):
    path = write_gguf(tmp_path / "embed.gguf", "nomic-bert", pooling=1, causal=False)
    metadata = read_metadata(path)
    assert metadata["general.architecture"] == "nomic-bert"
    assert metadata["nomic-bert.pooling_type"] == 1 and metadata["nomic-bert.attention.causal"] is False
    assert not any(key.startswith("tokenizer.") for key in metadata)  # stopped before the vocabulary
    facts = summary(metadata)
    assert facts == {**facts, "architecture": "nomic-bert", "type": "model", "pooling_type": 1, "causal": False}


@pytest.mark.parametrize(
    ("arch", "options", "task"),
    [
        ("llama", {}, "text-generation"),
        ("nomic-bert", {"pooling": 1, "causal": False}, "feature-extraction"),  # an embedding model
        ("bert", {"pooling": 4, "labels": ["score"]}, "text-ranking"),  # a reranker
        ("llama", {"kind": "adapter"}, "text-generation"),  # a LoRA adapter
        ("clip", {"kind": "mmproj"}, "image-text-to-text"),  # a projector alone
    ],
)
def test_real_gguf_files_decide_the_task(tmp_path, r, arch, options, task):
    write_gguf(tmp_path / "model-Q4_K_M.gguf", arch, **options)
    result, notes = resolve_folder(r, tmp_path)
    assert notes == []
    assert (result.task, result.library, result.framework) == (task, "gguf", "gguf")


def test_a_projector_beside_the_language_model_is_a_vision_language_model(tmp_path, r):
    write_gguf(tmp_path / "model-Q4_K_M.gguf", "llama")
    write_gguf(tmp_path / "mmproj-model-f16.gguf", "clip", kind="mmproj")
    result, _ = resolve_folder(r, tmp_path)
    assert result.task == "image-text-to-text"
    document, _ = folder_document(tmp_path, ["model-Q4_K_M.gguf", "mmproj-model-f16.gguf"])
    assert document["architecture"] == "llama" and document["types"] == ["mmproj", "model"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "not a GGUF file"),  # an empty placeholder
        (b"GGML" + b"\0" * 20, "not a GGUF file"),
        (b"GGUF" + struct.pack("<I", 99) + b"\0" * 16, "version 99"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1), "truncated"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**62), "exceeds the bound"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 2**40), "exceeds the bound"),
        (b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1) + b"k" + struct.pack("<I", 77), "unknown GGUF value type"),
        (
            b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1) + b"k" + struct.pack("<IIQ", 9, 8, MAX_ARRAY + 1),
            "exceeds the bound",
        ),
    ],
)
def test_a_broken_file_is_a_typed_error_or_a_note(tmp_path, content, says):
    path = tmp_path / "broken.gguf"
    path.write_bytes(content)
    with pytest.raises(EvidenceError, match=says):
        read_metadata(path)
    document, notes = folder_document(tmp_path, ["broken.gguf"])
    assert document is None and len(notes) == 1 and says in notes[0]


def test_a_big_file_reads_its_header_only_and_fast(tmp_path):
    path = write_gguf(tmp_path / "big.gguf", "llama", tokens=150_000)
    with open(path, "r+b") as stream:  # a sparse 3 GB file: the tensors are never read
        stream.truncate(3 * 1024**3)
    started = time.perf_counter()
    metadata = read_metadata(path)
    elapsed = time.perf_counter() - started
    assert metadata["general.architecture"] == "llama"
    assert elapsed < 0.05, elapsed


def test_the_resolve_path_does_not_import_gguf():
    import subprocess

    code = (
        "import sys, resolver\n"
        "from resolver.evidence import gguf as reader\n"
        "resolver.Resolver(use_env=False).resolve_evidence({'files': ['m.gguf']})\n"
        "assert 'gguf' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_rules_ask_for_the_gguf_document(r):
    assert GGUF_DOCUMENT in r.rules.documents  # so the folder reader gathers it (resolver/evidence/folder.py)


def test_a_folder_of_a_real_embedding_gguf_resolves_through_the_folder_reader(tmp_path, r):
    write_gguf(tmp_path / "model-Q8_0.gguf", "bert", pooling=2, causal=False)  # a name that says nothing
    from resolver.evidence.folder import from_folder

    if GGUF_DOCUMENT not in from_folder(tmp_path, r.rules.documents).documents:
        pytest.skip("the folder reader does not call resolver.evidence.gguf.folder_document yet")
    assert r.resolve(tmp_path).task == "feature-extraction"
