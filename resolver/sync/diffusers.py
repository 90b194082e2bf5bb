"""diffusers pipeline class -> task, from the installed diffusers' auto-pipeline mappings.

Which mapping means which task, and in what order they are walked, is data: the `diffusers:` list
of rules/auto_mappings.yaml. `task-resolver sync` (resolver/sync.py) calls `pipeline_tasks()` and
writes the result to rules/pipelines.generated.yaml, an architecture table the `diffusers-pipeline`
layout reads through the class named by model_index.json. Imports diffusers: a dev-time tool only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from resolver.errors import EvidenceError

MODULE = "diffusers.pipelines.auto_pipeline"


def mapping_order(rules_dir: Path | None = None) -> list[dict[str, Any]]:
    """The `diffusers:` entries ({mapping, task}) of auto_mappings.yaml, in order."""
    from resolver.rulebook.yaml_source import load_yaml_file
    from resolver.support.paths import shipped_rules_dir

    path = (rules_dir or shipped_rules_dir()) / "auto_mappings.yaml"
    data, _ = load_yaml_file(path)
    entries = data.get("diffusers") if isinstance(data, dict) else None
    return [dict(entry) for entry in entries or () if isinstance(entry, dict)]


def pipeline_tasks(order: Sequence[Mapping[str, Any]] | None = None) -> dict[str, str]:
    """{pipeline class name: task}: every class of every mapping in `order`; a later mapping wins."""
    try:
        from importlib import import_module

        module = import_module(MODULE)
    except ImportError:
        raise EvidenceError(
            "diffusers is not installed, so there are no auto-pipeline mappings to read",
            hint="pip install diffusers and run again",
        ) from None
    table: dict[str, str] = {}
    for entry in mapping_order() if order is None else order:
        mapping = getattr(module, entry["mapping"], None)
        if not isinstance(mapping, Mapping):
            continue  # absent from this diffusers release
        for pipeline in mapping.values():
            name = getattr(pipeline, "__name__", pipeline)
            if isinstance(name, str):
                table.pop(name, None)
                table[name] = entry["task"]
    return dict(sorted(table.items()))


def missing_mappings(order: Sequence[Mapping[str, Any]] | None = None) -> list[str]:
    """Mappings named in the rules that the installed diffusers does not have (renamed or removed)."""
    from importlib import import_module

    module = import_module(MODULE)
    entries = mapping_order() if order is None else order
    return [entry["mapping"] for entry in entries if not isinstance(getattr(module, entry["mapping"], None), Mapping)]
