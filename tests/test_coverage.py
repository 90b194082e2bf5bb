"""Every architecture of the installed transformers resolves to the task the Hub gives it.

Each class gets a folder holding only its config.json (the model type's default config with
`architectures` set), resolved through the public API like a user's folder.
"""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("transformers")

from transformers_catalog import architectures, config_for  # noqa: E402

from resolver.api import Resolver  # noqa: E402
from resolver.engine.resolve import resolve_evidence  # noqa: E402
from resolver.evidence.model import Evidence  # noqa: E402

# Deliberate, documented deviations (rules/architectures.yaml `exact`): audio-language models that
# transformers also lists under seq2seq / text-to-waveform for loading purposes.
DEVIATIONS = {
    "Qwen2AudioForConditionalGeneration": "audio-text-to-text",  # audio in, text out (the Hub tags it so)
    "Qwen2_5OmniForConditionalGeneration": "any-to-any",
    "Qwen3OmniMoeForConditionalGeneration": "any-to-any",
    "AudioFlamingo3ForConditionalGeneration": "audio-text-to-text",
    "GlmAsrForConditionalGeneration": "automatic-speech-recognition",  # an LLM-based recogniser (zai-org/GLM-ASR-*)
    "MgpstrForSceneTextRecognition": "image-to-text",  # scene-text recognition, listed under AutoModel only
    # retrieval models the Hub tags by purpose (vidore/colpali-v1.3-hf), not by their AutoModel listing
    "ColPaliForRetrieval": "visual-document-retrieval",
    "ColQwen2ForRetrieval": "visual-document-retrieval",
    "ColModernVBertForRetrieval": "visual-document-retrieval",
    "GroupViTModel": "zero-shot-image-classification",  # CLIP-like; transformers lists it under AutoModel only
}


@pytest.fixture(scope="module")
def resolver_() -> Resolver:
    return Resolver(use_env=False)


def test_every_installed_architecture_resolves_from_a_config_only_folder(tmp_path, resolver_, capsys):
    catalog = architectures()
    assert len(catalog) > 1000
    wrong = {}
    for arch in catalog:
        folder = tmp_path / arch.name
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps(config_for(arch)))
        result = resolver_.resolve(folder)
        expected = DEVIATIONS.get(arch.name, arch.hub_task)
        if result.task != expected or result.library != "transformers":
            wrong[arch.name] = (expected, result.task)
    with capsys.disabled():
        print(f"\ncoverage: {len(catalog) - len(wrong)}/{len(catalog)} installed architectures resolve as expected")
    assert wrong == {}
    assert set(DEVIATIONS) <= {a.name for a in catalog}, "a deviation no longer exists: drop it"


def test_deviations_are_the_only_departures_from_the_hub_walk(resolver_):
    hub = {a.name: a.hub_task for a in architectures()}
    for name, task in DEVIATIONS.items():
        assert hub[name] != task, f"{name} agrees with the Hub now: remove it from the exceptions"
        assert resolver_.rules.exact[name][0] == task


def test_patterns_alone_cover_most_architectures(resolver_, capsys):
    """With the exact and generated tables switched off, suffix patterns still get most classes right."""
    rules = copy.copy(resolver_.rules)
    rules.exact, rules.generated = {}, {}
    catalog = architectures()
    right = sum(
        resolve_evidence(rules, Evidence.from_dict({"config": config_for(arch)})).task == arch.hub_task
        for arch in catalog
    )
    with capsys.disabled():
        print(f"\npatterns alone: {right}/{len(catalog)} ({right / len(catalog):.1%})")
    assert right / len(catalog) >= 0.88
