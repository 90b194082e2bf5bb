"""Turn validated rule documents into lookup indexes the engine reads with plain dict access.

Layering: documents come in pack order (shipped rules first). A later entry with the same key
(task name, library, class name, pattern needle, layout name) replaces the earlier one in place;
new `detect` entries and layouts from a later pack are tried before the earlier ones.
"""

from __future__ import annotations

from resolver.conditions.language import any_of, compile_condition, describe, documents_read_by, lookup
from resolver.conditions.needs import (
    HUB,
    NOTHING,
    ChannelIndex,
    Needs,
    channels_in,
    needs_of,
    prune,
    reads_only_files,
    satisfiable,
    surely_holds,
)
from resolver.rulebook.documents import RuleDoc
from resolver.support.frozen import Record
from resolver.support.packed import PackedTable

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, ClassVar

    from resolver.conditions.language import Predicate

_UNSET: Any = object()


def _compiled(spec: Any) -> Predicate | None:
    """The predicate of a condition as written (None: no condition, always holds)."""
    return compile_condition(spec) if spec else None


class Case(Record):
    """One branch of a pattern or layout: a condition (None = always) and the task it gives.

    `default`: the case is a guess of last resort (a generic suffix's fallback, a layout's fallback),
    which a later specific answer (the Hub's pipeline_tag, say) beats. `when` is compiled from
    `spec` (the condition as written) on first use.
    """

    __slots__ = ("task", "where", "spec", "default", "when")
    _defaults: ClassVar[dict[str, Any]] = {"spec": None, "default": False}
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {"when": lambda self: _compiled(self.spec)}
    task: str
    where: str
    spec: Any
    default: bool
    when: Predicate | None


class Pattern(Record):
    """An architecture-name pattern (`suffix` or `contains`) and its cases, tried in order."""

    __slots__ = ("needle", "kind", "cases", "where", "examples")
    _defaults: ClassVar[dict[str, Any]] = {"examples": ()}
    needle: str
    kind: str
    cases: tuple[Case, ...]
    where: str
    examples: tuple[dict, ...]

    def matches(self, name: str) -> bool:
        if self.kind == "suffix":
            return name.endswith(self.needle)
        return name.startswith(self.needle) if self.kind == "prefix" else self.needle in name


PATTERN_KINDS = ("suffix", "prefix", "contains")


def pattern_kind(entry: Mapping[str, Any]) -> str:
    """Which of `suffix`, `prefix`, `contains` a pattern entry (schema-valid) uses."""
    return next(kind for kind in PATTERN_KINDS if kind in entry)


class LoaderRule(Record):
    """A class (import path) that loads a task for a library, maybe gated by a condition (`spec`) or versions."""

    __slots__ = ("import_path", "spec", "requires", "where", "when")
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {"when": lambda self: _compiled(self.spec)}
    import_path: str
    spec: Any
    requires: tuple[tuple[str, str], ...]
    where: str
    when: Predicate | None


class TaskDef(Record):
    __slots__ = ("name", "synonyms", "loaders", "where")
    name: str
    synonyms: tuple[str, ...]
    loaders: dict[str, tuple[LoaderRule, ...]]
    where: str


class LibraryDef(Record):
    __slots__ = ("name", "default_task", "package", "default_loader", "where", "tasks")
    _defaults: ClassVar[dict[str, Any]] = {"tasks": ()}
    name: str
    default_task: str
    package: str | None
    default_loader: str | None
    where: str
    tasks: tuple[str, ...]  # what the Hub says the library serves


class Branch(Record):
    """One alternative of a detector's top-level `any` (or its whole `when`): the test, in words, and its needs.

    `source` is the alternative as written (None: the detector's `when` already held, nothing more
    to test); `when` is compiled from it on first use.
    """

    __slots__ = ("source", "text", "needs", "when")
    _defaults: ClassVar[dict[str, Any]] = {"needs": NOTHING}
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {"when": lambda self: _compiled(self.source)}
    source: Any
    text: str
    needs: Needs
    when: Predicate | None


