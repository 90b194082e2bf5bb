"""Library, framework and loader: each decided by its own ordered rules, before and after the task."""

from __future__ import annotations

from resolver.conditions.language import Facts
from resolver.conditions.needs import MAX_FILE_LISTS
from resolver.engine.resolution import TraceRecord
from resolver.errors import UnknownLibraryError
from resolver.rulebook.compiled import CompiledRules, LoaderRule, library_key

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from resolver.engine.state import State


def normalize_library(rules: CompiledRules, name: str) -> str:
    """The rules' spelling of a library name (`sentence-transformers` -> sentence_transformers)."""
    key = library_key(name)
    if key in rules.libraries:
        return key
    import difflib

    close = difflib.get_close_matches(key, list(rules.libraries), n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"known libraries: {', '.join(sorted(rules.libraries))}"
    raise UnknownLibraryError(f"unknown library {name!r}", hint=hint)


def detect_library(state: State, library: str | None) -> str | None:
    rules = state.rules
    if library:
        name = normalize_library(rules, library)
        state.record("library", "answered", "{} (given explicitly)", name, where=rules.libraries[name].where)
        return name
    for detector, use, when, said in state.plan.library_tests():
        if use is not None:  # hub_library_name, the only built-in source (the schema allows no other)
            value = state.evidence.hub.get("library_name")
            if isinstance(value, str) and value:
                name = library_key(value)
                if name in rules.libraries:
                    known = ""
                elif name in rules.hub_libraries:
                    known = " (a library of the Hub's list; the Hub names no task for it)"
                else:
                    known = " (a library neither these rules nor the Hub's list know)"
                state.record("library", "answered", "{}: Hub library_name{}", name, known, where=detector.where)
                return name
        elif said is not None or (when is not None and when(state)):  # said: the channels decided it
            if said is None:  # Detector.holding, inline (a call per detector)
                said = detector.evidence(state)
            state.trace.append(("library", "answered", "{}: {}", (detector.name, said), detector.where, None))
            return detector.name
    state.record("library", "passed", "no library rule matches the evidence")
    return None


def detect_frameworks(state: State) -> tuple[str, ...]:
    """The frameworks the evidence shows, in rule order, and their trace step.

    When the plan's framework tests read the file list alone, the answer is a function of the list:
    it is kept per list in the plan (bounded), since the folders of a catalogue share a few layouts.
    """
    memo = state.plan.frameworks_by_files
    files = state.files
    if memo is not None and type(files) is frozenset:
        known = memo.get(files)
        if known is None:
            known = _frameworks(state)
            if len(memo) < MAX_FILE_LISTS and len(files) <= 256:
                memo[files] = known
        found, step = known
        state.trace.append(step)
        return found
    found, step = _frameworks(state)
    state.trace.append(step)
    return found


def _frameworks(state: State) -> tuple[tuple[str, ...], TraceRecord]:
    """(frameworks, trace step) of the evidence: each framework detector of the plan, in order."""
    found: list[str] = []
    said: list[str] = []
    where = None
    for detector, name, when in state.plan.framework_tests():
        if name is None or name in found:
            continue
        if when is not None and when(state):  # Detector.holding, inline (a call per detector)
            found.append(name)
            said.append(name)
            said.append(detector.evidence(state))
            where = where or detector.where
    if found:
        template = ", ".join(["{} ({})"] * len(found))  # "pt (files matching *.safetensors)"
        return tuple(found), ("framework", "answered", template, tuple(said), where, None)
    return (), ("framework", "passed", "no weight files: framework unknown", None, None, None)


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
            from resolver.support.versions import requirement_state  # importlib.metadata: only for gated loaders

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
