"""In-process throughput and agreement, over every architecture of the installed transformers.

Inputs: for each architecture its default config as evidence (`Evidence.from_dict({"config": ...})`,
built once outside the timed region), and its model class imported from transformers. Timed, each
over all inputs:
- `resolve_evidence(rules, evidence)` over the configs;
- `Resolver.resolve(cls)` over the classes: the whole Resolution (library, frameworks, loader,
  candidates, trace), evidence gathering (`from_object`) included;
- `resolve_evidence(rules, from_object(cls))` with the evidence gathered beforehand, to separate
  the engine's share;
- `Resolver.infer_task(cls)`: the task alone, the like-for-like counterpart of optimum's call;
- optimum's `TasksManager.infer_task_from_model(cls)` over the same classes;
- local folders (`folders`): `Resolver.resolve(folder)` per folder on FOLDERS model folders made for
  the run (config.json of a few architectures and a weight file name, as bench/batch.py makes them),
  against the floor: `os.listdir` + `json.load` of config.json on the same folders, its passes
  interleaved with resolve's (issue #12's target: within 1.5x of the floor); a catalogue's call over
  the same folders, `resolve_many(folders, workers=1)` (in this process, each window of folders read
  before it is resolved); the reading alone too, `Resolver.evidence(folder)` and `from_folder` (their
  share: no more than the floor).
Each rate is the median of several passes, the tools' passes interleaved so all see the same load.
Run alone: `python bench/inprocess.py --runs 5` prints JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from batch import make_folders
from common import median_rate, run_standalone, use_tests_helpers

NOT_ANSWERED = None
FOLDERS = 10_000  # model folders for the per-folder figures


def _timed(passes: dict[str, list[float]], name: str, work: Callable[[], None]) -> None:
    start = time.perf_counter()
    work()
    passes[name].append(time.perf_counter() - start)


def _answers(fn: Callable[[Any], str | None], inputs: Sequence[Any]) -> list[str | None]:
    """The task each input gets; None when the tool raises or returns nothing."""
    answers = []
    for item in inputs:
        try:
            answers.append(fn(item) or NOT_ANSWERED)
        except Exception:
            answers.append(NOT_ANSWERED)
    return answers


def _agreement(answers: Sequence[str | None], expected: Sequence[str]) -> dict[str, int]:
    right = sum(1 for got, want in zip(answers, expected, strict=True) if got == want)
    unanswered = sum(1 for got in answers if got is NOT_ANSWERED)
    return {"right": right, "wrong": len(answers) - right - unanswered, "unanswered": unanswered, "of": len(answers)}


def measure(runs: int, with_optimum: bool = True) -> dict[str, Any]:
    """Rates (resolutions per second) and agreement with the Hub's task for each input set."""
    use_tests_helpers()
    warnings.simplefilter("ignore")
    import transformers
    from transformers_catalog import architectures, config_for

    from resolver.api import Resolver
    from resolver.engine.resolve import resolve_evidence
    from resolver.evidence.model import Evidence
    from resolver.evidence.objects import from_object

    transformers.logging.set_verbosity_error()
    resolver = Resolver(use_env=False)
    rules = resolver.rules
    archs = architectures()
    config_evidence = [Evidence.from_dict({"config": config_for(arch)}) for arch in archs]
    classes, class_expected, missing = [], [], []
    for arch in archs:
        cls = getattr(transformers, arch.name, None)
        if isinstance(cls, type):
            classes.append(cls)
            class_expected.append(arch.hub_task)
        else:
            missing.append(arch.name)
    class_evidence = [from_object(cls) for cls in classes]

    def ours(evidence: Sequence[Any]) -> Callable[[], None]:
        def work() -> None:
            for item in evidence:
                try:
                    resolve_evidence(rules, item)
                except Exception:
                    pass

        return work

    def each_class(call: Callable[[type], Any]) -> Callable[[], None]:
        def work() -> None:
            for cls in classes:
                try:
                    call(cls)
                except Exception:
                    pass

        return work

    tools: dict[str, Callable[[], None]] = {
        "resolver_config": ours(config_evidence),
        "resolver_class": each_class(resolver.resolve),
        "resolver_class_evidence": ours(class_evidence),
        "resolver_infer_task_class": each_class(resolver.infer_task),
    }
    config_answers = _answers(lambda e: resolve_evidence(rules, e).task, config_evidence)
    class_answers = _answers(lambda cls: resolver.resolve(cls).task, classes)
    results: dict[str, Any] = {
        "architectures": len(archs),
        "classes": len(classes),
        "classes_not_importable": missing,
        "agreement": {
            "resolver_config": _agreement(config_answers, [a.hub_task for a in archs]),
            "resolver_class": _agreement(class_answers, class_expected),
            "resolver_infer_task_class": _agreement(_answers(resolver.infer_task, classes), class_expected),
        },
        # differences from the Hub's task; a class the hand-written `exact` table names is a deliberate one
        "resolver_wrong": [
            {"name": arch.name, "got": got, "hub": arch.hub_task, "deliberate": arch.name in rules.exact}
            for arch, got in zip(archs, config_answers, strict=True)
            if got != arch.hub_task
        ],
    }
    if with_optimum:
        from optimum.exporters.tasks import TasksManager

        infer = TasksManager.infer_task_from_model
        tools["optimum_class"] = each_class(infer)
        raw = _answers(infer, classes)
        # optimum names a few tasks its own way; map them through the rules' synonyms before comparing
        mapped = [(rules.canonical_task(t) or t) if t else t for t in raw]
        results["agreement"]["optimum_class"] = _agreement(mapped, class_expected)
        results["optimum_raw_names_right"] = _agreement(raw, class_expected)["right"]
        results["optimum_signature"] = "TasksManager.infer_task_from_model(model_class)"

    passes: dict[str, list[float]] = {name: [] for name in tools}
    for work in tools.values():  # warm-up pass, not timed
        work()
    for _ in range(runs):
        for name, work in tools.items():
            _timed(passes, name, work)
    counts = {name: len(config_evidence) if name == "resolver_config" else len(classes) for name in tools}
    results["rates"] = {name: median_rate(counts[name], timings) for name, timings in passes.items()}
    results["passes"] = runs
    results["folders"] = folder_figures(resolver, FOLDERS, runs)
    return results


