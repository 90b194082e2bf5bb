"""Where rule packs come from besides the shipped rules: installed packages' entry points and $TASK_RESOLVER_RULES."""

from __future__ import annotations

import os
import sys
import time

from resolver.errors import RuleError
from resolver.support.files import read_regular_text

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

RULES_ENV = "TASK_RESOLVER_RULES"


ENTRY_POINT_GROUP = "task_resolver.rules"  # installed packages' rule packs


def env_rule_paths() -> list[Path]:
    """Rule packs named by $TASK_RESOLVER_RULES (a path-separator list)."""
    value = os.environ.get(RULES_ENV, "")
    parts = [part for part in value.split(os.pathsep) if part.strip()]
    if not parts:
        return []
    from pathlib import Path  # only when there are packs: a plain start does not import pathlib

    return [Path(part) for part in parts]


def entry_point_specs(group: str, search_path: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(name, value) of every entry point in `group` of the installed distributions, by name.

    Reads the `entry_points.txt` files of the *.dist-info / *.egg-info folders on `sys.path` directly:
    the same answer as `importlib.metadata.entry_points(group=...)` (the first distribution of a name
    on the path wins) for a fraction of its cost, since importing importlib.metadata alone takes
    tens of milliseconds, a third of a cold start. The answer is cached under a key of the path's
    folders and their modification times: installing, upgrading or removing a package (pip replaces
    the whole dist-info folder) changes its folder's time. Folders changed in the last two seconds
    are read afresh (a second change in the same clock tick would leave the time as it was).
    """
    from resolver.rulebook.cache import RECENT_NS, hex_digest, read_note, write_note

    folders: list[str] = []
    key = [group]
    newest = 0
    for entry in search_path if search_path is not None else sys.path:
        folder = os.path.abspath(entry or ".")
        try:
            changed = os.stat(folder).st_mtime_ns
        except (OSError, ValueError):
            continue
        folders.append(folder)
        key.append(f"{folder}\0{changed}")
        newest = max(newest, changed)
    digest = hex_digest("\n".join(key))
    settled = newest <= time.time_ns() - RECENT_NS
    cached = read_note("entry-points-", digest) if settled else None
    if cached is not None:
        return [tuple(line.split("\0", 1)) for line in cached.splitlines()]  # type: ignore[misc]
    found = _read_entry_points(folders, f"[{group}]")
    if settled and not any("\0" in name or "\0" in value for name, value in found):
        write_note("entry-points-", digest, "".join(f"{name}\0{value}\n" for name, value in found))
    return found


def _read_entry_points(folders: Sequence[str], header: str) -> list[tuple[str, str]]:
    """The entry points of the `header` section in the entry_points.txt of the folders' distributions, by name."""
    seen: set[str] = set()
    found: dict[str, str] = {}
    for folder in folders:
        try:
            names = sorted(os.listdir(folder))
        except (OSError, ValueError):
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            distribution = name.rsplit(".", 1)[0].split("-", 1)[0].lower().replace("_", "-").replace(".", "-")
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                text = read_regular_text(os.path.join(folder, name, "entry_points.txt"), 1 << 20)
            except (OSError, UnicodeDecodeError):
                continue
            if header not in text:
                continue
            for entry_name, value in _section(text, header):
                found.setdefault(entry_name, value)
    return sorted(found.items(), key=lambda item: (item[0], item[1]))


def _section(text: str, header: str) -> list[tuple[str, str]]:
    """The `name = value` lines of one INI section of an entry_points.txt."""
    pairs = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            inside = line == header
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    return pairs


def load_entry_point(value: str) -> Any:
    """The object an entry point names: `package.module:attr.sub` (extras in brackets ignored)."""
    value = value.split("[", 1)[0].strip()
    module_name, _, attrs = value.partition(":")
    name = module_name.strip()
    __import__(name)  # importlib.import_module without importing importlib (a regular install's start-up)
    target = sys.modules[name]
    for attr in filter(None, attrs.strip().split(".")):
        target = getattr(target, attr)
    return target


def installed_rule_paths() -> list[Path]:
    """Rule packs of installed packages: entry points in the group `task_resolver.rules`, by name.

    An entry point's object is a path (str or PathLike), a callable returning one, or a module or
    package (its directory is the pack).
    """
    from resolver.errors import Finding

    found: list[Path] = []
    specs = entry_point_specs(ENTRY_POINT_GROUP)
    if specs:
        from pathlib import Path  # only when a package installed a pack
    for name, value in specs:
        what = f"entry point {name} = {value} (group {ENTRY_POINT_GROUP})"
        try:
            target = load_entry_point(value)
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
