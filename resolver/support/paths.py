"""Where the shipped rules and schemas live, in a wheel and in a source checkout, and where compiled rules are cached.

Paths are strings (any caller may wrap them in a Path): a warm start reads them without importing
pathlib, which with its own imports is a few milliseconds of a cold start.
"""

from __future__ import annotations

import os

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # resolver/, the package itself


def _first_existing(name: str) -> str:
    # In a wheel, rules/ and schema/ are installed inside the package; in a checkout (and an
    # editable install) they sit beside it.
    for candidate in (os.path.join(_PACKAGE_DIR, name), os.path.join(os.path.dirname(_PACKAGE_DIR), name)):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(f"the shipped {name}/ folder is missing from {_PACKAGE_DIR}")


def shipped_rules_dir() -> str:
    """The rules that come with the package."""
    return _first_existing("rules")


def schema_dir() -> str:
    """The JSON Schemas for every kind of rule file."""
    return _first_existing("schema")


def cache_dir() -> str:
    """Where compiled rules are cached: $TASK_RESOLVER_CACHE, else the XDG cache folder."""
    explicit = os.environ.get("TASK_RESOLVER_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "task-resolver")
