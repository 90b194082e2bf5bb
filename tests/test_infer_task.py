"""`infer_task` gives exactly the task `resolve` gives, on every kind of evidence, for less work."""

from __future__ import annotations

from pathlib import Path

import pytest
from realworld_cases import iter_cases, write_folder

import resolver
from resolver import ResolutionError
from resolver.api import Resolver
from resolver.engine.resolve import infer_task, resolve_evidence
from resolver.evidence.model import Evidence
from resolver.validation.context import Context
from resolver.validation.examples import example_evidence, examples_in

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realworld"


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


def _same_answer(r: Resolver, evidence: Evidence, **options: str) -> str | None:
    """The task both calls give (None when both raise ResolutionError); fails if they differ."""
    try:
        full = resolve_evidence(r.rules, evidence, **options).task
    except ResolutionError:
        full = None
    try:
        only = infer_task(r.rules, evidence, **options)
    except ResolutionError:
        only = None
    assert only == full, f"infer_task gives {only!r}, resolve gives {full!r} for {evidence.ref or evidence}"
    return only


def test_agrees_with_resolve_on_every_rule_example(r):
    examples = [example for _, _, example in examples_in(Context(r.rules))]
    assert len(examples) >= 40
    for example in examples:
        assert _same_answer(r, Evidence.from_dict(example_evidence(example))) == example["task"]


def test_agrees_with_resolve_on_every_real_world_folder(r, tmp_path):
    count = 0
    for _, case in iter_cases(FIXTURES):
        folder = write_folder(case, tmp_path / case["id"].replace("/", "__"))
        _same_answer(r, r.evidence(folder))
        count += 1
    assert count == 102


def test_agrees_with_resolve_on_every_installed_architecture(r):
    transformers = pytest.importorskip("transformers")
    from transformers_catalog import architectures, config_for

    for arch in architectures():
        _same_answer(r, Evidence.from_dict({"config": config_for(arch)}))
        cls = getattr(transformers, arch.name, None)
        if isinstance(cls, type):
            assert _same_answer(r, r.evidence(cls)) is not None


def test_detects_the_library_only_when_a_rule_reads_it(r):
    # a lone GGUF file: only the library's default task answers, so the library must be detected
    gguf = Evidence.from_dict({"files": ["model-Q4_K_M.gguf"]})
    assert _same_answer(r, gguf) == "text-generation"
    # an explicit library is honoured as in resolve(), and checked
    config = {"config": {"architectures": ["BertModel"]}}
    assert (
        r.infer_task(config, library="sentence-transformers") == r.resolve(config, library="sentence-transformers").task
    )
    with pytest.raises(resolver.UnknownLibraryError):
        r.infer_task(config, library="not-a-library")


def test_says_why_it_cannot_answer(r):
    with pytest.raises(ResolutionError) as info:
        r.infer_task({"files": ["README.md"]})
    assert "no rule matched" in str(info.value)
    assert [step.step for step in info.value.trace][:1] == ["library"]


def test_public_function_takes_a_model_class():
    transformers = pytest.importorskip("transformers")
    assert resolver.infer_task(transformers.BertForSequenceClassification) == "text-classification"
    assert resolver.infer_task(transformers.CLIPModel) == "zero-shot-image-classification"
