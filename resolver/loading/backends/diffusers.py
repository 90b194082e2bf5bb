"""diffusers: the pipeline class model_index.json names, or a component's own class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from resolver.loading.base import Backend, LoadRequest, call_loader, loader_path, place, torch_dtype
from resolver.loading.errors import LoadError
from resolver.loading.imports import import_loader, import_module
from resolver.loading.source import Source
from resolver.support.versions import installed_version

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


class DiffusersBackend(Backend):
    """The pipeline (or component) class named by model_index.json / config.json, else the task's AutoPipeline."""

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        name, origin = self._class_name(source)
        if name is None:
            return import_loader(loader_path(resolution), rules)
        diffusers = import_module("diffusers", f"{origin} ({name})", rules)
        if isinstance(name, str) and hasattr(diffusers, name):
            return getattr(diffusers, name)
        if trust_remote_code:
            return import_loader(resolution.loader or "diffusers.DiffusionPipeline", rules)
        version = installed_version("diffusers")
        raise LoadError(
            f"{origin} names the class {name!r}, which diffusers {version} does not have",
            hint="upgrade diffusers (pip install -U diffusers); if the repository ships its own pipeline code, "
            "review it and pass trust_remote_code=True",
        )

    @staticmethod
    def dtype_keyword() -> str:
        """`dtype` in diffusers releases that deprecate `torch_dtype` (they have `_resolve_dtype`), else `torch_dtype`."""
        from diffusers.utils import deprecation_utils

        return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"

    @staticmethod
    def _class_name(source: Source | None) -> tuple[Any, str | None]:
        if source is None:
            return None, None
        for document in ("model_index.json", "config.json"):
            data = source.read_json(document)
            name = data.get("_class_name") if isinstance(data, Mapping) else None
            if name:
                return name, f"{source.name}/{document}"
        return None, None

    def load(self, resolution: Resolution, request: LoadRequest, rules: CompiledRules) -> Any:
        source = request.source
        cls = self.model_class(resolution, source, rules, request.trust_remote_code)
        call = request.pretrained_kwargs(subfolder=not source.local)
        if request.dtype is not None:
            call[self.dtype_keyword()] = torch_dtype(request.dtype)
        location = str(source.root) if source.local else source.location
        model = call_loader(cls.from_pretrained, f"{cls.__name__}.from_pretrained", source.name, location, **call)
        return place(model, request)
