"""Checks on the fallback order and on definitions nothing uses."""

from __future__ import annotations

from collections.abc import Iterator

from resolver.errors import Finding
from resolver.validation.context import Context, did_you_mean, finding
from resolver.validation.task_checks import task_references

# strategies -> the rule kinds only they read (a kind is unused when none of its strategies runs)
_READERS: dict[str, tuple[str, ...]] = {
    "layouts": ("layouts",),
    "architectures": ("class_hierarchy", "config_architectures"),
}


def check_fallback(ctx: Context) -> Iterator[Finding]:
    from resolver.engine.strategies import STRATEGIES

    docs = ctx.of_kind("fallback")
    for position, doc in enumerate(docs):
        for index, name in enumerate(doc.data.get("order") or ()):
            if name not in STRATEGIES:
                yield finding(
                    doc,
                    ("order", index),
                    f"unknown strategy {name!r}{did_you_mean(str(name), list(STRATEGIES))}",
                    "unknown-strategy",
                )
        for earlier in docs[:position]:
            if earlier.pack == doc.pack:
                yield finding(
                    doc,
                    ("order",),
                    f"the fallback order is defined twice in this pack (also at "
                    f"{earlier.where('order')}); only the last file's is used",
                    "duplicate-entry",
                )
            elif earlier.data.get("order") != doc.data.get("order"):
                yield finding(
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
                yield finding(
                    doc,
                    ("kind",),
                    f"no strategy that reads {kind} rules ({', '.join(readers)}) is in "
                    f"the fallback order ({ctx.rules.fallback_where}): this file is never consulted",
                    "unused-definition",
                )


def check_unused(ctx: Context) -> Iterator[Finding]:
    rules = ctx.rules
    detected = {entry.get("library") for doc in ctx.of_kind("libraries") for entry in doc.data.get("detect") or ()}
    loaded = {library for task in rules.tasks.values() for library in task.loaders}
    for doc in ctx.of_kind("libraries"):
        for name, spec in (doc.data.get("libraries") or {}).items():
            # a library with the Hub's tasks is selected by the Hub's library_name: it is used
            if name not in detected and name not in loaded and not spec.get("default_loader") and not spec.get("tasks"):
                yield finding(
                    doc,
                    ("libraries", name),
                    f"library {name!r} is defined, but no detect rule names it and no task lists a loader "
                    "for it: only the Hub's library_name or --library can select it, and then no class "
                    "loads it",
                    "unused-definition",
                )
    given = {task for doc in ctx.docs for _, task in task_references(doc)}
    for doc in ctx.of_kind("tasks"):
        if doc.pack == ctx.base:  # the base vocabulary is the Hub's list of pipeline tags: all of it is used
            continue
        for name, spec in (doc.data.get("tasks") or {}).items():
            spec = spec or {}
            if name not in given and not spec.get("loaders") and not spec.get("synonyms"):
                yield finding(
                    doc,
                    ("tasks", name),
                    f"task {name!r} is defined, but no rule gives it, it has no loaders and no synonyms",
                    "unused-definition",
                )
