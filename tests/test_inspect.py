"""`inspect`: every loadable unit of a model, on real artifacts.

Tiny models saved by their own libraries (transformers, sentence-transformers, diffusers), GGUF files
written by llama.cpp's `gguf` writer, ONNX / OpenVINO / PEFT layouts with the file names of public
repositories (the venv has no `onnx` package to write real graphs, and no names are read from them),
the Hub path through tests/hubserver.py with sizes from the siblings, and the typed errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubserver import HubServer
from test_hub import isolated_hf

import resolver
from resolver.api import Resolver
from resolver.cli.main import main
from resolver.errors import EvidenceError
from resolver.evidence.hub.errors import OfflineNoCache, RepoNotFound
from resolver.inventory import Inventory, inspect

GOLDEN = Path(__file__).parent / "golden_cli"
QWEN = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"}
WHISPER = {"architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper", "is_encoder_decoder": True}


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


def write(folder: Path, files: dict[str, bytes | str | dict]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            path.write_text(json.dumps(content))
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
    return folder


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path} (UPDATE_GOLDEN=1 rewrites it)"


# ------------------------------------------------------------------ ONNX, OpenVINO


def test_a_transformers_js_onnx_folder_lists_each_graph_with_its_role_variant_and_data(tmp_path, r):
    # onnx-community/Qwen2.5-0.5B-Instruct's layout: config.json at the root, the graphs in onnx/
    folder = write(
        tmp_path / "qwen",
        {
            "config.json": QWEN,
            "onnx/model.onnx": b"g" * 100,
            "onnx/model.onnx_data": b"d" * 1000,
            "onnx/model_fp16.onnx": b"g" * 50,
            "onnx/model_fp16.onnx_data": b"d" * 500,
            "onnx/model_q4f16.onnx": b"g" * 40,
            "onnx/model_quantized.onnx": b"g" * 30,
            "onnx/model_int8.onnx": b"g" * 30,
            "onnx/model_bnb4.onnx": b"g" * 20,
        },
    )
    inventory = inspect(folder, resolver=r)
    assert inventory.counts() == {"model": 1, "onnx": 6}
    root = inventory.unit(".")
    assert (root.task, root.library, root.files) == ("text-generation", "transformers", ("config.json",))
    whole = inventory.unit("onnx/model.onnx")
    assert (whole.role, whole.framework, whole.loader) == ("model", "onnx", "onnxruntime.InferenceSession")
    assert whole.files == ("onnx/model.onnx", "onnx/model.onnx_data") and whole.size == 1100
    assert whole.task == "text-generation" and whole.quantization is None
    assert inventory.unit("onnx/model_fp16.onnx").size == 550  # its own data, not model.onnx_data
    variants = {unit.path: unit.variant for unit in inventory.of_kind("onnx")}
    assert variants["onnx/model_q4f16.onnx"] == "q4f16"
    assert variants["onnx/model_quantized.onnx"] == "q8"
    assert inventory.unit("onnx/model_int8.onnx").quantization.describe() == "int8"
    assert inventory.unit("onnx/model_bnb4.onnx").where.startswith("rules/units.yaml:")


def test_an_encoder_decoder_export_names_every_graph(tmp_path, r):
    # Xenova/whisper-tiny.en
    names = [
        "encoder_model.onnx",
        "decoder_model.onnx",
        "decoder_with_past_model.onnx",
        "decoder_model_merged.onnx",
        "decoder_model_merged_quantized.onnx",
        "encoder_model_fp16.onnx",
    ]
    folder = write(tmp_path / "whisper", {"config.json": WHISPER, **{f"onnx/{n}": b"x" for n in names}})
    roles = {
        unit.path.split("/")[-1]: (unit.role, unit.variant) for unit in inspect(folder, resolver=r).of_kind("onnx")
    }
    assert roles == {
        "encoder_model.onnx": ("encoder", None),
        "decoder_model.onnx": ("decoder", None),
        "decoder_with_past_model.onnx": ("decoder-with-past", None),
        "decoder_model_merged.onnx": ("merged-decoder", None),
        "decoder_model_merged_quantized.onnx": ("merged-decoder", "q8"),
        "encoder_model_fp16.onnx": ("encoder", "fp16"),
    }
    assert {unit.task for unit in inspect(folder, resolver=r)} == {"automatic-speech-recognition"}


def test_a_vision_language_export_and_an_unknown_graph_name(tmp_path, r):
    # onnx-community/Florence-2-base: vision_encoder, embed_tokens, encoder_model, decoder_model_merged
    folder = write(
        tmp_path / "florence",
        {
            "config.json": QWEN,
            "onnx/vision_encoder_fp16.onnx": b"v",
            "onnx/embed_tokens_q4.onnx": b"e",
            "onnx/some_new_part.onnx": b"?",
        },
    )
    inventory = inspect(folder, resolver=r)
    assert inventory.unit("onnx/vision_encoder_fp16.onnx").role == "vision-encoder"
    assert inventory.unit("onnx/embed_tokens_q4.onnx").role == "embed-tokens"
    unknown = inventory.unit("onnx/some_new_part.onnx")
    assert unknown.role is None and "no onnx role" in unknown.notes[0]


def test_openvino_ir_counts_its_bin_and_reads_the_declared_compression(tmp_path, r):
    # OpenVINO/*-int4-ov: openvino_model.xml + .bin, openvino_config.json, the tokenizer as graphs
    folder = write(
        tmp_path / "ov",
        {
            "config.json": QWEN,
            "openvino_model.xml": b"<net/>" * 10,
            "openvino_model.bin": b"w" * 4000,
            "openvino_tokenizer.xml": b"<t/>",
            "openvino_tokenizer.bin": b"t" * 10,
            "openvino_config.json": {
                "dtype": "int4",
                "quantization_config": {"bits": 4, "sym": False, "group_size": 128},
            },
        },
    )
    inventory = inspect(folder, resolver=r)
    model = inventory.unit("openvino_model.xml")
    assert (model.kind, model.role, model.framework) == ("openvino", "model", "openvino")
    assert model.size == 60 + 4000 and model.files == ("openvino_model.xml", "openvino_model.bin")
    assert (model.quantization.method, model.quantization.bits) == ("nncf", 4)
    tokenizer = inventory.unit("openvino_tokenizer.xml")
    assert (tokenizer.role, tokenizer.task) == ("tokenizer", None)
    assert "openvino_model.bin" not in inventory.unit(".").files


# ------------------------------------------------------------------ GGUF


def write_gguf(path: Path, arch: str, *, file_type: int | None = None, kind: str | None = None) -> Path:
    """A real GGUF file from llama.cpp's writer: the header's keys and one tiny tensor."""
    gguf = pytest.importorskip("gguf")  # here, not at module level: a skip there would skip every test below
    np = pytest.importorskip("numpy")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), arch)
    if kind:
        writer.add_type(kind)
    if kind == "adapter":
        writer.add_string("adapter.type", "lora")
    writer.add_name(path.stem)
    if file_type is not None:
        writer.add_file_type(file_type)
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_gguf_files_are_units_with_the_quantization_of_their_header(tmp_path, r):
    folder = tmp_path / "gguf"
    write_gguf(folder / "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf", "qwen2", file_type=15)
    write_gguf(folder / "Qwen2.5-0.5B-Instruct-Q8_0.gguf", "qwen2", file_type=15)  # the header wins over the name
    write_gguf(folder / "mmproj-Qwen2.5-f16.gguf", "clip", file_type=1)
    write_gguf(folder / "projector.gguf", "clip")  # no file type: the name says nothing either
    write_gguf(folder / "style-lora.gguf", "qwen2", file_type=1, kind="adapter")
    inventory = inspect(folder, resolver=r)
    assert [unit.kind for unit in inventory] == ["gguf"] * 5  # no root model: the folder is its files
    by_path = {unit.path: unit for unit in inventory}
    q4 = by_path["Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"]
    # a projector beside the language model: the rules say vision-language model, for every model file
    assert (q4.role, q4.task, q4.loader) == ("model", "image-text-to-text", "llama_cpp.Llama")
    assert q4.quantization.to_dict() | {"where": None} == {
        "method": "gguf",
        "name": "Q4_K_M",
        "bits": 4,
        "source": "header",
        "where": None,
    }
    assert by_path["Qwen2.5-0.5B-Instruct-Q8_0.gguf"].quantization.name == "Q4_K_M"
    assert q4.size == (folder / q4.path).stat().st_size and q4.details["architecture"] == "qwen2"
    mmproj = by_path["mmproj-Qwen2.5-f16.gguf"]
    assert (mmproj.role, mmproj.task, mmproj.quantization.name) == ("mmproj", None, "F16")
    assert by_path["projector.gguf"].role == "mmproj" and by_path["projector.gguf"].quantization is None
    lora = by_path["style-lora.gguf"]
    assert (lora.role, lora.details["adapter_type"]) == ("adapter", "lora")


def test_a_split_gguf_is_one_unit_and_names_decide_when_the_header_is_unreadable(tmp_path, r):
    folder = tmp_path / "split"
    parts = [f"qwen2.5-7b-instruct-q4_k_m-0000{n}-of-00003.gguf" for n in (1, 2, 3)]
    write_gguf(folder / parts[0], "qwen2", file_type=15)
    (folder / parts[1]).write_bytes(b"\0" * 300)  # later parts hold tensors only
    (folder / parts[2]).write_bytes(b"\0" * 200)
    (folder / "broken-Q5_K_S.gguf").write_bytes(b"not gguf")
    inventory = inspect(folder, resolver=r)
    split = inventory.unit(parts[0])
    assert split.files == tuple(parts) and split.details == {
        "parts": 3,
        "of": 3,
        "architecture": "qwen2",
        "name": split.details["name"],
    }
    assert split.size == sum((folder / p).stat().st_size for p in parts)
    broken = inventory.unit("broken-Q5_K_S.gguf")
    assert (broken.quantization.name, broken.quantization.source) == ("Q5_K_S", "filename")
    assert any("GGUF header of broken-Q5_K_S.gguf not read" in note for note in inventory.notes)


def test_a_missing_part_of_a_split_gguf_is_noted(tmp_path, r):
    folder = tmp_path / "partial"
    write_gguf(folder / "m-Q8_0-00001-of-00002.gguf", "llama", file_type=7)
    unit = inspect(folder, resolver=r).unit("m-Q8_0-00001-of-00002.gguf")
    assert unit.details["parts"] == 1 and "only part(s) 1 are present" in unit.notes[0]


# ------------------------------------------------------------------ libraries' own layouts


transformers = pytest.importorskip("transformers")
TINY = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}


@pytest.fixture(scope="module")
def st_folder(tmp_path_factory) -> Path:
    st = pytest.importorskip("sentence_transformers")
    root = tmp_path_factory.mktemp("st")
    base = root / "bert"
    transformers.BertModel(transformers.BertConfig(**TINY, vocab_size=64, max_position_embeddings=64)).save_pretrained(
        base
    )
    vocab = base / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(59)]))
    transformers.BertTokenizer(str(vocab)).save_pretrained(base)
    try:
        from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Dense, Normalize, Pooling, Transformer
    embedding = Transformer(str(base), max_seq_length=32)
    modules = [embedding, Pooling(16), Dense(16, 8), Normalize()]
    st.SentenceTransformer(modules=modules, device="cpu").save(str(root / "bi"))
    return root / "bi"


def test_sentence_transformers_modules_are_units(st_folder, r):
    inventory = inspect(st_folder, resolver=r)
    root = inventory.unit(".")
    assert (root.kind, root.task, root.library) == ("model", "sentence-similarity", "sentence_transformers")
    modules = inventory.of_kind("module")
    assert [unit.role for unit in modules] == ["Transformer", "Pooling", "Dense", "Normalize"]
    assert [unit.details["idx"] for unit in modules] == [0, 1, 2, 3]
    dense = modules[2]
    assert dense.path.endswith("_Dense") and dense.framework == "pt" and dense.size > 0
    assert dense.loader == dense.class_name and dense.class_name.endswith("Dense")
    assert modules[0].path == "." and modules[0].framework == "pt"


@pytest.fixture(scope="module")
def ddpm_folder(tmp_path_factory) -> Path:
    diffusers = pytest.importorskip("diffusers")
    unet = diffusers.UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=4,
    )
    pipeline = diffusers.DDPMPipeline(unet=unet, scheduler=diffusers.DDPMScheduler(num_train_timesteps=10))
    folder = tmp_path_factory.mktemp("ddpm")
    pipeline.save_pretrained(folder)
    return folder


def test_diffusers_components_are_resolved_as_subfolders(ddpm_folder, r):
    inventory = inspect(ddpm_folder, resolver=r)
    root = inventory.unit(".")
    assert (root.role, root.class_name, root.loader) == ("pipeline", "DDPMPipeline", "diffusers.DDPMPipeline")
    unet = inventory.unit("unet")
    assert (unet.kind, unet.class_name, unet.library) == ("component", "UNet2DModel", "diffusers")
    assert (unet.task, unet.loader, unet.framework) == ("unconditional-image-generation", "diffusers.UNet2DModel", "pt")
    assert unet.size == sum(p.stat().st_size for p in (ddpm_folder / "unet").iterdir())
    scheduler = inventory.unit("scheduler")
    assert (scheduler.task, scheduler.loader) == (None, "diffusers.DDPMScheduler")
    assert root.size >= unet.size + scheduler.size  # the pipeline loads its components


def test_an_onnx_pipeline_export_takes_the_task_of_its_component(tmp_path, r):
    # optimum's ONNX diffusers export: unet/model.onnx (+ model.onnx_data), vae_decoder/model.onnx, ...
    index = {
        "_class_name": "ORTStableDiffusionPipeline",
        "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
        "scheduler": ["diffusers", "PNDMScheduler"],
        "safety_checker": [None, None],
    }
    folder = write(
        tmp_path / "sd-onnx",
        {
            "model_index.json": index,
            "unet/model.onnx": b"u" * 10,
            "unet/model.onnx_data": b"d" * 90,
            "unet/config.json": {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.30.0"},
            "vae_decoder/model.onnx": b"v",
            "scheduler/scheduler_config.json": {"_class_name": "PNDMScheduler"},
        },
    )
    inventory = inspect(folder, resolver=r)
    assert {unit.path for unit in inventory.of_kind("component")} == {"unet", "vae_decoder", "scheduler"}
    graph = inventory.unit("unet/model.onnx")
    assert (graph.role, graph.size, graph.library) == ("model", 100, "diffusers")
    assert graph.task == inventory.unit("unet").task
    scheduler = inventory.unit("scheduler")
    assert (scheduler.class_name, scheduler.loader) == ("PNDMScheduler", "diffusers.PNDMScheduler")


def test_peft_adapters_at_the_root_and_in_subfolders_name_their_base(tmp_path, r):
    config = {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": "Qwen/Qwen2.5-0.5B",
        "r": 8,
        "lora_alpha": 16,
        "target_modules": ["q_proj", "v_proj"],
    }
    root = write(tmp_path / "lora", {"adapter_config.json": config, "adapter_model.safetensors": b"a" * 64})
    unit = inspect(root, resolver=r).unit(".")
    assert (unit.kind, unit.role, unit.base_model, unit.library) == ("adapter", "lora", "Qwen/Qwen2.5-0.5B", "peft")
    assert unit.details["r"] == 8 and unit.size == 64 + (root / "adapter_config.json").stat().st_size
    nested = write(
        tmp_path / "model-with-adapters",
        {
            "config.json": QWEN,
            "model.safetensors": b"w" * 10,
            "checkpoint-100/adapter_config.json": config,
            "checkpoint-100/adapter_model.safetensors": b"a" * 32,
        },
    )
    inventory = inspect(nested, resolver=r)
    adapter = inventory.unit("checkpoint-100")
    assert (adapter.kind, adapter.base_model, adapter.task) == ("adapter", "Qwen/Qwen2.5-0.5B", "text-generation")
    assert "checkpoint-100/adapter_model.safetensors" not in inventory.unit(".").files


@pytest.mark.parametrize(
    ("files", "method", "bits"),
    [
        (
            {"config.json": {**QWEN, "quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": True}}},
            "bitsandbytes",
            4,
        ),
        ({"config.json": {**QWEN, "quantization_config": {"quant_method": "gptq", "bits": 3}}}, "gptq", 3),
        (
            {"config.json": {**QWEN, "quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic"}}},
            "fp8",
            8,
        ),
        (
            {
                "config.json": {
                    **QWEN,
                    "quantization_config": {
                        "quant_method": "hqq",
                        "quant_config": {"weight_quant_params": {"nbits": 4}},
                    },
                }
            },
            "hqq",
            4,
        ),
        ({"config.json": QWEN, "quantize_config.json": {"bits": 4, "group_size": 128}}, "gptq", 4),
    ],
)
def test_declared_quantization_of_the_root(tmp_path, r, files, method, bits):
    folder = write(tmp_path / "q", {**files, "model.safetensors": b"w"})
    found = inspect(folder, resolver=r).unit(".").quantization
    assert (found.method, found.bits) == (method, bits)


# ------------------------------------------------------------------ the Hub


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HubServer]:
    yield from isolated_hf(monkeypatch, tmp_path)  # type: ignore[misc]


@pytest.fixture
def server(hub, monkeypatch) -> Iterator[HubServer]:
    with HubServer() as running:
        monkeypatch.setenv("HF_ENDPOINT", running.url)
        yield running


def test_a_hub_repo_is_inspected_from_its_file_list_with_sizes_from_the_siblings(server, r):
    sha = server.add_repo(
        "org/qwen-gguf",
        {
            "README.md": "# a model",
            "qwen2.5-0.5b-instruct-q4_k_m.gguf": b"q" * 700,
            "qwen2.5-0.5b-instruct-fp16-00001-of-00002.gguf": b"f" * 900,
            "qwen2.5-0.5b-instruct-fp16-00002-of-00002.gguf": b"f" * 800,
            "mmproj-qwen2.5-f16.gguf": b"m" * 50,
        },
        library_name="gguf",
        pipeline_tag="text-generation",
    )
    inventory = inspect("org/qwen-gguf", resolver=r)
    assert (inventory.source, inventory.revision) == ("hub", sha)
    by_path = {unit.path: unit for unit in inventory}
    q4 = by_path["qwen2.5-0.5b-instruct-q4_k_m.gguf"]
    assert (q4.size, q4.quantization.name, q4.quantization.source) == (700, "Q4_K_M", "filename")
    split = by_path["qwen2.5-0.5b-instruct-fp16-00001-of-00002.gguf"]
    assert (split.size, split.quantization.name, split.details["parts"]) == (1700, "F16", 2)
    assert by_path["mmproj-qwen2.5-f16.gguf"].role == "mmproj"
    sizes = [q for q in server.requests if q.kind == "api" and q.query.get("blobs") == ["true"]]
    assert len(sizes) == 1  # one model-info request with files metadata
    assert server.count("file") == 0  # nothing downloaded: the file list is enough


def test_a_hub_pipeline_resolves_its_components_at_the_same_commit(server, r):
    server.add_repo(
        "org/tiny-sd",
        {
            "model_index.json": {
                "_class_name": "StableDiffusionPipeline",
                "unet": ["diffusers", "UNet2DConditionModel"],
                "text_encoder": ["transformers", "CLIPTextModel"],
            },
            "unet/config.json": {"_class_name": "UNet2DConditionModel"},
            "unet/diffusion_pytorch_model.safetensors": b"u" * 300,
            "text_encoder/config.json": {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model"},
            "text_encoder/model.safetensors": b"t" * 100,
            "onnx/text_encoder/model.onnx": b"o" * 5,
        },
        library_name="diffusers",
        pipeline_tag="text-to-image",
    )
    inventory = inspect("org/tiny-sd", resolver=r)
    # the file list and the sizes: two model-info requests; the components reuse the pinned commit's record
    assert server.count("api") == 2
    unet = inventory.unit("unet")
    assert (unet.task, unet.loader) == ("text-to-image", "diffusers.UNet2DConditionModel")
    assert unet.size == 300 + len(json.dumps({"_class_name": "UNet2DConditionModel"}, indent=2))
    assert inventory.unit("text_encoder").library == "transformers"
    assert inventory.unit("onnx/text_encoder/model.onnx").kind == "onnx"


def test_a_revision_is_inspected_at_its_commit(server, r):
    old = server.add_repo("org/moving", {"config.json": QWEN, "model-Q4_0.gguf": b"a" * 10})
    server.add_repo("org/moving", {"config.json": QWEN, "model-Q8_0.gguf": b"b" * 20}, revisions={"v1": old})
    then = inspect("org/moving", resolver=r, revision="v1")
    assert then.revision == old and [u.path for u in then.of_kind("gguf")] == ["model-Q4_0.gguf"]
    assert then.unit("model-Q4_0.gguf").size == 10
    assert [u.quantization.name for u in inspect("org/moving", resolver=r).of_kind("gguf")] == ["Q8_0"]


def test_offline_a_cached_repo_is_inspected_from_the_cache(server, r, monkeypatch, tmp_path):
    server.add_repo("org/cached", {"config.json": QWEN, "model.safetensors": b"w" * 10})
    online = inspect("org/cached", resolver=r)
    from huggingface_hub import snapshot_download

    snapshot = Path(snapshot_download("org/cached", endpoint=server.url, token=False))
    local = inspect(snapshot, resolver=r)  # a cache snapshot: its files are links to blobs, followed for sizes
    assert local.source == "folder" and local.unit(".").size == online.unit(".").size
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = inspect("org/cached", resolver=r, offline=True)
    assert offline.source == "cache" and offline.unit(".").task == online.unit(".").task == "text-generation"
    with pytest.raises(OfflineNoCache):
        inspect("org/never-seen", resolver=r, offline=True)


def test_a_repo_only_its_library_names_is_still_its_root_model(server, r):
    server.add_repo("org/bears", {"README.md": "# fastai", "export.pkl": b"p" * 30}, library_name="fastai")
    inventory = inspect("org/bears", resolver=r)
    assert [(u.path, u.kind, u.library) for u in inventory] == [(".", "model", "fastai")]
    assert inventory.unit(".").size == 30 + len("# fastai")


def test_a_missing_repo_is_a_typed_error(server, r, capsys):
    with pytest.raises(RepoNotFound):
        inspect("org/missing", resolver=r)
    assert main(["inspect", "org/missing", "--json"]) == RepoNotFound.exit_code
    out = capsys.readouterr().out
    error = json.loads(out)["error"]
    assert error["type"] == "RepoNotFound" and "org/missing" in error["message"]


# ------------------------------------------------------------------ errors, the public function, the CLI


def test_what_is_no_model_is_a_typed_error(tmp_path, r):
    with pytest.raises(EvidenceError, match="no such folder"):
        inspect(tmp_path / "nothing-here", resolver=r)
    notes = write(tmp_path / "notes", {"README.md": "hello", "notes.txt": "x"})
    with pytest.raises(EvidenceError, match="holds no loadable unit") as caught:
        inspect(notes, resolver=r)
    assert caught.value.hint
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvidenceError, match="holds no loadable unit.*it is empty"):
        inspect(tmp_path / "empty", resolver=r)
    with pytest.raises(EvidenceError, match="is a file, not a model folder"):
        inspect(notes / "README.md", resolver=r)
    with pytest.raises(EvidenceError, match="not a folder or a repo id"):
        inspect(object(), resolver=r)  # type: ignore[arg-type]


def test_resolver_inspect_is_the_public_entry_point(tmp_path):
    folder = write(tmp_path / "m", {"config.json": QWEN, "model.safetensors": b"w"})
    inventory = resolver.inspect(str(folder))
    assert isinstance(inventory, Inventory)
    assert inventory.to_dict()["counts"] == {"model": 1}


def test_inspecting_a_folder_imports_nothing_heavy(tmp_path):
    import subprocess
    import sys

    folder = write(tmp_path / "m", {"config.json": QWEN, "model.safetensors": b"w", "onnx/model_q4.onnx": b"g"})
    heavy = ["torch", "transformers", "huggingface_hub", "gguf", "numpy"]
    code = (
        "import sys, resolver; inventory = resolver.inspect(sys.argv[1]); "
        f"print(len(inventory), [m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
    assert out.stdout.split(None, 1) == ["2", "[]\n"]


def golden_folder(tmp_path: Path) -> Path:
    folder = write(
        tmp_path / "model",
        {
            "config.json": QWEN,
            "model.safetensors": b"w" * 2000,
            "onnx/model.onnx": b"g" * 120,
            "onnx/model.onnx_data": b"d" * 3000,
            "onnx/model_q4f16.onnx": b"g" * 900,
            "adapters/style/adapter_config.json": {
                "peft_type": "LORA",
                "task_type": "CAUSAL_LM",
                "base_model_name_or_path": "Qwen/Qwen2.5-0.5B",
            },
            "adapters/style/adapter_model.safetensors": b"a" * 64,
        },
    )
    write_gguf(folder / "model-Q4_K_M.gguf", "qwen2", file_type=15)
    return folder


def test_cli_inspect_text_and_json(tmp_path, monkeypatch, capsys):
    golden_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "model"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    check_golden("inspect-model.txt", out)
    assert main(["inspect", "model", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for unit in data["units"]:
        if unit["kind"] == "gguf":
            unit["size"] = "<size>"  # the gguf writer's padding may change between its versions
        for found in (unit, unit["quantization"] or {}):
            if found.get("where"):  # the file, not the line: rule files grow
                found["where"] = found["where"].rsplit(":", 1)[0]
    check_golden("inspect-model.json", json.dumps(data, indent=2) + "\n")


def test_cli_inspect_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "absent")]) == 2
    _, err = capsys.readouterr()
    assert "no such folder" in err and "Traceback" not in err
    assert main(["inspect", str(tmp_path / "absent"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["type"] == "EvidenceError"
