"""timm: create_model with local-dir: or hf-hub: names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolver.loading.base import Backend, LoadRequest, call_loader, place, torch_dtype

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


class TimmBackend(Backend):
    """timm.create_model with `local-dir:PATH` or `hf-hub:REPO[@REVISION]`, pretrained weights."""

    def load(self, resolution: Resolution, request: LoadRequest, rules: CompiledRules) -> Any:
        source = request.source
        create = self.model_class(resolution, source, rules, request.trust_remote_code)
        if source.local:
            name = f"local-dir:{source.root}"
        else:
            name = f"hf-hub:{source.name}" + (f"@{source.revision}" if source.revision else "")
        call = {"pretrained": True, **request.extra}
        if source.hub_options.get("cache_dir") is not None:
            call["cache_dir"] = source.hub_options["cache_dir"]
        model = call_loader(create, "timm.create_model", source.name, name, **call)
        if request.dtype not in (None, "auto"):
            model = model.to(dtype=torch_dtype(request.dtype))
        return place(model, request)
