"""Where rule packs come from besides the shipped rules: installed packages' entry points and $TASK_RESOLVER_RULES."""

from __future__ import annotations

import os
from pathlib import Path

from resolver.errors import RuleError

RULES_ENV = "TASK_RESOLVER_RULES"


ENTRY_POINT_GROUP = "task_resolver.rules"  # installed packages' rule packs


def env_rule_paths() -> list[Path]:
    """Rule packs named by $TASK_RESOLVER_RULES (a path-separator list)."""
    value = os.environ.get(RULES_ENV, "")
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


def installed_rule_paths() -> list[Path]:
    """Rule packs of installed packages: entry points in the group `task_resolver.rules`, by name.

    An entry point's object is a path (str or PathLike), a callable returning one, or a module or
    package (its directory is the pack).
    """
    from importlib.metadata import entry_points

    from resolver.errors import Finding

    found: list[Path] = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        what = f"entry point {entry.name} = {entry.value} (group {ENTRY_POINT_GROUP})"
        try:
            target = entry.load()
            if callable(target):
                target = target()
            if hasattr(target, "__file__") and not isinstance(target, (str, os.PathLike)):
                target = Path(target.__file__).parent
            path = Path(target)
        except Exception as error:  # a broken installed pack names itself instead of crashing the resolver
            message = f"{what} cannot be loaded: {type(error).__name__}: {error}"
            raise RuleError([Finding(what, 1, 1, message, "rules-path")]) from None
        if not path.exists():
            raise RuleError([Finding(str(path), 1, 1, f"no such rules directory (from {what})", "rules-path")])
        found.append(path)
    return found
