"""Vocabularies: the task as the Hub, optimum's exporters and transformers.pipeline() spell it (rules/vocabularies.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import resolver
from resolver.api import Resolver
from resolver.cli.main import main
from resolver.compat.vocabulary import VocabularyResolution, in_vocabulary
from resolver.errors import ResolutionError, RuleError
from resolver.rulebook.vocabularies import UnknownVocabularyError, vocabularies
from resolver.validation.context import Context
from resolver.validation.vocabulary_checks import check_vocabularies


def folder(tmp_path: Path, name: str, config: dict, files: dict | None = None) -> Path:
    path = tmp_path / name
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    for file, content in (files or {}).items():
        (path / file).write_text(json.dumps(content) if isinstance(content, dict) else content)
    return path


GPT2 = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "use_cache": True}
T5 = {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "is_encoder_decoder": True}
WHISPER = {"architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper", "is_encoder_decoder": True}
WAV2VEC2 = {"architectures": ["Wav2Vec2ForCTC"], "model_type": "wav2vec2"}
BERT = {"architectures": ["BertModel"], "model_type": "bert"}
BERT_QA = {"architectures": ["BertForQuestionAnswering"], "model_type": "bert"}
VED = {
    "architectures": ["VisionEncoderDecoderModel"],
    "model_type": "vision-encoder-decoder",
    "is_encoder_decoder": True,
}


@pytest.mark.parametrize(
    ("config", "hub", "optimum", "pipeline"),
    [
        (GPT2, "text-generation", "text-generation-with-past", "text-generation"),
        (T5, "text2text-generation", "text2text-generation-with-past", None),
        (
            WHISPER,
            "automatic-speech-recognition",
            "automatic-speech-recognition-with-past",
            "automatic-speech-recognition",
        ),
        (WAV2VEC2, "automatic-speech-recognition", "automatic-speech-recognition", "automatic-speech-recognition"),
        (BERT, "feature-extraction", "feature-extraction", "feature-extraction"),
        (BERT_QA, "question-answering", "question-answering", None),
        (VED, "image-text-to-text", "image-to-text-with-past", "image-text-to-text"),
    ],
)
def test_each_vocabulary(tmp_path: Path, config: dict, hub: str, optimum: str, pipeline: str | None) -> None:
    path = folder(tmp_path, "model", config)
    assert resolver.resolve(path).task == hub
    assert resolver.resolve(path, vocab="hub").task == hub
    in_optimum = resolver.resolve(path, vocab="optimum")
    assert (in_optimum.task, in_optimum.hub_task, in_optimum.vocabulary) == (optimum, hub, "optimum")
    assert in_optimum.to_dict()["hub_task"] == hub
    assert in_optimum.trace[-1].step == "vocabulary" and "rules/vocabularies.yaml:" in in_optimum.trace[-1].where
    if pipeline is None:
        with pytest.raises(ResolutionError, match="pipeline has no name for"):
            resolver.resolve(path, vocab="pipeline")
    else:
        assert resolver.resolve(path, vocab="pipeline").task == pipeline


def test_names_read_back_as_the_same_task(tmp_path: Path) -> None:
    """A name printed in a vocabulary is a task or synonym: --task accepts it and gives the same model task."""
    rules = Resolver().rules
    for vocab in vocabularies(rules).vocabularies.values():
        for name in vocab.names():
            assert rules.canonical_task(name) is not None, (vocab.name, name)
    path = folder(tmp_path, "gpt2", GPT2)
    name = resolver.resolve(path, vocab="optimum").task
    assert resolver.resolve(path, task=name).task == "text-generation"


def test_sentence_transformers_and_cross_encoders(tmp_path: Path) -> None:
    st = folder(tmp_path, "st", BERT, {"modules.json": "[]", "config_sentence_transformers.json": {}})
    assert resolver.resolve(st).task == "sentence-similarity"
    assert resolver.resolve(st, vocab="optimum").task == "feature-extraction"
    assert resolver.resolve(st, vocab="pipeline").task == "feature-extraction"
    evidence = {"config": {"architectures": ["BertForSequenceClassification"]}, "hub": {"pipeline_tag": "text-ranking"}}
    ranked = Resolver().resolve_evidence(evidence, task="text-ranking")
    assert in_vocabulary(ranked, "optimum").task == "text-classification"
    assert in_vocabulary(ranked, "pipeline").task == "text-classification"


def test_diffusers_has_no_pipeline_name(tmp_path: Path) -> None:
    path = tmp_path / "sd"
    path.mkdir()
    (path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    assert resolver.resolve(path, vocab="optimum").task == "text-to-image"
    with pytest.raises(ResolutionError) as caught:
        resolver.resolve(path, vocab="pipeline")
    assert caught.value.trace[-1].step == "vocabulary"


def test_unknown_vocabulary(tmp_path: Path) -> None:
    with pytest.raises(UnknownVocabularyError, match="did you mean 'optimum'"):
        resolver.resolve(folder(tmp_path, "m", GPT2), vocab="optimun")


def test_a_model_class_in_a_vocabulary() -> None:
    transformers = pytest.importorskip("transformers")
    found = resolver.resolve(transformers.GPT2LMHeadModel, vocab="optimum")
    assert found.task == "text-generation-with-past"


def test_translated_resolution_still_loads_its_class(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    found = resolver.resolve(folder(tmp_path, "gpt2", GPT2), vocab="optimum")
    assert isinstance(found, VocabularyResolution)
    assert found.model_class().__name__ == resolver.resolve(found.ref).model_class().__name__
    assert found.as_hub() == resolver.resolve(found.ref)


def test_cli_vocab_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(folder(tmp_path, "gpt2", GPT2))
    assert main(["resolve", path, "--vocab", "optimum", "--field", "task"]) == 0
    assert capsys.readouterr().out == "text-generation-with-past\n"
    assert main(["resolve", path, "--field", "loader"]) == 0
    assert capsys.readouterr().out == "transformers.AutoModelForCausalLM\n"
    assert main(["resolve", path, "--vocab", "optimum"]) == 0
    assert "text-generation-with-past (optimum vocabulary; the Hub's name: text-generation)" in capsys.readouterr().out
    assert main(["resolve", path, "--vocab", "optimum", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["task"], data["hub_task"], data["vocabulary"]) == (
        "text-generation-with-past",
        "text-generation",
        "optimum",
    )
    assert main(["resolve", path, "--field", "framework"]) == 1  # no weight files: nothing to print
    assert capsys.readouterr().out == ""
    assert main(["resolve", path, "--field", "nope"]) == 2
    assert "fields:" in capsys.readouterr().err
    assert main(["resolve", path, "--vocab", "nope"]) == 2
    assert main(["resolve", str(folder(tmp_path, "t5", T5)), "--vocab", "pipeline", "--field", "task"]) == 1
    assert "pipeline has no name for text2text-generation" in capsys.readouterr().err


def test_the_pipeline_vocabulary_matches_the_installed_transformers() -> None:
    """Every name the pipeline vocabulary gives under the installed transformers is a pipeline() task."""
    pipelines = pytest.importorskip("transformers.pipelines")
    supported = set(pipelines.SUPPORTED_TASKS) | set(pipelines.TASK_ALIASES)
    rules = Resolver().rules
    vocab = vocabularies(rules).get("pipeline")
    given = {vocab.translate(task).name for task in rules.tasks} - {None}
    assert given <= supported, given - supported
    # and every pipeline() task the rules know is reachable
    assert {task for task in pipelines.SUPPORTED_TASKS if task in rules.tasks} <= given


def test_the_optimum_vocabulary_speaks_optimums_names() -> None:
    """Every base name of the optimum vocabulary is one optimum's TasksManager maps to itself."""
    tasks = pytest.importorskip("optimum.exporters.tasks")
    manager = tasks.TasksManager
    rules = Resolver().rules
    vocab = vocabularies(rules).get("optimum")
    known = set(manager.get_all_tasks())
    for task in rules.tasks:
        name = vocab.translate(task).name
        if name in known or manager.map_from_synonym(task) in known:
            assert manager.map_from_synonym(name) == name, (task, name)
            assert name == manager.map_from_synonym(task) or task not in manager._SYNONYM_TASK_MAP, (task, name)


