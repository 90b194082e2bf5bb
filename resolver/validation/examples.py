"""The rules' own examples, resolved through the engine: each must reach its task through its own rule."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from resolver.errors import Finding, ResolutionError
from resolver.rulebook.compiled import CompiledRules
from resolver.rulebook.documents import RuleDoc
from resolver.validation.context import Context, finding


def examples_in(ctx: Context) -> Iterator[tuple[RuleDoc, tuple, dict]]:
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
    from resolver.engine.resolve import resolve_evidence
    from resolver.evidence.model import Evidence

    ctx = Context(rules)
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
    for doc, path, example in examples_in(ctx):
        entry_wheres = live.get((path[0], doc.where(*path[:2])))
        if entry_wheres is None or (labels is not None and doc.label not in labels):
            continue
        count += 1
        want_task, want_library = example.get("task"), example.get("library")
        try:
            result = resolve_evidence(rules, Evidence.from_dict(example_evidence(example)))
        except ResolutionError:
            findings.append(finding(doc, path, f"example gives no task at all, not {want_task!r}", "example-failed"))
            continue
        except Exception as error:  # an example the engine chokes on is a finding, not a crash
            findings.append(finding(doc, path, f"example cannot be resolved: {error}", "example-failed"))
            continue
        decided = f"{result.strategy} at {result.where}" if result.where else result.strategy
        if result.task != want_task:
            message = f"example gives {result.task!r} ({decided}), not {want_task!r}"
        elif want_library is not None and result.library != want_library:
            message = f"example gives library {result.library!r}, not {want_library!r}"
        elif result.where not in entry_wheres and not _through_layout(result, entry_wheres):
            message = (
                f"example gives {want_task!r}, but through {decided}, not this entry: use a class name or "
                "evidence that no earlier rule answers, so the example exercises this one"
            )
        else:
            continue
        findings.append(finding(doc, path, message, "example-failed"))
    return findings, count
