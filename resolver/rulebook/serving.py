"""How to run a model on an LLM server: `kind: serving` rule files, indexed on first use.

A resolved task looks up its entry (one dict access); the entry's cases are tried in order, and for
a pooling answer the `pooling_modes` rules are tried in order too: a handful of predicate calls per
resolution. The index is built lazily from `rules.docs`, once per rule set (memoised per rules
object, like the vocabularies), so the compiled-rules cache needs nothing new.

Layering: a later pack's entry for a task replaces the earlier one whole; its `pooling_modes` are
tried before the earlier packs'; its `values` join the earlier ones.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from resolver.conditions.language import Facts, Predicate, compile_condition, describe
from resolver.rulebook.documents import RuleDoc

VALUE_KINDS = ("runner", "pooling_task", "pooling_mode")
POOLING = "pooling"  # the runner whose answers have a pooling task and maybe a mode


class Serving(NamedTuple):
    """How to run a model: the runner (None: no LLM server runs it), for pooling models the pooling
    task and, where the files say it, the pooling mode; why, and the rules that said so."""

    runner: str | None = None
    pooling_task: str | None = None
    pooling_mode: str | None = None
    why: str = ""
    where: str | None = None  # file:line of the case that gave runner and pooling task
    pooling_mode_where: str | None = None  # file:line of the pooling-mode rule

    def describe(self) -> str:
        """One line for people: `pooling runner: embed, cls pooling`, `generate runner`, `-`."""
        if self.runner is None:
            return "-"
        details = [d for d in (self.pooling_task, self.pooling_mode and f"{self.pooling_mode} pooling") if d]
        return f"{self.runner} runner" + (f": {', '.join(details)}" if details else "")


@dataclass(frozen=True, slots=True)
class Branch:
    """One alternative of a condition (a top-level `any` is split into its items): the documents it
    cannot hold without (`json:` conditions read them), the test, and the test in words."""

    needs: tuple[str, ...]
    test: Predicate
    text: str


def branches(spec: Any) -> tuple[Branch, ...]:
    """The alternatives of a condition, each with the documents it needs: an alternative whose
    document is missing is skipped without being called (most models have no GGUF header)."""
    items = spec["any"] if isinstance(spec, Mapping) and list(spec) == ["any"] else [spec]
    return tuple(Branch(tuple(sorted(_needed(item))), compile_condition(item), describe(item)) for item in items)


def _needed(spec: Any) -> set[str]:
    """Documents a condition cannot hold without: every `json:` file of it and of its `all:` items."""
    found: set[str] = set()
    if isinstance(spec, Mapping):
        json_spec = spec.get("json")
        if isinstance(json_spec, Mapping) and "file" in json_spec:
            found.add(json_spec["file"])
        for item in spec.get("all") or ():
            found |= _needed(item)
    return found


def first_holding(alternatives: tuple[Branch, ...], facts: Facts) -> Branch | None:
    """The first alternative that holds, or None."""
    docs = facts.docs
    for branch in alternatives:
        for name in branch.needs:
            if name not in docs:
                break
        else:
            if branch.test(facts):
                return branch
    return None


@dataclass(frozen=True, slots=True)
class ServingCase:
    """One case of a task's entry: its alternatives (empty: always applies) and its answer, made once."""

    when: tuple[Branch, ...]
    answer: Serving

    @property
    def runner(self) -> str | None:
        return self.answer.runner

    @property
    def pooling_task(self) -> str | None:
        return self.answer.pooling_task

    @property
    def where(self) -> str:
        return self.answer.where or ""


@dataclass(frozen=True, slots=True)
class TaskServing:
    """A task's entry: its cases, tried in order."""

    task: str
    cases: tuple[ServingCase, ...]
    where: str
    examples: tuple[dict, ...] = ()


@dataclass(frozen=True, slots=True)
class ModeRule:
    """A pooling mode and the evidence that says it, alternative by alternative, so the answer names
    the one that held."""

    mode: str
    branches: tuple[Branch, ...]
    where: str
    examples: tuple[dict, ...] = ()

    def evidence(self, facts: Facts) -> str | None:
        found = first_holding(self.branches, facts)
        return None if found is None else found.text


@dataclass(frozen=True, slots=True)
class Applies:
    """Which models LLM servers load at all: `when`, else runner null (the note says why)."""

    when: Predicate
    note: str
    where: str
    examples: tuple[dict, ...] = ()


