"""Checks on `kind: serving` files: every task they list is a task of the rules, every runner, pooling
task and pooling mode is one their `values` declare, a pooling answer names its pooling task (and
only a pooling answer does), no case follows one that always applies, and the examples get their
answers through their own entry (resolved through the engine, with the example's task given)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.serving import POOLING, ServingIndex, serving_index
from resolver.validation.context import Context, did_you_mean, finding

APPLIES = "applies"  # the entry an example of `applies:` belongs to
UNKNOWN_VALUE = "unknown-value"  # a runner, pooling task or pooling mode `values:` does not declare


def check_serving(ctx: Context) -> Iterator[Finding]:
    """unknown-task, unknown-value (as unknown-task's sibling checks), unreachable-case and example-failed
    findings of every serving file."""
    docs = ctx.of_kind("serving")
    if not docs:
        return
    index = serving_index(ctx.rules)
    seen: dict[str, tuple[RuleDoc, str]] = {}  # task -> (the document that defined it last, where)
    for doc in docs:
        yield from _check_doc(ctx, doc, index)
        for task in doc.data.get("tasks") or {}:
            where = doc.where("tasks", task)
            earlier = seen.get(task)
            if earlier is not None and earlier[0].pack == doc.pack:
                message = (
                    f"serving entry {task!r} is also defined at {earlier[1]}: which one wins depends on file names"
                )
                yield finding(doc, ("tasks", task), message, "duplicate-entry")
            elif earlier is not None:
                message = f"replaces the serving entry of {task} at {earlier[1]}"
                yield finding(doc, ("tasks", task), message, "pack-override")
            seen[task] = (doc, where)


def _check_doc(ctx: Context, doc: RuleDoc, index: ServingIndex) -> Iterator[Finding]:
    rules = ctx.rules
    known_tasks = sorted(rules.tasks)

    def value(kind: str, name: Any, where: tuple) -> Iterator[Finding]:
        if isinstance(name, str) and name not in index.values.get(kind, {}):
            known = sorted(index.values.get(kind, {}))
            yield finding(
                doc,
                where,
                f"{kind} {name!r} is not one of the serving values ({', '.join(known) or 'none'}): "
                f"declare it under `values: {kind}:`{did_you_mean(name, known)}",
                UNKNOWN_VALUE,
                "error",
            )

    def answer(case: dict, where: tuple) -> Iterator[Finding]:
        yield from value("runner", case.get("runner"), (*where, "runner"))
        yield from value("pooling_task", case.get("pooling_task"), (*where, "pooling_task"))
        if case.get("runner") == POOLING and not case.get("pooling_task"):
            yield finding(
                doc, where, "a pooling answer names its pooling_task (embed, score, ...)", UNKNOWN_VALUE, "error"
            )
        if case.get("runner") != POOLING and case.get("pooling_task"):
            yield finding(
                doc, (*where, "pooling_task"), "only a pooling runner takes a pooling_task", UNKNOWN_VALUE, "error"
            )

    for task, spec in (doc.data.get("tasks") or {}).items():
        path: tuple = ("tasks", task)
        if task not in rules.tasks:
            yield finding(
                doc,
                path,
                f"serving lists {task!r}, which is not a task of the rules{did_you_mean(task, known_tasks)}",
                "unknown-task",
            )
        spec = spec or {}
        cases = spec.get("cases")
        if cases is None:
            yield from answer(spec, path)
        else:
            for number, case in enumerate(cases):
                yield from answer(case, (*path, "cases", number))
                if "when" not in case and number + 1 < len(cases):
                    yield finding(
                        doc,
                        (*path, "cases", number + 1),
                        f"serving case {number + 1} of {task} is unreachable: case {number} always applies",
                        "unreachable-case",
                    )
        for number, example in enumerate(spec.get("examples") or ()):
            yield from _check_example(ctx, doc, (*path, "examples", number), example, index, task)
    gate = doc.data.get("applies") or {}
    for number, example in enumerate(gate.get("examples") or ()):
        yield from _check_example(ctx, doc, ("applies", "examples", number), example, index, APPLIES)
    for number, spec in enumerate(doc.data.get("pooling_modes") or ()):
        path = ("pooling_modes", number)
        yield from value("pooling_mode", spec.get("mode"), (*path, "mode"))
        for e_number, example in enumerate(spec.get("examples") or ()):
            yield from _check_example(ctx, doc, (*path, "examples", e_number), example, index, None)


def _check_example(
    ctx: Context, doc: RuleDoc, path: tuple, example: dict, index: ServingIndex, task: str | None
) -> Iterator[Finding]:
    """An example of a task entry must get its answer from that entry (the one in force: a later pack's
    replacement is checked, the replaced one not); an example of a pooling mode, its mode from that rule."""
    from resolver.engine.resolve import resolve_evidence
    from resolver.errors import TaskResolverError
    from resolver.evidence.model import Evidence
    from resolver.validation.examples import example_evidence

    rules = ctx.rules
    want_task = example.get("task")
    if want_task not in rules.tasks:
        yield finding(
            doc, (*path, "task"), f"example names {want_task!r}, which is not a task of the rules", "unknown-task"
        )
        return
    entry_where = doc.where(*path[:2])
    if task == APPLIES:
        if index.applies is None or index.applies.where != doc.where("applies"):
            return  # a later pack replaced it
        wheres = {index.applies.where}
    elif task is not None:
        entry = index.tasks.get(task)
        if entry is None or entry.where != entry_where:
            return  # a later pack replaced this entry
        wheres = {case.where for case in entry.cases}
    else:
        wheres = {rule.where for rule in index.modes if rule.where == entry_where}
    try:
        evidence = Evidence.from_dict(example_evidence(example))
        result = resolve_evidence(rules, evidence, task=want_task, library=example.get("library"))
    except TaskResolverError as error:
        yield finding(doc, path, f"example cannot be resolved: {error.message}", "example-failed")
        return
    except Exception as error:  # an example the engine chokes on is a finding, not a crash
        yield finding(doc, path, f"example cannot be resolved: {error}", "example-failed")
        return
    got = result.serving
    for key in ("runner", "pooling_task", "pooling_mode"):
        if key in example and getattr(got, key) != example[key]:
            said = f"{got.why} ({got.where})" if got.where else got.why
            yield finding(
                doc,
                path,
                f"example: serving gives {key} {getattr(got, key)!r}, not {example[key]!r}: {said}",
                "example-failed",
            )
            return
    decided = got.pooling_mode_where if task is None else got.where
    if decided not in wheres:
        yield finding(
            doc,
            path,
            f"example gets its answer through {decided or 'no rule'}, not this entry: give evidence that no "
            "earlier case or rule answers, so the example exercises this one",
            "example-failed",
        )
