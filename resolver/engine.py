"""The interpreter: evidence + compiled rules -> Resolution. Pure: no I/O, no heavy imports.

Library and frameworks are detected first (their own ordered rules); then every strategy of the
fallback order runs: the first answer wins, later answers are kept as candidates, and each step
lands in the trace with the `file:line` of the rule that decided it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from .compiled import CompiledRules, Layout, LoaderRule, ValueRef
from .conditions import Facts, lookup
from .errors import ResolutionError, UnknownLibraryError
from .evidence import Evidence
from .resolution import Candidate, Resolution, TraceStep


@dataclass(slots=True)
class Answer:
    task: str
    message: str
    where: str | None
    architecture: str | None = None
    component: bool = False


class State:
    """Everything one resolution reads and writes."""

    __slots__ = (
        "rules",
        "evidence",
        "facts",
        "config",
        "task",
        "task_given",
        "trace",
        "component",
        "layout_class",
        "layout_loader",
        "base_model",
    )

    def __init__(
        self, rules: CompiledRules, evidence: Evidence, facts: Facts, task: str | None, task_given: str | None
    ):
        self.rules = rules
        self.evidence = evidence
        self.facts = facts
        self.config = facts.config  # config.json as a mapping ({} when absent), read by several strategies
        self.task = task
        self.task_given = task_given
        self.trace: list[TraceStep] = []
        # facts the layouts report whether or not they name the task
        self.component = False
        self.layout_class: str | None = None
        self.layout_loader: tuple[str, str] | None = None  # (import path, where): a layout's own loader class
        self.base_model: str | None = None

    def note(self, step: str, message: str, where: str | None = None) -> None:
        self.trace.append(TraceStep(step, "note", message, where))


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
        return Answer(state.task, f"given explicitly as {state.task_given!r}, a synonym of {state.task}", where)
    return Answer(state.task, "given explicitly", task_def.where)


def _class_hierarchy(state: State) -> Answer | None:
    classes = state.evidence.classes
    if not classes:
        return None
    own = classes[0][0]
    for name, _module in classes:
        found = _lookup_tables(state.rules, name)
        if found:
            via = "" if name == own else f", a base class of {own}"
            return Answer(found[0], f"class {name} ({found[2]}{via})", found[1], architecture=name)
    found = _lookup_patterns(state.rules, own, state.facts)
    if found:
        return Answer(found[0], f"class {own} ({found[2]})", found[1], architecture=own)
    state.trace.append(TraceStep("class_hierarchy", "passed", f"no rule names {own} or its bases"))
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
        state.trace.append(
            TraceStep("layouts", "note", f"layout {layout.name}: a component of a larger model", layout.where)
        )
    if state.layout_class is None:
        found = _read_first(layout.architecture, state.facts)
        if found:
            state.layout_class = found[0]
            if layout.loader_module and found[0].isidentifier():
                state.layout_loader = (f"{layout.loader_module}.{found[0]}", layout.where)
    if state.base_model is None:
        found = _read_first(layout.base_model, state.facts)
        if found:
            state.base_model = found[0]
            message = f"layout {layout.name}: base model {found[0]} ({found[1].describe()})"
            state.trace.append(TraceStep("layouts", "note", message, layout.where))


def _layouts(state: State) -> Answer | None:
    facts = state.facts
    for layout in state.rules.layouts:
        if not layout.when(facts):
            continue
        _layout_facts(state, layout)
        if layout.lookup:
            value = lookup(facts.docs.get(layout.lookup.file), layout.lookup.key)
            if isinstance(value, str) and value in layout.lookup.table:
                task, where = layout.lookup.table[value]
                message = f"layout {layout.name}: {layout.lookup.file} {layout.lookup.key} = {value}"
                return Answer(task, message, where, component=layout.component)
        named = _read_first(layout.task_from_class, facts)
        if named:
            found = lookup_architecture(state.rules, named[0], facts)
            if found:
                message = f"layout {layout.name}: {named[1].describe()} = {named[0]} ({found[2]})"
                return Answer(found[0], message, found[1], component=layout.component)
            message = f"layout {layout.name}: no rule names the task of {named[0]} ({named[1].describe()})"
            state.trace.append(TraceStep("layouts", "passed", message, layout.where))
        for case in layout.cases:
            if case.when is None or case.when(facts):
                return Answer(case.task, f"layout {layout.name}", case.where, component=layout.component)
        state.trace.append(
            TraceStep("layouts", "passed", f"layout {layout.name} matched but named no task", layout.where)
        )
    return None


def _config_architectures(state: State) -> Answer | None:
    architectures = state.config.get("architectures")
    if not architectures:
        if state.evidence.documents.get("config.json") is not None:
            state.trace.append(TraceStep("config_architectures", "passed", "config.json lists no architectures"))
        return None
    if isinstance(architectures, str):
        architectures = [architectures]
    for name in architectures:
        if not isinstance(name, str):
            continue
        found = lookup_architecture(state.rules, name, state.facts)
        if found:
            return Answer(found[0], f"config.json architecture {name} ({found[2]})", found[1], architecture=name)
    state.trace.append(
        TraceStep("config_architectures", "passed", f"no rule matches {', '.join(map(str, architectures))}")
    )
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
            message = f"{name} is in the architecture tables: not custom code, auto_map not consulted"
            state.trace.append(TraceStep("auto_map", "passed", message))
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
        pattern = _lookup_patterns(state.rules, head, state.facts) if head else None
        if pattern and pattern[0] != found[0]:
            return Answer(pattern[0], f"{said} ({pattern[2]} on the config)", pattern[1])
        return Answer(found[0], said, found[1])
    state.trace.append(TraceStep("auto_map", "passed", f"no auto class in auto_map keys {sorted(auto_map)}"))
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
        return Answer(found[0], f"Hub transformersInfo.auto_model = {auto_model}", found[1])
    tag = info.get("pipeline_tag")
    task = state.rules.canonical_task(tag) if isinstance(tag, str) else None
    if task:
        return Answer(task, f"Hub transformersInfo.pipeline_tag = {tag}", state.rules.tasks[task].where)
    state.trace.append(TraceStep("hub_transformers_info", "passed", f"auto_model {auto_model!r} names no task"))
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
            return Answer(task, f"Hub {label} = {tag}", state.rules.tasks[task].where)
        state.trace.append(TraceStep("hub_pipeline_tag", "passed", f"Hub {label} {tag!r} is not a task; ignored"))
    return None


def _library_default(state: State) -> Answer | None:
    library = state.rules.libraries.get(state.facts.library or "")
    if library is None:
        return None
    return Answer(library.default_task, f"default task of library {library.name}", library.where)


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
        state.trace.append(TraceStep("library", "answered", f"{name} (given explicitly)", rules.libraries[name].where))
        return name
    facts = state.facts
    for detector in rules.library_detect:
        if detector.use == "hub_library_name":
            value = state.evidence.hub.get("library_name")
            if isinstance(value, str) and value:
                name = value.strip().lower().replace("-", "_")
                known = "" if name in rules.libraries else " (a library these rules know no tasks for)"
                state.trace.append(TraceStep("library", "answered", f"{name}: Hub library_name{known}", detector.where))
                return name
        elif detector.when(facts):
            evidence = detector.evidence(facts)
            message = f"{detector.name}: {evidence}" if evidence else str(detector.name)
            state.trace.append(TraceStep("library", "answered", message, detector.where))
            return detector.name
    state.trace.append(TraceStep("library", "passed", "no library rule matches the evidence"))
    return None


def _detect_frameworks(state: State) -> tuple[str, ...]:
    found: list[str] = []
    said: list[str] = []
    where = None
    for detector in state.rules.frameworks:
        if detector.name not in found and detector.when(state.facts):
            found.append(detector.name)
            evidence = detector.evidence(state.facts)
            said.append(f"{detector.name} ({evidence})" if evidence else str(detector.name))
            where = where or detector.where
    if found:
        state.trace.append(TraceStep("framework", "answered", ", ".join(said), where))
    else:
        state.trace.append(TraceStep("framework", "passed", "no weight files: framework unknown"))
    return tuple(found)


def select_loader(
    rules: CompiledRules, task: str, library: str | None, facts: Facts, trace: list[TraceStep] | None = None
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
                trace.append(TraceStep("loader", "note", message, entry.where))
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
    facts = Facts(
        files=evidence.files,
        docs=evidence.documents,
        hub=evidence.hub,
        classes=evidence.classes,
    )
    state = State(rules, evidence, facts, task, task_given)
    for message in evidence.notes:
        state.note("evidence", message)
    facts.library = _detect_library(state, library)
    frameworks = _detect_frameworks(state)

    winner: tuple[str, Answer] | None = None
    candidates: list[Candidate] = []
    for name in rules.fallback:
        answer = STRATEGIES[name](state)
        if answer is None:
            continue
        if winner is None:
            winner = (name, answer)
            state.trace.append(
                TraceStep(name, "answered", f"{answer.task}: {answer.message}", answer.where, answer.task)
            )
        else:
            candidates.append(Candidate(answer.task, name, answer.where))
            state.trace.append(
                TraceStep(name, "candidate", f"{answer.task}: {answer.message}", answer.where, answer.task)
            )

    if winner is None:
        raise ResolutionError(
            f"could not tell the task of {evidence.ref or 'this model'}: no rule matched the evidence",
            hint="pass the task explicitly (--task / task=), or add a rule for this model (docs/adding-a-model.md)",
            trace=state.trace,
        )
    strategy, answer = winner
    config = state.config
    architecture = answer.architecture or state.layout_class
    if architecture is None:
        archs = config.get("architectures")
        if isinstance(archs, list) and archs and isinstance(archs[0], str):
            architecture = archs[0]
    facts.architecture = architecture
    if state.layout_loader:  # a component loads with its own class, whatever task its pipeline has
        loader, loader_where = state.layout_loader
    else:
        loader, loader_where = select_loader(rules, answer.task, facts.library, facts, state.trace)
    if loader:
        state.trace.append(TraceStep("loader", "answered", loader, loader_where))
    else:
        state.trace.append(TraceStep("loader", "passed", f"no loader for {answer.task} in library {facts.library}"))
    model_type = config.get("model_type")
    return _new_resolution(
        {
            "ref": evidence.ref,
            "task": answer.task,
            "library": facts.library,
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
            "trace": tuple(state.trace),
            "base_model": state.base_model,
        }
    )


_RESOLUTION_FIELDS = len(fields(Resolution))


def _new_resolution(values: dict[str, Any]) -> Resolution:
    """`Resolution(**values)` at a quarter of the cost: a frozen dataclass's __init__ pays one
    object.__setattr__ per field, a fifth of a resolution (docs/benchmarks.md). Every field must be
    given; if Resolution gains one the engine does not pass, the ordinary constructor runs instead."""
    if len(values) != _RESOLUTION_FIELDS:
        return Resolution(**values)
    resolution = object.__new__(Resolution)
    object.__setattr__(resolution, "__dict__", values)
    return resolution
