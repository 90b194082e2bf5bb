"""The engine's hot records keep CPython's attribute specialisation, and class evidence reads what a tuple would give."""

from __future__ import annotations

import pickle

import pytest

from resolver.api import Resolver
from resolver.conditions.language import Facts
from resolver.engine.state import DeferredLibraryState, State
from resolver.errors import ResolutionError
from resolver.evidence.objects import ClassChain, class_chain, from_object
from resolver.rulebook.compiled import Plan


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_env=False)


class Base:
    pass


class Middle(Base):
    pass


class AcmeForCausalLM(Middle):
    pass


@pytest.mark.parametrize("cls", [State, DeferredLibraryState, Plan])
def test_hot_records_define_no_getattr(cls):
    """A __getattr__ anywhere in the class's MRO keeps CPython from specialising reads of its attributes."""
    assert all("__getattr__" not in vars(klass) for klass in cls.__mro__)


@pytest.mark.parametrize("cls", [AcmeForCausalLM, Base, object, int])
def test_a_class_chain_reads_as_the_tuple_it_stands_for(cls):
    chain = from_object(cls).classes
    expected = class_chain(cls)
    assert chain.name == (expected[0][0] if expected else None)
    assert chain.texts() == Facts(classes=expected).class_text()
    assert len(chain) == len(expected) and tuple(chain) == expected and chain == expected
    assert pickle.loads(pickle.dumps(chain)) == expected
    assert ClassChain(cls) == chain and ClassChain(cls).name == chain.name


def test_the_class_text_of_a_state_is_the_facts_one(r):
    from resolver.engine.strategies import STRATEGY_NEEDS

    evidence = from_object(AcmeForCausalLM)
    state = State(r.rules, evidence, None, None, STRATEGY_NEEDS)
    assert state.class_text() == Facts(classes=class_chain(AcmeForCausalLM)).class_text()
    assert state._class_text is state.class_text()


def test_an_object_without_classes_has_an_empty_chain(r):
    evidence = from_object(object)
    assert not evidence.classes and evidence.classes.name is None
    with pytest.raises(ResolutionError, match="builtins.object"):
        r.infer_task(object)
