"""Repository layouts beyond plain transformers, each built as a real-looking folder (or evidence).

diffusers pipelines and their components, sentence-transformers bi- and cross-encoders, timm, PEFT
adapters, custom code (auto_map), open_clip, GGUF, ONNX and TF/Flax-only exports, speechbrain, and
configs that only name a model type. Every check goes through the public API and the shipped rules.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from resolver.api import Resolver
from resolver.errors import ResolutionError
from resolver.rulebook.yaml_source import load_yaml_file
from resolver.support.paths import shipped_rules_dir

WEIGHTS = "weights"  # placeholder content for weight files


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


def write(root: Path, files: dict[str, Any]) -> Path:
    """Write {path: JSON-able dict | text} under root and return root."""
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content) if isinstance(content, (dict, list)) else content)
    return root


def step(result: Any, name: str, outcome: str = "answered") -> str:
    """The message of the first trace step of that name and outcome."""
    found = [s.message for s in result.trace if s.step == name and s.outcome == outcome]
    assert found, result.explain()
    return found[0]


# ------------------------------------------------------------------ diffusers

SDXL_IMG2IMG = {
    "model_index.json": {
        "_class_name": "StableDiffusionXLImg2ImgPipeline",
        "_diffusers_version": "0.30.0",
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    },
    "scheduler/scheduler_config.json": {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.30.0"},
    "text_encoder/config.json": {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model"},
    "text_encoder/model.safetensors": WEIGHTS,
    "tokenizer/vocab.json": {},
    "unet/config.json": {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.30.0", "in_channels": 4},
    "unet/diffusion_pytorch_model.safetensors": WEIGHTS,
    "vae/config.json": {"_class_name": "AutoencoderKL", "_diffusers_version": "0.30.0"},
    "vae/diffusion_pytorch_model.safetensors": WEIGHTS,
}


def test_diffusers_pipeline_folder(tmp_path, r):
    result = r.resolve(write(tmp_path, SDXL_IMG2IMG))
    assert (result.task, result.library, result.framework) == ("image-to-image", "diffusers", "pt")
    assert result.architecture == "StableDiffusionXLImg2ImgPipeline"
    assert result.component is False and result.strategy == "layouts"
    assert result.where.startswith("rules/pipelines.generated.yaml:")
    assert step(result, "library") == "diffusers: model_index.json"


@pytest.mark.parametrize("how", ["subfolder", "path"])
def test_diffusers_component_takes_its_pipelines_task_and_its_own_class(tmp_path, r, how):
    root = write(tmp_path / "sdxl", SDXL_IMG2IMG)
    result = r.resolve(root, subfolder="unet") if how == "subfolder" else r.resolve(root / "unet")
    assert result.component is True
    assert (result.task, result.library) == ("image-to-image", "diffusers")
    assert result.architecture == "UNet2DConditionModel"
    assert result.loader == "diffusers.UNet2DConditionModel"
    assert "../model_index.json _class_name = StableDiffusionXLImg2ImgPipeline" in step(result, "layouts")
    assert step(result, "library") == "diffusers: config.json has _diffusers_version"


def test_transformers_model_inside_a_pipeline_is_a_component_with_its_own_task(tmp_path, r):
    result = r.resolve(write(tmp_path, SDXL_IMG2IMG), subfolder="text_encoder")
    assert result.component is True
    assert (result.task, result.library, result.architecture) == ("feature-extraction", "transformers", "CLIPTextModel")
    assert result.loader == "transformers.AutoModel"


def test_a_lone_controlnet_is_an_image_conditioning_component(tmp_path, r):
    folder = write(
        tmp_path,
        {
            "config.json": {"_class_name": "ControlNetModel", "_diffusers_version": "0.30.0"},
            "diffusion_pytorch_model.safetensors": WEIGHTS,
        },
    )
    result = r.resolve(folder)
    assert (result.task, result.library, result.component) == ("image-to-image", "diffusers", True)
    assert result.loader == "diffusers.ControlNetModel"
    assert "diffusers-conditioning" in result.explain()


def test_a_plain_folder_beside_no_pipeline_is_not_a_component(tmp_path, r):
    result = r.resolve(write(tmp_path / "bert", {"config.json": {"architectures": ["BertModel"]}}))
    assert result.component is False


def generated_pipelines() -> dict[str, str]:
    data, _ = load_yaml_file(Path(shipped_rules_dir()) / "pipelines.generated.yaml")
    return data["exact"]


def test_every_auto_pipeline_class_resolves_from_model_index(r):
    table = generated_pipelines()
    assert len(table) > 100 and table["StableDiffusionPipeline"] == "text-to-image"
    wrong = {}
    for name, task in table.items():
        hand = r.rules.exact.get(name)  # architectures.yaml's exceptions win over the generated table
        task = hand[0] if hand else task
        result = r.resolve_evidence({"documents": {"model_index.json": {"_class_name": name}}})
        if (result.task, result.library) != (task, "diffusers"):
            wrong[name] = (task, result.task, result.library)
    assert wrong == {}


@pytest.mark.parametrize(
    ("pipeline", "task"),
    [
        ("FluxKontextPipeline", "image-to-image"),  # in the text2image and image2image mappings: the later wins
        ("AnyFlowFARPipeline", "image-to-video"),  # video2video and image2video
        ("StableDiffusionInpaintPipeline", "inpainting"),
        ("WanPipeline", "text-to-video"),
        ("StableAudioPipeline", "text-to-audio"),
        # beyond the auto mappings: architectures.yaml, then the suffix patterns
        ("StableVideoDiffusionPipeline", "image-to-video"),
        ("DDPMPipeline", "unconditional-image-generation"),
        ("ShapEImg2ImgPipeline", "image-to-3d"),
        ("AcmeImg2ImgPipeline", "image-to-image"),
        ("AcmeInpaintPipeline", "inpainting"),
        ("AcmeImageToVideoPipeline", "image-to-video"),
        ("AcmeVideoPipeline", "text-to-video"),
        ("AcmeTurboPipeline", "text-to-image"),
    ],
)
def test_pipeline_class_tasks(r, pipeline, task):
    result = r.resolve_evidence({"documents": {"model_index.json": {"_class_name": pipeline}}})
    assert result.task == task


def test_transformers_pipelines_are_not_taken_for_diffusers_ones(r):
    result = r.resolve_evidence({"class": "TextClassificationPipeline", "module": "transformers.pipelines"})
    assert (result.library, result.strategy) == ("transformers", "library_default")


def test_hand_written_pipeline_classes_exist_in_diffusers():
    diffusers = pytest.importorskip("diffusers")
    known = {name for names in diffusers._import_structure.values() for name in names}
    data, _ = load_yaml_file(Path(shipped_rules_dir()) / "architectures.yaml")
    listed = [name for name in data["exact"] if name.endswith("Pipeline")]
    assert len(listed) > 20
    assert [name for name in listed if name not in known] == []


def test_pipeline_tasks_walks_the_mappings_in_the_rules_order(monkeypatch):
    from resolver.sync import diffusers as sync_diffusers

    def pipe(name: str) -> type:
        return type(name, (), {})

    fake = types.ModuleType(sync_diffusers.MODULE)
    fake.AUTO_TEXT2IMAGE_PIPELINES_MAPPING = {"a": pipe("APipeline"), "b": pipe("EditPipeline")}
    fake.AUTO_IMAGE2IMAGE_PIPELINES_MAPPING = {"b": pipe("EditPipeline")}
    monkeypatch.setitem(sys.modules, sync_diffusers.MODULE, fake)
    order = sync_diffusers.mapping_order()
    assert order[0] == {"mapping": "AUTO_TEXT2IMAGE_PIPELINES_MAPPING", "task": "text-to-image"}
    assert sync_diffusers.pipeline_tasks(every=False) == {
        "APipeline": "text-to-image",
        "EditPipeline": "image-to-image",
    }
    assert "AUTO_INPAINT_PIPELINES_MAPPING" in sync_diffusers.missing_mappings()


def test_diffusers_lora_weights(tmp_path, r):
    folder = write(tmp_path, {"pytorch_lora_weights.safetensors": WEIGHTS, "README.md": "# lora"})
    result = r.resolve(folder)
    assert (result.task, result.library, result.framework) == ("text-to-image", "diffusers", "pt")


# ------------------------------------------------------------------ sentence-transformers

BERT = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 16}


def st_folder(root: Path, model_type: str, architectures: list[str], **extra: Any) -> Path:
    """A folder as sentence-transformers 6 saves it."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"}
    ]
    if model_type == "SentenceTransformer":
        modules.append({"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.Pooling"})
        extra["1_Pooling/config.json"] = {"word_embedding_dimension": 16, "pooling_mode_mean_tokens": True}
    return write(
        root,
        {
            "modules.json": modules,
            "config_sentence_transformers.json": {
                "model_type": model_type,
                "__version__": {"sentence_transformers": "6.2.0"},
            },
            "sentence_bert_config.json": {"max_seq_length": 128},
            "config.json": {**BERT, "architectures": architectures},
            "model.safetensors": WEIGHTS,
            "tokenizer.json": {},
            **extra,
        },
    )


