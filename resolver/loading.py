"""From a Resolution to a model class and a loaded model: the only part of the package that imports ML libraries.

Every heavy import (torch, transformers, diffusers, sentence-transformers, timm) happens inside these
functions, so `import resolver` and `resolve()` stay light. The class comes from the rules (the
resolution's `loader`); the library-specific details live in `loading_libraries`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TaskResolverError
from .evidence import read_json_document
from .hubref import looks_like_repo_id

if TYPE_CHECKING:
    from .api import Resolver
    from .compiled import CompiledRules
    from .resolution import Resolution

# Options of resolve() that load_model() forwards there; the rest go to the loader.
RESOLVE_OPTIONS = ("library", "revision", "subfolder", "token", "offline", "cache_dir")
# This package's own extras (pyproject.toml), for the install hint of a missing package.
_EXTRAS = {"torch": "load", "transformers": "load", "safetensors": "load"}
_TORCH_HINT = (
    "install the CPU build of torch first (pip install torch --index-url https://download.pytorch.org/whl/cpu), "
    "then pip install 'task-resolver[load]'"
)


class LoadError(TaskResolverError):
    """A model that resolved but cannot be loaded as asked: no loader, a missing class, a failed from_pretrained."""


class MissingPackageError(LoadError, ImportError):
    """The library that loads the model is not installed; names the package (and extra) to install."""

    def __init__(self, package: str, needed_for: str, *, hint: str | None = None) -> None:
        self.package = package
        super().__init__(
            f"{needed_for} needs the package {package!r}, which is not installed", hint=hint or install_hint(package)
        )


class RemoteCodeError(LoadError):
    """A model that ships its own Python code, loaded without trust_remote_code=True."""


def install_hint(package: str, rules: CompiledRules | None = None) -> str:
    """How to install `package` (a module root such as `sentence_transformers`): the pip name and our extra."""
    if package == "torch":
        return _TORCH_HINT
    if package in _EXTRAS:
        return f"pip install 'task-resolver[{_EXTRAS[package]}]' (or pip install {package})"
    library = (rules or _rules()).libraries.get(package)
    return f"pip install {library.package if library and library.package else package}"


# ------------------------------------------------------------------ importing


def import_module(module_name: str, needed_for: str | None = None) -> Any:
    """Import a module; a missing package is a MissingPackageError naming what to install."""
    root = module_name.split(".")[0]
    needed_for = needed_for or module_name
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = (exc.name or root).split(".")[0]
        if missing == root or importlib.util.find_spec(missing) is None:
            raise MissingPackageError(missing, needed_for) from None
        raise LoadError(f"importing {module_name} for {needed_for} failed: {exc}") from exc
    except ImportError as exc:
        raise LoadError(
            f"importing {module_name} for {needed_for} failed: {exc}",
            hint=f"reinstall or upgrade it: {install_hint(root)}",
        ) from exc


def import_loader(path: str) -> Any:
    """Import `module.attr` (e.g. `transformers.AutoModelForCTC`), with a typed error naming what to install."""
    if not isinstance(path, str) or "." not in path.strip("."):
        raise LoadError(
            f"{path!r} is not an import path", hint="write it as module.attribute, e.g. transformers.AutoModel"
        )
    module_name, _, attr = path.rpartition(".")
    root = module_name.split(".")[0]
    module = import_module(module_name, path)
    try:
        return getattr(module, attr)
    except AttributeError:
        pass
    except ImportError as exc:  # lazy modules (transformers) import the class's own dependencies here
        if importlib.util.find_spec("torch") is None:
            raise MissingPackageError("torch", path) from None
        raise LoadError(f"importing {path} failed: {exc}") from exc
    from .versions import installed_version

    library = _rules().libraries.get(root)
    distribution = library.package if library and library.package else root
    version = installed_version(distribution)
    shown = f"{module_name} {version}" if version else module_name
    raise LoadError(
        f"{shown} has no {attr!r} (needed: {path})",
        hint=f"upgrade it (pip install -U {distribution}), or change the loader in the rules (task-resolver explain REF)",
    )


# ------------------------------------------------------------------ where the model lives


@dataclass
class Source:
    """Where to load from: a local folder or a Hub repo id, plus subfolder, revision and Hub options."""

    location: str
    local: bool
    subfolder: str | None = None
    revision: str | None = None
    hub_options: dict[str, Any] = field(default_factory=dict)  # token, cache_dir, local_files_only

    @property
    def root(self) -> Path:
        """The local folder that holds the model's files (the subfolder, when there is one)."""
        base = Path(self.location)
        return base / self.subfolder if self.subfolder else base

    @property
    def name(self) -> str:
        return f"{self.location}/{self.subfolder}" if self.subfolder else self.location

    def read_json(self, name: str) -> Any:
        """A JSON file of the model (`config.json`, `model_index.json`), or None when it has none."""
        if self.local:
            path = self.root / name
            return read_json_document(path, str(path)) if path.is_file() else None
        return self._read_hub_json(name)

    def _read_hub_json(self, name: str) -> Any:
        import json

        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

        try:
            file = hf_hub_download(
                self.location, name, subfolder=self.subfolder or None, revision=self.revision, **self.hub_options
            )
        except LocalEntryNotFoundError:
            return None  # offline and not cached: the library's own loader reports it
        except EntryNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LoadError(f"cannot read {name} of {self.name}: {exc}") from exc
        try:
            return json.loads(Path(file).read_text(encoding="utf-8-sig"))
        except ValueError as exc:
            raise LoadError(f"{name} of {self.name} is not valid JSON: {exc}") from exc


