"""Skipping rules the evidence cannot satisfy (resolver.needs) never changes an answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from realworld_cases import hub_metadata, iter_cases, write_folder

from resolver.api import Resolver
from resolver.conditions.language import compile_condition
from resolver.conditions.needs import (
    CLASSES,
    FILES,
    HUB,
    channels_in,
    doc_channel,
    ext_channel,
    file_channel,
    key_channel,
    needs_of,
    no_key_channel,
    prune,
    reads_only_files,
    surely_holds,
)
from resolver.engine.detect import _frameworks, detect_frameworks
from resolver.engine.resolve import resolve_evidence
from resolver.engine.state import State
from resolver.engine.strategies import STRATEGY_NEEDS
from resolver.evidence.model import Evidence
from resolver.validation.context import Context
from resolver.validation.examples import example_evidence, examples_in

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realworld"


@pytest.mark.parametrize(
    ("condition", "needs"),
    [
        ({"file": "modules.json"}, [{file_channel("modules.json")}]),
        ({"glob": "*tf_model*.h5"}, [{ext_channel("h5")}]),
        ({"glob": "model.*"}, [{FILES}]),
        ({"glob": "*.bi[n]"}, [{FILES}]),
        ({"config_has": ["a.b", "c"]}, [{key_channel("config.json", "a")}, {key_channel("config.json", "c")}]),
        ({"config": {"num_classes": 0, "x": {"exists": False}}}, [{key_channel("config.json", "num_classes")}]),
        ({"config": {"x": {"not_in": [1]}}}, []),
        ({"json": {"file": "a.json"}}, [{doc_channel("a.json")}]),
        ({"hub": {"pipeline_tag": "x"}}, [{HUB}]),
        ({"class": {"module": {"prefix": "timm."}}}, [{CLASSES}]),
        ({"any": [{"file": "a"}, {"class": {"name": "X"}}]}, [{file_channel("a"), CLASSES}]),
        ({"any": [{"file": "a"}, {"not": {"file": "b"}}]}, []),
        ({"all": [{"file": "a"}, {"not": {"file": "b"}}]}, [{file_channel("a")}]),
        ({"library": "timm"}, []),
        ({"not": {"config_has": "architectures"}}, [{no_key_channel("config.json", "architectures")}]),
        (
            {"not": {"config_has": ["a", "b"]}},
            [{no_key_channel("config.json", "a"), no_key_channel("config.json", "b")}],
        ),
        ({"not": {"config_has": "text_config.architectures"}}, []),
    ],
)
def test_what_a_condition_needs(condition, needs):
    assert [set(clause) for clause in needs_of(condition)] == needs


def _every_channel(rules) -> frozenset[str]:
    """Every channel any condition (or part of one) or strategy asks about: with all present, nothing is skipped."""
    found = {channel for spec in rules.condition_specs() for channel in channels_in(spec)}
    found.update(channel for _, needs in STRATEGY_NEEDS.values() for clause in needs for channel in clause)
    return frozenset(found)


def _corpus(r: Resolver, tmp_path: Path) -> list[Evidence]:
    corpus = [Evidence.from_dict(example_evidence(example)) for _, _, example in examples_in(Context(r.rules))]
    for _, case in iter_cases(FIXTURES):
        folder = write_folder(case, tmp_path / case["id"].replace("/", "__"))
        local = r.evidence(folder)
        corpus.append(local)
        corpus.append(Evidence(**{**vars(local), "hub": hub_metadata(case), "source": "hub"}))
    transformers = pytest.importorskip("transformers")
    for name in ("BertForSequenceClassification", "CLIPModel", "TFBertModel", "SamModel"):
        cls = getattr(transformers, name, None)
        if isinstance(cls, type):
            corpus.append(r.evidence(cls))
    return corpus


def _outcome(rules, evidence: Evidence):
    try:
        result = resolve_evidence(rules, evidence)
    except Exception as error:  # the same error either way
        return type(error).__name__, str(error)
    return result.to_dict()


def test_skipping_rules_changes_no_resolution(tmp_path, monkeypatch):
    r = Resolver(use_env=False)
    rules = r.rules
    corpus = _corpus(r, tmp_path)
    assert len(corpus) > 250
    planned = [_outcome(rules, evidence) for evidence in corpus]
    # every rule, every alternative, every strategy: what the engine did before it skipped any
    full_plan = rules._new_plan(_every_channel(rules), STRATEGY_NEEDS)
    # it serves evidence of any shape, so no channel may decide a test without it: it claims none present
    full_plan.present = frozenset()
    assert full_plan.layouts == tuple(rules.layouts) and full_plan.library_detect == tuple(rules.library_detect)
    assert full_plan.frameworks == tuple(rules.frameworks)
    monkeypatch.setattr(type(rules), "plan_for", lambda self, *args: full_plan)
    unplanned = [_outcome(rules, evidence) for evidence in corpus]
    for evidence, got, want in zip(corpus, planned, unplanned, strict=True):
        assert got == want, evidence.ref


def test_pruning_keeps_exactly_the_alternatives_that_can_hold():
    cross_encoder = {
        "any": [
            {"json": {"file": "config_sentence_transformers.json", "match": {"model_type": "CrossEncoder"}}},
            {"config_has": "sbert_ce_default_activation_function"},
        ]
    }
    st_doc = {
        doc_channel("config_sentence_transformers.json"),
        key_channel("config_sentence_transformers.json", "model_type"),
    }
    assert prune(cross_encoder, frozenset(st_doc)) == cross_encoder["any"][0]
    assert prune(cross_encoder, frozenset({doc_channel("config.json")})) is None
    weights = {"any": [{"glob": "*.safetensors"}, {"class": {"module": {"prefix": "torch."}}}]}
    assert prune(weights, frozenset({CLASSES})) == weights["any"][1]
    assert prune({"all": [{"file": "a"}, {"not": {"file": "b"}}]}, frozenset({file_channel("a")})) is not None
    assert channels_in(cross_encoder) >= st_doc


@pytest.mark.parametrize(
    "config",
    [
        {"model_type": "whisper"},
        {"model_type": "whisper", "architectures": None},  # null counts as absent, as config_has says
    ],
)
def test_a_rule_for_configs_without_architectures_still_runs_where_it_can_hold(config):
    """`not: {config_has: architectures}` skips the model-type layouts only where architectures has a value."""
    resolution = Resolver(use_env=False).resolve(Evidence.from_dict({"config": config}))
    assert resolution.task == "automatic-speech-recognition"
    assert resolution.strategy == "layouts"


def test_a_given_task_is_the_only_thing_that_runs_explicit_task():
    r = Resolver(use_env=False)
    evidence = Evidence.from_dict({"config": {"architectures": ["BertForMaskedLM"], "model_type": "bert"}})
    assert r.resolve(evidence).strategy == "config_architectures"
    given = r.resolve(evidence, task="text-classification")
    assert (given.task, given.strategy) == ("text-classification", "explicit_task")


@pytest.mark.parametrize(
    ("condition", "present", "holds"),
    [
        ({"file": "config.json"}, {file_channel("config.json")}, True),
        ({"file": "config.json"}, {FILES}, False),
        ({"glob": "*.safetensors"}, {ext_channel("safetensors")}, True),
        ({"glob": "*tf_model*.h5"}, {ext_channel("h5")}, False),  # a file ending in .h5 need not be tf_model
        ({"glob": "*.tar.gz"}, {ext_channel("gz")}, False),
        ({"any": [{"glob": "*.pt"}, {"file": "x"}]}, {file_channel("x")}, True),
        ({"all": [{"glob": "*.pt"}, {"file": "x"}]}, {file_channel("x")}, False),
        ({"all": [{"glob": "*.pt"}, {"file": "x"}]}, {file_channel("x"), ext_channel("pt")}, True),
        ({"config_has": "architectures"}, {key_channel("config.json", "architectures")}, False),  # null is not "has"
        ({"not": {"file": "x"}}, set(), False),
    ],
)
def test_what_the_channels_alone_say_holds(condition, present, holds):
    assert surely_holds(condition, frozenset(present)) is holds


def _facts(rules, evidence: Evidence) -> State:
    state = State(rules, evidence, None, None, STRATEGY_NEEDS)
    state.library = None
    return state


def _parts(spec):
    """`spec` and every condition inside it."""
    yield spec
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("any", "all"):
                for item in value:
                    yield from _parts(item)
            elif key == "not":
                yield from _parts(value)


def test_a_condition_the_channels_decide_holds_on_every_evidence_of_the_corpus(tmp_path):
    """surely_holds is what lets a plan skip a library test: it may never say so of one that fails."""
    r = Resolver(use_env=False)
    rules = r.rules
    specs = [part for spec in rules.condition_specs() for part in _parts(spec)]
    decided = 0
    for evidence in _corpus(r, tmp_path):
        facts = _facts(rules, evidence)
        present = facts.plan.present
        for spec in specs:
            if surely_holds(spec, present):
                decided += 1
                assert compile_condition(spec)(facts), (spec, evidence.ref)
    assert decided > 100  # the corpus does exercise it: config.json and weight files are everywhere


def test_a_plan_remembers_frameworks_per_file_list_only_where_the_files_decide_them(tmp_path):
    r = Resolver(use_env=False)
    rules = r.rules
    corpus = _corpus(r, tmp_path)
    for evidence in corpus:  # fills the plans' memos
        resolve_evidence(rules, evidence)
    remembered = 0
    for evidence in corpus:
        facts = _facts(rules, evidence)
        memo = facts.plan.frameworks_by_files
        if memo is not None:
            assert all(reads_only_files(d.when_from) for d in facts.plan.frameworks)
            remembered += evidence.files in memo
        assert detect_frameworks(facts) == _frameworks(facts)[0], evidence.ref
        assert facts.trace[-1] == _frameworks(facts)[1]
    assert remembered > 100
    assert reads_only_files({"any": [{"glob": "*.pt"}, {"not": {"file": "x"}}]})
    assert not reads_only_files({"any": [{"glob": "*.pt"}, {"class": {"module": {"prefix": "torch."}}}]})
    assert not reads_only_files({"config_has": "architectures"})


def test_evidence_of_a_shape_seen_before_gets_the_plan_of_its_own_channels(tmp_path):
    """plan_for finds a plan by the evidence's shape (file list, the watched keys each document holds)
    without working out its channels: the plan must be the one those channels give, null values included."""
    r = Resolver(use_env=False)
    rules = r.rules
    corpus = _corpus(r, tmp_path)
    variants = []
    for evidence in corpus:
        config = evidence.documents.get("config.json")
        if isinstance(config, dict) and config.get("architectures"):
            # the same shape but a null architectures, which counts as absent (a nokey: channel)
            nulled = {**evidence.documents, "config.json": {**config, "architectures": None}}
            variants.append(Evidence(**{**vars(evidence), "documents": nulled}))
    shared = 0
    for evidence in [*corpus, *variants, *corpus]:  # the second pass finds every shape remembered
        args = (evidence.files, evidence.documents, bool(evidence.classes), bool(evidence.hub), STRATEGY_NEEDS)
        plan = rules.plan_for(*args)
        assert plan.present == rules.channels.present(*args[:4]), evidence.ref
        shared += rules.channels.shape(*args[:4]) in rules._shaped_plans
    assert variants and shared > len(corpus)