def test_sentence_transformers_bi_encoder(tmp_path, r):
    result = r.resolve(st_folder(tmp_path, "SentenceTransformer", ["BertModel"]))
    assert (result.task, result.library) == ("sentence-similarity", "sentence_transformers")
    assert result.loader == "sentence_transformers.SentenceTransformer"
    assert step(result, "library") == "sentence_transformers: modules.json"


def test_sentence_transformers_cross_encoder(tmp_path, r):
    result = r.resolve(st_folder(tmp_path, "CrossEncoder", ["BertForSequenceClassification"]))
    assert (result.task, result.library, result.loader) == (
        "text-ranking",
        "sentence_transformers",
        "sentence_transformers.CrossEncoder",
    )


def test_sentence_transformers_sparse_encoder(tmp_path, r):
    result = r.resolve(st_folder(tmp_path, "SparseEncoder", ["BertForMaskedLM"]))
    assert (result.task, result.loader) == ("feature-extraction", "sentence_transformers.SparseEncoder")


@pytest.mark.parametrize(
    "marker",
    [
        {"sbert_ce_default_activation_function": "torch.nn.modules.linear.Identity"},  # before 4.0
        {"sentence_transformers": {"activation_fn": "torch.nn.modules.activation.Sigmoid", "version": "4.0.1"}},
    ],
)
def test_older_cross_encoders_are_told_by_their_config(tmp_path, r, marker):
    config = {"architectures": ["BertForSequenceClassification"], "model_type": "bert", **marker}
    result = r.resolve(write(tmp_path, {"config.json": config, "model.safetensors": WEIGHTS}))
    assert (result.task, result.library) == ("text-ranking", "sentence_transformers")
    hub = r.resolve_evidence({"config": config, "hub": {"pipeline_tag": "text-classification"}})
    assert (hub.task, hub.loader) == ("text-classification", "sentence_transformers.CrossEncoder")


