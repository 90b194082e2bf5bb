"""Build frozen dataclass instances without their __init__, for the hot paths.

A frozen dataclass's __init__ pays one object.__setattr__ per field; `Resolution` and `Evidence`
are built once per resolution, so that overhead is a measurable share of it (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


_FIELD_COUNTS: dict[type, int] = {}


def new_frozen(cls: type[T], values: dict[str, Any]) -> T:
    """`cls(**values)` for a frozen (non-slots) dataclass whose __init__ only stores fields.

    `values` must name every field once (tests/test_engine.py checks the engine's callers); a
    count that differs, e.g. after a field was added, falls back to the ordinary constructor.
    """
    count = _FIELD_COUNTS.get(cls)
    if count is None:
        count = _FIELD_COUNTS[cls] = len(fields(cls))  # type: ignore[arg-type]
    if len(values) != count:
        return cls(**values)
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    return instance
