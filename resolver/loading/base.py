"""What every library backend shares: the load request, the Backend protocol, and the helpers that place, cast and guard a model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resolver.loading.errors import LoadError, RemoteCodeError
from resolver.loading.imports import import_module
from resolver.loading.source import Source

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution
    from resolver.rulebook.compiled import CompiledRules


REMOTE_CODE_HINT = (
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
            raise RemoteCodeError(f"{target} needs its own code to load: {text}", hint=REMOTE_CODE_HINT) from exc
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
        hint=REMOTE_CODE_HINT,
    )


class Backend:
    """What a library backend does: name the class that loads a resolution, and load it.

    The default `model_class` imports the rules' loader (`resolution.loader`); a backend overrides
    it only where its library needs more (an auto class chosen by model type, a pipeline's own class).
    """

    def model_class(
        self, resolution: Resolution, source: Source | None, rules: CompiledRules, trust_remote_code: bool | None
    ) -> Any:
        from resolver.loading.imports import import_loader

        return import_loader(loader_path(resolution), rules)

    def load(self, resolution: Resolution, request: LoadRequest, rules: CompiledRules) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not load models")