# ------------------------------------------------------------------ timm, open_clip


@pytest.mark.parametrize(
    ("config", "task"),
    [
        (
            {"architecture": "resnet50", "num_classes": 1000, "pretrained_cfg": {"tag": "a1_in1k"}},
            "image-classification",
        ),
        (
            {"architecture": "vit_small_patch14_dinov2", "num_classes": 0, "pretrained_cfg": {}},
            "image-feature-extraction",
        ),
        ({"architecture": "efficientnet_b0", "num_classes": 1000, "num_features": 1280}, "image-classification"),
    ],
)
def test_timm(tmp_path, r, config, task):
    result = r.resolve(write(tmp_path, {"config.json": config, "model.safetensors": WEIGHTS}))
    assert (result.task, result.library, result.loader) == (task, "timm", "timm.create_model")
    assert result.architecture == config["architecture"]
    assert step(result, "library").startswith("timm: config.json has ")  # pretrained_cfg, or architecture and ...


def test_open_clip(tmp_path, r):
    folder = write(
        tmp_path,
        {"open_clip_config.json": {"model_cfg": {"embed_dim": 512}}, "open_clip_model.safetensors": WEIGHTS},
    )
    result = r.resolve(folder)
    assert (result.task, result.library) == ("zero-shot-image-classification", "open_clip")


