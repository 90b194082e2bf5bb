"""How to run it (`Resolution.serving`): the runner an LLM server needs (generate / pooling), the pooling task
and the pooling mode, from real artifacts: a model saved by sentence-transformers, GGUF files written by
llama.cpp's own writer, config.json facts of public repos, a repo served by the test Hub. The knowledge is
rules/serving.yaml; rule packs layer over it and `task-resolver validate` checks it."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from test_hub import isolated_hf

from resolver.api import Resolver
from resolver.cli.main import main
from resolver.rulebook.serving import Serving
from resolver.validation.validate import validate


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


def write(folder: Path, files: dict[str, object]) -> Path:
    """A model folder: JSON documents as given, other files empty."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content) if content is not None else "")
    return folder


# ------------------------------------------------------------------ config.json facts of public repos

# (repo, config.json facts, other files) -> (runner, pooling_task)
PUBLIC = [
    # meta-llama/Llama-2-7b-hf
    ("llama", {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}, [], ("generate", None)),
    # google-t5/t5-small
    (
        "t5",
        {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "is_encoder_decoder": True},
        [],
        ("generate", None),
    ),
    # BAAI/bge-reranker-base: one label, a reranker's score (as TEI serves it)
    (
        "bge-reranker",
        {
            "architectures": ["XLMRobertaForSequenceClassification"],
            "model_type": "xlm-roberta",
            "id2label": {"0": "LABEL_0"},
            "label2id": {"LABEL_0": 0},
        },
        [],
        ("pooling", "score"),
    ),
    # distilbert/distilbert-base-uncased-finetuned-sst-2-english: two labels, a classifier
    (
        "sst2",
        {
            "architectures": ["DistilBertForSequenceClassification"],
            "model_type": "distilbert",
            "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
        },
        [],
        ("pooling", "classify"),
    ),
    # dslim/bert-base-NER
    (
        "ner",
        {"architectures": ["BertForTokenClassification"], "model_type": "bert", "id2label": {"0": "O", "1": "B-MISC"}},
        [],
        ("pooling", "token-classify"),
    ),
    # openai/whisper-base: an encoder-decoder recogniser generates its transcript
    (
        "whisper",
        {"architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper", "is_encoder_decoder": True},
        ["preprocessor_config.json"],
        ("generate", None),
    ),
    # facebook/wav2vec2-base-960h: a CTC recogniser, classic audio
    (
        "wav2vec2",
        {"architectures": ["Wav2Vec2ForCTC"], "model_type": "wav2vec2"},
        ["preprocessor_config.json"],
        (None, None),
    ),
    # openai/clip-vit-base-patch32: the stated policy, no LLM-server runner for CLIP
    ("clip", {"architectures": ["CLIPModel"], "model_type": "clip"}, ["preprocessor_config.json"], (None, None)),
    # google/vit-base-patch16-224
    (
        "vit",
        {"architectures": ["ViTForImageClassification"], "model_type": "vit"},
        ["preprocessor_config.json"],
        (None, None),
    ),
]


@pytest.mark.parametrize(("name", "config", "files", "expected"), PUBLIC, ids=[case[0] for case in PUBLIC])
def test_runner_and_pooling_task_of_public_configs(r, tmp_path, name, config, files, expected):
    folder = write(tmp_path / name, {"config.json": config, **dict.fromkeys(files)})
    serving = r.resolve(str(folder)).serving
    assert (serving.runner, serving.pooling_task) == expected
    assert serving.why
    if serving.runner:
        assert serving.where and serving.where.startswith("rules/serving.yaml:")


def test_a_diffusers_pipeline_has_no_runner(r, tmp_path):
    folder = write(tmp_path / "sd", {"model_index.json": {"_class_name": "StableDiffusionPipeline"}})
    resolution = r.resolve(str(folder))
    assert resolution.task == "text-to-image"
    assert resolution.serving.runner is None
    assert "no serving rule for text-to-image" in resolution.serving.why


def test_a_reward_model_is_pooled_for_its_reward(r):
    # Qwen/Qwen2.5-Math-RM-72B (custom code, its task given)
    config = {"architectures": ["Qwen2ForRewardModel"], "model_type": "qwen2"}
    serving = r.resolve({"config": config}, task="text-generation").serving
    assert (serving.runner, serving.pooling_task) == ("pooling", "reward")


# ------------------------------------------------------------------ sentence-transformers: the Pooling module


@pytest.fixture(scope="module")
def saved_sentence_models(tmp_path_factory):
    """Tiny bi-encoders saved by sentence-transformers itself, one per pooling mode asked for."""
    st = pytest.importorskip("sentence_transformers")
    transformers = pytest.importorskip("transformers")
    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Pooling, Transformer
    root = tmp_path_factory.mktemp("serving-st")
    base = root / "bert"
    config = transformers.BertConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    transformers.BertModel(config).save_pretrained(base)
    vocab = base / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(59)]))
    transformers.BertTokenizer(str(vocab)).save_pretrained(base)
    folders = {}
    for mode in ("cls", "mean", "lasttoken", "max"):
        embedding = Transformer(str(base), max_seq_length=32)
        pooling = Pooling(16, pooling_mode=mode)
        folders[mode] = root / mode
        st.SentenceTransformer(modules=[embedding, pooling], device="cpu").save(str(folders[mode]))
    return folders


