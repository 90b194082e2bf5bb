"""A config.json naming only its model_type: the model type's heads in transformers decide (rules/model_types.yaml,
written by `task-resolver sync`) when they serve one task; otherwise the answer is a default, said to be ambiguous."""

from __future__ import annotations

import pytest
from conftest import ROOT

from resolver.api import Resolver
from resolver.cli.main import main
from resolver.sync.tables import MODEL_TYPES_FILE, read_model_types


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


@pytest.mark.parametrize(
    ("model_type", "task"),
    [
        ("rt_detr", "object-detection"),  # PekingU/rtdetr_r101vd: RTDetrModel and RTDetrForObjectDetection
        ("mgp-str", "image-to-text"),  # alibaba-damo/mgp-str-base: MgpstrForSceneTextRecognition only
        ("encoder-decoder", "text2text-generation"),  # patrickvonplaten/bert2bert_cnn_daily_mail
    ],
)
def test_a_model_type_with_one_kind_of_head(r, model_type, task):
    result = r.resolve_evidence({"config": {"model_type": model_type}})
    assert (result.task, result.strategy, result.specificity) == (task, "layouts", "specific")
    assert "config-model-type-heads" in result.explain()


def test_a_model_type_with_several_heads_is_a_default_the_hub_beats(r):
    result = r.resolve_evidence({"config": {"model_type": "wav2vec2-conformer"}})
    assert (result.task, result.specificity) == ("feature-extraction", "default")
    assert "config-model-type-ambiguous" in result.explain()
    hub = r.resolve_evidence({"config": {"model_type": "lilt"}, "hub": {"pipeline_tag": "token-classification"}})
    assert hub.task == "token-classification"


def test_the_hand_written_judgements_come_first(r):
    # perceiver has several heads; its reference checkpoint is the byte-level language model
    assert r.resolve_evidence({"config": {"model_type": "perceiver"}}).task == "fill-mask"


def test_the_shipped_model_types_are_in_sync(capsys, monkeypatch):
    pytest.importorskip("transformers")
    monkeypatch.chdir(ROOT)
    assert main(["sync", "--check"]) == 0
    out = capsys.readouterr().out
    assert f"rules/{MODEL_TYPES_FILE}: in sync with transformers " in out
    entries, versions = read_model_types(ROOT / "rules" / MODEL_TYPES_FILE)
    assert entries["rt_detr"] == "object-detection" and entries["lilt"] == "ambiguous"
    assert "transformers" in versions
