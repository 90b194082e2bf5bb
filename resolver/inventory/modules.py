"""sentence-transformers modules (modules.json): each module's idx, name, path and type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resolver.inventory.listing import Listing
from resolver.inventory.unit import Unit

MODULES = "modules.json"


def find_modules(listing: Listing, task: str | None, library: str | None, framework_of: Any) -> list[Unit]:
    """One unit per module the root's modules.json lists; `framework_of(files)` names the framework of a module's files."""
    modules = listing.document(MODULES)
    if not isinstance(modules, list):
        return []
    units = []
    for position, module in enumerate(modules):
        if not isinstance(module, Mapping):
            continue
        path = module.get("path")
        path = path.strip("/") if isinstance(path, str) else ""
        kind_of = module.get("type")
        class_name = kind_of if isinstance(kind_of, str) else None
        if path:
            files = tuple(listing.under(path))
        else:  # the first module (Transformer) is the root's own files
            files = tuple(sorted(p for p in listing.files if "/" not in p))
        notes = () if files or not path else (f"modules.json names {path}/, which is not there",)
        units.append(
            Unit(
                path=path or ".",
                kind="module",
                role=class_name.rsplit(".", 1)[-1] if class_name else None,
                task=task,
                library=library,
                framework=framework_of(files),
                loader=class_name,
                size=listing.size_of(files) if files else None,
                files=files,
                class_name=class_name,
                details={"idx": module.get("idx", position), "name": module.get("name")},
                notes=notes,
            )
        )
    return units
