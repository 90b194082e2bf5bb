"""Find rule files, parse them, validate them against their JSON Schema, and cache the result.

Validation (which imports jsonschema) runs only when the files' content hash is not in the cache,
so a normal run reads a pickle instead of parsing YAML and checking schemas.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import Finding, RuleError
from .paths import cache_dir, schema_dir, shipped_rules_dir

if TYPE_CHECKING:  # PyYAML is imported on a cache miss only: a warm start reads the pickle
    from .yamlsource import Positions

KINDS = ("tasks", "libraries", "frameworks", "auto_mappings", "architectures", "layouts", "fallback")
SUPPORTED_VERSIONS = {kind: (1,) for kind in KINDS}
_FORMAT = 1  # bump when the pickled structure changes


@dataclass(frozen=True)
class RuleDoc:
    """One parsed rule file: its label for messages, kind, data and node positions."""

    label: str
    kind: str
    data: dict
    positions: Positions
    pack: int = 0  # 0 = shipped rules, 1.. = rule packs in the order given

    def where(self, *path: Any) -> str:
        """`file:line` of the node at `path` (or of its closest parent that has a position)."""
        line, _ = self.position(path)
        return f"{self.label}:{line}"

    def position(self, path: Sequence[Any]) -> tuple[int, int]:
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


def rule_files(directory: Path) -> list[Path]:
    """The rule files of one directory, in name order (a single file is its own list)."""
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise RuleError([Finding(str(directory), 1, 1, "no such rules file or directory", "rules-path")])
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _label(path: Path, pack: int, root: Path) -> str:
    if pack == 0:
        return f"rules/{path.relative_to(root).as_posix()}"
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def gather(packs: Sequence[Path], include_shipped: bool = True) -> list[tuple[Path, str, int]]:
    """(path, label, pack index) of every rule file, shipped rules first, then each pack in order."""
    found: list[tuple[Path, str, int]] = []
    roots: list[tuple[Path, int]] = []
    if include_shipped:
        roots.append((shipped_rules_dir(), 0))
    roots.extend((Path(p), index) for index, p in enumerate(packs, start=1))
    for root, pack in roots:
        for path in rule_files(root):
            found.append((path, _label(path, pack, root if root.is_dir() else root.parent), pack))
    return found


def content_key(files: Iterable[tuple[Path, str, int]]) -> str:
    """A hash of everything the compiled rules depend on: package version, schemas, rule files."""
    digest = hashlib.sha256(f"{_FORMAT}:{__version__}".encode())
    for schema in sorted(schema_dir().glob("*.json")):
        digest.update(schema.name.encode())
        digest.update(schema.read_bytes())
    for path, label, pack in files:
        digest.update(f"\0{pack}\0{label}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise RuleError([Finding(label, 1, 1, f"cannot read rule file: {exc.strerror}", "rules-path")]) from None
    return digest.hexdigest()


def parse(path: Path, label: str, pack: int) -> tuple[RuleDoc | None, list[Finding]]:
    """Parse one file and check its header; schema validation is separate."""
    try:
        from .yamlsource import load_yaml_file

        data, positions = load_yaml_file(path, label)
    except RuleError as exc:
        return None, exc.findings
    except OSError as exc:
        return None, [Finding(label, 1, 1, f"cannot read rule file: {exc.strerror or exc}", "rules-path")]
    if data is None:
        return None, [
            Finding(label, 1, 1, "the file is empty: a rule file starts with `kind:` and `version:`", "header")
        ]
    if not isinstance(data, dict):
        kind_of = type(data).__name__
        return None, [
            Finding(label, 1, 1, f"a rule file is a mapping with `kind:` and `version:`, not a {kind_of}", "header")
        ]
    kind = data.get("kind")
    if kind not in KINDS:
        line, col = positions.get(("kind",), (1, 1))
        import difflib

        close = difflib.get_close_matches(str(kind), KINDS, n=1, cutoff=0.6) if "kind" in data else []
        hint = f"did you mean {close[0]!r}? " if close else ""
        message = (
            f"unknown kind {kind!r}; {hint}expected one of: {', '.join(KINDS)}"
            if "kind" in data
            else f"missing `kind:` (one of: {', '.join(KINDS)})"
        )
        return None, [Finding(label, line, col, message, "unknown-kind")]
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS[kind]:
        line, col = positions.get(("version",), (1, 1))
        supported = ", ".join(map(str, SUPPORTED_VERSIONS[kind]))
        return None, [
            Finding(
                label,
                line,
                col,
                f"unsupported version {version!r} for kind {kind!r}; this task-resolver reads version {supported}",
                "unknown-version",
            )
        ]
    return RuleDoc(label, kind, data, positions, pack), []


def schema_findings(doc: RuleDoc) -> list[Finding]:
    """Validate one document against its kind's JSON Schema (draft 2020-12)."""
    from .yamlsource import pointer

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

        base = schema_dir()
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


def load_and_validate(files: Sequence[tuple[Path, str, int]]) -> tuple[list[RuleDoc], list[Finding]]:
    """Parse and schema-check every file; return the usable documents and every finding."""
    docs: list[RuleDoc] = []
    findings: list[Finding] = []
    for path, label, pack in files:
        doc, problems = parse(path, label, pack)
        findings.extend(problems)
        if doc is None:
            continue
        problems = schema_findings(doc)
        findings.extend(problems)
        if not problems:
            docs.append(doc)
    return docs, findings


def _cache_file(key: str) -> Path:
    return cache_dir() / f"rules-{key[:32]}.pickle"


def read_cache(key: str) -> list[RuleDoc] | None:
    """The validated documents for this content hash, or None (no cache, unreadable, stale)."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return None
    try:
        with open(_cache_file(key), "rb") as handle:
            stored_key, docs = pickle.load(handle)
    except Exception:  # missing, truncated, from another version: just rebuild
        return None
    return docs if stored_key == key else None


def write_cache(key: str, docs: list[RuleDoc]) -> None:
    """Store validated documents; a read-only or missing cache folder is not an error."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return
    target = _cache_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            pickle.dump((key, docs), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except OSError:
        pass
