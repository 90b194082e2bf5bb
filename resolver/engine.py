"""The interpreter: evidence + compiled rules -> Resolution. Pure: no I/O, no heavy imports.

Library and frameworks are detected first (their own ordered rules); then every strategy of the
fallback order runs: the first answer wins, later answers are kept as candidates, and each step
lands in the trace with the `file:line` of the rule that decided it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .compiled import CompiledRules, Layout, LoaderRule, ValueRef
from .conditions import CONFIG_FILE, Facts, lookup
from .errors import ResolutionError, UnknownLibraryError
from .evidence import Evidence
from .frozen import new_frozen
from .needs import CLASSES, HUB, NOTHING, Needs, doc_channel
from .resolution import Candidate, Resolution, Trace, TraceRecord


@dataclass(slots=True)
class Answer:
    """A strategy's answer; `message` is a str.format template over `args`, formatted only if the trace is read."""

    task: str
    message: str
    where: str | None
    architecture: str | None = None
    component: bool = False
    args: tuple[Any, ...] = ()


class State(Facts):
    """Everything one resolution reads and writes; it is also the Facts the rule conditions look at."""

    __slots__ = (
        "rules",
        "evidence",
        "config",
        "task",
        "task_given",
        "trace",
        "component",
        "layout_class",
        "layout_loader",
        "base_model",
        "plan",
    )

    def __init__(
        self,
        rules: CompiledRules,
        evidence: Evidence,
        task: str | None,
        task_given: str | None,
        detect_library_on_use: bool = False,
    ):
        self.files = evidence.files
        self.docs = documents = evidence.documents
        self.hub = evidence.hub
        self.classes = evidence.classes
        self.architecture = None
        if not detect_library_on_use:
            self.library = None  # else left unset: __getattr__ detects it when a rule first reads it
        self._class_text = None
        self.rules = rules
        self.evidence = evidence
        config = documents.get(CONFIG_FILE)  # config.json as a mapping ({} when absent), read by several strategies
        if config is None or not (type(config) is dict or isinstance(config, Mapping)):
            config = {}
        self.config = config
        self.task = task
        self.task_given = task_given
        self.trace: list[TraceRecord] = []
        # facts the layouts report whether or not they name the task
        self.component = False
        self.layout_class: str | None = None
        self.layout_loader: tuple[str, str] | None = None  # (import path, where): a layout's own loader class
        self.base_model: str | None = None
        self.plan = rules.plan_for(
            evidence.files, evidence.documents, bool(evidence.classes), bool(evidence.hub), STRATEGY_NEEDS
        )

    def __getattr__(self, name: str) -> Any:
        """Only called for an unset slot: `library` when detection waits for a rule that reads it (infer_task)."""
        if name == "library":
            self.library = _detect_library(self, None)
            return self.library
        raise AttributeError(name)

    def record(
        self, step: str, outcome: str, message: str, *args: Any, where: str | None = None, task: str | None = None
    ) -> None:
        """Add a trace step; with `args`, `message` is a str.format template formatted when the trace is read."""
        self.trace.append((step, outcome, message, args or None, where, task))


# ------------------------------------------------------------------ architecture lookup


def lookup_architecture(rules: CompiledRules, name: str, facts: Facts) -> tuple[str, str, str] | None:
    """(task, where, how) for a class name: exact table, generated table, legacy spelling, then patterns."""
    found = _lookup_tables(rules, name)
    if found:
        return found
    return _lookup_patterns(rules, name, facts)


def _lookup_tables(rules: CompiledRules, name: str) -> tuple[str, str, str] | None:
    hit = rules.exact.get(name)
    if hit:
        return hit[0], hit[1], "exact"
    hit = rules.generated.get(name)
    if hit:
        return hit[0], hit[1], "generated table"
    for prefix in rules.legacy_prefixes:
        if name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)].isupper():
            found = _lookup_tables(rules, name[len(prefix) :])
            if found:
                return found[0], found[1], f"{found[2]}, {prefix} spelling of {name[len(prefix) :]}"
    return None


