"""JSON Schema validation of rule documents, with messages that say what to change. jsonschema is imported only here, on a cache miss."""

from __future__ import annotations

import json
import re
from pathlib import Path

from resolver.errors import Finding
from resolver.rulebook.documents import RuleDoc, parse
from resolver.support.paths import schema_dir

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from typing import Any


def schema_findings(doc: RuleDoc) -> list[Finding]:
    """Validate one document against its kind's JSON Schema (draft 2020-12).

    A table written by `task-resolver sync` gets an exact check of its fixed shape instead, with the
    schema's own patterns: the same verdict as the schema, for a fraction of the cost of running
    jsonschema over thousands of entries on the first start after an install.
    """
    from resolver.rulebook.yaml_source import pointer

    if is_generated_table(doc):
        return generated_table_findings(doc)
    validator = _validator(doc.kind)
    findings = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        line, col = doc.position(path)
        message, check = _schema_message(error), "schema"
        if doc.kind == "fallback" and len(path) == 2 and path[0] == "order" and error.validator == "enum":
            message, check = _unknown_strategy(error.instance, list(error.validator_value)), "unknown-strategy"
        findings.append(Finding(doc.label, line, col, message, check, doc_path=pointer(path)))
    return findings


GENERATED_BY = "task-resolver sync"
_GENERATED_KEYS = frozenset({"kind", "version", "generated", "exact"})


def is_generated_table(doc: RuleDoc) -> bool:
    """An architectures file as `task-resolver sync` writes it: kind, version, generated, exact, nothing else."""
    data = doc.data
    generated = data.get("generated") if isinstance(data, dict) else None
    return (
        doc.kind == "architectures"
        and isinstance(generated, dict)
        and generated.get("by") == GENERATED_BY
        and set(data) <= _GENERATED_KEYS
    )


def _common_pattern(name: str) -> re.Pattern[str]:
    """A `pattern` of schema/common.schema.json's $defs, compiled once: the schema stays the source of truth."""
    if name not in _PATTERNS:
        common = json.loads((Path(schema_dir()) / "common.schema.json").read_text(encoding="utf-8"))
        _PATTERNS[name] = re.compile(common["$defs"][name]["pattern"])
    return _PATTERNS[name]


_PATTERNS: dict[str, re.Pattern[str]] = {}


def generated_table_findings(doc: RuleDoc) -> list[Finding]:
    """The schema's verdict on a generated table, checked directly (see `schema_findings`)."""
    from resolver.rulebook.yaml_source import pointer

    findings: list[Finding] = []

    def problem(path: tuple, message: str) -> None:
        line, col = doc.position(path)
        findings.append(Finding(doc.label, line, col, message, "schema", doc_path=pointer(path)))

    data = doc.data
    version = data.get("version")
    if "version" not in data or isinstance(version, bool) or version != 1:
        problem(
            ("version",),
            f"{version!r} was expected to be 1" if "version" in data else "'version' is a required property",
        )
    origin = data["generated"].get("from")
    if not isinstance(origin, dict):
        problem(
            ("generated",), "'from' is a required property" if origin is None else f"{origin!r} is not of type 'object'"
        )
    else:
        for library, installed in origin.items():
            if not isinstance(installed, str):
                problem(("generated", "from", library), f"{installed!r} is not of type 'string'")
    exact = data.get("exact", {})
    if not isinstance(exact, dict):
        problem(("exact",), f"{exact!r} is not of type 'object'")
        return findings
    identifier, task = _common_pattern("identifier"), _common_pattern("task")
    for name, value in exact.items():
        if not identifier.search(name):
            problem(("exact", name), f"{name!r} does not match {identifier.pattern!r}")
        if not isinstance(value, str):
            problem(("exact", name), f"{value!r} is not of type 'string'")
        elif not task.search(value):
            problem(("exact", name), f"{value!r} does not match {task.pattern!r}")
    return findings


def _unknown_strategy(name: Any, known: list[str]) -> str:
    """A fallback entry that names no strategy: say which names exist and which one was probably meant."""
    import difflib

    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown strategy {name!r}; {hint}strategies: {', '.join(known)}"


def _schema_message(error: Any) -> str:
    """A short message; for oneOf/anyOf, the most relevant sub-error."""
    best = error
    if error.context:
        from jsonschema.exceptions import best_match

        best = best_match(error.context) or error
    message = best.message
    if best.validator == "additionalProperties" and isinstance(best.instance, dict):
        message += _misspelt(best.instance, best.schema.get("properties") or {})
    if len(message) > 300:
        message = message[:297] + "..."
    return message


def _misspelt(instance: dict, allowed: dict) -> str:
    """`; did you mean 'task'?` for keys the schema does not allow, when an allowed key is close."""
    import difflib

    hints = []
    for key in instance:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
            if close:
                hints.append(f"{close[0]!r} for {key!r}")
    return f"; did you mean {', '.join(hints)}?" if hints else f"; allowed here: {', '.join(allowed)}"


_VALIDATORS: dict[str, Any] = {}


