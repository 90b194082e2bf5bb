"""An index built from a rule set's documents on first use and kept while that rule set lives.

The lazily indexed rule kinds (vocabularies, serving, units) each build their index once per rule
set (CompiledRules), never on the resolve path of callers who do not ask for it.
"""

from __future__ import annotations

from _weakref import ref  # weakref.ref itself: weakref.py's import pulls in collections

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Generic, TypeVar

    Index = TypeVar("Index")

    class _Generic(Generic[Index]):
        pass
else:  # at run time a plain base whose subscript is itself: no typing.Generic machinery
    Index = object

    class _Generic:
        def __class_getitem__(cls, item: object) -> type:
            return cls


class IndexPerRules(_Generic[Index]):
    """`build(rules.docs)` once per rule set, remembered by a weak reference (dropped with the rule set)."""

    def __init__(self, build: Callable[[Any], Index]) -> None:
        self.build = build
        self.indexes: dict[int, tuple[ref, Index]] = {}  # id(rules) -> (weak reference, index)

    def __call__(self, rules: Any) -> Index:
        key = id(rules)
        hit = self.indexes.get(key)
        if hit is not None and hit[0]() is rules:
            return hit[1]
        index = self.build(rules.docs)
        try:
            self.indexes[key] = (ref(rules, lambda _ref: self.indexes.pop(key, None)), index)
        except TypeError:  # not weak-referenceable: nothing to remember it by
            pass
        return index