def _lookup_patterns(rules: CompiledRules, name: str, facts: Facts) -> tuple[str, str, str] | None:
    previous = facts.architecture
    facts.architecture = name
    try:
        for pattern in rules.patterns:
            if not pattern.matches(name):
                continue
            for case in pattern.cases:
                if case.when is None or case.when(facts):
                    how = f"pattern {pattern.kind} {pattern.needle!r}"
                    return case.task, case.where, how
    finally:
        facts.architecture = previous
    return None


# ------------------------------------------------------------------ strategies


def _explicit_task(state: State) -> Answer | None:
    if state.task is None:
        return None
    task_def = state.rules.tasks[state.task]
    if state.task_given and state.task_given != state.task:
        alias = state.rules.synonyms.get(state.task_given.strip().lower().replace("_", "-"))
        where = alias[1] if alias else task_def.where
        return Answer(
            state.task, "given explicitly as {!r}, a synonym of {}", where, args=(state.task_given, state.task)
        )
    return Answer(state.task, "given explicitly", task_def.where)


def _class_hierarchy(state: State) -> Answer | None:
    classes = state.evidence.classes
    if not classes:
        return None
    own = classes[0][0]
    found = _lookup_tables(state.rules, own)
    if found:  # the usual case: the tables know the class itself (read before the rest of the chain)
        return Answer(found[0], "class {} ({})", found[1], architecture=own, args=(own, found[2]))
    for name, _module in classes[1:]:
        found = _lookup_tables(state.rules, name)
        if found:
            message = "class {} ({}, a base class of {})"
            return Answer(found[0], message, found[1], architecture=name, args=(name, found[2], own))
    found = _lookup_patterns(state.rules, own, state)
    if found:
        return Answer(found[0], "class {} ({})", found[1], architecture=own, args=(own, found[2]))
    state.record("class_hierarchy", "passed", "no rule names {} or its bases", own)
    return None


def _read_first(refs: tuple[ValueRef, ...], facts: Facts) -> tuple[str, ValueRef] | None:
    """The first non-empty string the references point at (a list's first string, e.g. a card's base_model)."""
    for ref in refs:
        value = ref.read(facts)
        if isinstance(value, list):
            value = next((item for item in value if isinstance(item, str)), None)
        if isinstance(value, str) and value:
            return value, ref
    return None


def _layout_facts(state: State, layout: Layout) -> None:
    """What a matching layout says besides the task: component, the class it names, its base model."""
    if layout.component and not state.component:
        state.component = True
        state.record("layouts", "note", "layout {}: a component of a larger model", layout.name, where=layout.where)
    if state.layout_class is None:
        found = _read_first(layout.architecture, state)
        if found:
            state.layout_class = found[0]
            if layout.loader_module and found[0].isidentifier():
                state.layout_loader = (f"{layout.loader_module}.{found[0]}", layout.where)
    if state.base_model is None:
        found = _read_first(layout.base_model, state)
        if found:
            state.base_model = found[0]
            message = f"layout {layout.name}: base model {found[0]} ({found[1].describe()})"
            state.record("layouts", "note", message, where=layout.where)


def _layouts(state: State) -> Answer | None:
    for layout in state.plan.layouts:
        if not layout.when(state):
            continue
        _layout_facts(state, layout)
        if layout.lookup:
            value = lookup(state.docs.get(layout.lookup.file), layout.lookup.key)
            if isinstance(value, str) and value in layout.lookup.table:
                task, where = layout.lookup.table[value]
                message = f"layout {layout.name}: {layout.lookup.file} {layout.lookup.key} = {value}"
                return Answer(task, "{}", where, component=layout.component, args=(message,))
        named = _read_first(layout.task_from_class, state)
        if named:
            found = lookup_architecture(state.rules, named[0], state)
            if found:
                message = f"layout {layout.name}: {named[1].describe()} = {named[0]} ({found[2]})"
                return Answer(found[0], "{}", found[1], component=layout.component, args=(message,))
            message = f"layout {layout.name}: no rule names the task of {named[0]} ({named[1].describe()})"
            state.record("layouts", "passed", message, where=layout.where)
        for case in layout.cases:
            if case.when is None or case.when(state):
                return Answer(case.task, "layout {}", case.where, component=layout.component, args=(layout.name,))
        state.record("layouts", "passed", "layout {} matched but named no task", layout.name, where=layout.where)
    return None


