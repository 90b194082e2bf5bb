"""Round trips with real tiny models: save_pretrained -> resolve(folder) -> load -> resolve(object).

Every model is built from a tiny random config at test time (no downloads), once per module.
"""

from __future__ import annotations

import json
import warnings

import pytest

import resolver
from resolver.loading.calls import count_parameters
from resolver.loading.errors import LoadError
from resolver.loading.imports import import_loader

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()

TINY = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}
TEXT = {"vocab_size": 64, "max_position_embeddings": 64, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}
VISION = {**TINY, "image_size": 16, "patch_size": 8}


def _bert(**extra):
    return transformers.BertConfig(**TINY, **TEXT, **extra)


def _gpt2():
    return transformers.GPT2Config(
        vocab_size=64, n_embd=16, n_layer=1, n_head=2, n_positions=64, bos_token_id=1, eos_token_id=2
    )


def _t5():
    return transformers.T5Config(
        vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2, decoder_start_token_id=0
    )


def _wav2vec2():
    return transformers.Wav2Vec2Config(
        vocab_size=32,
        **TINY,
        conv_dim=(16, 16),
        conv_stride=(5, 2),
        conv_kernel=(10, 3),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
    )


def _whisper():
    return transformers.WhisperConfig(
        vocab_size=64,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_mel_bins=8,
        max_source_positions=16,
        max_target_positions=16,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=1,
    )