class Detector(Record):
    """A library or framework detection entry; `use` names a built-in source (hub_library_name).

    `when` is compiled from `when_from` on first use: the entry's `when` as written (`spec`), or in a
    plan the alternatives of it that can hold there.
    """

    __slots__ = ("name", "where", "use", "branches", "needs", "spec", "when_from", "when")
    _defaults: ClassVar[dict[str, Any]] = {"use": None, "branches": (), "needs": NOTHING, "spec": None}
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "when_from": lambda self: self.spec,
        "when": lambda self: _compiled(self.when_from),
    }
    name: str | None
    where: str
    use: str | None
    branches: tuple[Branch, ...]  # the alternatives of `when`, so the trace names the one that held
    needs: Needs  # evidence `when` cannot hold without (resolver.needs)
    spec: Any  # `when` as written
    when_from: Any
    when: Predicate | None

    def __reduce__(self) -> tuple[Any, ...]:
        if self.when_from is not self.spec:  # a plan's pruned detector: pickle what it tests
            values = {name: getattr(self, name) for name in self._stored}
            return _detector_for, (values, self.when_from)
        return super().__reduce__()

    def evidence(self, facts: Any) -> str:
        """In words, what made `when` hold: the first alternative of a top-level `any` that holds."""
        for branch in self.branches:
            if branch.when is None or branch.when(facts):
                return branch.text
        return ""

    def holding(self, facts: Any) -> str | None:
        """`evidence(facts)` when `when` holds, else None. `when` is tested first: it is one test where
        the alternatives would be several (an `any` of class conditions is one substring search)."""
        when = self.when
        if when is None or not when(facts):
            return None
        return self.evidence(facts)

    def for_channels(self, present: frozenset[str]) -> Detector:
        """This detector with the alternatives that cannot hold on evidence offering `present` left out."""
        if len(self.branches) < 2:
            return self
        kept = tuple(branch for branch in self.branches if satisfiable(branch.needs, present))
        if len(kept) == len(self.branches):
            return self
        if len(kept) == 1:  # its test decides, and names itself
            return _detector_for(self._changed(branches=(Branch(None, kept[0].text),)), kept[0].source, kept[0].when)
        tests = [branch.when for branch in kept if branch.when is not None]  # the alternatives of an `any` all test
        return _detector_for(self._changed(branches=kept), {"any": [branch.source for branch in kept]}, any_of(tests))

    def _changed(self, **changes: Any) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self._stored}
        values.update(changes)
        return values


def _detector_for(values: dict[str, Any], when_from: Any, when: Any = _UNSET) -> Detector:
    """A detector that tests `when_from` (an equivalent predicate `when` may come precompiled)."""
    if when is _UNSET:
        return Detector(**values, when_from=when_from)
    return Detector(**values, when_from=when_from, when=when)


def _detector(name: str, spec: dict, where: str) -> Detector:
    """A detection entry; the alternatives of a top-level `any` are kept apart so the trace can name the one used."""
    if list(spec) == ["any"]:
        branches = tuple(Branch(item, describe(item), needs_of(item)) for item in spec["any"])
    else:
        branches = (Branch(None, describe(spec)),)
    return Detector(name, where, branches=branches, needs=needs_of(spec), spec=spec)


class Lookup(Record):
    __slots__ = ("file", "key", "table", "where")
    file: str
    key: str
    table: dict[str, tuple[str, str]]  # value -> (task, where)
    where: str


class ValueRef(Record):
    """Where a layout reads a value: `key` (dotted) of the JSON document `file`, of the Hub's
    metadata (`source` hub), or the name of the model's own class (`source` class)."""

    __slots__ = ("key", "file", "source")
    _defaults: ClassVar[dict[str, Any]] = {"file": None, "source": "file"}
    key: str
    file: str | None
    source: str  # file | hub | class

    def read(self, facts: Any) -> Any:
        if self.source == "class":
            classes = facts.classes
            return classes[0][0] if classes else None
        data = facts.hub if self.source == "hub" else facts.docs.get(self.file)
        return lookup(data, self.key)

    def describe(self) -> str:
        if self.source == "class":
            return "the model's class"
        return f"Hub {self.key}" if self.source == "hub" else f"{self.file} {self.key}"