def _config_architectures(state: State) -> Answer | None:
    architectures = state.config.get("architectures")
    if not architectures:
        if state.evidence.documents.get("config.json") is not None:
            state.record("config_architectures", "passed", "config.json lists no architectures")
        return None
    if isinstance(architectures, str):
        architectures = [architectures]
    for name in architectures:
        if not isinstance(name, str):
            continue
        found = lookup_architecture(state.rules, name, state)
        if found:
            message = "config.json architecture {} ({})"
            return Answer(found[0], message, found[1], architecture=name, args=(name, found[2]))
    state.record("config_architectures", "passed", "no rule matches {}", ", ".join(map(str, architectures)))
    return None


def _best_auto_class(rules: CompiledRules, names: object) -> tuple[str, str, str] | None:
    """The most specific (task, where, auto class) among auto class names."""
    best = None
    for name in names if isinstance(names, (list, tuple, dict)) else ():
        auto = rules.auto_classes.get(name) if isinstance(name, str) else None
        if auto and (best is None or auto.rank > best[0].rank):
            best = (auto, name)
    if best is None:
        return None
    return best[0].task, best[0].where, best[1]


_AUTO_MODEL = "AutoModel"


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _auto_map(state: State) -> Answer | None:
    """Custom code: the auto classes of `auto_map`, for classes the architecture tables do not know.

    A listed architecture the tables know is not custom code (configs keep stale auto_map entries):
    config_architectures decides. Among the auto classes, those that load a listed architecture come
    first (`AutoModelForCausalLM: modeling_x.XForCausalLM`), then the most specific.
    """
    auto_map = state.config.get("auto_map")
    if not isinstance(auto_map, dict):
        return None
    architectures = _names(state.config.get("architectures"))
    for name in architectures:
        if _lookup_tables(state.rules, name):
            message = "{} is in the architecture tables: not custom code, auto_map not consulted"
            state.record("auto_map", "passed", message, name)
            return None
    loading_listed = [
        key
        for key, target in auto_map.items()
        if any(value.rsplit(".", 1)[-1] in architectures for value in _names(target))
    ]
    found = _best_auto_class(state.rules, loading_listed) or _best_auto_class(state.rules, auto_map)
    if found:
        said = f"config.json auto_map has {found[2]} -> {auto_map[found[2]]}"
        # AutoModelForCausalLM loads a *ForCausalLM: the suffix pattern's conditions on the config apply
        head = found[2][len(_AUTO_MODEL) :] if found[2].startswith(_AUTO_MODEL) else ""
        pattern = _lookup_patterns(state.rules, head, state) if head else None
        if pattern and pattern[0] != found[0]:
            return Answer(pattern[0], "{} ({} on the config)", pattern[1], args=(said, pattern[2]))
        return Answer(found[0], "{}", found[1], args=(said,))
    state.record("auto_map", "passed", "no auto class in auto_map keys {}", sorted(auto_map))
    return None


def _hub_transformers_info(state: State) -> Answer | None:
    if not state.evidence.hub:
        return None
    info = state.evidence.hub.get("transformersInfo")
    if not isinstance(info, dict):
        return None
    auto_model = info.get("auto_model")
    found = _best_auto_class(state.rules, [auto_model])
    if found:
        return Answer(found[0], "Hub transformersInfo.auto_model = {}", found[1], args=(auto_model,))
    tag = info.get("pipeline_tag")
    task = state.rules.canonical_task(tag) if isinstance(tag, str) else None
    if task:
        return Answer(task, "Hub transformersInfo.pipeline_tag = {}", state.rules.tasks[task].where, args=(tag,))
    state.record("hub_transformers_info", "passed", "auto_model {!r} names no task", auto_model)
    return None


def _hub_pipeline_tag(state: State) -> Answer | None:
    hub = state.evidence.hub
    if not hub:
        return None
    card = hub.get("cardData") if isinstance(hub.get("cardData"), dict) else {}
    for label, tag in (("pipeline_tag", hub.get("pipeline_tag")), ("cardData.pipeline_tag", card.get("pipeline_tag"))):
        if not isinstance(tag, str):
            continue
        task = state.rules.canonical_task(tag)
        if task:
            return Answer(task, "Hub {} = {}", state.rules.tasks[task].where, args=(label, tag))
        state.record("hub_pipeline_tag", "passed", "Hub {} {!r} is not a task; ignored", label, tag)
    return None


