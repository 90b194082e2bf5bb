"""Version gates on loaders (`requires: {transformers: ">=4.46"}`), read from installed metadata.

Uses importlib.metadata, so checking a gate never imports the package itself.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import metadata


@cache
def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1024)
def _satisfies(version: str, specifier: str) -> bool:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    return Version(version) in SpecifierSet(specifier)


def requirement_state(requires: tuple[tuple[str, str], ...]) -> tuple[bool | None, str | None]:
    """(True, None) when every gate holds; (False, None) when one fails; (None, note) when unknown.

    A gate on a package that is not installed cannot be checked: the entry is taken (the rules list
    the newest loader first) and the note says so.
    """
    missing = []
    for distribution, specifier in requires:
        version = installed_version(distribution)
        if version is None:
            missing.append(f"{distribution}{specifier}")
        elif not _satisfies(version, specifier):
            return False, None
    if missing:
        return None, f"not installed, gate not checked: {', '.join(missing)}"
    return True, None
