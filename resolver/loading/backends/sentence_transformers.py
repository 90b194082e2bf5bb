"""sentence-transformers: SentenceTransformer or CrossEncoder, as the resolution says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from resolver.loading.backends.transformers import TransformersBackend
from resolver.loading.base import Backend, LoadRequest, call_loader, remote_code_check
from resolver.loading.errors import LoadError

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


class SentenceTransformersBackend(Backend):
    """SentenceTransformer / CrossEncoder, constructed from the folder or repo id."""

    def load(self, resolution: Resolution, request: LoadRequest, rules: CompiledRules) -> Any:
        source = request.source
        cls = self.model_class(resolution, source, rules, request.trust_remote_code)
        if not source.local and source.subfolder:
            raise LoadError(
                f"{cls.__name__} cannot load a subfolder of a Hub repo ({source.name})",
                hint="download the repo (huggingface-cli download) and load the local subfolder",
            )
        config = source.read_json("config.json")
        if isinstance(config, Mapping):
            remote_code_check(TransformersBackend().remote_code_names(config, None), source, request.trust_remote_code)
        call: dict[str, Any] = dict(request.extra)
        options = source.hub_options
        for ours, theirs in (
            ("token", "token"),
            ("cache_dir", "cache_folder"),
            ("local_files_only", "local_files_only"),
        ):
            if ours in options:
                call[theirs] = options[ours]
        if source.revision:
            call["revision"] = source.revision
        if request.trust_remote_code is not None:
            call["trust_remote_code"] = request.trust_remote_code
        model_kwargs = dict(call.pop("model_kwargs", None) or {})
        if request.dtype is not None:
            model_kwargs[TransformersBackend.dtype_keyword()] = request.dtype
        if request.device_map is not None:
            model_kwargs["device_map"] = request.device_map
        elif request.device is not None:
            call["device"] = str(request.device)
        if model_kwargs:
            call["model_kwargs"] = model_kwargs
        location = str(source.root) if source.local else source.location
        return call_loader(cls, cls.__name__, source.name, location, **call)
