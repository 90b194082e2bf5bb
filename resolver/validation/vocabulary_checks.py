"""Checks on `kind: vocabularies` files: every Hub task they list is a task of the rules, every name
they give reads back as a task or synonym (so a name printed in any vocabulary resolves again),
their version gates are valid, and their examples give their names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.vocabularies import example_facts, vocabularies
from resolver.validation.context import Context, did_you_mean, finding


def check_vocabularies(ctx: Context) -> Iterator[Finding]:
    """unknown-task, invalid-version and example-failed findings of every vocabularies file."""
    for doc in ctx.of_kind("vocabularies"):
        for name, spec in (doc.data.get("vocabularies") or {}).items():
            yield from _check_one(ctx, doc, name, spec or {})


def _check_one(ctx: Context, doc: RuleDoc, vocab: str, spec: dict) -> Iterator[Finding]:
    rules = ctx.rules
    known = sorted(rules.tasks)
    path = ("vocabularies", vocab)

    def hub_task(task: Any, where: tuple) -> Iterator[Finding]:
        if isinstance(task, str) and task not in rules.tasks:
            yield finding(
                doc,
                where,
                f"vocabulary {vocab!r} lists {task!r}, which is not a task of the rules "
                f"(keys and `keep` are Hub task names){did_you_mean(task, known)}",
                "unknown-task",
            )

    def name_reads_back(name: Any, where: tuple) -> Iterator[Finding]:
        if isinstance(name, str) and rules.canonical_task(name) is None:
            names = sorted({*rules.tasks, *rules.synonyms})
            yield finding(
                doc,
                where,
                f"vocabulary {vocab!r} gives the name {name!r}, which is neither a task nor a synonym of the "
                f"rules: add it to the synonyms of its task in rules/tasks.yaml{did_you_mean(name, names)}",
                "unknown-task",
            )

    keep = spec.get("keep")
    if isinstance(keep, list):
        for index, task in enumerate(keep):
            yield from hub_task(task, (*path, "keep", index))
    for task, value in (spec.get("tasks") or {}).items():
        yield from hub_task(task, (*path, "tasks", task))
        if isinstance(value, list):
            for index, case in enumerate(value):
                yield from name_reads_back(case.get("name"), (*path, "tasks", task, index, "name"))
                for distribution, specifier in (case.get("requires") or {}).items():
                    where = (*path, "tasks", task, index, "requires", distribution)
                    yield from _check_specifier(doc, where, distribution, specifier)
        else:
            yield from name_reads_back(value, (*path, "tasks", task))
    index_ = vocabularies(rules).get(vocab)
    for s_index, entry in enumerate(spec.get("suffixes") or ()):
        for t_index, name in enumerate(entry.get("tasks") or ()):
            yield from name_reads_back(name + entry["suffix"], (*path, "suffixes", s_index, "tasks", t_index))
        for e_index, example in enumerate(entry.get("examples") or ()):
            at: tuple = (*path, "suffixes", s_index, "examples", e_index)
            if example.get("task") not in rules.tasks:
                yield from hub_task(example.get("task"), (*at, "task"))
                continue
            got = index_.translate(example["task"], example_facts(example))
            if got.name != example.get("name"):
                yield finding(
                    doc,
                    at,
                    f"example: vocabulary {vocab!r} gives {got.name!r} for {example['task']}, not "
                    f"{example.get('name')!r} ({got.describe()}; {got.suffix_where or got.where})",
                    "example-failed",
                )


_DISTRIBUTION = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


def _check_specifier(doc: RuleDoc, where: tuple, distribution: str, specifier: str) -> Iterator[Finding]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not _DISTRIBUTION.match(distribution):
        yield finding(doc, where, f"{distribution!r} is not a valid distribution name", "invalid-version")
        return
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier:
        yield finding(
            doc,
            where,
            f"invalid version specifier {specifier!r} for {distribution}: write a PEP 440 specifier such as '<5'",
            "invalid-version",
        )
