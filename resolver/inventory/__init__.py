"""Every loadable unit of a model: `inspect(ref)` lists the root model, its diffusers components, PEFT
adapters, sentence-transformers modules, ONNX / OpenVINO exports and GGUF files, each with its role,
task, library, framework, loader, size and quantization (docs/inspect.md).

The naming knowledge (ONNX roles and variant suffixes, llama.cpp's file types, quantization methods)
is data: rules of kind `units` (rules/units.yaml), compiled by resolver.rulebook.units.

One module per job: `unit` (the records), `listing` (files, sizes, documents, GGUF headers),
`exports` (ONNX / OpenVINO), `gguf_units`, `pipeline` (diffusers), `adapters` (PEFT), `modules`
(sentence-transformers), `assemble` (inspect itself).
"""

from __future__ import annotations

from typing import Any

from resolver.inventory.unit import Inventory, Unit

__all__ = ["Inventory", "Unit", "inspect"]


def inspect(ref: Any, **options: Any) -> Inventory:
    """Every part of `ref` (a folder, cached snapshot or Hub repo id) that loads on its own; see assemble.inspect."""
    from resolver.inventory.assemble import inspect as _inspect

    return _inspect(ref, **options)
