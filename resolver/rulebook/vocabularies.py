"""The task in other tools' words: `kind: vocabularies` rule files, indexed on first use.

The rules' own task names are the Hub's pipeline tags (the `hub` vocabulary). A vocabulary says how
a Hub task is spelled elsewhere: optimum's exporters (`text-generation-with-past`), the names
`transformers.pipeline()` accepts. The index is built lazily from `rules.docs`, once per rule set
(memoised per rules object), so resolving without a vocabulary never pays for it.

Layering: a later pack's vocabulary of the same name replaces its `description` and `keep` when it
gives them, replaces `tasks` entries one by one, and its `suffixes` are tried first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resolver.conditions.language import Facts, compile_condition
from resolver.errors import TaskResolverError
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.memo import IndexPerRules

if TYPE_CHECKING:
    from resolver.conditions.language import Predicate

HUB = "hub"  # the rules' own names


@dataclass(frozen=True, slots=True)
class NameCase:
    """One way to spell a Hub task: a name (None: the vocabulary has none), maybe gated."""

    name: str | None
    when: Predicate | None
    requires: tuple[tuple[str, str], ...]
    where: str


@dataclass(frozen=True, slots=True)
class Suffix:
    """A suffix added to some names of the vocabulary when `when` holds (`-with-past`)."""

    suffix: str
    tasks: frozenset[str]
    when: Predicate | None
    where: str
    examples: tuple[dict, ...] = ()


@dataclass(frozen=True, slots=True)
class Translation:
    """A Hub task in a vocabulary: the name (None: it has none), its base name before any suffix, and why."""

    vocabulary: str
    task: str
    name: str | None
    base: str | None
    where: str | None
    suffix_where: str | None = None

    def describe(self) -> str:
        if self.name is None:
            return f"{self.vocabulary} has no name for {self.task}"
        if self.name == self.task:
            return f"{self.vocabulary} spells {self.task} the same way"
        return f"{self.vocabulary} spells {self.task} as {self.name}"


@dataclass
class Vocabulary:
    name: str
    description: str = ""
    keep_all: bool = False
    keep: dict[str, str] = field(default_factory=dict)  # task -> where it is kept
    tasks: dict[str, tuple[NameCase, ...]] = field(default_factory=dict)
    suffixes: list[Suffix] = field(default_factory=list)
    where: str = ""

    def base_name(self, task: str, facts: Facts | None = None) -> tuple[str | None, str | None]:
        """(name, where) of `task` before suffixes; (None, where) when the vocabulary has no name for it."""
        cases = self.tasks.get(task)
        if cases is not None:
            for case in cases:
                if case.when is not None and (facts is None or not case.when(facts)):
                    continue
                if case.requires:
                    from resolver.support.versions import requirement_state

                    if requirement_state(case.requires)[0] is False:
                        continue
                return case.name, case.where
            # no case applies: the vocabulary keeps the Hub's name only if it keeps every task
            return (task, self.where) if self.keep_all else (None, cases[-1].where if cases else self.where)
        if task in self.keep:
            return task, self.keep[task]
        if self.keep_all:
            return task, self.where
        return None, self.where

    def translate(self, task: str, facts: Facts | None = None) -> Translation:
        """`task` (a Hub task) in this vocabulary; with no facts, no condition holds (names without suffixes)."""
        base, where = self.base_name(task, facts)
        if base is None or facts is None:
            return Translation(self.name, task, base, base, where)
        for suffix in self.suffixes:
            if base in suffix.tasks and (suffix.when is None or suffix.when(facts)):
                return Translation(self.name, task, base + suffix.suffix, base, where, suffix.where)
        return Translation(self.name, task, base, base, where)

    def names(self) -> set[str]:
        """Every name this vocabulary can give (suffixed names included)."""
        found = {case.name for cases in self.tasks.values() for case in cases if case.name}
        found |= set(self.keep)
        found |= {name + s.suffix for s in self.suffixes for name in s.tasks}
        return found


class UnknownVocabularyError(TaskResolverError, ValueError):
    """A vocabulary name the rules do not define."""


@dataclass
class VocabularyIndex:
    vocabularies: dict[str, Vocabulary]

    def get(self, name: str) -> Vocabulary:
        key = (name or "").strip().lower()
        if key in self.vocabularies:
            return self.vocabularies[key]
        import difflib

        known = sorted(self.vocabularies)
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownVocabularyError(
            f"unknown vocabulary {name!r}",
            hint=f"{hint}known vocabularies: {', '.join(known)} (rules of kind `vocabularies`)",
        )


_PER_RULES: IndexPerRules[VocabularyIndex] = IndexPerRules(lambda docs: build_index(docs))


def vocabularies(rules: Any) -> VocabularyIndex:
    """The vocabulary index of a rule set (CompiledRules), built from its documents on first use."""
    return _PER_RULES(rules)


def build_index(docs: list[RuleDoc]) -> VocabularyIndex:
    """Compile every `kind: vocabularies` document, in pack order; a `hub` vocabulary always exists."""
    found: dict[str, Vocabulary] = {HUB: Vocabulary(HUB, "the Hub's pipeline tags", keep_all=True)}
    for pack in sorted({doc.pack for doc in docs}):
        fresh_suffixes: dict[str, list[Suffix]] = {}
        for doc in docs:
            if doc.pack != pack or doc.kind != "vocabularies":
                continue
            for name, spec in (doc.data.get("vocabularies") or {}).items():
                vocab = found.setdefault(name, Vocabulary(name))
                compile_vocabulary(vocab, doc, name, spec or {}, fresh_suffixes.setdefault(name, []))
        for name, suffixes in fresh_suffixes.items():
            found[name].suffixes = suffixes + found[name].suffixes
    return VocabularyIndex(found)


def compile_vocabulary(vocab: Vocabulary, doc: RuleDoc, name: str, spec: Mapping[str, Any], suffixes: list) -> None:
    """Layer one document's entry for vocabulary `name` over what earlier ones said."""
    path = ("vocabularies", name)
    vocab.where = vocab.where or doc.where(*path)
    if "description" in spec:
        vocab.description = spec["description"]
    if "keep" in spec:
        keep = spec["keep"]
        vocab.keep_all = keep == "all"
        vocab.keep = {} if keep == "all" else {task: doc.where(*path, "keep", i) for i, task in enumerate(keep)}
        if keep == "all":
            vocab.where = doc.where(*path, "keep")
    for task, value in (spec.get("tasks") or {}).items():
        where = doc.where(*path, "tasks", task)
        if value is None or isinstance(value, str):
            vocab.tasks[task] = (NameCase(value, None, (), where),)
            continue
        vocab.tasks[task] = tuple(
            NameCase(
                case["name"],
                compile_condition(case["when"]) if case.get("when") else None,
                tuple((case.get("requires") or {}).items()),
                doc.where(*path, "tasks", task, index),
            )
            for index, case in enumerate(value)
        )
    for index, entry in enumerate(spec.get("suffixes") or ()):
        suffixes.append(
            Suffix(
                entry["suffix"],
                frozenset(entry["tasks"]),
                compile_condition(entry["when"]) if entry.get("when") else None,
                doc.where(*path, "suffixes", index),
                tuple(entry.get("examples") or ()),
            )
        )


def example_facts(example: Mapping[str, Any]) -> Facts:
    """The facts of a vocabulary example: its files, config and documents, architecture and library
    (transformers when the example gives a config and no library)."""
    docs: dict[str, Any] = dict(example.get("documents") or {})
    if "config" in example:
        docs["config.json"] = example["config"]
    files = frozenset(example.get("files") or ()) | frozenset(docs)
    library = example.get("library") or ("transformers" if "config" in example else None)
    return Facts(
        files=files, docs=docs, hub=example.get("hub") or {}, architecture=example.get("architecture"), library=library
    )