class Layout(Record):
    """A folder layout. `when` is compiled from `when_from` on first use: the layout's `when` as
    written (`spec`), or in a plan what is left of it where only some channels are present."""

    __slots__ = (
        "name",
        "lookup",
        "cases",
        "component",
        "where",
        "examples",
        "architecture",
        "base_model",
        "task_from_class",
        "loader_module",
        "needs",
        "spec",
        "when_from",
        "when",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "examples": (),
        "architecture": (),
        "base_model": (),
        "task_from_class": (),
        "loader_module": None,
        "needs": NOTHING,
        "spec": None,
    }
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "when_from": lambda self: self.spec,
        "when": lambda self: compile_condition(self.when_from),
    }
    name: str
    lookup: Lookup | None
    cases: tuple[Case, ...]
    component: bool
    where: str
    examples: tuple[dict, ...]
    architecture: tuple[ValueRef, ...]  # where the folder names the class that loads it
    base_model: tuple[ValueRef, ...]  # where it names the model it adapts (PEFT adapters, ...)
    task_from_class: tuple[ValueRef, ...]  # where it names a class the architecture tables know
    loader_module: str | None  # the `architecture` class, imported from this module, loads the folder
    needs: Needs  # evidence `when` cannot hold without (resolver.needs)
    spec: Any  # `when` as written
    when_from: Any
    when: Predicate

    def __reduce__(self) -> tuple[Any, ...]:
        if self.when_from is not self.spec:  # a plan's pruned layout: pickle what it tests
            return _layout_for, ({name: getattr(self, name) for name in self._stored}, self.when_from)
        return super().__reduce__()

    def for_channels(self, present: frozenset[str]) -> Layout | None:
        """This layout with the alternatives of `when` that cannot hold on evidence offering `present`
        left out; None when none can."""
        pruned = prune(self.spec, present)
        if pruned is None:
            return None
        return self if pruned == self.spec else _layout_for({n: getattr(self, n) for n in self._stored}, pruned)


def _layout_for(values: dict[str, Any], when_from: Any) -> Layout:
    return Layout(**values, when_from=when_from)


class AutoClass(Record):
    __slots__ = ("task", "rank", "where")
    task: str
    rank: int  # position in the Hub's order: a higher rank is more specific
    where: str


class Plan:
    """The detectors and layouts that can match evidence offering a given set of channels, in rule order.

    A plain slotted class, not a Record: the engine reads a plan's fields on every resolution, and a
    Record's `__getattr__` (its lazy fields) keeps CPython from specialising those reads.
    """

    __slots__ = (
        "library_detect",
        "frameworks",
        "layouts",
        "strategies",
        "_library_tests",
        "_framework_tests",
        "frameworks_by_files",
        "present",
    )
    FIELDS: ClassVar[tuple[str, ...]] = ("library_detect", "frameworks", "layouts", "strategies")

    def __init__(
        self,
        library_detect: tuple[Detector, ...],
        frameworks: tuple[Detector, ...],
        layouts: tuple[Layout, ...],
        strategies: tuple[tuple[str, Callable[..., Any]], ...],  # (name, function) in fallback order
        present: frozenset[str] = frozenset(),  # the channels of the evidence the plan is for
    ) -> None:
        self.present = present
        self.library_detect = library_detect
        self.frameworks = frameworks
        self.layouts = layouts
        self.strategies = strategies
        self._library_tests: tuple[tuple[Detector, str | None, Predicate | None, str | None], ...] | None = None
        self._framework_tests: tuple[tuple[Detector, str | None, Predicate | None], ...] | None = None
        # what framework detection found per file list, when the plan's framework tests read the files
        # alone (their answer is then a function of the list); None when one reads more
        self.frameworks_by_files: dict[frozenset[str], tuple[Any, ...]] | None = (
            {} if all(reads_only_files(d.when_from) for d in frameworks) else None
        )

    def library_tests(self) -> tuple[tuple[Detector, str | None, Predicate | None, str | None], ...]:
        """(detector, use, when, said) for each library detector: what detection reads of each, read once
        per plan (the first detection compiles the conditions), not per resolution from the records.
        `said` is the detector's evidence in words when the plan's channels alone say it holds
        (`file: config.json` on evidence listing config.json): then nothing is tested; else None."""
        tests = self._library_tests
        if tests is None:
            tests = self._library_tests = tuple(
                (d, d.use, d.when, _decided_evidence(d, self.present)) for d in self.library_detect
            )
        return tests

    def framework_tests(self) -> tuple[tuple[Detector, str | None, Predicate | None], ...]:
        """(detector, name, when) for each framework detector, as `library_tests`."""
        tests = self._framework_tests
        if tests is None:
            tests = self._framework_tests = tuple((d, d.name, d.when) for d in self.frameworks)
        return tests

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"Plan({fields})"


