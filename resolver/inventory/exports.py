"""Exported copies: each ONNX graph and OpenVINO IR, with its role, variant and external data."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from resolver.inventory.listing import Listing
from resolver.inventory.unit import Unit
from resolver.rulebook.units import Quantization, UnitRules

# an owner folder -> (task, library) of the model it is an export of
Owner = Callable[[str], tuple[str | None, str | None]]


def owner_folder(index: UnitRules, export: str, path: str) -> str:
    """The folder of the model a file exports: its own folder, or the one above an `onnx/` folder."""
    folder = posixpath.dirname(path)
    name = posixpath.basename(folder)
    if name in index.exports[export].folders:
        return posixpath.dirname(folder)
    return folder


def find_exports(index: UnitRules, listing: Listing, owner: Owner) -> list[Unit]:
    """One unit per exported graph (its data files counted in its size), sorted by path."""
    units = []
    files = sorted(listing.files)
    for path in files:
        match = index.export_of(path)
        if match is None:
            continue
        spec = index.kinds.get(match.export)
        data = index.data_files(match.export, path, files)
        role = index.exports[match.export].roles.get(match.role or "")
        own_task = role.own_task if role is not None else True
        task, library = owner(owner_folder(index, match.export, path)) if own_task else (None, None)
        loader = spec.loader if spec else None
        if role is not None and role.has_loader:
            loader = role.loader
        variant = match.variant
        quantization = None
        if variant is not None and variant.quantized:
            quantization = Quantization(match.export, variant.name, None, "filename", variant.where)
        elif own_task:  # a document beside the graph may declare one (openvino_config.json)
            quantization = index.declared_quantization(_beside(index, listing, path, match.export), match.export)
        notes: tuple[str, ...] = ()
        if match.role is None:
            notes = (f"no {match.export} role in the rules matches the name {posixpath.basename(path)!r}",)
        unit_files = (path, *data)
        units.append(
            Unit(
                path=path,
                kind=match.export,
                role=match.role,
                task=task,
                library=library,
                framework=spec.framework if spec else match.export,
                loader=loader,
                size=listing.size_of(unit_files),
                files=unit_files,
                quantization=quantization,
                variant=variant.name if variant else None,
                where=match.where,
                notes=notes,
            )
        )
    return units


def _beside(index: UnitRules, listing: Listing, path: str, export: str) -> dict[str, object]:
    """The declaring documents in the folder of an exported file, read only when the rules name them for its kind."""
    folder = posixpath.dirname(path)
    found = {}
    for name, spec in index.declared.items():
        full = posixpath.join(folder, name)
        if export in spec.units and full in listing.files:
            found[name] = listing.document(full)
    return found


def claimed(units: list[Unit]) -> set[str]:
    """Every file the units hold."""
    return {path for unit in units for path in unit.files}
