"""A drop-in for optimum's `TasksManager` task helpers, answered by the rules.

Same names, signatures and return values as `optimum.exporters.tasks.TasksManager`'s
`infer_task_from_model`, `infer_library_from_model`, `get_model_class_for_task`, `map_from_synonym`,
`synonyms_for_task` and `determine_framework`: optimum's task names (rules/vocabularies.yaml,
vocabulary `optimum`), its library spellings (`sentence_transformers`, `timm`, ...), and its
exception types where callers catch them (KeyError for a task it cannot tell, ValueError for a
framework or an object it cannot place). Unlike optimum, it answers for local folders, subfolders,
offline caches and custom-code models. The deviations are listed in docs/compat.md.

    from resolver.compat import optimum as tasks   # instead of: from optimum.exporters.tasks import TasksManager
    tasks.infer_task_from_model("path/to/model")   # 'text-generation'

Importing this module imports neither optimum, torch nor transformers; only
`get_model_class_for_task` imports the library whose class it returns.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.api import Resolver, default_resolver
from resolver.compat.vocabulary import facts_for
from resolver.engine.resolve import resolve_evidence
from resolver.errors import ResolutionError, TaskResolverError, UnknownTaskError
from resolver.rulebook.vocabularies import vocabularies

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution

__all__ = [
    "FrameworkError",
    "LibraryNotInferred",
    "TaskNotInferred",
    "UnknownOptimumTask",
    "determine_framework",
    "get_model_class_for_task",
    "infer_library_from_model",
    "infer_task_from_model",
    "map_from_synonym",
    "synonyms_for_task",
]

VOCABULARY = "optimum"
WITH_PAST = "-with-past"


class TaskNotInferred(ResolutionError, KeyError, ValueError):
    """No rule names the task: a KeyError for optimum's Hub path, a ValueError for its object path."""


class LibraryNotInferred(ResolutionError, ValueError):
    """No rule names the library (optimum raises ValueError)."""


class UnknownOptimumTask(UnknownTaskError, KeyError):
    """A task name neither the rules nor optimum know (optimum raises KeyError)."""


class FrameworkError(TaskResolverError, FileNotFoundError):
    """No PyTorch weights to export (optimum raises FileNotFoundError)."""

    exit_code = 1


def _resolver(resolver: Resolver | None) -> Resolver:
    return resolver if resolver is not None else default_resolver()


def _resolve(
    model: Any,
    subfolder: str,
    revision: str | None,
    cache_dir: str | os.PathLike | None,
    token: bool | str | None,
    library_name: str | None,
    resolver: Resolver,
) -> tuple[Resolution, Any]:
    """The resolution of `model` and the evidence it came from."""
    options: dict[str, Any] = {}
    if not isinstance(model, type):
        options = {"subfolder": subfolder or None, "revision": revision, "token": token, "cache_dir": cache_dir}
        if isinstance(model, Path):
            model = os.fspath(model)
    evidence = resolver.evidence(model, **options)
    resolution = resolve_evidence(resolver.rules, evidence, library=library_name)
    return resolution, evidence


def infer_task_from_model(
    model: Any,
    subfolder: str = "",
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    token: bool | str | None = None,
    library_name: str | None = None,
    *,
    resolver: Resolver | None = None,
) -> str:
    """The task of a repo id, local folder, cached snapshot, model object or class, in optimum's words.

    As optimum's, without `-with-past` (its exporters add that: `resolve(ref, vocab="optimum").task`
    gives the name with it). Raises TaskNotInferred (a KeyError and a ValueError) when no rule answers.
    """
    chosen = _resolver(resolver)
    try:
        resolution, evidence = _resolve(model, subfolder, revision, cache_dir, token, library_name, chosen)
    except ResolutionError as error:
        raise TaskNotInferred(error.message, hint=error.hint, trace=error.trace) from None
    found = vocabularies(chosen.rules).get(VOCABULARY).translate(resolution.task, facts_for(resolution, evidence))
    return found.base or resolution.task


def infer_library_from_model(
    model: Any,
    subfolder: str = "",
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    token: bool | str | None = None,
    *,
    resolver: Resolver | None = None,
) -> str:
    """The library of a model, spelled as optimum does (transformers, diffusers, sentence_transformers, timm, ...)."""
    chosen = _resolver(resolver)
    try:
        resolution, _ = _resolve(model, subfolder, revision, cache_dir, token, None, chosen)
        library = resolution.library
        trace = list(resolution.trace)
    except ResolutionError as error:  # no task, but the library may still be known: ask the evidence alone
        library, trace = None, error.trace
        for step in error.trace:
            if step.step == "library" and step.outcome == "answered":
                library = step.message.split(":")[0].split(" ")[0]
    if not library:
        raise LibraryNotInferred(
            "the library name could not be inferred",
            hint="pass library_name= (transformers, diffusers, timm, sentence_transformers)",
            trace=trace,
        )
    return library