def _decided_evidence(detector: Detector, present: frozenset[str]) -> str | None:
    """What `detector.evidence` says on any evidence offering `present`, when the channels alone say
    the detector holds and which alternative does (the first one that can); None when only a test can."""
    if detector.use is not None or not surely_holds(detector.when_from, present):
        return None
    for branch in detector.branches:
        if branch.source is None or surely_holds(branch.source, present):
            return branch.text
        if satisfiable(branch.needs, present):  # it may hold, and it comes first: only a test can tell
            return None
    return None


def layout_fingerprint() -> str:
    """The shape of the pickled compiled form (every record's fields, the rule set's), for the cache key:
    a cache written by code with other fields is never read back into these classes."""
    records = (Case, Pattern, LoaderRule, TaskDef, LibraryDef, Branch, Detector, Lookup, ValueRef, Layout, AutoClass)
    shapes = [f"{cls.__name__}:{','.join(cls._fields)}" for cls in records]
    shapes.append(f"ChannelIndex:{','.join(ChannelIndex.__slots__)}")
    from resolver.rulebook import serving  # its index is pickled with the rules (rules.serving)

    served = (
        serving.Serving,
        serving.Branch,
        serving.ServingCase,
        serving.TaskServing,
        serving.ModeRule,
        serving.Applies,
    )
    shapes += [f"serving.{cls.__name__}:{','.join(cls._fields)}" for cls in served]
    shapes.append("serving.ServingIndex:" + ",".join(sorted(vars(serving.ServingIndex()))))
    return ";".join([*shapes, "CompiledRules:" + ",".join(CompiledRules.FIELDS)])


MAX_PLANS = 4096  # distinct channel sets remembered; past that, plans are built per call
MAX_SHAPES = 8192  # evidence shapes (ChannelIndex.shape) whose plan is remembered


