"""The components of a diffusers pipeline (model_index.json): each with its class and library, the
models among them resolved as a subfolder (so their task is the pipeline's and their loader their own class)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from resolver.inventory.listing import Listing
from resolver.inventory.unit import Unit
from resolver.rulebook.units import UnitRules

MODEL_INDEX = "model_index.json"
CONFIG = "config.json"

Resolve = Callable[[str], Any]  # a subfolder -> its Resolution, or None (a note says why)


def components(model_index: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(name, library, class) of every component model_index.json names (a null entry is an absent one)."""
    found = []
    for name, value in model_index.items():
        if name.startswith("_") or not isinstance(value, list) or len(value) != 2:
            continue
        library, class_name = value
        if isinstance(library, str) and isinstance(class_name, str):
            found.append((name, library, class_name))
    return sorted(found)


def find_components(index: UnitRules, listing: Listing, resolve: Resolve) -> list[Unit]:
    """One unit per component of the root's pipeline; none when the root has no model_index.json."""
    model_index = listing.document(MODEL_INDEX)
    if not isinstance(model_index, Mapping):
        return []
    units = []
    for name, library, class_name in components(model_index):
        files = tuple(listing.under(name))
        notes: list[str] = []
        if not files:
            notes.append(f"model_index.json names {name} ({library}.{class_name}), but the folder {name}/ is not there")
        resolution = resolve(name) if f"{name}/{CONFIG}" in listing.files else None
        quantization = None
        if resolution is not None:
            quantization = index.declared_quantization({CONFIG: listing.document(f"{name}/{CONFIG}")}, "component")
        units.append(
            Unit(
                path=name,
                kind="component",
                role=name,
                task=resolution.task if resolution is not None else None,
                library=resolution.library if resolution is not None else library,
                framework=resolution.framework if resolution is not None else None,
                loader=resolution.loader if resolution is not None and resolution.loader else f"{library}.{class_name}",
                size=listing.size_of(files) if files else None,
                files=files,
                quantization=quantization,
                class_name=class_name,
                details={"library": library},
                where=resolution.where if resolution is not None else None,
                notes=tuple(notes),
            )
        )
    return units
