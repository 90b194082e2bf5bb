"""PEFT adapters: every adapter_config.json (at the root or in a subfolder) with its base model."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import Any

from resolver.inventory.listing import Listing
from resolver.inventory.unit import Unit
from resolver.rulebook.units import UnitRules

ADAPTER_CONFIG = "adapter_config.json"

Resolve = Callable[[str], Any]


def adapter_folders(listing: Listing) -> list[str]:
    """The folders ("" for the root) that hold an adapter_config.json."""
    return sorted(posixpath.dirname(path) for path in listing.files if posixpath.basename(path) == ADAPTER_CONFIG)


def adapter_facts(config: Any) -> tuple[str | None, str | None, dict[str, Any]]:
    """(role, base model, details) of an adapter_config.json: its peft_type, base_model_name_or_path, task_type, r."""
    if not isinstance(config, Mapping):
        return None, None, {}
    peft_type = config.get("peft_type")
    base = config.get("base_model_name_or_path")
    details = {key: config[key] for key in ("task_type", "r", "lora_alpha") if isinstance(config.get(key), (str, int))}
    role = peft_type.lower().replace("_", "-") if isinstance(peft_type, str) else None
    return role, base if isinstance(base, str) and base else None, details


def find_adapters(index: UnitRules, listing: Listing, resolve: Resolve) -> list[Unit]:
    """One unit per adapter in a subfolder (an adapter at the root is the root unit itself)."""
    units = []
    for folder in adapter_folders(listing):
        if not folder:
            continue
        config = listing.document(f"{folder}/{ADAPTER_CONFIG}")
        role, base, details = adapter_facts(config)
        resolution = resolve(folder)
        files = tuple(listing.under(folder))
        units.append(
            Unit(
                path=folder,
                kind="adapter",
                role=role or "adapter",
                task=resolution.task if resolution is not None else None,
                library=resolution.library if resolution is not None else "peft",
                framework=resolution.framework if resolution is not None else None,
                loader=resolution.loader if resolution is not None else None,
                size=listing.size_of(files),
                files=files,
                quantization=index.declared_quantization(
                    {"config.json": listing.document(f"{folder}/config.json")}, "adapter"
                ),
                base_model=base or (resolution.base_model if resolution is not None else None),
                details=details,
                where=resolution.where if resolution is not None else None,
            )
        )
    return units
