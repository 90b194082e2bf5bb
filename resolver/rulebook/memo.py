"""An index built from a rule set's documents on first use and kept while that rule set lives.

The lazily indexed rule kinds (vocabularies, serving, units) each build their index once per rule
set (CompiledRules), never on the resolve path of callers who do not ask for it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

Index = TypeVar("Index")


class IndexPerRules(Generic[Index]):
    """`build(rules.docs)` once per rule set, remembered by a weak reference (dropped with the rule set)."""

    def __init__(self, build: Callable[[Any], Index]) -> None:
        self.build = build
        self.indexes: dict[int, tuple[weakref.ref, Index]] = {}  # id(rules) -> (weak reference, index)

    def __call__(self, rules: Any) -> Index:
        key = id(rules)
        hit = self.indexes.get(key)
        if hit is not None and hit[0]() is rules:
            return hit[1]
        index = self.build(rules.docs)
        try:
            self.indexes[key] = (weakref.ref(rules, lambda _ref: self.indexes.pop(key, None)), index)
        except TypeError:  # not weak-referenceable: nothing to remember it by
            pass
        return index
