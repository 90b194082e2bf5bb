"""Checks on libraries and version gates: unknown libraries, invalid requires: specifiers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.documents import RuleDoc
from resolver.validation.context import Context, did_you_mean, finding
from resolver.validation.examples import examples_in


def check_unknown_libraries(ctx: Context) -> Iterator[Finding]:
    known = sorted(ctx.rules.libraries)

    def check(doc: RuleDoc, path: tuple, library: Any, what: str) -> Iterator[Finding]:
        if isinstance(library, str) and library not in ctx.rules.libraries:
            hint = did_you_mean(library, known) or f"; known libraries: {', '.join(known)}"
            yield finding(
                doc,
                path,
                f"{what} for library {library!r}, which the rules do not define "
                f"(add it to a `kind: libraries` file){hint}",
                "unknown-library",
            )

    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            for library in (spec or {}).get("loaders") or {}:
                yield from check(doc, ("tasks", name, "loaders", library), library, f"loaders of {name!r}")
    for doc in ctx.of_kind("libraries"):
        for index, entry in enumerate(doc.data.get("detect") or ()):
            yield from check(doc, ("detect", index, "library"), entry.get("library"), "a detect rule")
    for doc, path, example in examples_in(ctx):
        yield from check(doc, (*path, "library"), example.get("library"), "an example")


_DISTRIBUTION = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


def check_versions(ctx: Context) -> Iterator[Finding]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            for library, entries in ((spec or {}).get("loaders") or {}).items():
                for index, entry in enumerate(entries):
                    for distribution, specifier in (entry.get("requires") or {}).items():
                        path = ("tasks", name, "loaders", library, index, "requires", distribution)
                        if not _DISTRIBUTION.match(distribution):
                            yield finding(
                                doc, path, f"{distribution!r} is not a valid distribution name", "invalid-version"
                            )
                            continue
                        try:
                            SpecifierSet(specifier)
                        except InvalidSpecifier:
                            yield finding(
                                doc,
                                path,
                                f"invalid version specifier {specifier!r} for {distribution}: write a "
                                "PEP 440 specifier such as '>=4.46' or '>=4.46,<5'",
                                "invalid-version",
                            )
