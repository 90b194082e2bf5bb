"""The records `inspect` returns: one `Unit` per part of a model that loads on its own, in an `Inventory`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resolver.rulebook.units import Quantization

# kinds of unit, in the order an inventory lists them
KINDS = ("model", "component", "adapter", "module", "onnx", "openvino", "gguf")


@dataclass(frozen=True)
class Unit:
    """One thing that can be loaded on its own.

    `path`: the folder (`.` for the root; `unet`, `1_Pooling`) or the file (`onnx/model_q4.onnx`, the
    first part of a split GGUF) relative to the model root. `kind`: model (the root), component (of a
    diffusers pipeline), adapter (PEFT), module (sentence-transformers), onnx, openvino, gguf. `role`:
    what it is within the model (encoder, merged-decoder, mmproj, unet, Pooling, ...; None: no rule
    knows the file's name). `task`, `library`, `framework`, `loader` as in a Resolution, where they
    apply (a tokenizer has no task). `size`: bytes of `files` (external data and split parts included),
    None when a size is unknown. `quantization`: declared (config.json, quantize_config.json), read
    from a GGUF header or its file name, or given by an ONNX variant suffix; `variant`: that suffix's
    name (q4f16, fp16, optimized ...). `class_name`: the class the model files name (a diffusers
    component's, a sentence-transformers module's type). `where`: the rule (file:line) that named the role.
    """

    path: str
    kind: str
    role: str | None = None
    task: str | None = None
    library: str | None = None
    framework: str | None = None
    loader: str | None = None
    size: int | None = None
    files: tuple[str, ...] = ()
    quantization: Quantization | None = None
    variant: str | None = None
    class_name: str | None = None
    base_model: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    where: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "path": self.path,
            "kind": self.kind,
            "role": self.role,
            "task": self.task,
            "library": self.library,
            "framework": self.framework,
            "loader": self.loader,
            "size": self.size,
            "files": list(self.files),
            "quantization": self.quantization.to_dict() if self.quantization else None,
            "variant": self.variant,
            "class_name": self.class_name,
            "base_model": self.base_model,
            "details": dict(self.details),
            "where": self.where,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Inventory:
    """Every loadable unit of one model reference. `root` is the root model's Resolution (None when the
    root is no model of its own, e.g. a folder of GGUF files only); `source`: folder, hub or cache."""

    ref: str
    source: str
    units: tuple[Unit, ...]
    revision: str | None = None
    root: Any = None  # Resolution | None
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Any:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def of_kind(self, kind: str) -> list[Unit]:
        return [unit for unit in self.units if unit.kind == kind]

    def unit(self, path: str) -> Unit:
        """The unit at `path`; KeyError when there is none."""
        for unit in self.units:
            if unit.path == path:
                return unit
        raise KeyError(path)

    def counts(self) -> dict[str, int]:
        """Units per kind."""
        found = Counter(unit.kind for unit in self.units)
        return {kind: found[kind] for kind in KINDS if found[kind]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "source": self.source,
            "revision": self.revision,
            "counts": self.counts(),
            "units": [unit.to_dict() for unit in self.units],
            "notes": list(self.notes),
        }