def _clip():
    text = {
        **TINY,
        "vocab_size": 64,
        "max_position_embeddings": 16,
        "pad_token_id": 0,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    return transformers.CLIPConfig(text_config=text, vision_config=VISION, projection_dim=8)


def _llava():
    vision = {"model_type": "clip_vision_model", **VISION}
    text = {"model_type": "llama", **TINY, **TEXT, "num_key_value_heads": 2}
    return transformers.LlavaConfig(vision_config=vision, text_config=text, image_token_index=63)


def _patchtst():
    return transformers.PatchTSTConfig(
        num_input_channels=2,
        context_length=16,
        patch_length=4,
        patch_stride=4,
        prediction_length=4,
        d_model=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        ffn_dim=32,
    )


# name: (model class, config factory, task resolve() must give, loader the rules must name)
MODELS = {
    "text-classification": (
        "BertForSequenceClassification",
        lambda: _bert(num_labels=2),
        "text-classification",
        "transformers.AutoModelForSequenceClassification",
    ),
    "token-classification": (
        "BertForTokenClassification",
        _bert,
        "token-classification",
        "transformers.AutoModelForTokenClassification",
    ),
    "question-answering": (
        "BertForQuestionAnswering",
        _bert,
        "question-answering",
        "transformers.AutoModelForQuestionAnswering",
    ),
    "fill-mask": ("BertForMaskedLM", _bert, "fill-mask", "transformers.AutoModelForMaskedLM"),
    "feature-extraction": ("BertModel", _bert, "feature-extraction", "transformers.AutoModel"),
    "text-generation": ("GPT2LMHeadModel", _gpt2, "text-generation", "transformers.AutoModelForCausalLM"),
    "text2text-generation": (
        "T5ForConditionalGeneration",
        _t5,
        "text2text-generation",
        "transformers.AutoModelForSeq2SeqLM",
    ),
    "asr-ctc": ("Wav2Vec2ForCTC", _wav2vec2, "automatic-speech-recognition", "transformers.AutoModelForCTC"),
    "asr-seq2seq": (
        "WhisperForConditionalGeneration",
        _whisper,
        "automatic-speech-recognition",
        "transformers.AutoModelForSpeechSeq2Seq",
    ),
    "image-classification": (
        "ViTForImageClassification",
        lambda: transformers.ViTConfig(**VISION, num_labels=3),
        "image-classification",
        "transformers.AutoModelForImageClassification",
    ),
    "zero-shot-image-classification": (
        "CLIPModel",
        _clip,
        "zero-shot-image-classification",
        "transformers.AutoModelForZeroShotImageClassification",
    ),
    "image-text-to-text": (
        "LlavaForConditionalGeneration",
        _llava,
        "image-text-to-text",
        "transformers.AutoModelForImageTextToText",
    ),
    "time-series-forecasting": (
        "PatchTSTForPrediction",
        _patchtst,
        "time-series-forecasting",
        "transformers.PatchTSTForPrediction",
    ),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Build and save each tiny model on first use: name -> folder."""
    root = tmp_path_factory.mktemp("tiny")
    folders: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in folders:
            class_name, config, _, _ = MODELS[name]
            torch.manual_seed(0)
            model = getattr(transformers, class_name)(config())
            model.save_pretrained(root / name)
            folders[name] = str(root / name)
        return folders[name]

    return get


@pytest.mark.parametrize("name", list(MODELS))
def test_transformers_round_trip(saved, name):
    class_name, _, task, loader = MODELS[name]
    resolution = resolver.resolve(saved(name))
    assert (resolution.task, resolution.library, resolution.loader) == (task, "transformers", loader)
    assert resolution.model_class() is import_loader(loader)

    model = resolution.load()

    assert isinstance(model, getattr(transformers, class_name))
    assert resolver.resolve(model).task == task


def _pix2struct():
    text = {"vocab_size": 64, "hidden_size": 16, "d_kv": 8, "d_ff": 32, "num_layers": 1, "num_heads": 2}
    vision = {
        "hidden_size": 16,
        "patch_embed_hidden_size": 16,
        "d_kv": 8,
        "d_ff": 32,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
    }
    return transformers.Pix2StructForConditionalGeneration(
        transformers.Pix2StructConfig(text_config=text, vision_config=vision)
    )


def _vitpose():
    backbone = transformers.VitPoseBackboneConfig(**TINY, image_size=[16, 16], patch_size=[8, 8], out_indices=[1])
    return transformers.VitPoseForPoseEstimation(transformers.VitPoseConfig(backbone_config=backbone, num_labels=3))


def _vision_encoder_decoder():
    encoder = transformers.ViTConfig(**VISION)
    decoder = transformers.BertConfig(**TINY, vocab_size=64, is_decoder=True, add_cross_attention=True)
    config = transformers.VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    return transformers.VisionEncoderDecoderModel(config)


# The custom classes of rules/tasks.yaml: (model type, task) pairs no auto class covers.
CUSTOM_CLASSES = {
    "pix2struct image-to-text": (_pix2struct, "image-to-text", "Pix2StructForConditionalGeneration"),
    "vitpose keypoint-detection": (_vitpose, None, "VitPoseForPoseEstimation"),
    "vision-encoder-decoder document-question-answering": (
        _vision_encoder_decoder,
        "document-question-answering",
        "VisionEncoderDecoderModel",
    ),
}


@pytest.mark.parametrize("name", list(CUSTOM_CLASSES))
def test_custom_classes_load(tmp_path, name):
    build, task, class_name = CUSTOM_CLASSES[name]
    torch.manual_seed(0)
    build().save_pretrained(tmp_path / "m")
    resolution = resolver.resolve(tmp_path / "m", task=task)
    assert resolution.loader == f"transformers.{class_name}"
    assert type(resolution.load()) is getattr(transformers, class_name)


def test_load_model_with_an_explicit_task_loads_that_head(saved):
    model = resolver.load_model(saved("feature-extraction"), task="sequence-classification")
    assert isinstance(model, transformers.BertForSequenceClassification)


def test_load_applies_dtype_and_device(saved):
    model = resolver.load_model(saved("text-classification"), dtype="bfloat16", device="cpu")
    parameter = next(model.parameters())
    assert (parameter.dtype, parameter.device.type) == (torch.bfloat16, "cpu")


def test_load_from_a_subfolder(saved, tmp_path):
    model = transformers.BertForMaskedLM(_bert())
    model.save_pretrained(tmp_path / "checkpoints" / "final")
    resolution = resolver.resolve(tmp_path / "checkpoints", subfolder="final")
    assert resolution.task == "fill-mask"
    assert isinstance(resolution.load(), transformers.BertForMaskedLM)


def test_model_class_for_task_gives_an_importable_class():
    path = resolver.model_class_for_task("audio-ctc", model_type="hubert")
    assert import_loader(path) is transformers.AutoModelForCTC
    path = resolver.model_class_for_task("speech2seq-lm", model_type="whisper")
    assert import_loader(path) is transformers.AutoModelForSpeechSeq2Seq


def test_a_loaded_object_is_not_loadable_again(saved):
    model = resolver.load_model(saved("fill-mask"))
    with pytest.raises(LoadError, match="already in memory"):
        resolver.resolve(model).load()


def test_cli_resolve_load_prints_class_and_parameters(saved, capsys):
    from resolver.cli.main import main

    folder = saved("text-classification")
    expected = sum(p.numel() for p in transformers.BertForSequenceClassification.from_pretrained(folder).parameters())

    assert main(["resolve", folder, "--load"]) == 0

    out = capsys.readouterr().out
    assert "loaded:" in out
    assert "BertForSequenceClassification" in out
    assert f"({expected:,} parameters)" in out


def test_cli_resolve_load_json(saved, capsys):
    from resolver.cli.main import main

    assert main(["resolve", saved("asr-ctc"), "--load", "--json"]) == 0
    loaded = json.loads(capsys.readouterr().out)["loaded"]
    assert loaded["class"].endswith(".Wav2Vec2ForCTC")
    assert loaded["parameters"] > 0


# ------------------------------------------------------------------ sentence-transformers


@pytest.fixture(scope="module")
def sentence_models(tmp_path_factory):
    """A tiny bi-encoder (BertModel + mean pooling) and a tiny cross-encoder, saved to folders."""
    st = pytest.importorskip("sentence_transformers")
    root = tmp_path_factory.mktemp("sbert")
    base = root / "bert"
    transformers.BertModel(_bert()).save_pretrained(base)
    vocab = base / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(59)]))
    transformers.BertTokenizer(str(vocab)).save_pretrained(base)
    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Pooling, Transformer
    embedding = Transformer(str(base), max_seq_length=32)
    pooling = Pooling(embedding.get_word_embedding_dimension())
    st.SentenceTransformer(modules=[embedding, pooling], device="cpu").save(str(root / "bi"))
    st.CrossEncoder(str(base), num_labels=1, device="cpu").save(str(root / "cross"))
    return st, str(root / "bi"), str(root / "cross")


def test_sentence_transformer_round_trip(sentence_models):
    st, folder, _ = sentence_models
    resolution = resolver.resolve(folder)
    assert (resolution.task, resolution.library) == ("sentence-similarity", "sentence_transformers")
    assert resolution.model_class() is st.SentenceTransformer

    model = resolution.load(device="cpu")

    assert isinstance(model, st.SentenceTransformer)
    assert model.encode(["w1 w2"]).shape == (1, 16)
    assert resolver.resolve(model).task == "sentence-similarity"


def test_cross_encoder_round_trip(sentence_models):
    st, _, folder = sentence_models
    resolution = resolver.resolve(folder)
    assert (resolution.task, resolution.loader) == ("text-ranking", "sentence_transformers.CrossEncoder")

    model = resolver.load_model(folder, device="cpu")

    assert isinstance(model, st.CrossEncoder)
    assert resolver.resolve(model).task == "text-ranking"


# ------------------------------------------------------------------ diffusers


@pytest.fixture(scope="module")
def ddpm_folder(tmp_path_factory):
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
    return diffusers, str(folder)


def test_diffusers_pipeline_round_trip(ddpm_folder):
    diffusers, folder = ddpm_folder
    resolution = resolver.resolve(folder)
    assert (resolution.task, resolution.library) == ("unconditional-image-generation", "diffusers")
    assert resolution.model_class() is diffusers.DDPMPipeline  # model_index.json's _class_name

    pipeline = resolution.load(dtype="float32", device="cpu")

    assert isinstance(pipeline, diffusers.DDPMPipeline)
    assert count_parameters(pipeline) == sum(p.numel() for p in pipeline.unet.parameters())
    assert resolver.resolve(pipeline).task == "unconditional-image-generation"


def test_a_diffusers_component_is_loaded_by_its_own_class_saved_or_in_memory(ddpm_folder):
    diffusers, folder = ddpm_folder
    saved = resolver.resolve(f"{folder}/unet")  # the pipeline's model_index.json gives the task
    unet = saved.load(dtype="float32", device="cpu")
    assert isinstance(unet, diffusers.UNet2DModel)
    assert saved.task == "unconditional-image-generation"
    for resolution in (saved, resolver.resolve(unet), resolver.resolve(diffusers.UNet2DModel)):
        assert (resolution.library, resolution.component) == ("diffusers", True)
        assert (resolution.architecture, resolution.loader) == ("UNet2DModel", "diffusers.UNet2DModel")
        assert resolution.model_class() is diffusers.UNet2DModel
    # alone, nothing names the pipeline: the library's default task, not an encoder's feature-extraction
    assert resolver.infer_task(unet) == resolver.resolve(unet).task == "text-to-image"