def folder_figures(resolver: Any, count: int, runs: int) -> dict[str, Any]:
    """Per-folder µs against the floor (listdir + json.load), passes interleaved: `resolver.resolve(folder)`,
    `resolve_many(folders, workers=1)`, and the reading alone: `resolver.evidence(folder)` (the API's
    dispatch included) and `from_folder`."""
    from resolver import resolve_many
    from resolver.evidence.folder import from_folder

    documents = resolver.rules.documents

    def floor(folders: Sequence[str]) -> None:
        for folder in folders:
            os.listdir(folder)
            with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
                json.load(handle)

    def read(folders: Sequence[str]) -> None:
        for folder in folders:
            from_folder(folder, documents)

    def evidence(folders: Sequence[str]) -> None:
        for folder in folders:
            resolver.evidence(folder)

    def resolve(folders: Sequence[str]) -> None:
        for folder in folders:
            resolver.resolve(folder)

    def many(folders: Sequence[str]) -> None:  # a catalogue's call: folders read ahead, then resolved
        for _ in resolve_many(folders, workers=1):
            pass

    kinds = {"floor": floor, "from_folder": read, "evidence": evidence, "resolve": resolve, "many": many}
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="bench-folders-") as tmp:
        folders = make_folders(Path(tmp), count)
        timings: dict[str, list[float]] = {name: [] for name in kinds}
        floor(folders)  # warm-up: the OS file cache, then resolve's own
        resolve(folders)
        for number in range(max(1, runs)):
            order = list(kinds.items()) if number % 2 == 0 else list(kinds.items())[::-1]  # neither always first
            for name, work in order:
                start = time.perf_counter()
                work(folders)
                timings[name].append(time.perf_counter() - start)
    per = {name: [1e6 * t / count for t in values] for name, values in timings.items()}

    def ratios(name: str) -> list[float]:  # pass by pass: each pair saw the same load
        return [r / f for r, f in zip(per[name], per["floor"], strict=True)]

    figures: dict[str, Any] = {"folders": count, "passes": len(per["floor"])}
    for name in kinds:
        figures[f"{name}_us"] = round(statistics.median(per[name]), 1)
        figures[f"{name}_us_range"] = [round(min(per[name]), 1), round(max(per[name]), 1)]
    for name, key in (
        ("resolve", "ratio"),
        ("many", "many_ratio"),
        ("evidence", "evidence_ratio"),
        ("from_folder", "from_folder_ratio"),
    ):
        figures[key] = round(statistics.median(ratios(name)), 2)
        figures[f"{key}_range"] = [round(min(ratios(name)), 2), round(max(ratios(name)), 2)]
    figures["target_ratio"] = 1.5
    figures["load_1min"] = [
        None if load is None else round(load, 2)
        for load in (load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else None)
    ]
    figures["pythondontwritebytecode"] = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    return figures


def main() -> None:
    run_standalone(measure, __doc__)


if __name__ == "__main__":
    main()
