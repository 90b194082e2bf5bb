"""Checking the JSON documents evidence carries: a config must be an object, and its well-known keys typed.

A config.json that is a list or `null` is not a model config at all: an EvidenceError, as for one
that is not JSON. A well-known key of the wrong type (`architectures: [123]`) is dropped with a
note in the trace, so a rule never reads a value it cannot use and the user sees why.
"""

from __future__ import annotations

from resolver.errors import EvidenceError

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Documents that are one JSON object by definition (modules.json, by contrast, is a list).
OBJECT_DOCUMENTS = frozenset({"config.json", "model_index.json", "adapter_config.json"})


def _string_list(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    for item in value:  # a plain loop: a config's one or two names cost no generator
        if not isinstance(item, str):
            return False
    return True


# config.json keys the rules and the engine read by type: key -> (test, what it must be)
CONFIG_KEY_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "architectures": (_string_list, "a list of class names"),
    "model_type": (lambda value: isinstance(value, str), "a string"),
    "auto_map": (lambda value: isinstance(value, dict), "a mapping of auto class -> module.Class"),
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def check_document(name: str, value: Any, shown_as: str) -> tuple[Any, list[str]]:
    """The document as the engine may read it, plus notes on what was dropped; EvidenceError if unusable."""
    basename = name[name.rfind("/") + 1 :]
    if basename not in OBJECT_DOCUMENTS:
        return value, []
    if not isinstance(value, dict):
        raise EvidenceError(
            f"{shown_as} is {_kind(value)}, not a JSON object",
            hint="a model's config must be one JSON object ({...}); fix the file, or pass the task with --task",
        )
    if basename != "config.json":
        return value, []
    for key, fits in _CONFIG_KEY_TESTS:
        if key in value and not fits(value[key]):
            return _typed_config(value, shown_as)
    return value, []


_CONFIG_KEY_TESTS = tuple((key, fits) for key, (fits, _) in CONFIG_KEY_TYPES.items())


def _typed_config(value: dict[str, Any], shown_as: str) -> tuple[dict[str, Any], list[str]]:
    """A copy of config.json without its well-known keys of the wrong type, and a note for each."""
    notes = []
    cleaned = dict(value)
    for key, (fits, what) in CONFIG_KEY_TYPES.items():
        if key in value and not fits(value[key]):
            del cleaned[key]
            shown = repr(value[key])
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            notes.append(f"ignored {key!r} of {shown_as}: {shown} is not {what}")
    return cleaned, notes