@pytest.mark.parametrize(("saved", "mode"), [("cls", "cls"), ("mean", "mean"), ("lasttoken", "last"), ("max", "max")])
def test_pooling_mode_of_a_model_saved_by_sentence_transformers(r, saved_sentence_models, saved, mode):
    resolution = r.resolve(str(saved_sentence_models[saved]))
    serving = resolution.serving
    assert resolution.task == "sentence-similarity"
    assert (serving.runner, serving.pooling_task, serving.pooling_mode) == ("pooling", "embed", mode)
    assert serving.pooling_mode_where and serving.pooling_mode_where.startswith("rules/serving.yaml:")
    assert "1_Pooling/config.json" in serving.why  # the evidence is named
    step = [s for s in resolution.trace if s.step == "serving"]
    assert step and step[0].outcome == "answered" and step[0].where == serving.where


def test_pooling_mode_of_an_older_save(r, tmp_path):
    """Before sentence-transformers 5, one boolean per mode (BAAI/bge-large-zh's 1_Pooling/config.json)."""
    pooling = {
        "word_embedding_dimension": 1024,
        "pooling_mode_cls_token": True,
        "pooling_mode_mean_tokens": False,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    folder = write(
        tmp_path / "bge",
        {
            "config.json": {"architectures": ["BertModel"], "model_type": "bert"},
            "modules.json": modules,
            "1_Pooling/config.json": pooling,
        },
    )
    serving = r.resolve(str(folder)).serving
    assert (serving.runner, serving.pooling_task, serving.pooling_mode) == ("pooling", "embed", "cls")


def test_an_embedding_model_without_pooling_facts_has_no_mode(r, tmp_path):
    folder = write(tmp_path / "e", {"config.json": {"architectures": ["BertModel"], "model_type": "bert"}})
    serving = r.resolve(str(folder)).serving
    assert (serving.runner, serving.pooling_task, serving.pooling_mode) == ("pooling", "embed", None)


# ------------------------------------------------------------------ GGUF: the header's pooling type


def test_gguf_headers_give_runner_task_and_mode(r, tmp_path):
    from test_gguf import write_gguf

    embed = tmp_path / "embed"
    embed.mkdir()
    write_gguf(embed / "nomic-embed-text-v1.5.Q4_K_M.gguf", "nomic-bert", pooling=1, causal=False)
    rerank = tmp_path / "rerank"
    rerank.mkdir()
    write_gguf(rerank / "model.gguf", "bert", pooling=4, labels=["score"])
    last = tmp_path / "last"
    last.mkdir()
    write_gguf(last / "qwen3-embedding.gguf", "qwen3", pooling=3, causal=True)
    chat = tmp_path / "chat"
    chat.mkdir()
    write_gguf(chat / "llama-2-7b-chat.Q4_K_M.gguf", "llama")

    got = {name: r.resolve(str(tmp_path / name)).serving for name in ("embed", "rerank", "last", "chat")}
    assert (got["embed"].runner, got["embed"].pooling_task, got["embed"].pooling_mode) == ("pooling", "embed", "mean")
    assert "gguf:header.json pooling_type = 1" in got["embed"].why
    assert (got["rerank"].runner, got["rerank"].pooling_task) == ("pooling", "score")
    assert got["last"].pooling_mode == "last"
    assert got["chat"].runner == "generate"


# ------------------------------------------------------------------ the Hub


@pytest.fixture
def hf_env(monkeypatch, tmp_path):
    yield from isolated_hf(monkeypatch, tmp_path)


def test_a_hub_repo_with_a_pooling_config_gets_its_mode(monkeypatch, hf_env):
    from hubserver import HubServer

    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        files = {
            "config.json": {"architectures": ["BertModel"], "model_type": "bert"},
            "modules.json": [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ],
            "1_Pooling/config.json": {"word_embedding_dimension": 1024, "pooling_mode_cls_token": True},
            "model.safetensors": b"",
        }
        server.add_repo("BAAI/bge-large-zh", files, library_name="sentence-transformers")
        resolution = Resolver(use_env=False).resolve("BAAI/bge-large-zh", token=False)
    assert resolution.source == "hub"
    serving = resolution.serving
    assert (serving.runner, serving.pooling_task, serving.pooling_mode) == ("pooling", "embed", "cls")


# ------------------------------------------------------------------ output: to_dict, JSON, text, pickles


def test_serving_in_to_dict_json_and_text(capsys, tmp_path):
    folder = write(
        tmp_path / "bge",
        {
            "config.json": {"architectures": ["BertModel"], "model_type": "bert"},
            "modules.json": [
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}
            ],
            "1_Pooling/config.json": {"pooling_mode": "cls"},
        },
    )
    assert main(["resolve", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["serving"]["runner"] == "pooling"
    assert data["serving"]["pooling_task"] == "embed"
    assert data["serving"]["pooling_mode"] == "cls"
    assert data["serving"]["where"].startswith("rules/serving.yaml:")
    assert main(["resolve", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "serving:       pooling runner: embed, cls pooling (rules/serving.yaml:" in text
    assert main(["resolve", str(folder), "--field", "serving"]) == 0
    assert json.loads(capsys.readouterr().out)["pooling_mode"] == "cls"


def test_no_runner_prints_a_dash(capsys):
    assert main(["resolve", str(ROOT / "examples" / "distilbert-sst2")]) == 0
    assert "serving:       pooling runner: classify" in capsys.readouterr().out


def test_a_resolution_pickles_with_its_serving(r):
    resolution = r.resolve({"config": {"architectures": ["LlamaForCausalLM"]}})
    again = pickle.loads(pickle.dumps(resolution))
    assert again.serving == resolution.serving == Serving(*resolution.serving)
    assert again.serving.runner == "generate"


# ------------------------------------------------------------------ rule packs and validate


PACK = """\
kind: serving
version: 1
values:
  pooling_task: [rerank]
tasks:
  text-classification:
    runner: pooling
    pooling_task: rerank
    examples:
      - {task: text-classification, architecture: BertForSequenceClassification, config: {model_type: bert}, runner: pooling, pooling_task: rerank}
"""


def test_a_pack_replaces_a_task_entry(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "serving.yaml").write_text(PACK)
    layered = Resolver([pack], use_env=False)
    config = {"architectures": ["DistilBertForSequenceClassification"], "id2label": {"0": "A", "1": "B"}}
    serving = layered.resolve({"config": config}).serving
    assert (serving.runner, serving.pooling_task) == ("pooling", "rerank")
    assert serving.where and serving.where.endswith("serving.yaml:7")
    # other tasks keep the shipped entries
    assert layered.resolve({"config": {"architectures": ["LlamaForCausalLM"]}}).serving.runner == "generate"
    report = validate([pack])
    assert report.errors == []
    assert [(f.line, f.check) for f in report.warnings] == [(6, "pack-override")]  # a reviewer sees the change


BROKEN = """\
kind: serving
version: 1
tasks:
  text-clasification:
    runner: pooling
    pooling_task: classify
  text-generation:
    runner: generator
  fill-mask:
    runner: pooling
  token-classification:
    cases:
      - runner: pooling
        pooling_task: token-classify
      - runner: null
    examples:
      - {task: token-classification, architecture: BertForTokenClassification, config: {model_type: bert}, runner: null}
pooling_modes:
  - mode: average
    when: {json: {file: 1_Pooling/config.json, match: {pooling_mode: average}}}
"""


def test_validate_reports_serving_mistakes_at_their_lines(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "serving.yaml").write_text(BROKEN)
    findings = validate([pack]).findings
    found = {(f.line, f.check) for f in findings}
    assert (4, "unknown-task") in found  # text-clasification
    assert (8, "unknown-value") in found  # runner generator
    assert (9, "unknown-value") in found  # a pooling runner without its pooling task
    assert (15, "unreachable-case") in found
    assert (17, "example-failed") in found
    assert (19, "unknown-value") in found  # mode average
    messages = " ".join(f.message for f in findings)
    assert "did you mean 'text-classification'" in messages
    assert all(f.file.endswith("serving.yaml") for f in findings)


def test_the_shipped_serving_rules_validate_clean_with_their_examples():
    findings = validate([]).findings
    assert [f for f in findings if f.file == "rules/serving.yaml"] == []


def test_a_copy_of_rules_with_serving_is_a_complete_rule_set(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    assert validate([copy]).errors == []


def test_the_serving_index_pickles_and_a_rule_set_may_carry_it(r):
    """The index pickles with its conditions as written (compiled on first use), so the compiled-rules
    cache can hold it as `rules.serving`; a rule set that carries one is answered from it."""
    from resolver.engine.resolve import resolve_evidence
    from resolver.evidence.model import Evidence
    from resolver.rulebook.serving import build_index, serving_index

    index = pickle.loads(pickle.dumps(build_index(r.rules.docs)))
    evidence = Evidence.from_dict(
        {"config": {"architectures": ["BertModel"]}, "documents": {"1_Pooling/config.json": {"pooling_mode": "mean"}}}
    )
    expected = resolve_evidence(r.rules, evidence).serving
    carrier = pickle.loads(pickle.dumps(r.rules))
    carrier.serving = index
    assert serving_index(carrier) is index
    assert resolve_evidence(carrier, evidence).serving == expected
    assert expected.pooling_mode == "mean"
