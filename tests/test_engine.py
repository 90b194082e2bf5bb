"""The engine on plain evidence dicts: no files, no network."""

from __future__ import annotations

import pytest
from conftest import ROOT

import resolver
from resolver import ResolutionError, UnknownLibraryError, UnknownTaskError
from resolver.api import Resolver


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


def resolve_config(r: Resolver, architecture: str, **config):
    return r.resolve_evidence({"config": {"architectures": [architecture], **config}})


@pytest.mark.parametrize(
    ("architecture", "task"),
    [
        ("CLIPModel", "zero-shot-image-classification"),
        ("SamModel", "mask-generation"),
        ("ViTModel", "image-feature-extraction"),
        ("WhisperForConditionalGeneration", "automatic-speech-recognition"),
        ("LlavaForConditionalGeneration", "image-text-to-text"),
        ("Qwen2AudioForConditionalGeneration", "audio-text-to-text"),
        ("BertForSequenceClassification", "text-classification"),
        ("T5ForConditionalGeneration", "text2text-generation"),
        ("Wav2Vec2ForCTC", "automatic-speech-recognition"),
        ("Wav2Vec2ForSequenceClassification", "audio-classification"),
    ],
)
def test_known_architectures_get_the_hub_task(r, architecture, task):
    assert resolve_config(r, architecture).task == task


@pytest.mark.parametrize(
    ("architecture", "config", "task"),
    [
        ("AcmeForCausalLM", {}, "text-generation"),
        ("AcmeVisionForConditionalGeneration", {"vision_config": {"hidden_size": 8}}, "image-text-to-text"),
        ("AcmeSpeechForConditionalGeneration", {"num_mel_bins": 80}, "automatic-speech-recognition"),
        ("AcmeTranslatorForConditionalGeneration", {"d_model": 8}, "text2text-generation"),
        ("AcmeForSequenceClassification", {"vocab_size": 10}, "text-classification"),
        ("AcmeForImageClassificationWithTeacher", {}, "image-classification"),
        ("AcmeForObjectDetection", {"text_config": {}}, "zero-shot-object-detection"),
        ("AcmeModel", {"vision_config": {}, "text_config": {}}, "zero-shot-image-classification"),
        ("AcmeModel", {"vocab_size": 10}, "feature-extraction"),
    ],
)
def test_suffix_patterns_resolve_classes_no_table_lists(r, architecture, config, task):
    result = resolve_config(r, architecture, **config)
    assert result.task == task
    assert result.where.startswith("rules/architectures.yaml:")
    assert "pattern" in result.trace[-3].message or any("pattern" in s.message for s in result.trace)


def test_tf_and_flax_prefixes_are_legacy_spellings(r):
    tf = resolve_config(r, "TFBertForSequenceClassification")
    flax = resolve_config(r, "FlaxBertForMaskedLM")
    assert (tf.task, flax.task) == ("text-classification", "fill-mask")
    assert "TF spelling of BertForSequenceClassification" in tf.trace[2].message


def test_trace_names_the_rule_file_and_line(r):
    result = resolve_config(r, "BertForTokenClassification")
    path, line = result.where.split(":")
    text = (ROOT / path).read_text().splitlines()[int(line) - 1]
    assert "BertForTokenClassification: token-classification" in text


def test_later_strategies_are_kept_as_candidates(r):
    result = r.resolve_evidence(
        {"config": {"architectures": ["GPT2LMHeadModel"]}, "hub": {"pipeline_tag": "text-classification"}}
    )
    assert result.task == "text-generation"
    assert ("text-classification", "hub_pipeline_tag") in {(c.task, c.strategy) for c in result.candidates}


@pytest.mark.parametrize(
    ("given", "task"),
    [
        ("causal-lm", "text-generation"),
        ("causal-lm-with-past", "text-generation"),
        ("seq2seq-lm-with-past", "text2text-generation"),
        ("sequence-classification", "text-classification"),
        ("sentiment-analysis", "text-classification"),
        ("ner", "token-classification"),
        ("default", "feature-extraction"),
        ("masked-lm", "fill-mask"),
        ("audio-ctc", "automatic-speech-recognition"),
        ("speech2seq-lm", "automatic-speech-recognition"),
        ("vision2seq-lm", "image-to-text"),
        ("text-to-speech", "text-to-audio"),
        ("summarization", "text2text-generation"),
        ("translation", "text2text-generation"),
        ("Text_Generation", "text-generation"),
    ],
)
def test_synonyms_normalize_to_hub_pipeline_tags(r, given, task):
    assert r.normalize_task(given) == task