# ------------------------------------------------------------------ PEFT


@pytest.mark.parametrize(
    ("task_type", "task", "loader"),
    [
        ("CAUSAL_LM", "text-generation", "peft.AutoPeftModelForCausalLM"),
        ("SEQ_2_SEQ_LM", "text2text-generation", "peft.AutoPeftModelForSeq2SeqLM"),
        ("SEQ_CLS", "text-classification", "peft.AutoPeftModelForSequenceClassification"),
        ("TOKEN_CLS", "token-classification", "peft.AutoPeftModelForTokenClassification"),
        ("QUESTION_ANS", "question-answering", "peft.AutoPeftModelForQuestionAnswering"),
        ("FEATURE_EXTRACTION", "feature-extraction", "peft.AutoPeftModelForFeatureExtraction"),
    ],
)
def test_peft_adapter_task_type(tmp_path, r, task_type, task, loader):
    adapter = {"peft_type": "LORA", "task_type": task_type, "base_model_name_or_path": "org/base", "r": 8}
    folder = write(tmp_path, {"adapter_config.json": adapter, "adapter_model.safetensors": WEIGHTS})
    result = r.resolve(folder)
    assert (result.task, result.library, result.loader) == (task, "peft", loader)
    assert result.base_model == "org/base"
    assert "base model org/base (adapter_config.json base_model_name_or_path)" in step(result, "layouts", "note")


def test_peft_adapter_without_task_type(tmp_path, r):
    adapter = {"peft_type": "LORA", "task_type": None, "base_model_name_or_path": "google/vit-base-patch16-224"}
    folder = write(tmp_path, {"adapter_config.json": adapter, "adapter_model.bin": WEIGHTS})
    result = r.resolve(folder)
    assert (result.library, result.task, result.strategy) == ("peft", "feature-extraction", "layouts")
    assert result.specificity == "default"
    assert result.framework == "pt"
    recorded = {**adapter, "auto_mapping": {"base_model_class": "ViTForImageClassification"}}
    assert r.resolve_evidence({"documents": {"adapter_config.json": recorded}}).task == "image-classification"
    hub = r.resolve_evidence(
        {"documents": {"adapter_config.json": adapter}, "hub": {"pipeline_tag": "image-classification"}}
    )
    assert hub.task == "image-classification"


def test_resolve_base_of_an_adapter(tmp_path, r):
    write(tmp_path / "base", {"config.json": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}})
    for base in ("../base", str(tmp_path / "base")):
        adapter = {"task_type": "CAUSAL_LM", "base_model_name_or_path": base}
        folder = write(tmp_path / "adapter", {"adapter_config.json": adapter})
        found = r.resolve_base(r.resolve(folder))
        assert (found.task, found.library, found.architecture) == (
            "text-generation",
            "transformers",
            "LlamaForCausalLM",
        )


def test_resolve_base_of_a_model_without_one(tmp_path, r):
    result = r.resolve(write(tmp_path, {"config.json": {"architectures": ["BertModel"]}}))
    assert result.base_model is None
    with pytest.raises(ResolutionError, match="names no base model"):
        r.resolve_base(result)


# ------------------------------------------------------------------ custom code (auto_map)


