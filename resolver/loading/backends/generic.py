"""Any other library: the rules' loader, via from_pretrained when it has one, else called with the location."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolver.loading.base import Backend, LoadRequest, call_loader, place, torch_dtype

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


class GenericBackend(Backend):
    """Any other library: the rules' loader, via `from_pretrained` when it has one, else called with the location."""

    def load(self, resolution: Resolution, request: LoadRequest, rules: CompiledRules) -> Any:
        source = request.source
        loader = self.model_class(resolution, source, rules, request.trust_remote_code)
        if hasattr(loader, "from_pretrained"):
            call = request.pretrained_kwargs()
            if request.dtype is not None:
                call["torch_dtype"] = torch_dtype(request.dtype)
            model = call_loader(
                loader.from_pretrained, f"{loader.__name__}.from_pretrained", source.name, source.location, **call
            )
        else:
            location = str(source.root) if source.local else f"hf-hub:{source.name}"
            model = call_loader(
                loader, getattr(loader, "__name__", str(loader)), source.name, location, **request.extra
            )
        return place(model, request)