class CompiledRules:
    """Every rule, indexed for the engine. Built once per rule set (and memoised by content hash).

    It pickles whole (the compiled-rules cache): conditions are kept as written and compiled on
    first use, the plans memo is left out, and the documents (big: every node's position) are kept
    as one pickled blob that is read back only when something asks for `docs` (validation, the
    vocabularies), so a warm start unpickles the indexes alone.
    """

    FIELDS: ClassVar[tuple[str, ...]] = (
        "tasks",
        "synonyms",
        "strip_suffixes",
        "libraries",
        "hub_libraries",
        "hub_libraries_source",
        "library_detect",
        "frameworks",
        "exact",
        "generated",
        "generated_from",
        "patterns",
        "legacy_prefixes",
        "auto_mappings",
        "auto_classes",
        "layouts",
        "fallback",
        "fallback_where",
        "documents",
        "default_wheres",
        "channels",
        "serving",
    )

    def __init__(self, docs: Sequence[RuleDoc] = ()) -> None:
        self._docs: list[RuleDoc] | None = list(docs)
        self._docs_blob: bytes | None = None
        self.tasks: dict[str, TaskDef] = {}
        self.synonyms: dict[str, tuple[str, str]] = {}  # alias -> (task, where)
        self.strip_suffixes: tuple[str, ...] = ()
        self.libraries: dict[str, LibraryDef] = {}
        self.hub_libraries: frozenset[str] = frozenset()  # the Hub's library names, spelled as detection spells them
        self.hub_libraries_source = ""
        self.library_detect: list[Detector] = []
        self.frameworks: list[Detector] = []
        self.exact: dict[str, tuple[str, str]] = {}  # class -> (task, where)
        self.generated: dict[str, tuple[str, str]] = {}  # a PackedTable (read as this dict is) once compiled
        self.generated_from: dict[str, str] = {}
        self.patterns: list[Pattern] = []
        self.legacy_prefixes: tuple[str, ...] = ()
        self.auto_mappings: list[dict] = []
        self.auto_classes: dict[str, AutoClass] = {}
        self.layouts: list[Layout] = []
        self.fallback: tuple[str, ...] = ()
        self.fallback_where = ""
        self.documents: frozenset[str] = frozenset()  # JSON files the conditions read
        # where the `default: true` cases are: answers from there are defaults
        self.default_wheres: frozenset[str] = frozenset()
        self.channels: ChannelIndex = ChannelIndex(())  # what conditions need
        # the serving index (resolver.rulebook.serving), compiled and cached with the rest, so a warm
        # start does not unpickle the documents to build it
        self.serving: Any = None
        self._plans: dict[frozenset[str], Plan] = {}
        self._bare_plans: dict[tuple[bool, bool, bool], Plan] = {}  # the plans of evidence with no file and no document
        self._shaped_plans: dict[tuple[Any, ...], Plan] = {}  # ChannelIndex.shape(...) -> its plan (bounded)
        self._tracked: object = None  # the strategy table whose channels `channels` also computes
        # the engine's answers that depend on these rules alone (a table hit for an architecture name),
        # made once; not pickled, bounded by the engine
        self.answers: dict[Any, Any] = {}

    @property
    def docs(self) -> list[RuleDoc]:
        """The validated documents the rules were compiled from, in pack order."""
        if self._docs is None:
            import pickle

            self._docs = pickle.loads(self._docs_blob or pickle.dumps([]))
            self._docs_blob = None
        return self._docs

    def __getstate__(self) -> dict[str, Any]:
        import pickle

        blob = self._docs_blob if self._docs is None else pickle.dumps(self._docs, protocol=pickle.HIGHEST_PROTOCOL)
        return {"docs_blob": blob, **{name: getattr(self, name) for name in self.FIELDS}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({name: state[name] for name in self.FIELDS})
        self._docs, self._docs_blob, self._plans, self._tracked = None, state["docs_blob"], {}, None
        self._bare_plans = {}
        self._shaped_plans = {}
        self.answers = {}

    def __repr__(self) -> str:
        return f"<CompiledRules: {len(self.tasks)} tasks, {len(self.libraries)} libraries, {len(self.layouts)} layouts>"

    def forget_plans(self) -> None:
        """Drop the memoised plans and answers (they are rebuilt on demand)."""
        self._plans.clear()
        self._bare_plans.clear()
        self._shaped_plans.clear()
        self.answers.clear()

    def condition_specs(self) -> list[Any]:
        """The `when` of every detector and layout: what plans prune (resolver.needs)."""
        detectors = [d.spec for d in (*self.library_detect, *self.frameworks) if d.spec is not None]
        return detectors + [layout.spec for layout in self.layouts]

    def plan_for(
        self,
        files: frozenset[str],
        documents: Mapping[str, Any],
        classes: bool,
        hub: bool,
        strategies: Mapping[str, tuple[Callable[..., Any], Needs]],
        task: bool = False,
    ) -> Plan:
        """The rules worth evaluating for evidence of this shape (and a given task or not), memoised per
        shape (resolver.needs).

        `strategies` is the engine's table (name -> (function, needs)); it must not change between calls.
        """
        if strategies is not self._tracked:
            self._track(strategies)
        if not files and not documents:  # a class or object without config: one of eight shapes
            shape = (classes, hub, task)
            plan = self._bare_plans.get(shape)
            if plan is None:
                plan = self._bare_plans[shape] = self._plan_of(
                    self.channels.present(files, documents, *shape), strategies
                )
            return plan
        # the common case: evidence of a shape seen before, found without working out its channels
        seen_as = self.channels.shape(files, documents, classes, hub, task)
        if seen_as is not None:
            plan = self._shaped_plans.get(seen_as)
            if plan is not None:
                return plan
        present = self.channels.present(files, documents, classes, hub, task)
        plan = self._plans.get(present)
        if plan is None:
            plan = self._plan_of(present, strategies)
        if seen_as is not None and len(self._shaped_plans) < MAX_SHAPES:
            self._shaped_plans[seen_as] = plan
        return plan

    def _plan_of(self, present: frozenset[str], strategies: Mapping[str, tuple[Callable[..., Any], Needs]]) -> Plan:
        """The plan of evidence offering `present`, memoised (bounded)."""
        plan = self._plans.get(present)
        if plan is None:
            plan = self._new_plan(present, strategies)
            if len(self._plans) < MAX_PLANS:
                self._plans[present] = plan
        return plan

    def _track(self, strategies: Mapping[str, tuple[Callable[..., Any], Needs]]) -> None:
        """Make `channels` compute the channels the strategies read too (once per strategy table)."""
        wanted = {channel for _, needs in strategies.values() for clause in needs for channel in clause}
        if not wanted <= self.channels.known:
            self.channels = ChannelIndex(self.channels.known | wanted)
            self._plans.clear()
            self._bare_plans.clear()
            self._shaped_plans.clear()
        self._tracked = strategies

    def _new_plan(self, present: frozenset[str], strategies: Mapping[str, tuple[Callable[..., Any], Needs]]) -> Plan:
        kept = (layout.for_channels(present) for layout in self.layouts if satisfiable(layout.needs, present))
        layouts = tuple(layout for layout in kept if layout is not None)
        return Plan(
            tuple(d.for_channels(present) for d in self.library_detect if satisfiable(d.needs, present)),
            tuple(d.for_channels(present) for d in self.frameworks if satisfiable(d.needs, present)),
            layouts,
            tuple(
                (name, strategies[name][0])
                for name in self.fallback
                if satisfiable(strategies[name][1], present) and (layouts or name != "layouts")
            ),
            present,
        )

    def lookup_tables(self, name: str) -> tuple[str, str, str] | None:
        """(task, where, how) from the exact and generated tables, legacy TF/Flax spellings included; no patterns."""
        hit = self.exact.get(name)
        if hit:
            return hit[0], hit[1], "exact"
        hit = self.generated.get(name)
        if hit:
            return hit[0], hit[1], "generated table"
        for prefix in self.legacy_prefixes:
            if name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)].isupper():
                found = self.lookup_tables(name[len(prefix) :])
                if found:
                    return found[0], found[1], f"{found[2]}, {prefix} spelling of {name[len(prefix) :]}"
        return None

    def canonical_task(self, name: str) -> str | None:
        """The canonical task for a name or synonym (`causal-lm-with-past` -> text-generation)."""
        key = name.strip().lower().replace("_", "-")
        if key in self.tasks:
            return key
        if key in self.synonyms:
            return self.synonyms[key][0]
        for suffix in self.strip_suffixes:
            if key.endswith(suffix):
                return self.canonical_task(key[: -len(suffix)])
        return None


