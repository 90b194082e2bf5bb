"""resolver.pipeline(ref): transformers.pipeline() for the resolved task and class (or the sentence-transformers
/ diffusers object), on tiny models saved with save_pretrained (tiny configs, random weights, CPU): local
folders, subfolders and offline caches, where transformers.pipeline(model=...) alone raises."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

transformers = pytest.importorskip("transformers")
pytest.importorskip("torch")

from hubserver import HubServer  # noqa: E402
from huggingface_hub import snapshot_download  # noqa: E402
from test_hub import isolated_hf  # noqa: E402

import resolver  # noqa: E402
from resolver.errors import ResolutionError, TaskResolverError  # noqa: E402

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()

TINY = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}
TEXT = {"vocab_size": 64, "max_position_embeddings": 64, "pad_token_id": 0}
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(59)]


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


def with_tokenizer(folder: Path) -> Path:
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(WORDS))
    transformers.BertTokenizer(str(vocab)).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("classifier")
    config = transformers.BertConfig(**TINY, **TEXT, id2label={0: "bad", 1: "good"}, label2id={"bad": 0, "good": 1})
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    return with_tokenizer(folder)


def test_a_local_folder(classifier: Path) -> None:
    with pytest.raises(Exception):  # noqa: B017 (pipeline() alone asks the Hub for a local folder's task)
        transformers.pipeline(model=str(classifier))
    classify = resolver.pipeline(classifier, device="cpu")
    assert isinstance(classify, transformers.TextClassificationPipeline)
    out = classify("w1 w2")
    assert out[0]["label"] in {"bad", "good"} and 0 <= out[0]["score"] <= 1
    # pipeline() options pass through
    assert len(resolver.pipeline(classifier, top_k=None)("w3")[0]) == 2


def test_a_subfolder(classifier: Path, tmp_path: Path) -> None:
    model = transformers.BertForMaskedLM(transformers.BertConfig(**TINY, **TEXT))
    model.save_pretrained(tmp_path / "repo" / "mlm")
    with_tokenizer(tmp_path / "repo" / "mlm")
    fill = resolver.pipeline(tmp_path / "repo", subfolder="mlm")
    assert isinstance(fill, transformers.FillMaskPipeline)
    assert len(fill("w1 [MASK] w2", top_k=3)) == 3


def test_text_generation_uses_the_resolved_class(tmp_path: Path) -> None:
    config = transformers.GPT2Config(vocab_size=64, n_embd=16, n_layer=1, n_head=2, n_positions=64)
    transformers.GPT2LMHeadModel(config).save_pretrained(tmp_path / "gpt2")
    generate = resolver.pipeline(with_tokenizer(tmp_path / "gpt2"))
    assert isinstance(generate, transformers.TextGenerationPipeline)
    assert type(generate.model).__name__ == "GPT2LMHeadModel"
    out = generate("w1 w2", max_new_tokens=2, do_sample=False)
    assert isinstance(out[0]["generated_text"], str)


def test_image_classification(tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    config = transformers.ViTConfig(**TINY, image_size=16, patch_size=8, num_labels=3)
    transformers.ViTForImageClassification(config).save_pretrained(tmp_path / "vit")
    transformers.ViTImageProcessor(size={"height": 16, "width": 16}).save_pretrained(tmp_path / "vit")
    classify = resolver.pipeline(tmp_path / "vit")
    assert isinstance(classify, transformers.ImageClassificationPipeline)
    assert len(classify(pil.new("RGB", (20, 20)), top_k=3)) == 3


def test_an_explicit_task_and_a_task_pipeline_lacks(classifier: Path) -> None:
    extract = resolver.pipeline(classifier, task="feature-extraction")
    assert isinstance(extract, transformers.FeatureExtractionPipeline)
    with pytest.raises(ResolutionError, match="pipeline has no name for question-answering"):
        resolver.pipeline(classifier, task="question-answering")


def test_the_offline_cache(classifier: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model cached by another tool, the Hub out of reach: pipeline() alone cannot tell the task."""
    files = {p.relative_to(classifier).as_posix(): p.read_bytes() for p in classifier.rglob("*") if p.is_file()}
    cache = tmp_path / "hf" / "hub"
    with HubServer() as hub:
        hub.add_repo("org/tiny-classifier", files)
        snapshot_download("org/tiny-classifier", endpoint=hub.url, cache_dir=cache, token=False)
    with monkeypatch.context() as offline:
        from huggingface_hub import constants

        offline.setattr(constants, "HF_HUB_OFFLINE", True)
        with pytest.raises(Exception):  # noqa: B017 (it needs the Hub to tell the task)
            transformers.pipeline(model="org/tiny-classifier", model_kwargs={"cache_dir": str(cache)})
    classify = resolver.pipeline("org/tiny-classifier", offline=True, cache_dir=cache)
    assert isinstance(classify, transformers.TextClassificationPipeline)
    assert classify("w1")[0]["label"] in {"bad", "good"}


def test_sentence_transformers_gives_its_own_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = pytest.importorskip("sentence_transformers")
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # save() writes a model card: no Hub look-ups for it
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    base = tmp_path / "bert"
    transformers.BertModel(transformers.BertConfig(**TINY, **TEXT)).save_pretrained(base)
    with_tokenizer(base)
    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Pooling, Transformer
    embedding = Transformer(str(base), max_seq_length=32)
    st.SentenceTransformer(modules=[embedding, Pooling(16)], device="cpu").save(str(tmp_path / "bi"))
    model = resolver.pipeline(tmp_path / "bi", device="cpu")
    assert isinstance(model, st.SentenceTransformer)
    assert model.encode(["w1 w2"]).shape == (1, 16)
    with pytest.raises(TaskResolverError, match="top_k"):
        resolver.pipeline(tmp_path / "bi", top_k=3)


def test_diffusers_gives_its_pipeline(tmp_path: Path) -> None:
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
    diffusers.DDPMPipeline(unet=unet, scheduler=diffusers.DDPMScheduler(num_train_timesteps=2)).save_pretrained(
        tmp_path / "ddpm"
    )
    pipe = resolver.pipeline(tmp_path / "ddpm", dtype="float32", device="cpu")
    assert isinstance(pipe, diffusers.DDPMPipeline)
    image = pipe(num_inference_steps=1, output_type="np").images
    assert image.shape == (1, 8, 8, 1)