def write_pack(tmp_path: Path, text: str) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir(exist_ok=True)
    (pack / "vocab.yaml").write_text(text)
    return pack


def test_a_pack_layers_over_a_vocabulary(tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path,
        "kind: vocabularies\nversion: 1\nvocabularies:\n"
        "  pipeline:\n    tasks:\n      text-to-image: null\n      question-answering: fill-mask\n"
        "  tei:\n    keep: [feature-extraction]\n    tasks:\n      text-ranking: text-classification\n",
    )
    custom = Resolver(rule_paths=[pack], use_env=False)
    index = vocabularies(custom.rules)
    assert index.get("pipeline").translate("question-answering").name == "fill-mask"
    assert index.get("pipeline").translate("text-generation").name == "text-generation"  # the shipped rest stays
    assert index.get("tei").translate("text-ranking").name == "text-classification"
    assert index.get("tei").translate("text-generation").name is None
    assert index is vocabularies(custom.rules)  # memoised per rules object


def test_validate_finds_unknown_names_bad_gates_and_failing_examples(tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path,
        "kind: vocabularies\nversion: 1\nvocabularies:\n"
        "  mine:\n    keep: [text-generaton]\n    tasks:\n"
        "      fill-mask: masked-language-modelling\n"
        "      text-generation:\n        - {name: causal-lm, requires: {transformers: 'not a version'}}\n"
        "    suffixes:\n      - suffix: -with-past\n        tasks: [text-generation]\n"
        "        examples:\n          - {task: fill-mask, name: fill-mask-with-past}\n",
    )
    from resolver.rulebook.compiled import compile_rules
    from resolver.rulebook.documents import gather
    from resolver.rulebook.schema import load_and_validate

    docs, findings = load_and_validate(gather([pack]))
    assert not [f for f in findings if f.severity == "error"], findings
    found = list(check_vocabularies(Context(compile_rules(docs))))
    checks = sorted((f.check, f.line) for f in found)
    assert checks == [("example-failed", 14), ("invalid-version", 9), ("unknown-task", 5), ("unknown-task", 7)], found
    assert "did you mean 'text-generation'" in found[0].message or any("did you mean" in f.message for f in found)
    assert all(f.file.endswith("vocab.yaml") for f in found)


def test_schema_rejects_a_malformed_vocabulary(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "kind: vocabularies\nversion: 1\nvocabularies:\n  x:\n    keep: some\n")
    with pytest.raises(RuleError, match="schema|keep"):
        assert Resolver(rule_paths=[pack], use_env=False).rules is None
