"""Semantic checks over a whole rule set: what a JSON Schema cannot see across files.

Each finding carries a stable check id (`unknown-task`, `synonym-conflict`, ...), so reviewers can
grep for it and golden tests can pin it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from .compiled import CompiledRules
from .errors import Finding
from .ruledocs import RuleDoc


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _task_references(doc: RuleDoc) -> Iterator[tuple[tuple, str]]:
    """(path, task name) of every place a document names a task."""
    data = doc.data

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
                elif key != "examples":
                    yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, (*path, index))

    if doc.kind == "tasks":
        return
    yield from walk(data, ())


def _finding(doc: RuleDoc, path: tuple, message: str, check: str, severity: str = "error") -> Finding:
    from .yamlsource import pointer

    line, col = doc.position(path)
    return Finding(doc.label, line, col, message, check, severity, pointer(path))


def semantic_findings(rules: CompiledRules) -> list[Finding]:
    """Cross-file checks that the engine relies on: every referenced task exists, synonyms are unambiguous."""
    findings: list[Finding] = []
    known = sorted(rules.tasks)
    owners: dict[str, tuple[str, RuleDoc, tuple]] = {}
    for doc in rules.docs:
        if doc.kind == "tasks":
            for name, spec in (doc.data.get("tasks") or {}).items():
                for index, alias in enumerate((spec or {}).get("synonyms") or ()):
                    path = ("tasks", name, "synonyms", index)
                    if alias in rules.tasks:
                        findings.append(
                            _finding(doc, path, f"synonym {alias!r} of {name!r} is itself a canonical task", "synonym-is-task")
                        )
                    previous = owners.get(alias)
                    if previous and previous[0] != name and previous[1].pack == doc.pack:
                        findings.append(
                            _finding(doc, path,
                                     f"synonym {alias!r} points at {name!r} and at {previous[0]!r} "
                                     f"({previous[1].where(*previous[2])})", "synonym-conflict")
                        )
                    owners[alias] = (name, doc, path)
            continue
        for path, task in _task_references(doc):
            if task not in rules.tasks:
                hint = _did_you_mean(task, known)
                if task in rules.synonyms:
                    hint = f"; {task!r} is a synonym: write the canonical {rules.synonyms[task][0]!r}"
                findings.append(_finding(doc, path, f"unknown task {task!r}{hint}", "unknown-task"))
    return findings
