"""GGUF files: one unit per file (the parts of a split file together), its role and quantization.

The header's facts decide when the file is at hand (general.type, general.architecture,
general.file_type); otherwise its name does (`mmproj-...`, `-Q4_K_M.gguf`, `-00001-of-00003`).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

from resolver.inventory.listing import Listing
from resolver.inventory.unit import Unit
from resolver.rulebook.units import UnitRules


def find_gguf(index: UnitRules, listing: Listing, task: str | None, library: str | None = "gguf") -> list[Unit]:
    """One unit per GGUF model, projector or adapter; `task` is the model's (the root resolution's)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    totals: dict[str, int] = {}
    for path in sorted(listing.files):
        if not path.endswith(".gguf"):
            continue
        split = index.gguf_split(posixpath.basename(path))
        if split is None:
            groups[path].append((1, path))
            continue
        base = posixpath.join(posixpath.dirname(path), split[0])
        groups[base].append((split[1], path))
        totals[base] = split[2]
    spec = index.kinds.get("gguf")
    units = []
    for base, parts in sorted(groups.items(), key=lambda item: sorted(item[1])[0][1]):
        parts.sort()
        first = parts[0][1]
        header = listing.gguf_header(first)
        role, where = index.gguf_role(first, header)
        rule = index.gguf_roles.get(role)
        own_task = rule.own_task if rule is not None else True
        loader = spec.loader if spec else None
        if rule is not None and rule.has_loader:
            loader = rule.loader
        notes = []
        details: dict[str, object] = {}
        if base in totals:
            details["parts"] = len(parts)
            details["of"] = totals[base]
            if len(parts) != totals[base] or [n for n, _ in parts] != list(range(1, totals[base] + 1)):
                have = ", ".join(str(n) for n, _ in parts)
                notes.append(f"split into {totals[base]} parts, but only part(s) {have} are present")
        if header is not None:
            for key in ("architecture", "name", "size_label", "adapter_type"):
                if header.get(key) is not None:
                    details[key] = header[key]
        files = tuple(path for _, path in parts)
        units.append(
            Unit(
                path=first,
                kind="gguf",
                role=role,
                task=task if own_task else None,
                library=library,
                framework=spec.framework if spec else "gguf",
                loader=loader,
                size=listing.size_of(files),
                files=files,
                quantization=index.gguf_quantization(first, header),
                details=details,
                where=where,
                notes=tuple(notes),
            )
        )
    return units
