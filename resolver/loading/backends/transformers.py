"""transformers: auto classes (the one whose mapping lists the model type) and the custom classes of rules/tasks.yaml, loaded with from_pretrained."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from resolver.loading.base import Backend, LoadRequest, call_loader, loader_path, place, remote_code_check
from resolver.loading.errors import LoadError, MissingPackageError
from resolver.loading.imports import import_loader
from resolver.loading.source import Source
from resolver.support.versions import installed_version, requirement_state

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


def auto_map_of(config: Any) -> dict[str, Any]:
    auto_map = config.get("auto_map") if isinstance(config, Mapping) else None
    return dict(auto_map) if isinstance(auto_map, Mapping) else {}


def lists_model_type(auto_class: Any, model_type: str) -> bool | None:
    """Whether an auto class's mapping lists `model_type` (no class is imported); None for non-auto classes."""
    mapping = getattr(auto_class, "_model_mapping", None)
    if mapping is None:
        return None
    names = getattr(mapping, "_model_mapping", None)
    if isinstance(names, Mapping) and model_type in names:
        return True
    extra = getattr(mapping, "_extra_content", None) or {}
    return any(getattr(config_class, "model_type", None) == model_type for config_class in extra)


def native_model_type(model_type: Any) -> bool:
    """Whether the installed transformers has its own code for `model_type`."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return isinstance(model_type, str) and model_type in CONFIG_MAPPING_NAMES


class TransformersBackend(Backend):
    """Auto classes and the custom classes of rules/tasks.yaml, loaded with `from_pretrained`."""

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        read: dict[str, Mapping[str, Any]] = {}

        def config() -> Mapping[str, Any]:  # read only when needed: for a Hub repo it is a download
            if "config" not in read:
                data = source.read_json("config.json") if source else None
                read["config"] = data if isinstance(data, Mapping) else {}
            return read["config"]

        return self.choose(resolution, config, rules)

    def choose(self, resolution: Resolution, config: Callable[[], Mapping[str, Any]], rules: CompiledRules) -> Any:
        """The rules' class; for an auto class that does not list the model type, the task's one that does.

        A loader that cannot be imported falls back to the auto class the model's own `auto_map` registers.
        """
        path = resolution.loader
        try:
            cls = import_loader(path or loader_path(resolution), rules)
        except MissingPackageError:
            raise
        except LoadError:
            fallback = self._auto_map_loader(auto_map_of(config()), resolution.task, rules)
            if not fallback or fallback == path:
                raise
            cls = import_loader(fallback, rules)  # custom code: the auto class its auto_map registers
        model_type = resolution.model_type or config().get("model_type")
        if isinstance(model_type, str) and lists_model_type(cls, model_type) is False:
            cls = self._auto_class_listing(cls, resolution.task, model_type, rules)
        return cls

    @staticmethod
    def _auto_map_loader(auto_map: dict[str, Any], task: str, rules: CompiledRules) -> str | None:
        ranked = [(auto.task == task, auto.rank, name) for name in auto_map if (auto := rules.auto_classes.get(name))]
        if ranked:
            return f"transformers.{max(ranked)[2]}"
        return "transformers.AutoModel" if "AutoModel" in auto_map else None

    @staticmethod
    def _auto_class_listing(cls: Any, task: str, model_type: str, rules: CompiledRules) -> Any:
        task_def = rules.tasks.get(task)
        for entry in task_def.loaders.get("transformers", ()) if task_def else ():
            if requirement_state(entry.requires)[0] is False:
                continue
            try:
                other = import_loader(entry.import_path, rules)
            except LoadError:
                continue
            if other is not cls and lists_model_type(other, model_type):
                return other
        return cls  # no loader of the task lists it: from_pretrained will say why

    def remote_code_names(self, config: Mapping[str, Any], cls: Any) -> list[str] | None:
        """The auto_map entries when loading needs the model's own code, else None."""
        auto_map = auto_map_of(config)
        if not auto_map:
            return None
        model_type = config.get("model_type")
        if (
            isinstance(model_type, str)
            and native_model_type(model_type)
            and lists_model_type(cls, model_type) is not False
        ):
            return None  # transformers has its own class for it: the shipped code is not needed
        return sorted(auto_map)

    def load(self, resolution: Resolution, request: LoadRequest, rules: CompiledRules) -> Any:
        config = request.source.read_json("config.json")
        config = config if isinstance(config, Mapping) else {}
        cls = self.choose(resolution, lambda: config, rules)
        remote_code_check(self.remote_code_names(config, cls), request.source, request.trust_remote_code)
        call = request.pretrained_kwargs()
        if request.dtype is not None:
            call[self.dtype_keyword()] = request.dtype
        model = call_loader(
            cls.from_pretrained, f"{cls.__name__}.from_pretrained", request.source.name, request.source.location, **call
        )
        return place(model, request)

    @staticmethod
    def dtype_keyword() -> str:
        """`dtype` since transformers 4.56, `torch_dtype` before."""
        from packaging.version import Version

        version = installed_version("transformers")
        return "dtype" if version is None or Version(version) >= Version("4.56") else "torch_dtype"
