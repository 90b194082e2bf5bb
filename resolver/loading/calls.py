"""From a Resolution to a model class and a loaded model: the only part of the package that imports ML libraries. Every heavy import happens inside these functions, so import resolver and resolve() stay light. The class comes from the rules (the resolution's loader); the library-specific details live in the backends."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from resolver.loading.errors import LoadError
from resolver.loading.source import Source, source_of

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


def rules_for(resolution: Resolution, rules: CompiledRules | None = None) -> CompiledRules:
    """The rules to load with: those given, else those the resolution was made with."""
    chosen = rules if rules is not None else getattr(resolution, "rules", None)
    if chosen is None:
        raise LoadError(
            "this Resolution carries no rules to load it with",
            hint="pass rules= (e.g. resolver.Resolver().rules), or load a Resolution that resolve() returned",
        )
    return chosen


def model_class(
    resolution: Resolution, *, trust_remote_code: bool | None = None, rules: CompiledRules | None = None
) -> Any:
    """Import and return the class (or factory function) that loads the resolved model."""
    from resolver.loading.registry import backend_for

    rules = rules_for(resolution, rules)
    backend = backend_for(resolution)
    source = source_or_none(resolution)
    return backend.model_class(resolution, source, rules, trust_remote_code)


def source_or_none(resolution: Resolution) -> Source | None:
    try:
        return source_of(resolution)
    except LoadError:
        return None  # a class can be named without any files (e.g. resolutions of evidence dicts)


def load(
    resolution: Resolution,
    *,
    dtype: Any = None,
    device: Any = None,
    revision: str | None = None,
    subfolder: str | None = None,
    trust_remote_code: bool | None = None,
    rules: CompiledRules | None = None,
    **kwargs: Any,
) -> Any:
    """Load the resolved model with its class: `from_pretrained` (or the library's factory) then `.to(device)`.

    `dtype` is a torch dtype or its name ("float16", "auto"); `device` a device string, "auto" or a
    device map; `trust_remote_code` is passed on only when given. Other keywords go to the loader.
    """
    from resolver.loading.base import LoadRequest
    from resolver.loading.registry import backend_for

    if "torch_dtype" in kwargs and dtype is None:
        dtype = kwargs.pop("torch_dtype")
    hub_options: dict[str, Any] = {
        key: kwargs.pop(key) for key in ("token", "cache_dir", "local_files_only") if key in kwargs
    }
    if hub_options.get("cache_dir") is not None:
        hub_options["cache_dir"] = os.fspath(hub_options["cache_dir"])
    source = source_of(resolution, revision=revision, subfolder=subfolder, hub_options=hub_options)
    request = LoadRequest(source, dtype, device, trust_remote_code, kwargs)
    return backend_for(resolution).load(resolution, request, rules_for(resolution, rules))


def count_parameters(model: Any) -> int:
    """Parameters of a torch module, or of every module of a pipeline (diffusers), each counted once."""
    modules = [model]
    components = getattr(model, "components", None)
    if isinstance(components, dict) and not callable(getattr(model, "parameters", None)):
        modules = list(components.values())
    seen: set[int] = set()
    total = 0
    for module in modules:
        parameters = getattr(module, "parameters", None)
        if not callable(parameters):
            continue
        for parameter in parameters():
            if id(parameter) not in seen:
                seen.add(id(parameter))
                total += parameter.numel()
    return total


def describe_loaded(resolution: Resolution, **kwargs: Any) -> dict[str, Any]:
    """Load the model and say what came out: its qualified class name and parameter count (for --load)."""
    model = load(resolution, **kwargs)
    cls = type(model)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "parameters": count_parameters(model)}
