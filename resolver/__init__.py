"""task-resolver: say which task, library, framework and class a Hugging Face model has, and why.

`import resolver` is cheap: it loads the small core only. Rules are read on first use; torch and
transformers are imported only by the loading helpers.
"""

from __future__ import annotations

from resolver.errors import (
    EvidenceError,
    ResolutionError,
    RuleError,
    TaskResolverError,
    UnknownLibraryError,
    UnknownTaskError,
)
from resolver.support.about import __version__

TYPE_CHECKING = False  # not typing's: `import resolver` does not import typing
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "Evidence",
    "EvidenceError",
    "Resolution",
    "ResolutionError",
    "Resolver",
    "RuleError",
    "TaskResolverError",
    "UnknownLibraryError",
    "UnknownTaskError",
    "__version__",
    "infer_task",
    "inspect",
    "load_model",
    "model_class_for_task",
    "normalize_task",
    "pipeline",
    "resolve",
    "resolve_many",
    "tasks",
]


def resolve(ref: Any, **options: Any) -> Any:
    """Resolve a model reference (folder, repo id, object, class, Evidence) with the default rules.

    Options: task, library, revision, subfolder, token, offline, cache_dir. Returns a Resolution.
    """
    from resolver.api import default_resolver

    return default_resolver().resolve(ref, **options)


def resolve_many(refs: Any, *, workers: int | None = None, **options: Any) -> Any:
    """Resolve many references; a streaming iterator, in input order, of a Resolution or the typed error for each.

    `refs`: folder paths, repo ids, `id@revision`, or mappings {"ref", "revision", "subfolder", "task",
    "library"}, read lazily. `workers` (default: the CPU count): processes for folders, threads for the
    Hub. Options: task, library, token, offline, cache_dir, timeout, rule_paths. See resolver.batch.
    """
    from resolver.batch import resolve_many as _resolve_many

    return _resolve_many(refs, workers=workers, **options)


def infer_task(ref: Any, **options: Any) -> str:
    """Only the task `resolve(ref).task` gives, for less work (no framework, loader or trace).

    Options: library, revision, subfolder, token, offline, cache_dir.
    """
    from resolver.api import default_resolver

    return default_resolver().infer_task(ref, **options)


def inspect(ref: Any, **options: Any) -> Any:
    """Every part of a model that loads on its own (root model, diffusers components, PEFT adapters,
    sentence-transformers modules, ONNX / OpenVINO exports, GGUF files), as an Inventory of Units.

    `ref`: a folder, cached snapshot or Hub repo id. Options: revision, token, offline, cache_dir,
    timeout, resolver. See resolver.inventory and docs/inspect.md.
    """
    from resolver.inventory.assemble import inspect as _inspect

    return _inspect(ref, **options)


def normalize_task(name: str) -> str:
    """The canonical task (a Hub pipeline tag) for a task name or synonym such as `causal-lm`."""
    from resolver.api import default_resolver

    return default_resolver().normalize_task(name)


def tasks() -> list[str]:
    """Every canonical task the rules know, sorted."""
    from resolver.api import default_resolver

    return default_resolver().tasks()


def model_class_for_task(task: str, library: str = "transformers", model_type: str | None = None) -> str:
    """The import path of the class that loads `task` (e.g. `transformers.AutoModelForCTC`)."""
    from resolver.api import default_resolver

    return default_resolver().model_class_for_task(task, library=library, model_type=model_type)


def load_model(ref: Any, task: str | None = None, **kwargs: Any) -> Any:
    """Resolve `ref` and load it with the class the rules name (needs torch and the model's library).

    Resolve options (library, revision, subfolder, token, offline, cache_dir) and load options (dtype,
    device, trust_remote_code, anything the library's loader takes) may be mixed; see resolver.loading.
    """
    from resolver.api import load_model as _load_model

    return _load_model(ref, task=task, **kwargs)


def pipeline(ref: Any, task: str | None = None, **kwargs: Any) -> Any:
    """A ready-to-call object for `ref`: transformers.pipeline() for the resolved task and class, or the
    sentence-transformers / diffusers object; works for local folders and offline caches. Resolve, load
    (dtype, device, trust_remote_code) and pipeline() options may be mixed; see resolver.compat.pipeline.
    """
    from resolver.compat.pipeline import pipeline as _pipeline

    return _pipeline(ref, task, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "Resolver":
        from resolver.api import Resolver

        return Resolver
    if name == "Resolution":
        from resolver.engine.resolution import Resolution

        return Resolution
    if name == "Evidence":
        from resolver.evidence.model import Evidence

        return Evidence
    raise AttributeError(f"module 'resolver' has no attribute {name!r}")