def source_of(
    resolution: Resolution,
    *,
    revision: str | None = None,
    subfolder: str | None = None,
    hub_options: dict[str, Any] | None = None,
) -> Source:
    """Where the resolved model's files are; a LoadError for resolutions of objects already in memory."""
    ref = resolution.ref
    if resolution.source in ("object", "class") or not ref:
        what = "a model already in memory" if resolution.source == "object" else "a class, not a saved model"
        raise LoadError(
            f"nothing to load: this resolution describes {what if ref else 'evidence with no reference'}",
            hint="load from a folder or a Hub repo id: resolver.load_model(path_or_repo_id)",
        )
    subfolder = subfolder if subfolder is not None else resolution.subfolder
    revision = revision if revision is not None else resolution.revision
    path = Path(ref).expanduser()
    if path.is_dir():
        return Source(str(path), True, subfolder or None, revision, dict(hub_options or {}))
    if looks_like_repo_id(ref):
        return Source(ref, False, subfolder or None, revision, dict(hub_options or {}))
    raise LoadError(f"cannot load {ref}: no such folder", hint="pass an existing model folder or a Hub repo id")


# ------------------------------------------------------------------ the public calls


def _rules() -> CompiledRules:
    from .api import default_resolver

    return default_resolver().rules


def model_class(
    resolution: Resolution, *, trust_remote_code: bool | None = None, rules: CompiledRules | None = None
) -> Any:
    """Import and return the class (or factory function) that loads the resolved model."""
    from .loading_libraries import backend_for

    rules = rules or _rules()
    backend = backend_for(resolution)
    source = _source_or_none(resolution)
    return backend.model_class(resolution, source, rules, trust_remote_code)


def _source_or_none(resolution: Resolution) -> Source | None:
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
    from .loading_libraries import LoadRequest, backend_for

    if "torch_dtype" in kwargs and dtype is None:
        dtype = kwargs.pop("torch_dtype")
    hub_options = {key: kwargs.pop(key) for key in ("token", "cache_dir", "local_files_only") if key in kwargs}
    if hub_options.get("cache_dir") is not None:
        hub_options["cache_dir"] = os.fspath(hub_options["cache_dir"])
    source = source_of(resolution, revision=revision, subfolder=subfolder, hub_options=hub_options)
    request = LoadRequest(source, dtype, device, trust_remote_code, kwargs)
    return backend_for(resolution).load(resolution, request, rules or _rules())


def load_model(ref: Any, task: str | None = None, *, resolver: Resolver | None = None, **kwargs: Any) -> Any:
    """Resolve `ref` (folder or Hub repo id) and load it; resolve options and load options may be mixed."""
    from .api import default_resolver

    resolver = resolver or default_resolver()
    options = {key: kwargs[key] for key in RESOLVE_OPTIONS if key in kwargs}
    resolution = resolver.resolve(ref, task=task, **options)
    load_kwargs = {key: value for key, value in kwargs.items() if key not in ("library", "offline")}
    if options.get("offline"):
        load_kwargs.setdefault("local_files_only", True)
    return load(resolution, rules=resolver.rules, **load_kwargs)


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
