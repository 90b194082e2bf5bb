"""Fast frozen records, and frozen dataclass instances built without their __init__, for the hot paths.

`Record` is a frozen value class with `__slots__` whose class costs nothing to create: a
`@dataclass` generates and `exec`s its methods when the class is defined, which for the compiled
rules' dozen classes was ~20 ms of every start (docs/benchmarks.md). A record may also compute a
field on first read (`_lazy`): the compiled rules keep each condition as written and compile it
into a predicate only when the engine first tests it, so the compiled form pickles whole.

`new_frozen` builds a frozen (non-slots) dataclass without its __init__: a frozen dataclass's
__init__ pays one object.__setattr__ per field; `Resolution` and `Evidence` are built once per
resolution, so that overhead is a measurable share of it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `typing` is not imported at run time, `import resolver` stays light
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, TypeVar

    T = TypeVar("T")
    R = TypeVar("R", bound="Record")

_set = object.__setattr__
_MISSING: Any = object()


class FrozenRecordError(AttributeError):
    """Assigning to a field of a frozen record (like dataclasses.FrozenInstanceError)."""


class Record:
    """A frozen record: fields are the class's `__slots__` in order, set once by `__init__`.

    `_defaults` gives optional fields their default; `_lazy` maps a field to a function of the
    record that computes it on first read (then it is stored: later reads are plain slot reads).
    A lazy field may also be given to `__init__`, as an equivalent value computed beforehand; it is
    never pickled. Equality and hashing use every field but the lazy ones.
    """

    __slots__ = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _lazy: ClassVar[dict[str, Callable[[Any], Any]]] = {}
    _fields: ClassVar[tuple[str, ...]] = ()  # every slot, in order
    _stored: ClassVar[tuple[str, ...]] = ()  # the slots that are not lazy: what pickles and compares

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list[str] = []
        for klass in reversed(cls.__mro__):
            fields.extend(klass.__dict__.get("__slots__", ()))
        cls._fields = tuple(fields)
        cls._stored = tuple(name for name in fields if name not in cls._lazy)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} arguments ({len(args)} given)")
        for name, value in zip(fields, args):  # noqa: B905 (args is the shorter)
            _set(self, name, value)
        for name in fields[len(args) :]:
            value = kwargs.pop(name, _MISSING)
            if value is _MISSING:
                value = self._defaults.get(name, _MISSING)
                if value is _MISSING:
                    if name in self._lazy:
                        continue
                    raise TypeError(f"{type(self).__name__} is missing the field {name!r}")
            _set(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected or repeated fields: {', '.join(kwargs)}")

    def __getattr__(self, name: str) -> Any:  # only called when a slot is unset: a lazy field's first read
        compute = type(self)._lazy.get(name)
        if compute is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = compute(self)
        _set(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._stored)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__, self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._stored)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return rebuild_record, (self.__class__, self._values())

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (lazy fields not given are computed afresh)."""
        values = {name: getattr(self, name) for name in self._stored}
        values.update(changes)
        return type(self)(**values)


def rebuild_record(cls: type[R], values: tuple[Any, ...]) -> R:
    """Unpickle a record: its stored fields in order, the lazy ones left to compute on first read."""
    if len(values) != len(cls._stored):  # pickled by another version of the class: refuse, never misplace
        raise TypeError(f"{cls.__name__} has {len(cls._stored)} stored fields, the pickle {len(values)}")
    record = object.__new__(cls)
    for name, value in zip(cls._stored, values):  # noqa: B905 (same length, checked above)
        _set(record, name, value)
    return record


_FIELD_COUNTS: dict[type, int] = {}


def new_frozen(cls: type[T], values: dict[str, Any]) -> T:
    """`cls(**values)` for a frozen (non-slots) dataclass whose __init__ only stores fields.

    `values` must name every field once (tests/test_engine.py checks the engine's callers); a
    count that differs, e.g. after a field was added, falls back to the ordinary constructor.
    """
    count = _FIELD_COUNTS.get(cls)
    if count is None:
        from dataclasses import fields  # first call per class only

        count = _FIELD_COUNTS[cls] = len(fields(cls))  # type: ignore[arg-type]
    if len(values) != count:
        return cls(**values)
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    return instance
