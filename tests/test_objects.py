"""Model classes and objects: the class and its bases (MRO) decide."""

from __future__ import annotations

import pytest

import resolver

transformers = pytest.importorskip("transformers")


def test_a_transformers_class_resolves_by_name():
    result = resolver.resolve(transformers.CLIPModel)
    assert (result.task, result.library, result.strategy) == (
        "zero-shot-image-classification",
        "transformers",
        "class_hierarchy",
    )
    assert result.source == "class"


def test_a_users_subclass_resolves_through_its_bases():
    class MySentimentModel(transformers.BertForSequenceClassification):
        pass

    result = resolver.resolve(MySentimentModel)
    assert result.task == "text-classification"
    assert result.library == "transformers"
    assert result.framework == "pt"
    assert "a base class of MySentimentModel" in next(
        s.message for s in result.trace if s.outcome == "answered" and s.step == "class_hierarchy"
    )


def test_a_loaded_model_object_resolves_with_its_config():
    config = transformers.BertConfig(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16, vocab_size=50, num_labels=3
    )
    model = transformers.BertForTokenClassification(config)
    result = resolver.resolve(model)
    assert (result.task, result.model_type, result.source) == ("token-classification", "bert", "object")
    assert result.loader == "transformers.AutoModelForTokenClassification"


def test_an_unrelated_class_is_not_resolved():
    class Unrelated:
        pass

    with pytest.raises(resolver.ResolutionError):
        resolver.resolve(Unrelated)


def test_the_class_chain_of_class_evidence_behaves_as_the_tuple_it_stands_for():
    import pickle

    from resolver.evidence.objects import class_chain, from_object

    class Base:
        pass

    class AcmeForCausalLM(Base):
        pass

    chain = from_object(AcmeForCausalLM).classes
    expected = class_chain(AcmeForCausalLM)
    assert expected[0][0] == "AcmeForCausalLM" and expected[1][0] == "Base" and len(expected) == 2
    assert chain[0] == expected[0] and chain[-1] == expected[-1] and chain[1:] == expected[1:]
    assert len(chain) == 2 and list(chain) == list(expected)
    assert chain == expected and hash(chain) == hash(expected) and repr(chain) == repr(expected)
    assert pickle.loads(pickle.dumps(chain)) == expected
    assert from_object(AcmeForCausalLM) == from_object(AcmeForCausalLM)
