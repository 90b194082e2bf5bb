"""Where the shipped rules and schemas live, in a wheel and in a source checkout."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # resolver/, the package itself


def _first_existing(name: str) -> Path:
    # In a wheel, rules/ and schema/ are installed inside the package; in a checkout (and an
    # editable install) they sit beside it.
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped {name}/ folder is missing from {_PACKAGE_DIR}")


def shipped_rules_dir() -> Path:
    """The rules that come with the package."""
    return _first_existing("rules")


def schema_dir() -> Path:
    """The JSON Schemas for every kind of rule file."""
    return _first_existing("schema")


def cache_dir() -> Path:
    """Where compiled rules are cached: $TASK_RESOLVER_CACHE, else the XDG cache folder."""
    explicit = os.environ.get("TASK_RESOLVER_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "task-resolver"
