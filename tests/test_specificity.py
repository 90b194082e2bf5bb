"""Specificity: a default answer (a library's default task, a `default: true` case) gives way to a later
specific answer such as the Hub's pipeline_tag; a specific answer the Hub contradicts keeps its task
and the Resolution records the disagreement."""

from __future__ import annotations

import pytest

from resolver.api import Resolver
from resolver.engine.resolve import infer_task
from resolver.evidence.model import Evidence


@pytest.fixture(scope="module")
def resolver_() -> Resolver:
    return Resolver(use_env=False)


def test_a_generic_fallback_case_gives_way_to_the_hub_pipeline_tag(resolver_):
    evidence = {"config": {"architectures": ["AcmeForConditionalGeneration"]}, "hub": {"pipeline_tag": "image-to-text"}}
    result = resolver_.resolve_evidence(evidence)
    assert result.task == "image-to-text"
    assert result.strategy == "hub_pipeline_tag"
    assert result.specificity == "specific"
    assert [c.strategy for c in result.candidates][:1] == ["config_architectures"]
    assert "gives way" in result.explain()
    assert infer_task(resolver_.rules, Evidence.from_dict(evidence)) == "image-to-text"


def test_a_default_alone_still_answers_and_says_so(resolver_):
    result = resolver_.resolve_evidence({"config": {"architectures": ["AcmeForConditionalGeneration"]}})
    assert result.task == "image-text-to-text"
    assert result.specificity == "default"
    assert result.disagreements == ()


def test_a_specific_rule_keeps_its_answer_and_records_the_hub_disagreement(resolver_):
    evidence = {
        "config": {"architectures": ["XLMRobertaForSequenceClassification"]},
        "hub": {"pipeline_tag": "feature-extraction"},
    }
    result = resolver_.resolve_evidence(evidence)
    assert result.task == "text-classification"
    assert result.specificity == "specific"
    assert [(d.strategy, d.task) for d in result.disagreements] == [("hub_pipeline_tag", "feature-extraction")]
    data = result.to_dict()
    assert [(d["strategy"], d["task"]) for d in data["disagreements"]] == [("hub_pipeline_tag", "feature-extraction")]
    assert "disagrees: the Hub says feature-extraction" in result.explain()


def test_the_library_default_gives_way_too(resolver_):
    result = resolver_.resolve_evidence(
        {"files": ["model.Q4_K_M.gguf"], "hub": {"pipeline_tag": "sentence-similarity"}}
    )
    assert result.task == "sentence-similarity"


def test_a_bare_base_model_class_gives_way_to_the_hub(resolver_):
    # a decoder-only family's checkpoint saved as its base class (BloomModel): only the Hub says "generator"
    alone = resolver_.resolve_evidence({"config": {"architectures": ["BloomModel"]}})
    assert (alone.task, alone.specificity) == ("feature-extraction", "default")
    hub = resolver_.resolve_evidence(
        {"config": {"architectures": ["BloomModel"]}, "hub": {"pipeline_tag": "text-generation"}}
    )
    assert (hub.task, hub.strategy, hub.disagreements) == ("text-generation", "hub_pipeline_tag", ())
    # a head is specific: the Hub's contrary tag is recorded, not followed
    head = resolver_.resolve_evidence(
        {"config": {"architectures": ["BloomForCausalLM"]}, "hub": {"pipeline_tag": "text2text-generation"}}
    )
    assert head.task == "text-generation" and head.disagreements