def test_auto_map_answers_before_suffix_guessing(tmp_path, r):
    config = {
        "architectures": ["AcmeDecoderModel"],  # the `Model` suffix would say feature-extraction
        "auto_map": {
            "AutoConfig": "configuration_acme.AcmeConfig",
            "AutoModel": "modeling_acme.AcmeDecoderModel",
            "AutoModelForCausalLM": "modeling_acme.AcmeDecoderModel",
            "AutoModelForSequenceClassification": "modeling_acme.AcmeChatForSequenceClassification",
        },
    }
    result = r.resolve(write(tmp_path, {"config.json": config, "modeling_acme.py": "# code"}))
    # the auto class that loads the listed architecture wins over a more specific one that does not
    assert (result.task, result.strategy) == ("text-generation", "auto_map")
    assert any(s.step == "config_architectures" and s.task == "feature-extraction" for s in result.trace)


def test_auto_map_with_a_vision_tower_is_image_text_to_text(r):
    config = {
        "architectures": ["QWenLMHeadModel"],
        "auto_map": {
            "AutoConfig": "configuration_qwen.QWenConfig",
            "AutoModelForCausalLM": "modeling_qwen.QWenLMHeadModel",
        },
        "visual": {"image_size": 448},
    }
    result = r.resolve_evidence({"config": config})
    assert (result.task, result.strategy) == ("image-text-to-text", "auto_map")


def test_a_known_architecture_ignores_a_stale_auto_map(r):
    config = {
        "architectures": ["Phi3ForCausalLM"],
        "auto_map": {"AutoConfig": "configuration_phi3.Phi3Config", "AutoModelForSequenceClassification": "x.Y"},
    }
    result = r.resolve_evidence({"config": config})
    assert (result.task, result.strategy) == ("text-generation", "config_architectures")
    assert "not custom code" in step(result, "auto_map", "passed")


# ------------------------------------------------------------------ GGUF, ONNX, TF, Flax


def test_gguf_repo(tmp_path, r):
    folder = write(tmp_path, {"mistral-7b.Q4_K_M.gguf": WEIGHTS, "mistral-7b.Q8_0.gguf": WEIGHTS, "README.md": "#"})
    result = r.resolve(folder)
    assert (result.task, result.library, result.framework) == ("text-generation", "gguf", "gguf")
    assert step(result, "library") == "gguf: files matching *.gguf"


def test_gguf_with_a_multimodal_projector(tmp_path, r):
    folder = write(tmp_path, {"llava-v1.6.Q4_K_M.gguf": WEIGHTS, "mmproj-model-f16.gguf": WEIGHTS})
    assert r.resolve(folder).task == "image-text-to-text"


def test_gguf_other_evidence_says_otherwise(r):
    evidence = {
        "files": ["all-MiniLM-L6-v2.Q4_0.gguf"],
        "hub": {"pipeline_tag": "sentence-similarity", "library_name": "transformers"},
    }
    result = r.resolve_evidence(evidence)
    assert (result.task, result.library) == ("sentence-similarity", "gguf")


