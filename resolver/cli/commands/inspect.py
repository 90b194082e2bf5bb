"""`task-resolver inspect REF`: every part of a model that loads on its own, as a table or JSON."""

from __future__ import annotations

import argparse

from resolver.cli.common import add_hub_options, add_rules_option, dump_json
from resolver.inventory.unit import Inventory, Unit

COLUMNS = ("path", "kind", "role", "task", "library", "framework", "loader", "quantization", "size")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ref", metavar="REF", help="a local model folder, a cached snapshot, or a Hub repo id (org/name)"
    )
    add_hub_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output: every unit with its files")
    add_rules_option(parser)


def human_size(size: int | None) -> str:
    """Bytes for people: 874 B, 1.5 kB, 4.1 GB (powers of 1000, as the Hub shows them)."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # not reached


def cells(unit: Unit) -> tuple[str, ...]:
    return (
        unit.path,
        unit.kind,
        unit.role or "?",
        unit.task or "-",
        unit.library or "-",
        unit.framework or "-",
        unit.loader or "-",
        unit.quantization.describe() if unit.quantization else (unit.variant or "-"),
        human_size(unit.size),
    )


def render(inventory: Inventory) -> str:
    """The table for people: one row per unit, then notes."""
    where = f" at {inventory.revision[:12]}" if inventory.revision else ""
    counts = ", ".join(f"{count} {kind}" for kind, count in inventory.counts().items())
    lines = [
        f"{inventory.ref} ({inventory.source}{where}): {len(inventory)} unit{'s' if len(inventory) != 1 else ''} ({counts})"
    ]
    rows = [tuple(name.upper() for name in COLUMNS)] + [cells(unit) for unit in inventory.units]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    details = [f"  {unit.path}: {note}" for unit in inventory.units for note in unit.notes] + [
        f"  {unit.path}: base model {unit.base_model}" for unit in inventory.units if unit.base_model
    ]
    details += [f"  {note}" for note in inventory.notes]
    if details:
        lines.append("notes:")
        lines.extend(details)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from resolver.api import Resolver
    from resolver.inventory.assemble import inspect

    inventory = inspect(
        args.ref,
        revision=args.revision,
        token=args.token,
        offline=args.offline,
        cache_dir=args.cache_dir,
        timeout=args.timeout,
        resolver=Resolver(args.rules),
    )
    if args.json:
        dump_json(inventory.to_dict())
    else:
        print(render(inventory))
    return 0
