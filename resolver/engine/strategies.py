"""The strategies of the fallback order: each reads its own rules and the evidence, and answers or passes."""

from __future__ import annotations

from resolver.conditions.language import CONFIG_FILE, Facts, lookup
from resolver.conditions.needs import CLASSES, HUB, NOTHING, TASK, Needs, doc_channel, key_channel
from resolver.engine.architectures import lookup_architecture, lookup_patterns
from resolver.engine.state import Answer, State
from resolver.evidence.objects import ClassChain
from resolver.rulebook.compiled import CompiledRules, Layout, ValueRef

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

# Answer(task, message, where, architecture, component, args): the hot paths pass all six by position
# (keywords make the call about twice as costly)
MAX_ANSWERS = 8192  # table answers remembered per rule set (small, shared, never changed)
_ARCHITECTURE_MESSAGE = "config.json architecture {} ({})"


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
    classes = state.classes
    if type(classes) is ClassChain:  # class evidence: its own name, without building a pair
        own = classes.name
        if own is None:
            return None
    elif classes:
        own = classes[0][0]
    else:
        return None
    made = state.rules.answers
    key = ("class", own)
    answer = made.get(key)
    if answer is not None:
        return answer
    found = state.rules.lookup_tables(own)
    if found:  # the usual case: the tables know the class itself (read before the rest of the chain)
        answer = Answer(found[0], "class {} ({})", found[1], own, False, (own, found[2]))
        if len(made) < MAX_ANSWERS:
            made[key] = answer
        return answer
    for name, _module in classes[1:]:
        found = state.rules.lookup_tables(name)
        if found:
            message = "class {} ({}, a base class of {})"
            return Answer(found[0], message, found[1], name, False, (name, found[2], own))
    found = lookup_patterns(state.rules, own, state)
    if found:
        return Answer(found[0], "class {} ({})", found[1], own, False, (own, found[2]))
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
    rules = state.rules
    made = rules.answers
    for name in architectures:
        if not isinstance(name, str):
            continue
        answer = made.get(name)
        if answer is not None:
            return answer
        found = rules.lookup_tables(name)
        if found:  # the tables' answer depends on the name alone: made once per rule set
            answer = Answer(found[0], _ARCHITECTURE_MESSAGE, found[1], name, False, (name, found[2]))
            if len(made) < MAX_ANSWERS:
                made[name] = answer
            return answer
        found = lookup_patterns(rules, name, state)
        if found:
            return Answer(found[0], _ARCHITECTURE_MESSAGE, found[1], name, False, (name, found[2]))
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
        if state.rules.lookup_tables(name):
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
        pattern = lookup_patterns(state.rules, head, state) if head else None
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
    card_data = hub.get("cardData")
    card: Mapping[str, Any] = card_data if isinstance(card_data, dict) else {}
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
    made = state.rules.answers
    key = ("library_default", library.name)
    answer = made.get(key)
    if answer is None:
        answer = Answer(library.default_task, "default task of library {}", library.where, None, False, (library.name,))
        if len(made) < MAX_ANSWERS:
            made[key] = answer
    return answer


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
    "explicit_task": (frozenset({TASK}),),
    "class_hierarchy": (frozenset({CLASSES}),),
    "config_architectures": (frozenset({doc_channel(CONFIG_FILE)}),),
    "auto_map": (frozenset({key_channel(CONFIG_FILE, "auto_map")}),),  # it passes in silence without one
    "hub_transformers_info": (frozenset({HUB}),),
    "hub_pipeline_tag": (frozenset({HUB}),),
}


STRATEGY_NEEDS: dict[str, tuple[Callable[[State], Answer | None], Needs]] = {
    name: (strategy, _READS.get(name, NOTHING)) for name, strategy in STRATEGIES.items()
}