@pytest.mark.parametrize("onnx", ["model.onnx", "onnx/model.onnx"])
def test_onnx_export_takes_its_task_from_the_config(tmp_path, r, onnx):
    config = {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"}
    result = r.resolve(write(tmp_path, {"config.json": config, onnx: WEIGHTS, "tokenizer.json": {}}))
    assert (result.task, result.framework, result.frameworks) == ("text-classification", "onnx", ("onnx",))


def test_onnx_beside_pytorch_weights_is_a_second_framework(tmp_path, r):
    config = {"architectures": ["BertModel"], "model_type": "bert"}
    files = {"config.json": config, "model.safetensors": WEIGHTS, "onnx/model.onnx": WEIGHTS}
    result = r.resolve(write(tmp_path, files))
    assert result.frameworks == ("pt", "onnx")
    assert step(result, "framework") == "pt (files matching *.safetensors), onnx (files matching *.onnx)"


@pytest.mark.parametrize(
    ("weights", "framework", "architecture", "task"),
    [
        ("tf_model.h5", "tf", "TFBertForSequenceClassification", "text-classification"),
        ("flax_model.msgpack", "flax", "FlaxGPT2LMHeadModel", "text-generation"),
    ],
)
def test_tf_or_flax_only_weights(tmp_path, r, weights, framework, architecture, task):
    result = r.resolve(write(tmp_path, {"config.json": {"architectures": [architecture]}, weights: WEIGHTS}))
    assert (result.task, result.framework, result.frameworks) == (task, framework, (framework,))


# ------------------------------------------------------------------ speechbrain, model types


@pytest.mark.parametrize(
    ("interface", "task"),
    [
        ("FastSpeech2", "text-to-audio"),
        ("EncoderDecoderASR", "automatic-speech-recognition"),
        ("EncoderClassifier", "audio-classification"),
    ],
)
def test_speechbrain(tmp_path, r, interface, task):
    files = {
        "config.json": {"speechbrain_interface": interface},
        "hyperparams.yaml": "sample_rate: 16000\n",
        "model.ckpt": WEIGHTS,
    }
    result = r.resolve(write(tmp_path, files))
    assert (result.task, result.library) == (task, "speechbrain")


@pytest.mark.parametrize(
    ("model_type", "task"),
    [
        ("speech_to_text", "automatic-speech-recognition"),
        ("vitpose", "keypoint-detection"),
        ("groupvit", "zero-shot-image-classification"),
    ],
)
def test_config_naming_only_its_model_type(tmp_path, r, model_type, task):
    result = r.resolve(write(tmp_path, {"config.json": {"model_type": model_type}}))
    assert (result.task, result.library, result.strategy) == (task, "transformers", "layouts")


def test_model_type_table_agrees_with_transformers():
    """Each model type's task is one transformers' auto mappings give that model type."""
    modeling_auto = pytest.importorskip("transformers.models.auto.modeling_auto")
    layouts, _ = load_yaml_file(Path(shipped_rules_dir()) / "layouts.yaml")
    mappings, _ = load_yaml_file(Path(shipped_rules_dir()) / "auto_mappings.yaml")
    table = next(layout for layout in layouts["layouts"] if layout["name"] == "config-model-type")["lookup"]["table"]
    architectures, _ = load_yaml_file(Path(shipped_rules_dir()) / "architectures.yaml")
    tasks_of: dict[str, set[str]] = {}
    for entry in mappings["transformers"]:
        for model_type, names in getattr(modeling_auto, entry["mapping"], {}).items():
            tasks_of.setdefault(model_type, set()).add(entry["task"])
            for name in [names] if isinstance(names, str) else names:  # a hand-written exception for its class
                if name in architectures["exact"]:
                    tasks_of[model_type].add(architectures["exact"][name])
    wrong = {m: (t, sorted(tasks_of[m])) for m, t in table.items() if m in tasks_of and t not in tasks_of[m]}
    assert wrong == {}
    assert sum(m in tasks_of for m in table) >= len(table) - 2  # nearly all are model types transformers knows


# ------------------------------------------------------------------ through the test Hub server


def test_component_subfolder_of_a_hub_repo_reads_the_pipelines_model_index(tmp_path, monkeypatch, r):
    from hubserver import HubServer
    from huggingface_hub import constants

    from resolver.evidence.hub import store as hub_store

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    hub_store.clear_memo()
    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        server.add_repo("org/sdxl-refiner", SDXL_IMG2IMG, library_name="diffusers", pipeline_tag="image-to-image")
        result = r.resolve("org/sdxl-refiner", subfolder="unet", token=False)
    hub_store.clear_memo()
    assert (result.source, result.subfolder, result.component) == ("hub", "unet", True)
    assert (result.task, result.architecture, result.loader) == (
        "image-to-image",
        "UNet2DConditionModel",
        "diffusers.UNet2DConditionModel",
    )
    assert "../model_index.json _class_name = StableDiffusionXLImg2ImgPipeline" in step(result, "layouts")


def test_a_broken_model_index_in_the_parent_folder_is_ignored(tmp_path, r):
    (tmp_path / "model_index.json").write_text("{not json")
    folder = write(tmp_path / "bert", {"config.json": {"architectures": ["BertModel"]}})
    result = r.resolve(folder)
    assert (result.task, result.component) == ("feature-extraction", False)
    assert any("ignored" in s.message and "model_index.json" in s.message for s in result.trace)