def _cases(doc: RuleDoc, entry: dict, path: tuple) -> tuple[Case, ...]:
    cases = []
    for index, case in enumerate(entry.get("cases") or ()):
        when = case.get("when")
        cases.append(
            Case(
                case["task"],
                doc.where(*path, "cases", index),
                when,
                bool(case.get("default", False)),
            )
        )
    if "task" in entry:
        cases.append(Case(entry["task"], doc.where(*path, "task")))
    return tuple(cases)


def _compile_tasks(rules: CompiledRules, doc: RuleDoc) -> None:
    data = doc.data
    if "strip_suffixes" in data:
        rules.strip_suffixes = tuple(data["strip_suffixes"])
    for name, spec in (data.get("tasks") or {}).items():
        spec = spec or {}
        loaders = {}
        for library, entries in (spec.get("loaders") or {}).items():
            loaders[library] = tuple(
                LoaderRule(
                    entry["class"],
                    entry.get("when"),
                    tuple((entry.get("requires") or {}).items()),
                    doc.where("tasks", name, "loaders", library, index),
                )
                for index, entry in enumerate(entries)
            )
        previous = rules.tasks.get(name)
        if previous:  # a pack redefining a task drops the synonyms it had
            for alias in previous.synonyms:
                rules.synonyms.pop(alias, None)
        synonyms = tuple(spec.get("synonyms") or ())
        rules.tasks[name] = TaskDef(name, synonyms, loaders, doc.where("tasks", name))
        for index, alias in enumerate(synonyms):
            rules.synonyms[alias] = (name, doc.where("tasks", name, "synonyms", index))


