"""The small condition language of the rules, compiled once into plain predicates.

A condition is a mapping with one key (`file`, `glob`, `config_has`, `config`, `json`, `hub`,
`architecture`, `class`, `library`, `any`, `all`, `not`); `schema/common.schema.json` describes
it fully. Compiling turns it into a function of a `Facts` object, so evaluation does no parsing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Predicate = Callable[["Facts"], bool]
_MISSING = object()
CONFIG_FILE = "config.json"


@dataclass(slots=True)
class Facts:
    """What conditions look at: evidence plus the architecture and library under consideration.

    Mutable on purpose: the engine sets `architecture` and `library` as it goes, without copying.
    """

    files: frozenset[str] = frozenset()
    docs: Mapping[str, Any] = field(default_factory=dict)
    hub: Mapping[str, Any] = field(default_factory=dict)
    classes: tuple[tuple[str, str], ...] = ()  # (name, module) for the class and its bases
    architecture: str | None = None
    library: str | None = None

    @property
    def config(self) -> Mapping[str, Any]:
        config = self.docs.get(CONFIG_FILE)
        return config if isinstance(config, Mapping) else {}


def lookup(data: Any, dotted: str) -> Any:
    """Follow a dotted path (`text_config.model_type`) through nested mappings; `_MISSING` if absent."""
    for part in dotted.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return _MISSING
        data = data[part]
    return data


def compile_matcher(spec: Any) -> Callable[[Any], bool]:
    """A value matcher: a scalar means equality; a mapping combines `in`, `prefix`, `gt`, ..."""
    if not isinstance(spec, Mapping):
        return lambda value: value is not _MISSING and value == spec
    tests: list[Callable[[Any], bool]] = []
    for op, arg in spec.items():
        tests.append(_MATCH_OPS[op](arg))
    if len(tests) == 1:
        return tests[0]
    return lambda value: all(test(value) for test in tests)


def _present(value: Any) -> bool:
    return value is not _MISSING and value is not None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_MATCH_OPS: dict[str, Callable[[Any], Callable[[Any], bool]]] = {
    "equals": lambda arg: lambda v: v is not _MISSING and v == arg,
    "in": lambda arg: (lambda s: lambda v: _hashable(v) and v in s)(frozenset(arg)),
    "not_in": lambda arg: (lambda s: lambda v: not (_hashable(v) and v in s))(frozenset(arg)),
    "exists": lambda arg: lambda v: _present(v) == bool(arg),
    "prefix": lambda arg: lambda v: isinstance(v, str) and v.startswith(arg),
    "suffix": lambda arg: lambda v: isinstance(v, str) and v.endswith(arg),
    "contains": lambda arg: lambda v: isinstance(v, (list, tuple, str)) and arg in v,
    "gt": lambda arg: lambda v: _number(v) and v > arg,
    "ge": lambda arg: lambda v: _number(v) and v >= arg,
    "lt": lambda arg: lambda v: _number(v) and v < arg,
    "le": lambda arg: lambda v: _number(v) and v <= arg,
}
MATCH_OPERATORS = frozenset(_MATCH_OPS)


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def _match_mapping(spec: Mapping[str, Any], get: Callable[[Facts], Any]) -> Predicate:
    checks = [(key, compile_matcher(matcher)) for key, matcher in spec.items()]

    def predicate(facts: Facts) -> bool:
        data = get(facts)
        return all(match(lookup(data, key)) for key, match in checks)

    return predicate


def _glob(pattern: str) -> Predicate:
    regex = re.compile(fnmatch.translate(pattern))
    return lambda facts: any(regex.match(name) for name in facts.files)


def _json(spec: Mapping[str, Any]) -> Predicate:
    name = spec["file"]
    inner = _match_mapping(spec.get("match", {}), lambda facts: facts.docs.get(name))
    return lambda facts: isinstance(facts.docs.get(name), Mapping) and inner(facts)


def _class(spec: Mapping[str, Any]) -> Predicate:
    name_match = compile_matcher(spec["name"]) if "name" in spec else None
    module_match = compile_matcher(spec["module"]) if "module" in spec else None

    def predicate(facts: Facts) -> bool:
        for name, module in facts.classes:
            if (name_match is None or name_match(name)) and (module_match is None or module_match(module)):
                return True
        return False

    return predicate


def _config_has(keys: str | list[str]) -> Predicate:
    keys = [keys] if isinstance(keys, str) else list(keys)
    return lambda facts: all(_present(lookup(facts.config, key)) for key in keys)


def compile_condition(spec: Mapping[str, Any]) -> Predicate:
    """Compile one condition mapping (already schema-valid) into a predicate."""
    if len(spec) != 1:  # several keys = all of them
        parts = [compile_condition({key: value}) for key, value in spec.items()]
        return lambda facts: all(part(facts) for part in parts)
    ((key, value),) = spec.items()
    if key == "file":
        return lambda facts: value in facts.files
    if key == "glob":
        return _glob(value)
    if key == "config_has":
        return _config_has(value)
    if key == "config":
        return _match_mapping(value, lambda facts: facts.config)
    if key == "json":
        return _json(value)
    if key == "hub":
        return _match_mapping(value, lambda facts: facts.hub)
    if key == "architecture":
        match = compile_matcher(value)
        return lambda facts: facts.architecture is not None and match(facts.architecture)
    if key == "class":
        return _class(value)
    if key == "library":
        match = compile_matcher(value)
        return lambda facts: facts.library is not None and match(facts.library)
    if key in ("any", "all"):
        parts = [compile_condition(item) for item in value]
        combine = any if key == "any" else all
        return lambda facts: combine(part(facts) for part in parts)
    if key == "not":
        inner = compile_condition(value)
        return lambda facts: not inner(facts)
    raise ValueError(f"unknown condition {key!r}")  # the schema rejects this before we get here


def documents_read_by(spec: Any) -> set[str]:
    """The JSON documents (by path) a condition reads, so evidence gathering fetches only those."""
    found: set[str] = set()
    if isinstance(spec, Mapping):
        for key, value in spec.items():
            if key in ("config", "config_has"):
                found.add(CONFIG_FILE)
            elif key == "json" and isinstance(value, Mapping) and "file" in value:
                found.add(value["file"])
            elif key in ("any", "all"):
                for item in value:
                    found |= documents_read_by(item)
            elif key == "not":
                found |= documents_read_by(value)
    return found
