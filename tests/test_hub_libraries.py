"""The Hub's library list in rules/libraries.yaml, checked against a copy of huggingface.js's model-libraries.ts."""

from __future__ import annotations

import pytest

from resolver.api import Resolver
from resolver.errors import EvidenceError
from resolver.sync.hub_libraries import hub_libraries_drift, library_names, library_tasks

MODEL_LIBRARIES = """
export const MODEL_LIBRARIES_UI_ELEMENTS = {
\tacestep: {
\t\tprettyLabel: "ACE-Step",
\t\tcountDownloads: `path:"ace_step_transformer/config.json"`,
\t},
\t"adapter-transformers": {
\t\tprettyLabel: "Adapters",
\t\tsnippets: snippets.adapters,
\t},
\t// a comment: "not-a-library": {
\tbrand_new_lib: {
\t\tprettyLabel: "Brand new",
\t},
} satisfies Record<string, LibraryUiElement>;
"""

LIBRARY_TO_TASKS = """
export const LIBRARY_TASK_MAPPING: Partial<Record<ModelLibraryKey, PipelineType[]>> = {
\t"adapter-transformers": ["question-answering", "text-classification", "token-classification"],
\tasteroid: [
\t\t// "audio-source-separation",
\t\t"audio-to-audio",
\t],
};
"""


def test_the_names_and_tasks_are_read_as_text():
    assert library_names(MODEL_LIBRARIES) == ["acestep", "adapter-transformers", "brand_new_lib"]
    assert library_tasks(LIBRARY_TO_TASKS) == {
        "adapter-transformers": ["question-answering", "text-classification", "token-classification"],
        "asteroid": ["audio-to-audio"],
    }


def test_drift_names_what_a_newer_copy_adds_and_what_it_dropped(tmp_path):
    rules = Resolver(use_env=False).rules
    assert {"adapter_transformers", "speechbrain", "sentence_transformers"} <= rules.hub_libraries
    copy = tmp_path / "model-libraries.ts"
    copy.write_text(MODEL_LIBRARIES)
    drift = hub_libraries_drift(rules, copy)
    assert drift.added == {"brand_new_lib": "library"}
    assert "speechbrain" in drift.removed and "acestep" not in drift.removed
    assert "+ brand_new_lib: library" in drift.lines()


def test_a_file_without_the_table_is_a_clear_error(tmp_path):
    copy = tmp_path / "other.ts"
    copy.write_text("export const X = 1;")
    with pytest.raises(EvidenceError, match="MODEL_LIBRARIES_UI_ELEMENTS"):
        hub_libraries_drift(Resolver(use_env=False).rules, copy)


@pytest.mark.parametrize(
    ("library", "task"),
    [
        ("allennlp", "question-answering"),
        ("asteroid", "audio-to-audio"),
        ("flair", "token-classification"),
        ("nemo", "automatic-speech-recognition"),
        ("fastai", "image-classification"),
        ("espnet", "text-to-audio"),
        ("peft", "text-generation"),
        ("pyannote-audio", "automatic-speech-recognition"),
    ],
)
def test_a_hub_library_name_alone_gives_the_library_task(library, task):
    result = Resolver(use_env=False).resolve_evidence({"hub": {"library_name": library}})
    assert (result.task, result.strategy, result.specificity) == (task, "library_default", "default")


def test_a_library_the_hub_lists_without_tasks_is_named_as_such():
    from resolver.errors import ResolutionError

    with pytest.raises(ResolutionError) as caught:
        Resolver(use_env=False).resolve_evidence({"hub": {"library_name": "acestep"}})
    assert any("the Hub's list" in step.message for step in caught.value.trace)
