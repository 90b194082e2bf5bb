"""`inspect(ref)`: the root model's Resolution, then every other unit the finders see, in one Inventory."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from typing import Any

from resolver.api import Resolver, default_resolver
from resolver.conditions.language import Facts
from resolver.engine.resolution import Resolution
from resolver.errors import EvidenceError, TaskResolverError
from resolver.inventory.adapters import ADAPTER_CONFIG, adapter_facts, find_adapters
from resolver.inventory.exports import claimed, find_exports
from resolver.inventory.gguf_units import find_gguf
from resolver.inventory.listing import Listing, folder_listing, hub_listing, not_a_model
from resolver.inventory.modules import find_modules
from resolver.inventory.pipeline import MODEL_INDEX, find_components
from resolver.inventory.unit import KINDS, Inventory, Unit
from resolver.rulebook.units import UnitRules, unit_rules

# files at the root that make it a model of its own (besides weights the frameworks rules see)
ROOT_MARKERS = ("config.json", MODEL_INDEX, ADAPTER_CONFIG, "modules.json")


def inspect(
    ref: str | os.PathLike,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    offline: bool | None = None,
    cache_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
    resolver: Resolver | None = None,
) -> Inventory:
    """Every part of a model that loads on its own: the root model, its diffusers components, PEFT
    adapters, sentence-transformers modules, ONNX / OpenVINO exports and GGUF files.

    `ref`: a folder, an HF cache snapshot or a Hub repo id (`revision`, `token`, `offline`,
    `cache_dir`, `timeout` as for resolve). Raises EvidenceError (or a Hub error) when the reference
    cannot be read, and when nothing in it loads.
    """
    resolver = resolver or default_resolver()
    if not isinstance(ref, (str, os.PathLike)):
        raise EvidenceError(
            f"inspect reads a model's files: {type(ref).__name__} is not a folder or a repo id",
            hint="pass a model folder, a cached snapshot or a Hub repo id; resolve() takes objects and classes",
        )
    options: dict[str, Any] = {
        "revision": revision,
        "token": token,
        "offline": offline,
        "cache_dir": cache_dir,
        "timeout": timeout,
    }
    evidence = resolver.evidence(ref, **options)
    local = evidence.source == "folder"
    if local:
        listing = folder_listing(evidence)
    else:
        listing = hub_listing(evidence, token=token, offline=offline, cache_dir=cache_dir, timeout=timeout)
    shown = str(evidence.ref if local else ref)
    notes: list[str] = list(evidence.notes)
    index = unit_rules(resolver.rules)

    root: Resolution | None
    root_error: TaskResolverError | None = None
    try:
        root = resolver.resolve_evidence(evidence)
    except TaskResolverError as error:
        root, root_error = None, error
        notes.append(f"the root is no model of its own: {error.message}")

    def resolve(subfolder: str) -> Resolution | None:
        try:
            if local:
                return resolver.resolve(evidence.ref, subfolder=subfolder)
            return resolver.resolve(
                str(evidence.ref), subfolder=subfolder, **{**options, "revision": evidence.revision or revision}
            )
        except TaskResolverError as error:
            notes.append(f"{subfolder}: not resolved: {error.message}")
            return None

    task = root.task if root is not None else None
    library = root.library if root is not None else None
    components = find_components(index, listing, resolve)
    by_folder = {unit.path: unit for unit in components}

    def owner(folder: str) -> tuple[str | None, str | None]:
        unit = by_folder.get(folder.split("/", 1)[0]) if folder else None
        if unit is not None:
            return unit.task or task, unit.library
        return task, library

    exports = find_exports(index, listing, owner)
    gguf = find_gguf(index, listing, task)
    adapters = find_adapters(index, listing, resolve)
    modules = find_modules(listing, task, library, lambda files: framework_of(resolver.rules, files))
    units: list[Unit] = components + adapters + modules + exports + gguf
    # the root is listed when it is a model of its own, or when the rules resolve it and nothing else loads
    # (a Hub repo of a library whose files no rule names: fastai, espnet, AdapterHub ...)
    if root is not None and (is_a_model(root, listing, index) or not units):
        units.insert(0, root_unit(root, listing, index, exports + gguf, adapters))
    if not units:
        raise not_a_model(shown, listing) from root_error
    order = {kind: number for number, kind in enumerate(KINDS)}
    units.sort(key=lambda unit: (order.get(unit.kind, len(order)), unit.path != ".", unit.path))
    notes += listing.notes
    return Inventory(
        ref=shown,
        source=evidence.source,
        units=tuple(units),
        revision=evidence.revision,
        root=root,
        notes=tuple(dict.fromkeys(notes)),
    )


def is_a_model(root: Resolution, listing: Listing, index: UnitRules) -> bool:
    """Whether the root loads on its own: it has a config (or pipeline, adapter, modules) file, or weights
    of a framework no export kind stands for (a folder of GGUF files only is its files, not a model)."""
    if any(name in listing.files for name in ROOT_MARKERS):
        return True
    exported = {
        spec.framework for spec in index.kinds.values() if spec.framework and spec.name in ("onnx", "openvino", "gguf")
    }
    return any(framework not in exported for framework in root.frameworks)


def root_unit(root: Resolution, listing: Listing, index: UnitRules, exported: list[Unit], adapters: list[Unit]) -> Unit:
    """The root model: its Resolution, and the files no export, GGUF file or subfolder adapter holds."""
    taken = claimed(exported)
    for adapter in adapters:
        taken.update(adapter.files)
    files = tuple(path for path in sorted(listing.files) if path not in taken)
    documents = {name: listing.document(name) for name in index.declared if name in listing.files}
    is_adapter = ADAPTER_CONFIG in listing.files
    kind = "adapter" if is_adapter else "model"
    role, base, details = adapter_facts(listing.document(ADAPTER_CONFIG)) if is_adapter else (None, None, {})
    if not is_adapter:
        role = "pipeline" if MODEL_INDEX in listing.files and root.library == "diffusers" else "model"
    class_name = root.architecture
    if class_name is None and MODEL_INDEX in listing.files:
        model_index = listing.document(MODEL_INDEX)
        if isinstance(model_index, dict) and isinstance(model_index.get("_class_name"), str):
            class_name = model_index["_class_name"]
    return Unit(
        path=".",
        kind=kind,
        role=role,
        task=root.task,
        library=root.library,
        framework=root.framework,
        loader=root.loader,
        size=listing.size_of(files),
        files=files,
        quantization=index.declared_quantization(documents, kind),
        class_name=class_name,
        base_model=root.base_model or base,
        details={**details, **({"model_type": root.model_type} if root.model_type else {})},
        where=root.where,
    )


def framework_of(rules: Any, files: Iterable[str]) -> str | None:
    """The first framework the rules see in these files (pt for model.safetensors), None for none."""
    facts = Facts(files=frozenset(posixpath.basename(path) for path in files))
    for detector in rules.frameworks:
        if detector.name is not None and detector.when is not None and detector.when(facts):
            return str(detector.name)
    return None
