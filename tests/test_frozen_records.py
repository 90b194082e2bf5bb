"""The public records (Resolution, Evidence, RuleDoc, TraceStep, Candidate, Serving) behave as the
frozen dataclasses and typing.NamedTuples they were, without `dataclasses` or `typing` at import."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import typing

import pytest
from conftest import ROOT

from resolver.api import Resolver
from resolver.engine.resolution import Candidate, Resolution, Trace, TraceStep
from resolver.evidence.model import Evidence
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.serving import Serving
from resolver.support.frozen import Frozen, NamedTuple, new_frozen

FOLDER = str(ROOT / "examples" / "distilbert-sst2")


@pytest.fixture(scope="module")
def resolution() -> Resolution:
    return Resolver().resolve(FOLDER)


@dataclasses.dataclass(frozen=True)
class Point:
    """The frozen dataclass that `Spot` stands in for."""

    x: int
    y: int = 0
    tags: list = dataclasses.field(default_factory=list, repr=False, compare=False)
    note: str = dataclasses.field(default="", compare=False)


class Spot(Frozen):
    """The same fields as `Point`, as a Frozen record."""

    x: int
    y: int = 0
    tags: list
    note: str = ""

    _factories: typing.ClassVar[dict] = {"tags": list}
    _hidden: typing.ClassVar[frozenset[str]] = frozenset({"tags"})
    _uncompared: typing.ClassVar[frozenset[str]] = frozenset({"tags", "note"})


def test_a_frozen_record_builds_compares_hashes_and_prints_as_the_dataclass():
    a, b = Spot(1, note="a"), Spot(x=1, note="b")
    assert a == b and hash(a) == hash(b) == hash(Point(1, note="a"))  # the same tuple of compared fields
    assert a != Spot(2) and (a == Point(1)) is False
    assert repr(Spot(1, 2, [1], "n")) == repr(Point(1, 2, [1], "n")).replace("Point", "Spot")
    assert Spot(1).tags == [] and Spot(1).tags is not Spot(1).tags  # a fresh default each time
    assert vars(Spot(1, 2)) == vars(Point(1, 2))  # same fields, same order, in the instance dict
    with pytest.raises(TypeError):
        Spot()
    with pytest.raises(TypeError):
        Spot(1, z=3)
    with pytest.raises(TypeError):
        Spot(1, x=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.x


def test_dataclasses_and_inspect_read_a_frozen_record_as_the_dataclass():
    spot = Spot(1, 2, [{"k": 1}], "n")
    assert dataclasses.is_dataclass(spot) and dataclasses.is_dataclass(Spot)
    assert [(f.name, f.repr, f.compare) for f in dataclasses.fields(Spot)] == [
        (f.name, f.repr, f.compare) for f in dataclasses.fields(Point)
    ]
    assert dataclasses.asdict(spot) == dataclasses.asdict(Point(1, 2, [{"k": 1}], "n"))
    changed = dataclasses.replace(spot, y=5)
    assert type(changed) is Spot and changed == spot.replace(y=5) == Spot(1, 5)
    assert str(inspect.signature(Spot)) == str(inspect.signature(Point)).replace("Point", "Spot")
    assert Spot.__match_args__ == Point.__match_args__


def test_new_frozen_builds_a_frozen_record_from_its_values():
    values = {"x": 1, "y": 2, "tags": [], "note": ""}
    made = new_frozen(Spot, values)
    assert made == Spot(1, 2) and vars(made) is values
    assert new_frozen(Spot, {"x": 1}) == Spot(1)  # not every field: the ordinary constructor


def test_the_resolution_keeps_its_dataclass_behaviour(resolution):
    assert [f.name for f in dataclasses.fields(Resolution)][:3] == ["ref", "task", "library"]
    assert {f.name for f in dataclasses.fields(Resolution) if not f.repr} == {"trace", "rules"}
    assert {f.name for f in dataclasses.fields(Resolution) if not f.compare} == {"rules"}
    other = dataclasses.replace(resolution, ref="elsewhere")
    assert type(other) is Resolution and other.ref == "elsewhere" and other.rules is resolution.rules
    assert other.task == resolution.task and other != resolution
    assert resolution.replace(ref="elsewhere") == other
    assert Resolution(**vars(resolution)) == resolution and hash(Resolution(**vars(resolution))) == hash(resolution)
    assert repr(resolution).startswith("Resolution(ref=") and "trace=" not in repr(resolution)
    assert "rules=" not in repr(resolution)
    assert dataclasses.asdict(resolution)["serving"] == resolution.serving
    assert copy.deepcopy(resolution) == resolution and copy.copy(resolution) == resolution
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolution.task = "x"  # type: ignore[misc]


def test_a_resolution_pickles_as_before_without_its_rules(resolution):
    data = pickle.dumps(resolution)
    back = pickle.loads(data)
    assert back == resolution and back.to_dict() == resolution.to_dict() and back.rules is None
    assert "rules" not in vars(back)
    # the pickle is the dataclass one: the class, then the instance dict (so pickles written by earlier
    # versions read back, and these read in them)
    reduced = resolution.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    assert reduced[1] == (Resolution,) and reduced[2] == {k: v for k, v in vars(resolution).items() if k != "rules"}


def test_evidence_and_rule_documents_keep_their_dataclass_behaviour():
    evidence = Evidence("folder", ref="x", files=frozenset({"config.json"}), documents={"config.json": {"a": 1}})
    assert evidence.hub == {} and Evidence("folder").documents == {}
    assert dataclasses.replace(evidence, source="cache").source == "cache"
    assert pickle.loads(pickle.dumps(evidence)) == evidence
    assert repr(evidence).startswith("Evidence(source='folder', ref='x', files=frozenset({'config.json'})")
    assert [f.name for f in dataclasses.fields(Evidence)] == [
        "source",
        "ref",
        "files",
        "documents",
        "hub",
        "classes",
        "subfolder",
        "revision",
        "notes",
    ]
    doc = RuleDoc("rules/x.yaml", "tasks", {"a": 1}, {("a",): (3, 1)})
    assert doc.pack == 0 and doc.where("a", "b") == "rules/x.yaml:3"
    assert dataclasses.replace(doc, pack=2) == RuleDoc("rules/x.yaml", "tasks", {"a": 1}, {("a",): (3, 1)}, 2)
    assert doc.__reduce_ex__(pickle.HIGHEST_PROTOCOL)[2] == vars(doc)  # read back from caches as before


class Pair(NamedTuple):
    """A named tuple made by the stand-in."""

    left: str
    right: int | None = None

    def both(self) -> str:
        return f"{self.left}{self.right}"


class TypedPair(typing.NamedTuple):
    """The same, made by typing."""

    left: str
    right: int | None = None

    def both(self) -> str:
        return f"{self.left}{self.right}"


def test_the_named_tuple_stand_in_makes_what_typing_makes():
    pair, typed = Pair("a", 1), TypedPair("a", 1)
    assert Pair.__mro__[1:] == TypedPair.__mro__[1:] == (tuple, object)
    assert repr(pair) == repr(typed).replace("TypedPair", "Pair") and pair == typed
    assert pair._fields == typed._fields and Pair._field_defaults == TypedPair._field_defaults
    assert pair._asdict() == typed._asdict() and pair._replace(right=2) == Pair("a", 2)
    assert pair.both() == "a1" and Pair.__doc__ == "A named tuple made by the stand-in."
    assert Pair.__qualname__ == "Pair" and Pair.__module__ == __name__
    assert pickle.loads(pickle.dumps(pair)) == pair and type(pickle.loads(pickle.dumps(pair))) is Pair
    with pytest.raises(TypeError):

        class Broken(NamedTuple):
            first: int = 0
            second: int


def test_the_trace_step_candidate_and_serving_are_the_named_tuples_they_were(resolution):
    step = resolution.trace[0]
    assert (
        type(step) is TraceStep and isinstance(step, tuple) and TraceStep._fields[:3] == ("step", "outcome", "message")
    )
    assert TraceStep("a", "b", "c") == ("a", "b", "c", None, None)
    assert Candidate("t", "s", None)._asdict() == {"task": "t", "strategy": "s", "where": None}
    assert Serving()._replace(runner="generate").describe() == "generate runner"
    assert pickle.loads(pickle.dumps(resolution.trace)) == resolution.trace
    assert isinstance(resolution.trace, Trace)


def test_the_named_tuple_class_is_what_collections_makes():
    """named_tuple builds the class collections.namedtuple builds (collections stays out of a cold start)."""
    import collections

    from resolver.support.frozen import named_tuple

    ours = named_tuple("Point", ("x", "y", "z"), (None, 3), __name__)
    theirs = collections.namedtuple("Point", ["x", "y", "z"], defaults=[None, 3], module=__name__)
    assert sorted(vars(ours)) == sorted(vars(theirs))
    for attribute in ("_fields", "_field_defaults", "__doc__", "__match_args__", "__module__"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert ours.__new__.__defaults__ == theirs.__new__.__defaults__ and ours.x.__doc__ == theirs.x.__doc__
    calls = [
        lambda cls: cls(1),
        lambda cls: cls(x=1, z=4),
        lambda cls: cls._make([1, 2, 3]),
        lambda cls: cls(1)._replace(y=9),
        lambda cls: cls(1)._asdict(),
        lambda cls: cls(1).__getnewargs__(),
        lambda cls: cls(),
        lambda cls: cls(1, 2, 3, 4),
        lambda cls: cls(1, w=2),
        lambda cls: cls._make([1]),
        lambda cls: cls(1)._replace(w=1),
    ]

    def outcome(call, cls):
        try:
            made = call(cls)
        except (TypeError, ValueError) as error:
            return type(error), str(error)
        return repr(made), made if not isinstance(made, tuple) else tuple(made)

    for call in calls:
        assert outcome(call, ours) == outcome(call, theirs)
