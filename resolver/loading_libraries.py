"""How each library turns a resolved model into a class and a loaded object.

One backend per library family (transformers, diffusers, sentence-transformers, timm) plus a generic
one for anything with `from_pretrained`. Which class to use is the rules' answer; a backend only adds
what a library needs at load time (the auto class whose mapping lists the model type, the pipeline
class named by model_index.json, timm's `local-dir:` / `hf-hub:` names). Imports happen inside calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .loading import LoadError, MissingPackageError, RemoteCodeError, Source, import_loader, import_module
from .versions import installed_version, requirement_state

if TYPE_CHECKING:
    from .compiled import CompiledRules
    from .resolution import Resolution

_FLAG_HINT = (
    "read the repository's .py files first; if you trust them, pass trust_remote_code=True "
    "(resolver.load_model(ref, trust_remote_code=True) or resolution.load(trust_remote_code=True))"
)


@dataclass
class LoadRequest:
    """What the caller asked for: where from, dtype, device, trust_remote_code, and extra loader keywords."""

    source: Source
    dtype: Any = None
    device: Any = None
    trust_remote_code: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def device_map(self) -> Any:
        """`device` when it asks for placement by the library ("auto" or a map), else None."""
        return self.device if self.device == "auto" or isinstance(self.device, Mapping) else None

    def pretrained_kwargs(self, *, subfolder: bool = True) -> dict[str, Any]:
        """Keywords every `from_pretrained` takes: revision, subfolder, Hub options, trust_remote_code if given."""
        call: dict[str, Any] = dict(self.source.hub_options)
        if self.source.revision:
            call["revision"] = self.source.revision
        if subfolder and self.source.subfolder:
            call["subfolder"] = self.source.subfolder
        if self.trust_remote_code is not None:
            call["trust_remote_code"] = self.trust_remote_code
        if self.device_map is not None:
            call["device_map"] = self.device_map
        call.update(self.extra)
        return call


# ------------------------------------------------------------------ shared helpers


def loader_path(resolution: Resolution) -> str:
    """The import path the rules chose, or a LoadError saying where to add one."""
    if resolution.loader:
        return resolution.loader
    raise LoadError(
        f"the rules name no loader for task {resolution.task!r} in library {resolution.library!r}",
        hint="add one under `loaders:` of the task in rules/tasks.yaml, or pass another task",
    )


def torch_dtype(value: Any) -> Any:
    """A torch dtype from a dtype or its name ("float16", "torch.bfloat16"); "auto" and None pass through."""
    if value is None or not isinstance(value, str) or value == "auto":
        return value
    torch = import_module("torch", f"dtype {value!r}")
    found = getattr(torch, value.removeprefix("torch."), None)
    if not isinstance(found, torch.dtype):
        raise LoadError(f"unknown dtype {value!r}", hint="use a torch dtype name such as float32, float16, bfloat16")
    return found


def call_loader(function: Callable[..., Any], what: str, target: str, *args: Any, **kwargs: Any) -> Any:
    """Call a library's loader; its errors become a LoadError (the original is chained as the cause)."""
    try:
        return function(*args, **kwargs)
    except LoadError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, AttributeError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "trust_remote_code" in str(exc):
            raise RemoteCodeError(f"{target} needs its own code to load: {text}", hint=_FLAG_HINT) from exc
        raise LoadError(
            f"{what} could not load {target}: {text}", hint="check the files of the model and the loader's keywords"
        ) from exc


def place(model: Any, request: LoadRequest) -> Any:
    """Move the loaded model to `device` unless the library placed it (device_map)."""
    if request.device is None or request.device_map is not None:
        return model
    try:
        moved = model.to(request.device)
    except (RuntimeError, AssertionError, ValueError, TypeError) as exc:
        raise LoadError(f"cannot move the model to {request.device!r}: {exc}") from exc
    return model if moved is None else moved


def remote_code_check(names: list[str] | None, source: Source, trust_remote_code: bool | None) -> None:
    """Refuse a model that ships its own code unless trust_remote_code=True was passed."""
    if not names or trust_remote_code is True:
        return
    refused = "; trust_remote_code=False forbids running it" if trust_remote_code is False else ""
    raise RemoteCodeError(
        f"{source.name} ships its own model code (auto_map: {', '.join(names)}){refused}. "
        "Loading it runs that Python code on this machine, with your permissions",
        hint=_FLAG_HINT,
    )


# ------------------------------------------------------------------ transformers


def _auto_map(config: Any) -> dict[str, Any]:
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


class TransformersBackend:
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
            cls = import_loader(path or loader_path(resolution))
        except MissingPackageError:
            raise
        except LoadError:
            fallback = self._auto_map_loader(_auto_map(config()), resolution.task, rules)
            if not fallback or fallback == path:
                raise
            cls = import_loader(fallback)  # custom code: the auto class its auto_map registers
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
                other = import_loader(entry.import_path)
            except LoadError:
                continue
            if other is not cls and lists_model_type(other, model_type):
                return other
        return cls  # no loader of the task lists it: from_pretrained will say why

    def remote_code_names(self, config: Mapping[str, Any], cls: Any) -> list[str] | None:
        """The auto_map entries when loading needs the model's own code, else None."""
        auto_map = _auto_map(config)
        if not auto_map:
            return None
        model_type = config.get("model_type")
        if native_model_type(model_type) and lists_model_type(cls, model_type) is not False:
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


# ------------------------------------------------------------------ diffusers


class DiffusersBackend:
    """The pipeline (or component) class named by model_index.json / config.json, else the task's AutoPipeline."""

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        name, origin = self._class_name(source)
        if name is None:
            return import_loader(loader_path(resolution))
        diffusers = import_module("diffusers", f"{origin} ({name})")
        if isinstance(name, str) and hasattr(diffusers, name):
            return getattr(diffusers, name)
        if trust_remote_code:
            return import_loader(resolution.loader or "diffusers.DiffusionPipeline")
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


# ------------------------------------------------------------------ sentence-transformers


class SentenceTransformersBackend:
    """SentenceTransformer / CrossEncoder, constructed from the folder or repo id."""

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        return import_loader(loader_path(resolution))

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


# ------------------------------------------------------------------ timm and anything else


class TimmBackend:
    """timm.create_model with `local-dir:PATH` or `hf-hub:REPO[@REVISION]`, pretrained weights."""

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        return import_loader(loader_path(resolution))

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


class GenericBackend:
    """Any other library: the rules' loader, via `from_pretrained` when it has one, else called with the location."""

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        return import_loader(loader_path(resolution))

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


_BACKENDS: dict[str, Any] = {
    "transformers": TransformersBackend(),
    "diffusers": DiffusersBackend(),
    "sentence_transformers": SentenceTransformersBackend(),
    "timm": TimmBackend(),
}


def backend_for(resolution: Resolution) -> Any:
    """The backend of the loader's package (else of the resolved library)."""
    package = resolution.loader.split(".")[0] if resolution.loader else resolution.library
    return _BACKENDS.get(package or "", GenericBackend())
