"""Checks on `kind: units` files: every pattern compiles, the split pattern names its groups, the
names a file type table gives are unique in a pack, the kinds a declaring document applies to are
described, and every example says what the rules give for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.units import classify_example, unit_rules
from resolver.validation.context import Context, finding


def check_units(ctx: Context) -> Iterator[Finding]:
    """schema (a pattern that does not compile), duplicate-entry and example-failed findings of every units file."""
    docs = ctx.of_kind("units")
    problems = False
    for doc in docs:
        for found in _check_patterns(doc):
            problems = True
            yield found
        yield from _check_file_types(doc)
    if problems or not docs:
        return  # examples run through compiled patterns: not with broken ones
    index = unit_rules(ctx.rules)
    for doc in docs:
        for number, example in enumerate(doc.data.get("examples") or ()):
            got = classify_example(index, example)
            wrong = {
                key: (example[key], got.get(key))
                for key in ("kind", "role", "variant", "quantization", "bits", "part", "data")
                if key in example and example[key] != got.get(key)
            }
            if wrong:
                said = "; ".join(
                    f"{key}: expected {want!r}, the rules give {have!r}" for key, (want, have) in wrong.items()
                )
                what = example.get("file") or "the documents"
                yield finding(doc, ("examples", number), f"example {what}: {said}", "example-failed")


def _patterns(doc: RuleDoc) -> Iterator[tuple[tuple, str]]:
    data = doc.data
    for name, spec in (data.get("exports") or {}).items():
        for role, entry in (spec.get("roles") or {}).items():
            yield ("exports", name, "roles", role, "stem"), entry.get("stem", "")
    gguf = data.get("gguf") or {}
    if gguf.get("split"):
        yield ("gguf", "split"), gguf["split"]
    for role, entry in (gguf.get("roles") or {}).items():
        for index, test in enumerate(entry.get("any") or ()):
            if "filename" in test:
                yield ("gguf", "roles", role, "any", index, "filename"), test["filename"]


def _check_patterns(doc: RuleDoc) -> Iterator[Finding]:
    for path, pattern in _patterns(doc):
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            yield finding(doc, path, f"{pattern!r} is not a regular expression: {error}", "schema")
            continue
        if path == ("gguf", "split") and not {"part", "total"} <= set(compiled.groupindex):
            yield finding(
                doc,
                path,
                f"the split pattern {pattern!r} must name the groups (?P<part>...) and (?P<total>...)",
                "schema",
            )


def _check_file_types(doc: RuleDoc) -> Iterator[Finding]:
    seen: dict[str, Any] = {}
    for number, name in ((doc.data.get("gguf") or {}).get("file_types") or {}).items():
        if name in seen:
            yield finding(
                doc,
                ("gguf", "file_types", number),
                f"file type {number} is named {name!r}, like file type {seen[name]}: a name reads back as one number",
                "duplicate-entry",
            )
        seen.setdefault(name, number)