def _library_default(state: State) -> Answer | None:
    library = state.rules.libraries.get(state.library or "")
    if library is None:
        return None
    return Answer(library.default_task, "default task of library {}", library.where, args=(library.name,))


STRATEGIES: dict[str, Callable[[State], Answer | None]] = {
    "explicit_task": _explicit_task,
    "class_hierarchy": _class_hierarchy,
    "layouts": _layouts,
    "config_architectures": _config_architectures,
    "auto_map": _auto_map,
    "hub_transformers_info": _hub_transformers_info,
    "hub_pipeline_tag": _hub_pipeline_tag,
    "library_default": _library_default,
}


# What each strategy reads: a strategy whose evidence is absent cannot answer and is not run (resolver.needs).
_READS: dict[str, Needs] = {
    "class_hierarchy": (frozenset({CLASSES}),),
    "config_architectures": (frozenset({doc_channel(CONFIG_FILE)}),),
    "auto_map": (frozenset({doc_channel(CONFIG_FILE)}),),
    "hub_transformers_info": (frozenset({HUB}),),
    "hub_pipeline_tag": (frozenset({HUB}),),
}
STRATEGY_NEEDS: dict[str, tuple[Callable[[State], Answer | None], Needs]] = {
    name: (strategy, _READS.get(name, NOTHING)) for name, strategy in STRATEGIES.items()
}


# ------------------------------------------------------------------ library, frameworks, loader


