"""Checks on the task vocabulary: unknown tasks anywhere, synonyms that are tasks, chains, cycles, conflicts, redefinitions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.compiled import CompiledRules
from resolver.rulebook.documents import RuleDoc
from resolver.validation.context import Context, did_you_mean, finding


def task_references(doc: RuleDoc) -> Iterator[tuple[tuple, str]]:
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
                elif key == "tasks" and isinstance(value, list) and path[:1] == ("libraries",):
                    for index, task in enumerate(value):
                        if isinstance(task, str):
                            yield (*path, key, index), task
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


def check_unknown_tasks(ctx: Context) -> Iterator[Finding]:
    rules = ctx.rules
    known = sorted(rules.tasks)
    for doc in ctx.docs:
        for path, task in task_references(doc):
            if task in rules.tasks:
                continue
            hint = did_you_mean(task, known)
            if task in rules.synonyms:
                hint = f"; {task!r} is a synonym: write the canonical {rules.synonyms[task][0]!r}"
            yield finding(doc, path, f"unknown task {task!r}{hint}", "unknown-task")


def check_vocabulary(ctx: Context) -> Iterator[Finding]:
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
                        yield finding(
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
                    yield finding(
                        doc,
                        path,
                        f"synonym {alias!r} points at {task!r} and at {other_task!r} ({other_doc.where(*other_path)})",
                        "synonym-conflict",
                    )
                else:
                    yield finding(
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
                return finding(
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
        return finding(
            doc,
            path,
            f"synonym {alias!r} of {task!r} is itself a task with synonyms ({', '.join(own)}): "
            f"they would need two steps to reach {task!r}; list them under {task!r} directly",
            "synonym-chain",
        )
    return finding(
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
                yield finding(
                    doc,
                    path,
                    f"synonym {alias!r} is redundant: strip_suffixes already turns it into {task!r}",
                    "synonym-chain",
                    "warning",
                )
            elif target is not None:
                yield finding(
                    doc,
                    path,
                    f"synonym {alias!r} points at {task!r}, but without {suffix!r} it names {target!r}: "
                    "a `-with-past` spelling must name the same task",
                    "synonym-chain",
                )


def _task_redefined(doc: RuleDoc, name: str, spec: dict, earlier: RuleDoc, old: dict) -> Iterator[Finding]:
    path = ("tasks", name)
    if earlier.pack == doc.pack:
        yield finding(
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
        yield finding(
            doc,
            path,
            f"task {name!r} redefines {earlier.where(*path)} and {'; '.join(parts)}: "
            "a redefinition replaces the whole entry, so repeat what you want to keep",
            "pack-override",
        )
