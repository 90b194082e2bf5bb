"""How to run a model on an LLM server: `kind: serving` rule files, as an index the engine reads.

A resolved task looks up its entry (one dict access); the entry's cases are tried in order, and for
a pooling answer the `pooling_modes` rules are tried in order too: a handful of predicate calls per
resolution, and an alternative whose `json:` document the model lacks is skipped uncalled.

The index pickles (conditions are kept as written and compiled on first use), so a compiled rule set
can carry it as `rules.serving`; a rule set without one gets it built from `rules.docs` on first use,
once (memoised per rules object, like the vocabularies).

Layering: a later pack's entry for a task replaces the earlier one whole; its `pooling_modes` are
tried before the earlier packs'; its `applies` replaces the earlier one; its `values` join.
"""

from __future__ import annotations

from _collections_abc import Mapping  # what collections.abc re-exports, without importing all of collections

from resolver.conditions.language import Facts, compile_condition, describe
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.memo import IndexPerRules
from resolver.support.frozen import Record

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the resolve path needs no typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, NamedTuple

    from resolver.conditions.language import Predicate
else:
    from resolver.support.frozen import NamedTuple

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


class Branch(Record):
    """One alternative of a condition (a top-level `any` is split into its items): the documents it
    cannot hold without (`json:` conditions read them), the condition as written and in words; its
    test is compiled on first use."""

    __slots__ = ("needs", "spec", "text", "test")
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {"test": lambda self: compile_condition(self.spec)}
    needs: tuple[str, ...]
    spec: Any
    text: str
    test: Predicate


def branches(spec: Any) -> tuple[Branch, ...]:
    """The alternatives of a condition, each with the documents it needs: an alternative whose
    document is missing is skipped without being called (most models have no GGUF header)."""
    items = spec["any"] if isinstance(spec, Mapping) and list(spec) == ["any"] else [spec]
    return tuple(Branch(tuple(sorted(_needed(item))), item, describe(item)) for item in items)


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


class ServingCase(Record):
    """One case of a task's entry: its alternatives (empty: always applies) and its answer, made once."""

    __slots__ = ("when", "answer")
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


class TaskServing(Record):
    """A task's entry: its cases, tried in order."""

    __slots__ = ("task", "cases", "where", "examples")
    _defaults: ClassVar[dict[str, Any]] = {"examples": ()}
    task: str
    cases: tuple[ServingCase, ...]
    where: str
    examples: tuple[dict, ...]


class ModeRule(Record):
    """A pooling mode and the evidence that says it, alternative by alternative, so the answer names
    the one that held."""

    __slots__ = ("mode", "branches", "where", "examples")
    _defaults: ClassVar[dict[str, Any]] = {"examples": ()}
    mode: str
    branches: tuple[Branch, ...]
    where: str
    examples: tuple[dict, ...]

    def evidence(self, facts: Facts) -> str | None:
        found = first_holding(self.branches, facts)
        return None if found is None else found.text


class Applies(Record):
    """Which models LLM servers load at all: `when`, else runner null (the note says why)."""

    __slots__ = ("spec", "note", "where", "examples", "when")
    _defaults: ClassVar[dict[str, Any]] = {"examples": ()}
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {"when": lambda self: compile_condition(self.spec)}
    spec: Any
    note: str
    where: str
    examples: tuple[dict, ...]
    when: Predicate


class ServingIndex:
    """Every serving rule of a rule set, indexed. It pickles whole, less the memo of answers."""

    def __init__(self) -> None:
        self.tasks: dict[str, TaskServing] = {}
        self.modes: tuple[ModeRule, ...] = ()
        self.values: dict[str, dict[str, str]] = {kind: {} for kind in VALUE_KINDS}  # kind -> name -> where
        self.applies: Applies | None = None
        # the documents every pooling-mode alternative needs one of (None: some alternative needs none), so
        # a model with none of them skips the pooling-mode rules at the cost of a dict lookup or two
        self.mode_documents: tuple[str, ...] | None = ()
        self._with_mode: dict[tuple[str, str, str], Serving] = {}
        self._no_rule: dict[str, Serving] = {}  # task -> the answer for a task no serving rule names, made once

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name not in ("_with_mode", "_no_rule")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._with_mode = {}
        self._no_rule = {}

    def __repr__(self) -> str:
        return f"<ServingIndex: {len(self.tasks)} tasks, {len(self.modes)} pooling modes>"

    def serving(self, task: str, facts: Facts) -> Serving:
        """How to run a model of `task` whose evidence is `facts`: one dict lookup, the entry's cases
        in order, and for a pooling answer the pooling-mode rules; answers are made once and shared."""
        entry = self.tasks.get(task)
        if entry is None:
            made = self._no_rule.get(task)
            if made is None:
                made = Serving(why=f"no serving rule for {task}: no LLM server runner applies")
                if len(self._no_rule) < 1024:
                    self._no_rule[task] = made
            return made
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


_PER_RULES: IndexPerRules[ServingIndex] = IndexPerRules(lambda docs: build_index(docs))


def serving_index(rules: Any) -> ServingIndex:
    """The serving index of a rule set (CompiledRules): the one it carries (`rules.serving`, compiled
    with it), else built from its documents on first use."""
    carried = getattr(rules, "serving", None)
    if carried is not None:
        return carried
    return _PER_RULES(rules)


def build_index(docs: list[RuleDoc]) -> ServingIndex:
    """Compile every `kind: serving` document, in pack order."""
    index = ServingIndex()
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
                    gate["when"],
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