def _validator(kind: str) -> Any:
    if kind not in _VALIDATORS:
        import jsonschema
        from referencing import Registry, Resource

        base = Path(schema_dir())
        resources = []
        for path in base.glob("*.json"):
            contents = json.loads(path.read_text(encoding="utf-8"))
            contents = {**contents, "$id": path.resolve().as_uri()}
            resources.append((contents["$id"], Resource.from_contents(contents)))
        registry = Registry().with_resources(resources)
        uri = (base / f"{kind}.schema.json").resolve().as_uri()
        schema = registry.contents(uri)
        cls = jsonschema.validators.validator_for(schema)
        _VALIDATORS[kind] = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
    return _VALIDATORS[kind]


def load_and_validate(
    files: Sequence[tuple[Path, str, int]],
    contents: Sequence[bytes] | None = None,
    trusted: Collection[int] = (),
) -> tuple[list[RuleDoc], list[Finding]]:
    """Parse and schema-check every file; return the usable documents and every finding.

    `contents`: the files' bytes, already read (else each file is read here). `trusted`: indices of
    files whose exact bytes the stamp records as validated against these very schemas
    (`stamped_files`): they are parsed but not schema-checked again.
    """
    docs: list[RuleDoc] = []
    findings: list[Finding] = []
    for index, (path, label, pack) in enumerate(files):
        doc, problems = parse(path, label, pack, None if contents is None else contents[index])
        findings.extend(problems)
        if doc is None:
            continue
        problems = [] if index in trusted else schema_findings(doc)
        findings.extend(problems)
        if not problems:
            docs.append(doc)
    return docs, findings


# ---------------------------------------------------------------- the stamp of the shipped rules
#
# The first run after an install would spend most of its time importing jsonschema and checking the
# shipped rule files, which the test suite has already checked. resolver/support/stamp.py records,
# for each shipped file, a hash of its exact bytes, the schemas and the package version, as
# validated (schema and cross-file checks) when the stamp was written; tests/test_startup_stamp.py
# fails whenever a shipped file, a schema or the version changes without the stamp being rewritten
# (`UPDATE_GOLDEN=1 python -m pytest tests/test_startup_stamp.py`, which validates first). A file
# whose bytes differ by one bit has another hash and is fully validated; rule packs always are.


def file_stamp(label: str, raw: bytes, schemas: bytes) -> str:
    """The stamp of one shipped file: its label, its exact bytes, the schemas' digest, the version."""
    from resolver.rulebook.cache import sha256
    from resolver.support.about import __version__

    digest = sha256(f"task-resolver stamp 1\0{__version__}\0{label}\0".encode())
    digest.update(schemas)
    digest.update(raw)
    return digest.hexdigest()


def set_stamp(stamps: Mapping[str, str]) -> str:
    """The stamp of a whole set of files (label -> file stamp): they were validated together."""
    from resolver.rulebook.cache import sha256

    digest = sha256(b"task-resolver stamp set 1")
    for label in sorted(stamps):
        digest.update(f"\0{label}\0{stamps[label]}".encode())
    return digest.hexdigest()


def shipped_stamps(files: Sequence[tuple[Path, str, int]], contents: Sequence[bytes]) -> dict[str, str]:
    """label -> file stamp of the shipped files (pack 0) among `files`."""
    from resolver.rulebook.cache import schema_digest

    schemas = schema_digest()
    return {
        label: file_stamp(label, raw, schemas)
        for (_, label, pack), raw in zip(files, contents, strict=True)
        if pack == 0
    }


def stamped_files(files: Sequence[tuple[Path, str, int]], contents: Sequence[bytes]) -> tuple[frozenset[int], bool]:
    """(indices of the shipped files the stamp vouches for, whether it vouches for the whole rule set).

    The whole set: no rule pack, and exactly the stamped shipped files, every one unchanged; then the
    cross-file checks were passed too, by this very set.
    """
    from resolver.support.stamp import VALIDATED, VALIDATED_SET

    if not VALIDATED:
        return frozenset(), False
    stamps = shipped_stamps(files, contents)
    trusted = frozenset(
        index for index, (_, label, pack) in enumerate(files) if pack == 0 and VALIDATED.get(label) == stamps[label]
    )
    whole = len(trusted) == len(files) == len(VALIDATED) and set_stamp(stamps) == VALIDATED_SET
    return trusted, whole


def stamp_module(stamps: Mapping[str, str]) -> str:
    """The text of resolver/support/stamp.py for these file stamps."""
    lines = [
        '"""The shipped rules as last validated: written by `UPDATE_GOLDEN=1 python -m pytest tests/test_startup_stamp.py`.',
        "",
        "Each shipped rule file whose exact bytes (with the schemas and the package version) hash to its",
        "entry here skips the JSON Schema check on a cache miss; the whole set, unchanged, skips the",
        "cross-file checks too (resolver.rulebook.schema.stamped_files). Never edit by hand.",
        '"""',
        "",
        "VALIDATED: dict[str, str] = {",
        *(f'    "{label}": "{stamps[label]}",' for label in sorted(stamps)),
        "}",
        f'VALIDATED_SET = "{set_stamp(stamps)}"',
        "",
    ]
    return "\n".join(lines)