def test_explicit_task_wins_and_says_so(r):
    result = r.resolve_evidence({"config": {"architectures": ["BertForMaskedLM"]}}, task="ner")
    assert result.task == "token-classification"
    assert result.strategy == "explicit_task"
    assert "synonym of token-classification" in result.trace[2].message
    assert result.loader == "transformers.AutoModelForTokenClassification"
    assert result.candidates[0].task == "fill-mask"


def test_unknown_task_suggests_close_names(r):
    with pytest.raises(UnknownTaskError) as info:
        r.normalize_task("text-generaton")
    assert info.value.suggestions[0] == "text-generation"
    assert "did you mean 'text-generation'" in str(info.value)


def test_unknown_library_is_a_typed_error(r):
    with pytest.raises(UnknownLibraryError, match="did you mean transformers"):
        r.resolve_evidence({"config": {}}, library="transfromers")


def test_nothing_to_go_on_is_a_resolution_error_with_trace(r):
    with pytest.raises(ResolutionError) as info:
        r.resolve_evidence({"files": ["README.md"]})
    assert info.value.exit_code == 1
    assert "--task" in str(info.value)
    assert any(step.step == "library" for step in info.value.trace)


@pytest.mark.parametrize(
    ("task", "model_type", "expected"),
    [
        ("automatic-speech-recognition", "wav2vec2", "transformers.AutoModelForCTC"),
        ("automatic-speech-recognition", "whisper", "transformers.AutoModelForSpeechSeq2Seq"),
        ("image-to-text", "pix2struct", "transformers.Pix2StructForConditionalGeneration"),
        ("document-question-answering", "vision-encoder-decoder", "transformers.VisionEncoderDecoderModel"),
        ("keypoint-detection", "vitpose", "transformers.VitPoseForPoseEstimation"),
        ("time-series-forecasting", "patchtst", "transformers.PatchTSTForPrediction"),
        ("causal-lm", None, "transformers.AutoModelForCausalLM"),
        ("image-to-text", None, "transformers.AutoModelForImageTextToText"),
    ],
)
def test_model_class_for_task(r, task, model_type, expected):
    assert r.model_class_for_task(task, model_type=model_type) == expected


def test_module_level_api():
    assert resolver.normalize_task("causal-lm") == "text-generation"
    assert "image-text-to-text" in resolver.tasks()
    assert resolver.model_class_for_task("fill-mask") == "transformers.AutoModelForMaskedLM"


def test_task_vocabulary_has_every_tag_transformers_assigns(r):
    required = {
        "image-text-to-text",
        "any-to-any",
        "image-feature-extraction",
        "mask-generation",
        "keypoint-matching",
        "zero-shot-image-classification",
        "zero-shot-object-detection",
        "text-to-audio",
        "video-classification",
        "table-question-answering",
        "document-question-answering",
        "visual-question-answering",
        "depth-estimation",
        "image-segmentation",
        "next-sentence-prediction",
        "time-series-forecasting",
        "reinforcement-learning",
        "text-to-image",
        "image-to-image",
        "inpainting",
        "sentence-similarity",
    }
    assert required <= set(r.tasks())


def test_fast_built_records_carry_exactly_their_declared_fields(r):
    """Resolution and class Evidence skip their __init__ (resolver.frozen); no field may be missing or extra."""
    from dataclasses import fields

    from resolver.engine.resolution import Resolution
    from resolver.evidence.model import Evidence
    from resolver.evidence.objects import from_object

    class AcmeForCausalLM:
        pass

    evidence = from_object(AcmeForCausalLM)
    assert set(vars(evidence)) == {f.name for f in fields(Evidence)}
    result = r.resolve(AcmeForCausalLM)
    assert set(vars(result)) == {f.name for f in fields(Resolution)}
    assert result == Resolution(**vars(result))