@dataclass
class ServingIndex:
    tasks: dict[str, TaskServing] = field(default_factory=dict)
    modes: tuple[ModeRule, ...] = ()
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> name -> where declared
    applies: Applies | None = None
    # the documents every pooling-mode alternative needs one of (None: some alternative needs none), so
    # a model with none of them skips the pooling-mode rules at the cost of a dict lookup or two
    mode_documents: tuple[str, ...] | None = ()
    _with_mode: dict[tuple[str, str, str], Serving] = field(default_factory=dict, repr=False)

    def serving(self, task: str, facts: Facts) -> Serving:
        """How to run a model of `task` whose evidence is `facts`: one dict lookup, the entry's cases
        in order, and for a pooling answer the pooling-mode rules; answers are made once and shared."""
        entry = self.tasks.get(task)
        if entry is None:
            return Serving(why=f"no serving rule for {task}: no LLM server runner applies")
        applies = self.applies
        if applies is not None and not applies.when(facts):
            return Serving(
                why=f"library {facts.library}: {applies.note or 'no LLM server loads it'}", where=applies.where
            )
        for case in entry.cases:
            if not case.when or first_holding(case.when, facts) is not None:
                break
        else:
            return Serving(why=f"no case of the serving rule for {task} holds", where=entry.where)
        answer = case.answer
        if answer.runner != POOLING:
            return answer
        documents = self.mode_documents
        if documents is not None:
            docs = facts.docs
            for name in documents:
                if name in docs:
                    break
            else:
                return answer
        for rule in self.modes:
            found = first_holding(rule.branches, facts)
            if found is not None:
                key = (answer.where or "", rule.where, found.text)
                made = self._with_mode.get(key)
                if made is None:
                    why = f"{answer.why}; {rule.mode} pooling: {found.text}"
                    made = answer._replace(pooling_mode=rule.mode, why=why, pooling_mode_where=rule.where)
                    if len(self._with_mode) < 4096:
                        self._with_mode[key] = made
                return made
        return answer


_INDEXES: dict[int, tuple[weakref.ref, ServingIndex]] = {}  # id(rules) -> (a weak reference to it, its index)


def serving_index(rules: Any) -> ServingIndex:
    """The serving index of a rule set (CompiledRules), built from its documents on first use."""
    key = id(rules)
    hit = _INDEXES.get(key)
    if hit is not None and hit[0]() is rules:
        return hit[1]
    index = build_index(rules.docs)
    try:
        _INDEXES[key] = (weakref.ref(rules, _forget(key)), index)
    except TypeError:  # not weak-referenceable: nothing to remember it by
        pass
    return index


def _forget(key: int) -> Any:
    def forget(_ref: Any) -> None:
        _INDEXES.pop(key, None)

    return forget


def build_index(docs: list[RuleDoc]) -> ServingIndex:
    """Compile every `kind: serving` document, in pack order."""
    index = ServingIndex(values={kind: {} for kind in VALUE_KINDS})
    modes: list[ModeRule] = []
    for pack in sorted({doc.pack for doc in docs}):
        fresh: list[ModeRule] = []
        for doc in docs:
            if doc.pack != pack or doc.kind != "serving":
                continue
            for kind, names in (doc.data.get("values") or {}).items():
                for number, name in enumerate(names):
                    index.values.setdefault(kind, {}).setdefault(name, doc.where("values", kind, number))
            gate = doc.data.get("applies")
            if gate:
                index.applies = Applies(
                    compile_condition(gate["when"]),
                    gate.get("note", ""),
                    doc.where("applies"),
                    tuple(gate.get("examples") or ()),
                )
            for task, spec in (doc.data.get("tasks") or {}).items():
                index.tasks[task] = compile_entry(doc, task, spec or {})
            for number, spec in enumerate(doc.data.get("pooling_modes") or ()):
                fresh.append(compile_mode(doc, number, spec))
        modes = fresh + modes
    index.modes = tuple(modes)
    alternatives = [branch for rule in modes for branch in rule.branches]
    if all(branch.needs for branch in alternatives):
        index.mode_documents = tuple(sorted({branch.needs[0] for branch in alternatives}))
    else:
        index.mode_documents = None
    return index


def compile_entry(doc: RuleDoc, task: str, spec: Mapping[str, Any]) -> TaskServing:
    path = ("tasks", task)
    if "cases" in spec:
        cases = tuple(_case(task, case, doc.where(*path, "cases", number)) for number, case in enumerate(spec["cases"]))
    else:
        cases = (_case(task, spec, doc.where(*path, "runner")),)
    return TaskServing(task, cases, doc.where(*path), tuple(spec.get("examples") or ()))


def _case(task: str, spec: Mapping[str, Any], where: str) -> ServingCase:
    when = spec.get("when")
    runner, pooling_task = spec.get("runner"), spec.get("pooling_task")
    said = spec.get("note") or (
        f"{task}: {runner} runner" + (f", pooling task {pooling_task}" if pooling_task else "")
        if runner
        else f"{task}: no LLM server runner"
    )
    return ServingCase(branches(when) if when else (), Serving(runner, pooling_task, None, said, where))


def compile_mode(doc: RuleDoc, number: int, spec: Mapping[str, Any]) -> ModeRule:
    where = doc.where("pooling_modes", number)
    return ModeRule(spec["mode"], branches(spec["when"]), where, tuple(spec.get("examples") or ()))
