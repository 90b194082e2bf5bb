"""Which evidence a condition needs before it can hold, so the engine skips rules that cannot match.

A condition's needs are clauses: each clause is a set of channels of which at least one must be
present (a conjunction of disjunctions). Channels: `file:NAME` (that file is listed), `files` (any
file is listed), `doc:PATH` (that JSON document was read), `classes` (a class hierarchy is known)
and `hub` (Hub metadata is known). A condition that can hold with nothing present (`not`,
`architecture`, `library`, a matcher such as `exists: false`) needs nothing. The analysis only has
to be safe: it may keep a rule that cannot match, never drop one that can.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .conditions import CONFIG_FILE

Needs = tuple[frozenset[str], ...]
NOTHING: Needs = ()
CLASSES = "classes"
HUB = "hub"
FILES = "files"


def file_channel(name: str) -> str:
    return f"file:{name}"


def doc_channel(path: str) -> str:
    return f"doc:{path}"


def needs_of(spec: Any) -> Needs:
    """The clauses `spec` needs (see the module docstring); () when it needs nothing."""
    if not isinstance(spec, Mapping):
        return NOTHING
    clauses: list[frozenset[str]] = []
    for key, value in spec.items():  # several keys = all of them
        clauses.extend(_needs_of_one(key, value))
    return tuple(clauses)


def _needs_of_one(key: str, value: Any) -> Needs:
    if key == "file":
        return (frozenset({file_channel(value)}),)
    if key == "glob":
        return (frozenset({FILES}),)
    if key == "config_has":
        return (frozenset({doc_channel(CONFIG_FILE)}),)
    if key == "json":
        return (frozenset({doc_channel(value["file"])}),)
    if key == "config":
        return (frozenset({doc_channel(CONFIG_FILE)}),) if _needs_values(value) else NOTHING
    if key == "hub":
        return (frozenset({HUB}),) if _needs_values(value) else NOTHING
    if key == "class":
        return (frozenset({CLASSES}),)
    if key == "all":
        return tuple(clause for item in value for clause in needs_of(item))
    if key == "any":
        # one alternative must hold, so one of the channels some alternative needs must be present
        alternatives = [needs_of(item) for item in value]
        if not alternatives or any(not needs for needs in alternatives):
            return NOTHING
        return (frozenset().union(*(needs[0] for needs in alternatives)),)
    return NOTHING  # not, architecture, library: they can hold whatever is present


def _needs_values(fields: Mapping[str, Any]) -> bool:
    """True when every field matcher fails on a missing value, so the document must be present."""
    if not fields:
        return False
    return all(_fails_when_missing(matcher) for matcher in fields.values())


def _fails_when_missing(matcher: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return True  # equality with a value
    return any(op not in ("not_in", "exists") or (op == "exists" and arg) for op, arg in matcher.items())


def present_channels(
    files: frozenset[str], referenced_files: frozenset[str], documents: Iterable[str], classes: bool, hub: bool
) -> frozenset[str]:
    """The channels some evidence offers, limited to the files some rule names."""
    channels = {file_channel(name) for name in referenced_files.intersection(files)}
    channels.update(doc_channel(path) for path in documents)
    if files:
        channels.add(FILES)
    if classes:
        channels.add(CLASSES)
    if hub:
        channels.add(HUB)
    return frozenset(channels)


def satisfiable(needs: Needs, present: frozenset[str]) -> bool:
    """False when some clause has no present channel: the condition cannot hold."""
    return all(not clause.isdisjoint(present) for clause in needs)


def referenced_files(all_needs: Iterable[Needs]) -> frozenset[str]:
    """Every file name a `file:` channel of these needs names."""
    prefix = file_channel("")
    return frozenset(
        channel[len(prefix) :]
        for needs in all_needs
        for clause in needs
        for channel in clause
        if channel.startswith(prefix)
    )
