"""Semantic checks over a whole rule set: what a JSON Schema cannot see across files and packs.

Each finding carries a stable check id (`unknown-task`, `synonym-conflict`, ...), so reviewers can
grep for it and golden tests can pin it. `CHECKS` lists every id; docs/rules.md explains each one.
`semantic_findings` runs whenever rules are compiled on a cache miss (errors stop loading);
`example_findings` runs the rules' own examples and belongs to `task-resolver validate` only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any

from .compiled import CompiledRules
from .errors import Finding, ResolutionError
from .ruledocs import RuleDoc
from .yamlsource import pointer

# check id -> (default severity, what it finds). Parse-level ids come from ruledocs/yamlsource.
CHECKS: dict[str, tuple[str, str]] = {
    "rules-path": ("error", "a rules path that does not exist or cannot be read"),
    "yaml-syntax": ("error", "not YAML at all, not UTF-8 text, nested too deeply or expanding too far"),
    "duplicate-key": ("error", "the same key twice in one mapping (YAML would keep only the last)"),
    "header": ("error", "an empty file, or a file that is not a mapping with `kind:` and `version:`"),
    "unknown-kind": ("error", "`kind:` missing or not one of the known kinds"),
    "unknown-version": ("error", "a `version:` this task-resolver cannot read"),
    "schema": ("error", "the file does not match the JSON Schema of its kind"),
    "unknown-strategy": ("error", "a fallback order entry that names no strategy"),
    "unknown-task": ("error", "a task the vocabulary lacks, referenced anywhere"),
    "unknown-library": ("error", "a loader, detect rule or example for a library the rules do not define"),
    "synonym-is-task": ("error", "a synonym that is also a canonical task"),
    "synonym-chain": ("error", "a synonym that needs two steps to reach its task"),
    "synonym-cycle": ("error", "tasks that list each other as synonyms"),
    "synonym-conflict": ("error", "one synonym listed under two tasks of the same pack"),
    "invalid-version": ("error", "a `requires:` gate that is not a valid distribution name and PEP 440 specifier"),
    "duplicate-entry": ("error", "the same entry twice in one pack (the later silently replaces the earlier)"),
    "exact-conflict": ("error", "one class given two different tasks by exact tables of the same pack"),
    "shadowed-rule": ("error", "a pattern, layout or detect rule that can never fire: an earlier one always wins"),
    "unreachable-case": ("error", "a case or loader listed after one that always applies"),
    "example-failed": ("error", "a rule's example that does not resolve to its task through that rule"),
    "pack-override": ("warning", "a later rule pack replaces an entry of an earlier one"),
    "unused-definition": ("warning", "a definition nothing uses"),
}


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _finding(doc: RuleDoc, path: tuple, message: str, check: str, severity: str | None = None) -> Finding:
    line, col = doc.position(path)
    return Finding(doc.label, line, col, message, check, severity or CHECKS[check][0], pointer(path))


def _always(entry: dict) -> bool:
    """Whether a pattern or layout entry always names a task once it matches (a case without `when`)."""
    return "task" in entry or any("when" not in case for case in entry.get("cases") or ())


class _Context:
    """The rule set plus per-kind document lists, in load order (pack, then file name)."""

    def __init__(self, rules: CompiledRules) -> None:
        self.rules = rules
        self.docs = rules.docs
        self.base = min((doc.pack for doc in self.docs), default=0)

    def of_kind(self, kind: str) -> list[RuleDoc]:
        return [doc for doc in self.docs if doc.kind == kind]


# ------------------------------------------------------------------ task references


def _task_references(doc: RuleDoc) -> Iterator[tuple[tuple, str]]:
    """(path, task name) of every place a document names a task, examples included."""

    def walk(node: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("task", "default_task") and isinstance(value, str):
                    yield (*path, key), value
                elif key == "table" and isinstance(value, dict) and path and path[-1] == "lookup":
                    for entry, task in value.items():
                        if isinstance(task, str):
                            yield (*path, key, entry), task
                elif key == "exact" and isinstance(value, dict) and not path:
                    for entry, task in value.items():
                        if isinstance(task, str):
                            yield (key, entry), task
                elif key not in ("when", "config", "documents", "hub"):  # conditions and evidence name no task
                    yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, (*path, index))

    if doc.kind != "tasks":
        yield from walk(doc.data, ())


def _unknown_tasks(ctx: _Context) -> Iterator[Finding]:
    rules = ctx.rules
    known = sorted(rules.tasks)
    for doc in ctx.docs:
        for path, task in _task_references(doc):
            if task in rules.tasks:
                continue
            hint = _did_you_mean(task, known)
            if task in rules.synonyms:
                hint = f"; {task!r} is a synonym: write the canonical {rules.synonyms[task][0]!r}"
            yield _finding(doc, path, f"unknown task {task!r}{hint}", "unknown-task")


# ------------------------------------------------------------------ the vocabulary


def _vocabulary(ctx: _Context) -> Iterator[Finding]:
    rules = ctx.rules
    definitions: dict[str, list[tuple[RuleDoc, dict]]] = {}
    aliases: dict[str, list[tuple[str, RuleDoc, tuple]]] = {}
    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            spec = spec or {}
            for earlier, old in definitions.get(name, ()):
                yield from _task_redefined(doc, name, spec, earlier, old)
            definitions.setdefault(name, []).append((doc, spec))
            for index, alias in enumerate(spec.get("synonyms") or ()):
                aliases.setdefault(alias, []).append((name, doc, ("tasks", name, "synonyms", index)))

    def final_pack(task: str) -> int:
        return definitions[task][-1][0].pack if task in definitions else -1

    overridden_synonyms: set[str] = set()
    for alias, uses in aliases.items():
        for position, (task, doc, path) in enumerate(uses):
            if alias in rules.tasks:
                if final_pack(alias) > doc.pack:
                    if alias not in overridden_synonyms:
                        overridden_synonyms.add(alias)
                        later = definitions[alias][-1][0]
                        yield _finding(
                            later,
                            ("tasks", alias),
                            f"task {alias!r} was a synonym of {task!r} ({doc.where(*path)}); "
                            "this pack makes it a task of its own",
                            "pack-override",
                        )
                else:
                    yield _synonym_is_task(rules, doc, path, alias, task)
                continue
            for other_task, other_doc, other_path in uses[:position]:
                if other_task == task:
                    continue
                if other_doc.pack == doc.pack:
                    yield _finding(
                        doc,
                        path,
                        f"synonym {alias!r} points at {task!r} and at {other_task!r} ({other_doc.where(*other_path)})",
                        "synonym-conflict",
                    )
                else:
                    yield _finding(
                        doc,
                        path,
                        f"synonym {alias!r} pointed at {other_task!r} ({other_doc.where(*other_path)}); "
                        f"this pack points it at {task!r}",
                        "pack-override",
                    )
                break
            yield from _strip_suffix_chain(rules, doc, path, alias, task)


def _synonym_is_task(rules: CompiledRules, doc: RuleDoc, path: tuple, alias: str, task: str) -> Finding:
    """A synonym that names a canonical task: a cycle, a chain, or simply dead."""
    seen, frontier = {alias}, [alias]
    while frontier:  # follow "task lists a synonym that is itself a task"
        current = frontier.pop()
        for nxt in rules.tasks[current].synonyms if current in rules.tasks else ():
            if nxt == task:
                return _finding(
                    doc,
                    path,
                    f"synonym cycle: {task!r} lists {alias!r} as a synonym, and {alias!r} leads back "
                    f"to {task!r} ({rules.tasks[current].where}); keep one canonical name",
                    "synonym-cycle",
                )
            if nxt in rules.tasks and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    own = rules.tasks[alias].synonyms
    if own:
        return _finding(
            doc,
            path,
            f"synonym {alias!r} of {task!r} is itself a task with synonyms ({', '.join(own)}): "
            f"they would need two steps to reach {task!r}; list them under {task!r} directly",
            "synonym-chain",
        )
    return _finding(
        doc,
        path,
        f"synonym {alias!r} of {task!r} is itself a canonical task "
        f"({rules.tasks[alias].where}), so the synonym never applies",
        "synonym-is-task",
    )


def _strip_suffix_chain(rules: CompiledRules, doc: RuleDoc, path: tuple, alias: str, task: str) -> Iterator[Finding]:
    for suffix in rules.strip_suffixes:
        if alias.endswith(suffix) and len(alias) > len(suffix):
            target = rules.canonical_task(alias[: -len(suffix)])
            if target == task:
                yield _finding(
                    doc,
                    path,
                    f"synonym {alias!r} is redundant: strip_suffixes already turns it into {task!r}",
                    "synonym-chain",
                    "warning",
                )
            elif target is not None:
                yield _finding(
                    doc,
                    path,
                    f"synonym {alias!r} points at {task!r}, but without {suffix!r} it names {target!r}: "
                    "a `-with-past` spelling must name the same task",
                    "synonym-chain",
                )


def _task_redefined(doc: RuleDoc, name: str, spec: dict, earlier: RuleDoc, old: dict) -> Iterator[Finding]:
    path = ("tasks", name)
    if earlier.pack == doc.pack:
        yield _finding(
            doc,
            path,
            f"task {name!r} is defined twice in this pack (also at {earlier.where(*path)}); "
            "the later definition replaces the earlier one",
            "duplicate-entry",
        )
        return
    lost_synonyms = [s for s in old.get("synonyms") or () if s not in (spec.get("synonyms") or ())]
    old_loaders, new_loaders = old.get("loaders") or {}, spec.get("loaders") or {}
    lost = [lib for lib in old_loaders if lib not in new_loaders]
    changed = [lib for lib in old_loaders if lib in new_loaders and new_loaders[lib] != old_loaders[lib]]
    parts = []
    if lost_synonyms:
        parts.append(f"drops its synonyms {', '.join(lost_synonyms)}")
    if lost:
        parts.append(f"drops its loaders for {', '.join(lost)}")
    if changed:
        parts.append(f"replaces its loaders for {', '.join(changed)}")
    if parts:
        yield _finding(
            doc,
            path,
            f"task {name!r} redefines {earlier.where(*path)} and {'; '.join(parts)}: "
            "a redefinition replaces the whole entry, so repeat what you want to keep",
            "pack-override",
        )


# ------------------------------------------------------------------ libraries and versions


def _unknown_libraries(ctx: _Context) -> Iterator[Finding]:
    known = sorted(ctx.rules.libraries)

    def check(doc: RuleDoc, path: tuple, library: Any, what: str) -> Iterator[Finding]:
        if isinstance(library, str) and library not in ctx.rules.libraries:
            hint = _did_you_mean(library, known) or f"; known libraries: {', '.join(known)}"
            yield _finding(
                doc,
                path,
                f"{what} for library {library!r}, which the rules do not define "
                f"(add it to a `kind: libraries` file){hint}",
                "unknown-library",
            )

    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            for library in (spec or {}).get("loaders") or {}:
                yield from check(doc, ("tasks", name, "loaders", library), library, f"loaders of {name!r}")
    for doc in ctx.of_kind("libraries"):
        for index, entry in enumerate(doc.data.get("detect") or ()):
            yield from check(doc, ("detect", index, "library"), entry.get("library"), "a detect rule")
    for doc, path, example in _examples(ctx):
        yield from check(doc, (*path, "library"), example.get("library"), "an example")


_DISTRIBUTION = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


def _versions(ctx: _Context) -> Iterator[Finding]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            for library, entries in ((spec or {}).get("loaders") or {}).items():
                for index, entry in enumerate(entries):
                    for distribution, specifier in (entry.get("requires") or {}).items():
                        path = ("tasks", name, "loaders", library, index, "requires", distribution)
                        if not _DISTRIBUTION.match(distribution):
                            yield _finding(
                                doc, path, f"{distribution!r} is not a valid distribution name", "invalid-version"
                            )
                            continue
                        try:
                            SpecifierSet(specifier)
                        except InvalidSpecifier:
                            yield _finding(
                                doc,
                                path,
                                f"invalid version specifier {specifier!r} for {distribution}: write a "
                                "PEP 440 specifier such as '>=4.46' or '>=4.46,<5'",
                                "invalid-version",
                            )


# ------------------------------------------------------------------ fallback order and unused rules

# strategies -> the rule kinds only they read (a kind is unused when none of its strategies runs)
_READERS: dict[str, tuple[str, ...]] = {
    "layouts": ("layouts",),
    "architectures": ("class_hierarchy", "config_architectures"),
}


def _fallback(ctx: _Context) -> Iterator[Finding]:
    from .engine import STRATEGIES

    docs = ctx.of_kind("fallback")
    for position, doc in enumerate(docs):
        for index, name in enumerate(doc.data.get("order") or ()):
            if name not in STRATEGIES:
                yield _finding(
                    doc,
                    ("order", index),
                    f"unknown strategy {name!r}{_did_you_mean(str(name), list(STRATEGIES))}",
                    "unknown-strategy",
                )
        for earlier in docs[:position]:
            if earlier.pack == doc.pack:
                yield _finding(
                    doc,
                    ("order",),
                    f"the fallback order is defined twice in this pack (also at "
                    f"{earlier.where('order')}); only the last file's is used",
                    "duplicate-entry",
                )
            elif earlier.data.get("order") != doc.data.get("order"):
                yield _finding(
                    doc, ("order",), f"replaces the fallback order of {earlier.where('order')}", "pack-override"
                )
    if not docs:
        return
    order = set(ctx.rules.fallback)
    for kind, readers in _READERS.items():
        if order.isdisjoint(readers):
            for doc in ctx.of_kind(kind):
                if kind == "architectures" and "generated" in doc.data:
                    continue
                yield _finding(
                    doc,
                    ("kind",),
                    f"no strategy that reads {kind} rules ({', '.join(readers)}) is in "
                    f"the fallback order ({ctx.rules.fallback_where}): this file is never consulted",
                    "unused-definition",
                )


def _unused(ctx: _Context) -> Iterator[Finding]:
    rules = ctx.rules
    detected = {entry.get("library") for doc in ctx.of_kind("libraries") for entry in doc.data.get("detect") or ()}
    loaded = {library for task in rules.tasks.values() for library in task.loaders}
    for doc in ctx.of_kind("libraries"):
        for name, spec in (doc.data.get("libraries") or {}).items():
            if name not in detected and name not in loaded and not spec.get("default_loader"):
                yield _finding(
                    doc,
                    ("libraries", name),
                    f"library {name!r} is defined, but no detect rule names it and no task lists a loader "
                    "for it: only the Hub's library_name or --library can select it, and then no class "
                    "loads it",
                    "unused-definition",
                )
    given = {task for doc in ctx.docs for _, task in _task_references(doc)}
    for doc in ctx.of_kind("tasks"):
        if doc.pack == ctx.base:  # the base vocabulary is the Hub's list of pipeline tags: all of it is used
            continue
        for name, spec in (doc.data.get("tasks") or {}).items():
            spec = spec or {}
            if name not in given and not spec.get("loaders") and not spec.get("synonyms"):
                yield _finding(
                    doc,
                    ("tasks", name),
                    f"task {name!r} is defined, but no rule gives it, it has no loaders and no synonyms",
                    "unused-definition",
                )


# ------------------------------------------------------------------ ordered cases and loaders


def _cases_reachable(doc: RuleDoc, entry: dict, path: tuple, what: str) -> Iterator[Finding]:
    """Cases after an unconditional one, or repeating an earlier condition, can never be chosen."""
    cases = entry.get("cases") or ()
    catch_all = None
    seen: list[tuple[Any, int]] = []
    for index, case in enumerate(cases):
        case_path = (*path, "cases", index)
        if catch_all is not None:
            yield _finding(
                doc,
                case_path,
                f"this case of {what} can never be chosen: case {catch_all + 1} above "
                "has no `when`, so it always applies first",
                "unreachable-case",
            )
            continue
        when = case.get("when")
        if when is None:
            catch_all = index
            continue
        for earlier_when, earlier_index in seen:
            if earlier_when == when:
                yield _finding(
                    doc,
                    case_path,
                    f"this case of {what} repeats the condition of case {earlier_index + 1} above, which always wins",
                    "unreachable-case",
                )
                break
        seen.append((when, index))
    if catch_all is not None and "task" in entry:
        yield _finding(
            doc,
            (*path, "task"),
            f"the `task:` of {what} is never used: case {catch_all + 1} has no `when`, so it always applies first",
            "unreachable-case",
        )


def _loaders_reachable(ctx: _Context) -> Iterator[Finding]:
    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            for library, entries in ((spec or {}).get("loaders") or {}).items():
                seen: list[tuple[Any, Any, int]] = []
                for index, entry in enumerate(entries):
                    path = ("tasks", name, "loaders", library, index)
                    key = (entry.get("when"), entry.get("requires"))
                    earlier = next((i for w, r, i in seen if (w, r) == key or (w is None and r is None)), None)
                    if earlier is not None:
                        yield _finding(
                            doc,
                            path,
                            f"this {library} loader of {name!r} can never be chosen: entry "
                            f"{earlier + 1} above applies whenever it would",
                            "unreachable-case",
                        )
                    seen.append((*key, index))


# ------------------------------------------------------------------ architectures


def _architectures(ctx: _Context) -> Iterator[Finding]:
    exact: dict[str, list[tuple[RuleDoc, str, bool]]] = {}
    patterns: dict[tuple[str, str], list[tuple[RuleDoc, tuple, dict]]] = {}
    prefixes: list[RuleDoc] = []
    for doc in ctx.of_kind("architectures"):
        generated = "generated" in doc.data
        if "legacy_prefixes" in doc.data:
            for earlier in prefixes:
                if earlier.pack == doc.pack:
                    yield _finding(
                        doc,
                        ("legacy_prefixes",),
                        "legacy_prefixes are set twice in this pack (also at "
                        f"{earlier.where('legacy_prefixes')}); only the last file's are used",
                        "duplicate-entry",
                    )
            prefixes.append(doc)
        for name, task in (doc.data.get("exact") or {}).items():
            path = ("exact", name)
            for earlier, earlier_task, earlier_generated in exact.get(name, ()):
                if earlier_generated != generated:
                    continue  # a hand-written exception beats the generated table by design
                if earlier.pack == doc.pack:
                    if earlier_task != task:
                        yield _finding(
                            doc,
                            path,
                            f"{name} is {task!r} here but {earlier_task!r} at "
                            f"{earlier.where('exact', name)} (same pack): which one wins depends on "
                            "file names; keep one",
                            "exact-conflict",
                        )
                    else:
                        yield _finding(
                            doc,
                            path,
                            f"{name} is listed again (also at {earlier.where('exact', name)}); keep one",
                            "duplicate-entry",
                        )
                elif not generated:
                    change = "repeats" if earlier_task == task else f"changes {earlier_task!r} to {task!r} from"
                    yield _finding(doc, path, f"{name} {change} {earlier.where('exact', name)}", "pack-override")
            exact.setdefault(name, []).append((doc, task, generated))
        for index, entry in enumerate(doc.data.get("patterns") or ()):
            kind = "suffix" if "suffix" in entry else "contains"
            path = ("patterns", index)
            label = f"pattern {kind} {entry[kind]!r}"
            yield from _cases_reachable(doc, entry, path, label)
            for earlier, earlier_path, earlier_entry in patterns.get((kind, entry[kind]), ()):
                if earlier.pack == doc.pack:
                    yield _finding(
                        doc,
                        path,
                        f"{label} is defined twice in this pack (also at "
                        f"{earlier.where(*earlier_path)}); this one silently replaces it",
                        "duplicate-entry",
                    )
                else:
                    same = {k: v for k, v in entry.items() if k != "examples"} == {
                        k: v for k, v in earlier_entry.items() if k != "examples"
                    }
                    change = "repeats" if same else "replaces"
                    yield _finding(doc, path, f"{label} {change} {earlier.where(*earlier_path)}", "pack-override")
            patterns.setdefault((kind, entry[kind]), []).append((doc, path, entry))
    yield from _shadowed_patterns(ctx)


def _shadowed(victim: tuple, victim_name: str, winner: tuple, winner_name: str, why: str) -> Finding:
    """A rule that can never fire: an error at the dead rule, unless a later pack's rule did it, which is
    then reported (as an override) at that later rule, in the pack that is being reviewed."""
    if winner[0].pack > victim[0].pack:
        return _finding(
            winner[0],
            winner[1],
            f"{winner_name} makes {victim_name} ({victim[0].where(*victim[1])}) unreachable: it {why}",
            "pack-override",
        )
    return _finding(
        victim[0],
        victim[1],
        f"{victim_name} can never fire: {winner_name} ({winner[0].where(*winner[1])}) {why}",
        "shadowed-rule",
    )


def _covers(first: Any, second: Any) -> bool:
    """Whether every class name `second` matches is matched by `first` as well."""
    if first.kind == "contains":
        return first.needle in second.needle
    return second.kind == "suffix" and second.needle.endswith(first.needle)


def _shadowed_patterns(ctx: _Context) -> Iterator[Finding]:
    """A pattern never fires when one tried before it (longer needle, or same length and earlier) covers
    every name it matches and always answers. With longest-first order that means an equal needle:
    `contains: X` before `suffix: X`; the check is general so a change of order keeps it right."""
    sources = {}
    for doc in ctx.of_kind("architectures"):
        for index, entry in enumerate(doc.data.get("patterns") or ()):
            kind = "suffix" if "suffix" in entry else "contains"
            sources[(doc.where("patterns", index), kind, entry[kind])] = (doc, ("patterns", index), entry)
    ordered = [(p, sources.get((p.where, p.kind, p.needle))) for p in ctx.rules.patterns]
    for position, (pattern, source) in enumerate(ordered):
        if source is None:
            continue
        for earlier, earlier_source in ordered[:position]:
            if earlier_source and _always(earlier_source[2]) and _covers(earlier, pattern):
                yield _shadowed(
                    source,
                    f"pattern {pattern.kind} {pattern.needle!r}",
                    earlier_source,
                    f"{earlier.kind} {earlier.needle!r}",
                    "matches every class it matches, is tried first "
                    "(longest needle first, then in order) and always answers",
                )
                break


# ------------------------------------------------------------------ layouts and detect rules


def _layouts(ctx: _Context) -> Iterator[Finding]:
    named: dict[str, list[tuple[RuleDoc, tuple, dict]]] = {}
    for doc in ctx.of_kind("layouts"):
        for index, entry in enumerate(doc.data.get("layouts") or ()):
            path = ("layouts", index)
            name = entry.get("name")
            yield from _cases_reachable(doc, entry, path, f"layout {name!r}")
            for earlier, earlier_path, earlier_entry in named.get(name, ()):
                if earlier.pack == doc.pack:
                    yield _finding(
                        doc,
                        path,
                        f"layout {name!r} is defined twice in this pack (also at {earlier.where(*earlier_path)})",
                        "duplicate-entry",
                    )
                else:
                    change = "repeats" if entry == earlier_entry else "replaces"
                    yield _finding(
                        doc, path, f"layout {name!r} {change} {earlier.where(*earlier_path)}", "pack-override"
                    )
            named.setdefault(name, []).append((doc, path, entry))
    sources = {}
    for entries in named.values():
        for doc, path, entry in entries:
            sources[(doc.where(*path), entry.get("name"))] = (doc, path, entry)
    ordered = [sources.get((layout.where, layout.name)) for layout in ctx.rules.layouts]
    for position, source in enumerate(ordered):
        if source is None:
            continue
        for earlier in ordered[:position]:
            if earlier and earlier[2].get("when") == source[2].get("when") and _always(earlier[2]):
                yield _shadowed(
                    source,
                    f"layout {source[2].get('name')!r}",
                    earlier,
                    f"layout {earlier[2].get('name')!r}",
                    "has the same `when`, comes first and always names a task",
                )
                break


def _detectors(ctx: _Context) -> Iterator[Finding]:
    """Library detect rules are tried newest pack first, in file order; the first that holds wins."""
    by_pack: dict[int, list[tuple[RuleDoc, tuple, dict]]] = {}
    for doc in ctx.of_kind("libraries"):
        for index, entry in enumerate(doc.data.get("detect") or ()):
            by_pack.setdefault(doc.pack, []).append((doc, ("detect", index), entry))
    ordered = [item for pack in sorted(by_pack, reverse=True) for item in by_pack[pack]]
    for position, (doc, path, entry) in enumerate(ordered):
        for earlier_doc, earlier_path, earlier in ordered[:position]:
            if "use" in entry or "use" in earlier:
                if entry == earlier:
                    yield _finding(
                        doc,
                        path,
                        f"`use: {entry['use']}` is listed again (also at {earlier_doc.where(*earlier_path)})",
                        "duplicate-entry",
                    )
                    break
                continue
            if earlier.get("when") != entry.get("when"):
                continue
            if earlier.get("library") == entry.get("library") and earlier_doc.pack == doc.pack:
                yield _finding(
                    doc,
                    path,
                    f"this detect rule for {entry.get('library')!r} repeats {earlier_doc.where(*earlier_path)}",
                    "duplicate-entry",
                )
            elif earlier.get("library") != entry.get("library"):
                yield _shadowed(
                    (doc, path, entry),
                    f"the detect rule for {entry.get('library')!r}",
                    (earlier_doc, earlier_path, earlier),
                    f"the detect rule for {earlier.get('library')!r}",
                    "has the same `when` and is tried first",
                )
            break
    for doc in ctx.of_kind("frameworks"):
        seen: dict[str, tuple] = {}
        for index, entry in enumerate(doc.data.get("detect") or ()):
            key = repr((entry.get("framework"), entry.get("when")))
            if key in seen:
                yield _finding(
                    doc,
                    ("detect", index),
                    f"this detect rule for {entry.get('framework')!r} repeats {doc.where(*seen[key])}",
                    "duplicate-entry",
                )
            seen.setdefault(key, ("detect", index))


# ------------------------------------------------------------------ examples


def _examples(ctx: _Context) -> Iterator[tuple[RuleDoc, tuple, dict]]:
    """(document, path, example) for every example in the rules."""
    for doc in ctx.docs:
        lists = {"architectures": "patterns", "layouts": "layouts"}
        key = lists.get(doc.kind)
        for index, entry in enumerate(doc.data.get(key) or () if key else ()):
            for number, example in enumerate(entry.get("examples") or ()):
                yield doc, (key, index, "examples", number), example


def example_evidence(example: dict) -> dict:
    """The evidence dict of an example: everything but the expected answers; `architecture` joins `config`."""
    data = {k: v for k, v in example.items() if k not in ("task", "library")}
    if data.get("architecture") and isinstance(data.get("config"), dict) and "architectures" not in data["config"]:
        data["config"] = {**data["config"], "architectures": [data["architecture"]]}
    return data


def _through_layout(result: Any, wheres: set[str]) -> bool:
    """Whether a layout answered by a class name (task_from_class): the trace step names the layout."""
    if result.strategy != "layouts":
        return False
    for step in result.trace:
        if step.step == "layouts" and step.outcome == "answered":
            said = step.message.split(": ", 1)[-1]
            return any(said.startswith(marker) for marker in wheres if marker.startswith("layout "))
    return False


def example_findings(rules: CompiledRules, labels: Collection[str] | None = None) -> tuple[list[Finding], int]:
    """Run the examples of the rules in force (of the files in `labels`, if given) through the engine;
    return (failures, number of examples run).

    An example passes when it gives its task (and library, if it names one) through the entry that
    lists it, so an example also proves its own rule is reachable. Examples of entries a later pack
    replaced are not run.
    """
    from .engine import resolve_evidence
    from .evidence import Evidence

    ctx = _Context(rules)
    live: dict[tuple[str, str], set[str]] = {}
    for pattern in rules.patterns:
        live[("patterns", pattern.where)] = {case.where for case in pattern.cases}
    for layout in rules.layouts:
        wheres = {case.where for case in layout.cases}
        if layout.lookup:
            wheres |= {where for _, where in layout.lookup.table.values()}
        if layout.task_from_class:  # the architecture tables give the task, through this layout
            wheres.add(f"layout {layout.name}:")
        live[("layouts", layout.where)] = wheres
    findings: list[Finding] = []
    count = 0
    for doc, path, example in _examples(ctx):
        wheres = live.get((path[0], doc.where(*path[:2])))
        if wheres is None or (labels is not None and doc.label not in labels):
            continue
        count += 1
        want_task, want_library = example.get("task"), example.get("library")
        try:
            result = resolve_evidence(rules, Evidence.from_dict(example_evidence(example)))
        except ResolutionError:
            findings.append(_finding(doc, path, f"example gives no task at all, not {want_task!r}", "example-failed"))
            continue
        except Exception as error:  # an example the engine chokes on is a finding, not a crash
            findings.append(_finding(doc, path, f"example cannot be resolved: {error}", "example-failed"))
            continue
        decided = f"{result.strategy} at {result.where}" if result.where else result.strategy
        if result.task != want_task:
            message = f"example gives {result.task!r} ({decided}), not {want_task!r}"
        elif want_library is not None and result.library != want_library:
            message = f"example gives library {result.library!r}, not {want_library!r}"
        elif result.where not in wheres and not _through_layout(result, wheres):
            message = (
                f"example gives {want_task!r}, but through {decided}, not this entry: use a class name or "
                "evidence that no earlier rule answers, so the example exercises this one"
            )
        else:
            continue
        findings.append(_finding(doc, path, message, "example-failed"))
    return findings, count


# ------------------------------------------------------------------ entry point

_ALL: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    _unknown_tasks,
    _vocabulary,
    _unknown_libraries,
    _versions,
    _fallback,
    _loaders_reachable,
    _architectures,
    _layouts,
    _detectors,
    _unused,
)


def semantic_findings(rules: CompiledRules) -> list[Finding]:
    """Cross-file checks the engine relies on; errors stop the rules from loading, warnings do not."""
    ctx = _Context(rules)
    findings: list[Finding] = []
    for check in _ALL:
        findings.extend(check(ctx))
    return findings