def _compile_libraries(rules: CompiledRules, doc: RuleDoc, new_detectors: list[Detector]) -> None:
    for name, spec in (doc.data.get("libraries") or {}).items():
        rules.libraries[name] = LibraryDef(
            name,
            spec["default_task"],
            spec.get("package"),
            spec.get("default_loader"),
            doc.where("libraries", name),
            tuple(spec.get("tasks") or ()),
        )
    hub = doc.data.get("hub_libraries")
    if hub:
        rules.hub_libraries = frozenset(library_key(name) for name in hub["names"])
        rules.hub_libraries_source = hub.get("source", "")
    for index, entry in enumerate(doc.data.get("detect") or ()):
        where = doc.where("detect", index)
        if "use" in entry:
            new_detectors.append(Detector(None, where, use=entry["use"], needs=(frozenset({HUB}),)))
        else:
            new_detectors.append(_detector(entry["library"], entry["when"], where))


def library_key(name: str) -> str:
    """A library name as the rules spell it: lower case, `_` for `-` (the Hub's `sentence-transformers`)."""
    return name.strip().lower().replace("-", "_")


def _compile_architectures(rules: CompiledRules, doc: RuleDoc) -> None:
    data = doc.data
    if "legacy_prefixes" in data:
        rules.legacy_prefixes = tuple(data["legacy_prefixes"])
    table = rules.generated if "generated" in data else rules.exact
    if "generated" in data:
        rules.generated_from.update(data["generated"].get("from") or {})  # one generated file per library
    for name, task in (data.get("exact") or {}).items():
        table[name] = (task, doc.where("exact", name))
    index_of = {(p.kind, p.needle): i for i, p in enumerate(rules.patterns)}
    for index, entry in enumerate(data.get("patterns") or ()):
        kind = pattern_kind(entry)
        path = ("patterns", index)
        pattern = Pattern(
            entry[kind], kind, _cases(doc, entry, path), doc.where(*path), tuple(entry.get("examples") or ())
        )
        key = (kind, pattern.needle)
        if key in index_of:
            rules.patterns[index_of[key]] = pattern
        else:
            index_of[key] = len(rules.patterns)
            rules.patterns.append(pattern)


def _compile_layouts(rules: CompiledRules, doc: RuleDoc, new_layouts: list[Layout]) -> None:
    for index, entry in enumerate(doc.data.get("layouts") or ()):
        path = ("layouts", index)
        lookup = None
        if "lookup" in entry:
            spec = entry["lookup"]
            table = {value: (task, doc.where(*path, "lookup", "table", value)) for value, task in spec["table"].items()}
            lookup = Lookup(spec["file"], spec["key"], table, doc.where(*path, "lookup"))
        new_layouts.append(
            Layout(
                entry["name"],
                lookup,
                _cases(doc, entry, path),
                bool(entry.get("component", False)),
                doc.where(*path),
                tuple(entry.get("examples") or ()),
                _value_refs(entry.get("architecture")),
                _value_refs(entry.get("base_model")),
                _value_refs(entry.get("task_from_class")),
                entry.get("loader_module"),
                needs_of(entry["when"]),
                entry["when"],
            )
        )


def _value_refs(spec: Any) -> tuple[ValueRef, ...]:
    """`{file: F, key: K}` / `{hub: K}` / `{class: name}`, or a list of them (the first that has a value wins)."""
    items = spec if isinstance(spec, list) else [spec] if spec else []
    return tuple(_value_ref(item) for item in items)


def _value_ref(item: dict) -> ValueRef:
    if "hub" in item:
        return ValueRef(item["hub"], source="hub")
    if "class" in item:
        return ValueRef(item["class"], source="class")
    return ValueRef(item["key"], item["file"])