def normalize_library(rules: CompiledRules, name: str) -> str:
    """The rules' spelling of a library name (`sentence-transformers` -> sentence_transformers)."""
    key = name.strip().lower().replace("-", "_")
    if key in rules.libraries:
        return key
    import difflib

    close = difflib.get_close_matches(key, list(rules.libraries), n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"known libraries: {', '.join(sorted(rules.libraries))}"
    raise UnknownLibraryError(f"unknown library {name!r}", hint=hint)


def _detect_library(state: State, library: str | None) -> str | None:
    rules = state.rules
    if library:
        name = normalize_library(rules, library)
        state.record("library", "answered", "{} (given explicitly)", name, where=rules.libraries[name].where)
        return name
    for detector in state.plan.library_detect:
        if detector.use is not None:  # hub_library_name, the only built-in source (the schema allows no other)
            value = state.evidence.hub.get("library_name")
            if isinstance(value, str) and value:
                name = value.strip().lower().replace("-", "_")
                known = "" if name in rules.libraries else " (a library these rules know no tasks for)"
                state.record("library", "answered", "{}: Hub library_name{}", name, known, where=detector.where)
                return name
        elif detector.when(state):
            state.trace.append(
                ("library", "answered", "{}: {}", (detector.name, detector.evidence(state)), detector.where, None)
            )
            return detector.name
    state.record("library", "passed", "no library rule matches the evidence")
    return None


def _detect_frameworks(state: State) -> tuple[str, ...]:
    found: list[str] = []
    said: list[str] = []
    where = None
    for detector in state.plan.frameworks:
        if detector.when(state) and detector.name not in found:
            found.append(detector.name)
            said.append(detector.name)
            said.append(detector.evidence(state))
            where = where or detector.where
    if found:
        template = ", ".join(["{} ({})"] * len(found))  # "pt (files matching *.safetensors)"
        state.trace.append(("framework", "answered", template, tuple(said), where, None))
    else:
        state.record("framework", "passed", "no weight files: framework unknown")
    return tuple(found)


def select_loader(
    rules: CompiledRules, task: str, library: str | None, facts: Facts, trace: list[TraceRecord] | None = None
) -> tuple[str | None, str | None]:
    """(import path, where) of the class that loads `task` for `library`, or (None, None)."""
    task_def = rules.tasks.get(task)
    entries: tuple[LoaderRule, ...] = task_def.loaders.get(library or "", ()) if task_def else ()
    for entry in entries:
        if entry.when is not None and not entry.when(facts):
            continue
        if entry.requires:
            from .versions import requirement_state  # importlib.metadata: only for gated loaders

            satisfied, message = requirement_state(entry.requires)
            if satisfied is False:
                continue
            if message and trace is not None:
                trace.append(("loader", "note", message, None, entry.where, None))
        return entry.import_path, entry.where
    library_def = rules.libraries.get(library or "")
    if library_def and library_def.default_loader:
        return library_def.default_loader, library_def.where
    return None, None


# ------------------------------------------------------------------ the whole resolution


def resolve_evidence(
    rules: CompiledRules,
    evidence: Evidence,
    *,
    task: str | None = None,
    task_given: str | None = None,
    library: str | None = None,
) -> Resolution:
    """Resolve evidence with compiled rules. `task` must already be canonical (see Resolver)."""
    state = State(rules, evidence, task, task_given)
    _note_evidence(state)
    state.library = _detect_library(state, library)
    frameworks = _detect_frameworks(state)

    winner: tuple[str, Answer] | None = None
    candidates: list[Candidate] = []
    for name, strategy in state.plan.strategies:
        answer = strategy(state)
        if answer is None:
            continue
        if winner is None:
            winner = (name, answer)
            state.trace.append((name, "answered", answer.message, answer.args, answer.where, answer.task))
        else:
            candidates.append(Candidate(answer.task, name, answer.where))
            state.trace.append((name, "candidate", answer.message, answer.args, answer.where, answer.task))

    if winner is None:
        raise _no_answer(state)
    strategy, answer = winner
    config = state.config
    architecture = answer.architecture or state.layout_class
    if architecture is None:
        archs = config.get("architectures")
        if isinstance(archs, list) and archs and isinstance(archs[0], str):
            architecture = archs[0]
    state.architecture = architecture
    if state.layout_loader:  # a component loads with its own class, whatever task its pipeline has
        loader, loader_where = state.layout_loader
    else:
        loader, loader_where = select_loader(rules, answer.task, state.library, state, state.trace)
    if loader:
        state.trace.append(("loader", "answered", loader, None, loader_where, None))
    else:
        state.record("loader", "passed", "no loader for {} in library {}", answer.task, state.library)
    model_type = config.get("model_type")
    return new_frozen(
        Resolution,
        {
            "ref": evidence.ref,
            "task": answer.task,
            "library": state.library,
            "framework": frameworks[0] if frameworks else None,
            "frameworks": frameworks,
            "loader": loader,
            "strategy": strategy,
            "where": answer.where,
            "model_type": model_type if isinstance(model_type, str) else None,
            "architecture": architecture,
            "source": evidence.source,
            "subfolder": evidence.subfolder,
            "revision": evidence.revision,
            "component": answer.component or state.component,
            "candidates": tuple(candidates),
            "trace": Trace(state.trace),
            "base_model": state.base_model,
        },
    )


def infer_task(
    rules: CompiledRules,
    evidence: Evidence,
    *,
    task: str | None = None,
    task_given: str | None = None,
    library: str | None = None,
) -> str:
    """Only the task: what `resolve_evidence(...).task` says, for less work.

    The first strategy that answers decides; frameworks, the loader and later candidates are not
    looked for, and the library is detected only if a rule reads it (a `library:` condition, the
    library_default strategy).
    """
    state = State(rules, evidence, task, task_given, detect_library_on_use=library is None)
    if library is not None:
        state.library = _detect_library(state, library)
    for _name, strategy in state.plan.strategies:
        answer = strategy(state)
        if answer is not None:
            return answer.task
    _note_evidence(state)
    raise _no_answer(state)


def _note_evidence(state: State) -> None:
    for message in state.evidence.notes:
        state.record("evidence", "note", message)


def _no_answer(state: State) -> ResolutionError:
    return ResolutionError(
        f"could not tell the task of {state.evidence.ref or 'this model'}: no rule matched the evidence",
        hint="pass the task explicitly (--task / task=), or add a rule for this model (docs/adding-a-model.md)",
        trace=list(Trace(state.trace)),
    )
