"""Real artifacts for the long tail, made at test time: a CrossEncoder saved by sentence-transformers (with and
without its modules.json) and a tiny diffusers video pipeline saved with save_pretrained."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from resolver.api import Resolver


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


@pytest.fixture(scope="module")
def cross_encoder(tmp_path_factory) -> Path:
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import CrossEncoder
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    base = tmp_path_factory.mktemp("bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *(f"w{i}" for i in range(40))]
    (base / "vocab.txt").write_text("\n".join(vocab))
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    config.num_labels = 1
    BertForSequenceClassification(config).save_pretrained(base)
    BertTokenizer(str(base / "vocab.txt")).save_pretrained(base)
    saved = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(str(base), num_labels=1).save(str(saved))
    return saved


def test_a_cross_encoder_saved_by_sentence_transformers_is_a_ranker(r, cross_encoder):
    result = r.resolve(cross_encoder)
    assert (result.task, result.library) == ("text-ranking", "sentence_transformers")
    assert result.loader == "sentence_transformers.CrossEncoder"


def test_a_cross_encoder_without_modules_json_is_still_a_ranker(r, cross_encoder, tmp_path):
    copy = tmp_path / "ce"
    shutil.copytree(cross_encoder, copy)
    (copy / "modules.json").unlink()
    assert json.loads((copy / "config_sentence_transformers.json").read_text())["model_type"] == "CrossEncoder"
    assert r.resolve(copy).task == "text-ranking"


def test_a_cross_encoder_the_hub_calls_text_classification(r, cross_encoder):
    from resolver.evidence.folder import from_folder

    evidence = from_folder(cross_encoder, r.rules.documents)
    data = {
        "files": sorted(evidence.files),
        "documents": dict(evidence.documents),
        "hub": {"pipeline_tag": "text-classification"},
    }
    assert r.resolve_evidence(data).task == "text-classification"


@pytest.fixture(scope="module")
def video_pipeline(tmp_path_factory) -> Path:
    """A StableVideoDiffusionPipeline of tiny random components (about 8 MB)."""
    pytest.importorskip("diffusers")
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=8,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=16,
        num_attention_heads=(2, 4),
        projection_class_embeddings_input_dim=24,
        addition_time_embed_dim=8,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 64],
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        latent_channels=4,
        layers_per_block=1,
    )
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=16,
            projection_dim=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=32,
            intermediate_size=32,
            patch_size=8,
        )
    )
    pipeline = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=encoder,
        unet=unet,
        scheduler=EulerDiscreteScheduler(),
        feature_extractor=CLIPImageProcessor(crop_size=32, size=32),
    )
    folder = tmp_path_factory.mktemp("svd") / "pipeline"
    pipeline.save_pretrained(folder)
    return folder


def test_a_saved_video_pipeline_is_image_to_video(r, video_pipeline):
    result = r.resolve(video_pipeline)
    assert (result.task, result.library) == ("image-to-video", "diffusers")
    assert result.loader == "diffusers.StableVideoDiffusionPipeline"
    unet = r.resolve(video_pipeline, subfolder="unet")
    assert (unet.task, unet.component, unet.loader) == (
        "image-to-video",
        True,
        "diffusers.UNetSpatioTemporalConditionModel",
    )


def test_a_saved_video_pipeline_loads_with_its_own_class(r, video_pipeline):
    loaded = r.resolve(video_pipeline).load()
    assert type(loaded).__name__ == "StableVideoDiffusionPipeline"