def _merge_named(existing: list, new: list, key: Any) -> list:
    """New entries first (a later pack is more specific); one with an existing key replaces it in place."""
    new_keys = {key(item) for item in new if key(item) is not None}
    replaced = {key(item): item for item in new if key(item) is not None}
    kept = []
    for item in existing:
        k = key(item)
        if k is not None and k in new_keys:
            kept.append(replaced.pop(k))
        else:
            kept.append(item)
    fresh = [item for item in new if key(item) is None or key(item) in replaced]
    return fresh + kept


def compile_rules(docs: Sequence[RuleDoc]) -> CompiledRules:
    """Build the indexes. Assumes the documents passed schema validation."""
    rules = CompiledRules(docs=list(docs))
    by_pack: dict[int, list[RuleDoc]] = {}
    for doc in docs:
        by_pack.setdefault(doc.pack, []).append(doc)
    needed: set[str] = set()
    for pack in sorted(by_pack):
        new_library_detectors: list[Detector] = []
        new_framework_detectors: list[Detector] = []
        new_layouts: list[Layout] = []
        for doc in by_pack[pack]:
            needed |= _documents_in(doc.data)
            if doc.kind == "tasks":
                _compile_tasks(rules, doc)
            elif doc.kind == "libraries":
                _compile_libraries(rules, doc, new_library_detectors)
            elif doc.kind == "frameworks":
                for index, entry in enumerate(doc.data["detect"]):
                    new_framework_detectors.append(
                        _detector(entry["framework"], entry["when"], doc.where("detect", index))
                    )
            elif doc.kind == "architectures":
                _compile_architectures(rules, doc)
            elif doc.kind == "layouts":
                _compile_layouts(rules, doc, new_layouts)
            elif doc.kind == "fallback":
                rules.fallback = tuple(doc.data["order"])
                rules.fallback_where = doc.where("order")
            elif doc.kind == "auto_mappings":
                rules.auto_mappings = [
                    {**entry, "where": doc.where("transformers", index)}
                    for index, entry in enumerate(doc.data["transformers"])
                ]
        rules.library_detect = new_library_detectors + rules.library_detect
        rules.frameworks = _merge_named(rules.frameworks, new_framework_detectors, lambda d: None)
        rules.layouts = _merge_named(rules.layouts, new_layouts, lambda layout: layout.name)
    for rank, entry in enumerate(rules.auto_mappings):
        if entry.get("auto_class"):
            rules.auto_classes[entry["auto_class"]] = AutoClass(entry["task"], rank, entry["where"])
    for layout in rules.layouts:
        if layout.lookup:
            needed.add(layout.lookup.file)
        refs = (*layout.architecture, *layout.base_model, *layout.task_from_class)
        needed.update(ref.file for ref in refs if ref.file)
    rules.documents = frozenset(needed)
    cases = [case for pattern in rules.patterns for case in pattern.cases]
    cases += [case for layout in rules.layouts for case in layout.cases]
    # a generated class whose task only base-model mappings (`default: true`) give says no head: a default
    heads = {entry["task"] for entry in rules.auto_mappings if not entry.get("default")}
    bare = {entry["task"] for entry in rules.auto_mappings if entry.get("default")} - heads
    defaults = {case.where for case in cases if case.default}
    defaults.update(where for task, where in rules.generated.values() if task in bare)
    defaults.update(entry["where"] for entry in rules.auto_mappings if entry.get("default"))  # auto_map's AutoModel
    rules.default_wheres = frozenset(defaults)
    rules.channels = ChannelIndex(channel for spec in rules.condition_specs() for channel in channels_in(spec))
    # Longest needle first, so `ForImageClassificationWithTeacher` beats `ForImageClassification`.
    rules.patterns.sort(key=lambda p: -len(p.needle))
    from resolver.rulebook.serving import build_index  # the engine reads it on every resolution

    rules.serving = build_index(rules.docs)
    # ~1,800 entries: loaded as one string, built into a dict on use; read-only from here, as a dict is read
    rules.generated = PackedTable(rules.generated)  # type: ignore[assignment]
    return rules


def _documents_in(data: Any) -> set[str]:
    """Every JSON document any condition in this rule file reads."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("when",):
                found |= documents_read_by(value)
            else:
                found |= _documents_in(value)
    elif isinstance(data, list):
        for item in data:
            found |= _documents_in(item)
    return found