def determine_framework(
    model_name_or_path: str | os.PathLike,
    subfolder: str = "",
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    token: bool | str | None = None,
    *,
    resolver: Resolver | None = None,
) -> str:
    """ "pt" when the model has PyTorch weights (optimum exports from PyTorch only), else FrameworkError."""
    chosen = _resolver(resolver)
    ref = os.fspath(model_name_or_path)
    evidence = chosen.evidence(ref, subfolder=subfolder or None, revision=revision, token=token, cache_dir=cache_dir)
    try:
        resolution = resolve_evidence(chosen.rules, evidence)
        frameworks, library = resolution.frameworks, resolution.library
    except ResolutionError:  # the framework does not need the task
        frameworks, library = (), None
    files = evidence.files
    if "pt" in frameworks or (library == "sentence_transformers" and "config_sentence_transformers.json" in files):
        return "pt"  # sentence-transformers runs on PyTorch, as optimum says
    found = ", ".join(frameworks) or "no weight files"
    raise FrameworkError(
        f"cannot export {ref}: optimum exports PyTorch weights, and it has {found}",
        hint="pass the framework explicitly, or point at a checkout with pytorch_model*.bin / *.safetensors",
    )


def _optimum_name(canonical: str, resolver: Resolver) -> str | None:
    return vocabularies(resolver.rules).get(VOCABULARY).translate(canonical).base


def map_from_synonym(task: str, *, resolver: Resolver | None = None) -> str:
    """optimum's name for a task or synonym (`causal-lm-with-past` -> text-generation-with-past);
    a name nobody knows comes back unchanged, as optimum returns it."""
    chosen = _resolver(resolver)
    suffix = WITH_PAST if task.endswith(WITH_PAST) else ""
    base = task[: -len(suffix)] if suffix else task
    canonical = chosen.rules.canonical_task(base) if base else None
    if canonical is None:
        return task
    name = _optimum_name(canonical, chosen)
    return task if name is None else name + suffix


def synonyms_for_task(task: str, *, resolver: Resolver | None = None) -> set[str]:
    """Every other name that maps to the same optimum task (`text-generation` -> {'causal-lm'})."""
    chosen = _resolver(resolver)
    target = map_from_synonym(task, resolver=chosen)
    suffix = WITH_PAST if target.endswith(WITH_PAST) else ""
    names = {*chosen.rules.tasks, *chosen.rules.synonyms}
    found = {name + suffix for name in names if map_from_synonym(name + suffix, resolver=chosen) == target}
    found.discard(task)
    if suffix:
        found.discard(target)
    return found


def get_model_class_for_task(
    task: str,
    framework: str = "pt",
    model_type: str | None = None,
    model_class_name: str | None = None,
    library: str = "transformers",
    *,
    resolver: Resolver | None = None,
) -> Any:
    """The class (or factory, for timm) that loads `task` for `library`; imports that library now.

    `model_type` picks the class some tasks need (CTC or sequence-to-sequence speech models,
    pix2struct, vitpose, ...); `model_class_name` names the class outright. Only framework "pt"
    exists (ValueError otherwise, as in optimum); an unknown task raises UnknownOptimumTask (a KeyError).
    """
    if framework != "pt":
        raise ValueError(f"Only one framework is supported for export: pt, but {framework} was provided.")
    chosen = _resolver(resolver)
    base = task[: -len(WITH_PAST)] if task.endswith(WITH_PAST) else task
    if model_class_name is not None:
        return getattr(importlib.import_module(library), model_class_name)
    canonical = chosen.rules.canonical_task(base)
    if canonical is None:
        import difflib

        known = sorted({*chosen.rules.tasks, *chosen.rules.synonyms})
        raise UnknownOptimumTask(task, difflib.get_close_matches(base, known, n=3, cutoff=0.5))
    try:
        path = chosen.model_class_for_task(canonical, library=library, model_type=model_type)
    except UnknownTaskError:
        raise
    except TaskResolverError as error:  # no loader for the task in that library
        raise UnknownOptimumTask(task, []) from error
    return _class_listing(_import(path), canonical, library, model_type, chosen)


def _import(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _class_listing(cls: Any, task: str, library: str, model_type: str | None, resolver: Resolver) -> Any:
    """An auto class that does not list `model_type` gives way to the task's first one that does
    (as optimum picks between AutoModelForSpeechSeq2Seq and AutoModelForCTC)."""
    if not model_type or _lists(cls, model_type) is not False:
        return cls
    task_def = resolver.rules.tasks.get(task)
    for entry in task_def.loaders.get(library, ()) if task_def else ():
        other = _import(entry.import_path)
        if _lists(other, model_type):
            return other
    return cls


def _lists(cls: Any, model_type: str) -> bool | None:
    """Whether an auto class's mapping lists the model type (None: not an auto class)."""
    mapping = getattr(cls, "_model_mapping", None)
    names = getattr(mapping, "_model_mapping", None)
    return None if names is None else model_type in names
