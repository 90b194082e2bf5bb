"""Fast frozen records, and frozen instances built without their __init__, for the hot paths.

`Record` is a frozen value class with `__slots__` whose class costs nothing to create: a
`@dataclass` generates and `exec`s its methods when the class is defined, which for the compiled
rules' dozen classes was ~20 ms of every start (docs/benchmarks.md). A record may also compute a
field on first read (`_lazy`): the compiled rules keep each condition as written and compile it
into a predicate only when the engine first tests it, so the compiled form pickles whole.

`Frozen` is the same idea for the public records that used to be frozen dataclasses (Resolution,
Evidence, RuleDoc): fields are the class's annotations, in order, kept in the instance `__dict__`
as a dataclass keeps them, so they pickle, compare, hash and print as before; `dataclasses.fields`,
`replace`, `asdict` and `is_dataclass` still work on them, importing `dataclasses` only when
called (its import, with `inspect`, costs a cold start ~17 ms).

`new_frozen` builds a frozen record (or a frozen non-slots dataclass) without its __init__: the
values dict becomes the instance's `__dict__`; `Resolution` and `Evidence` are built once per
resolution, so per-field stores would be a measurable share of it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `typing` is not imported at run time, `import resolver` stays light
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import Field
    from typing import Any, ClassVar, TypeVar

    T = TypeVar("T")
    R = TypeVar("R", bound="Record")
    F = TypeVar("F", bound="Frozen")

_set = object.__setattr__
_MISSING: Any = object()
_NO_NAMES: frozenset[str] = frozenset()


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


class DataclassView:
    """A class attribute of `Frozen` that dataclasses or inspect read (`__dataclass_fields__`, ...),
    made on first read for the class it is read from: a frozen dataclass of the same fields is
    built then, once per class, and its attribute returned."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type[Frozen]) -> Any:
        made = _VIEWS.get(owner)
        if made is None:
            made = _VIEWS[owner] = dataclass_view(owner)
        return made[self.name]


_VIEWS: dict[type, dict[str, Any]] = {}


def dataclass_view(cls: type[Frozen]) -> dict[str, Any]:
    """What a frozen dataclass with the fields of `cls` says of them: its fields, its parameters, its signature."""
    import dataclasses
    import inspect

    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(klass.__dict__.get("__annotations__", {}))
    namespace: dict[str, Any] = {
        "__annotations__": {name: annotations[name] for name in cls._fields},
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
    }
    for name in cls._fields:
        options: dict[str, Any] = {}
        if name in cls._factories:
            options["default_factory"] = cls._factories[name]
        elif name in cls._defaults:
            options["default"] = cls._defaults[name]
        if name in cls._hidden:
            options["repr"] = False
        if name in cls._uncompared:
            options["compare"] = False
        if options:
            namespace[name] = dataclasses.field(**options)
    shadow: Any = dataclasses.dataclass(frozen=True)(type(cls.__name__, (), namespace))
    return {
        "__dataclass_fields__": shadow.__dataclass_fields__,
        "__dataclass_params__": shadow.__dataclass_params__,
        "__signature__": inspect.signature(shadow),
    }


class Frozen:
    """A frozen value class: its fields are its annotations (a base's first), in order.

    A field's default is the class attribute of its name; `_factories` maps a field to a function
    making its default afresh (a dataclass's `default_factory`); `_hidden` fields are left out of
    the repr, `_uncompared` ones out of equality and hashing. Equality, hashing (of the compared
    fields, as a tuple), the repr and pickling are a frozen dataclass's, so is assigning (it raises
    `dataclasses.FrozenInstanceError`).
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}
    _hidden: ClassVar[frozenset[str]] = _NO_NAMES
    _uncompared: ClassVar[frozenset[str]] = _NO_NAMES
    _shown: ClassVar[tuple[str, ...]] = ()  # the fields in the repr
    _compared: ClassVar[tuple[str, ...]] = ()  # the fields in equality and hashing

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list[str] = []
        for klass in reversed(cls.__mro__):
            for name, annotation in klass.__dict__.get("__annotations__", {}).items():
                if name not in fields and not name.startswith("_") and not str(annotation).startswith("ClassVar"):
                    fields.append(name)
        cls._fields = tuple(fields)
        cls._defaults = {name: getattr(cls, name) for name in fields if hasattr(cls, name)}
        cls._shown = tuple(name for name in fields if name not in cls._hidden)
        cls._compared = tuple(name for name in fields if name not in cls._uncompared)
        setattr(cls, "__match_args__", cls._fields)  # noqa: B010 (a type checker must not see it as a class constant)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} arguments ({len(args)} given)")
        values = dict(zip(fields, args))  # noqa: B905 (args is the shorter)
        for name in fields[len(args) :]:
            value = kwargs.pop(name, _MISSING)
            if value is _MISSING:
                factory = self._factories.get(name)
                if factory is not None:
                    value = factory()
                else:
                    value = self._defaults.get(name, _MISSING)
                    if value is _MISSING:
                        raise TypeError(f"{type(self).__name__} is missing the field {name!r}")
            values[name] = value
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected or repeated fields: {', '.join(kwargs)}")
        _set(self, "__dict__", values)

    def __setattr__(self, name: str, value: Any) -> None:
        from dataclasses import FrozenInstanceError  # the error a frozen dataclass raised; only when it happens

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = self._compared
        return tuple(getattr(self, name) for name in compared) == tuple(getattr(other, name) for name in compared)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self._compared))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__qualname__}({shown})"

    def replace(self: F, **changes: Any) -> F:
        """A copy with some fields changed (`dataclasses.replace(record, ...)` does the same)."""
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return type(self)(**values)

    # what dataclasses.fields / replace / asdict / is_dataclass and inspect.signature read, made on first read
    if TYPE_CHECKING:  # what type checkers know of dataclasses (their DataclassInstance)
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    else:
        __dataclass_fields__ = DataclassView("__dataclass_fields__")
        __dataclass_params__ = DataclassView("__dataclass_params__")
        __signature__ = DataclassView("__signature__")


class NamedTupleMeta(type):
    """What `class X(NamedTuple): ...` makes, without importing `typing` (~4 ms of a cold start)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        if not bases:  # NamedTuple itself
            return super().__new__(mcs, name, bases, namespace)
        annotations = namespace.get("__annotations__", {})
        defaults = [namespace[field] for field in annotations if field in namespace]
        if any(field in namespace for field in list(annotations)[: len(annotations) - len(defaults)]):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        made: Any = named_tuple(name, tuple(annotations), tuple(defaults), namespace["__module__"])
        made.__annotations__ = made.__new__.__annotations__ = dict(annotations)
        for key, value in namespace.items():
            if key not in annotations and key not in ("__module__", "__annotations__"):
                setattr(made, key, value)
        return made


def named_tuple(name: str, fields: tuple[str, ...], defaults: tuple[Any, ...], module: str) -> type:
    """The class `collections.namedtuple(name, fields, defaults=defaults, module=module)` makes (the same
    constructor, accessors, repr, `_make`, `_replace`, `_asdict`, pickling), without importing
    collections, which with what it imports is a twentieth of a cold start's work."""
    from _collections import _tuplegetter  # type: ignore[import-not-found]  # the C accessor namedtuple uses

    for field in fields:
        if not field.isidentifier() or field.startswith("_") or field in _RESERVED:
            raise ValueError(f"{name}: {field!r} cannot be a field name")
    arguments = ", ".join(fields)
    namespace: dict[str, Any] = {"_tuple_new": tuple.__new__}
    # the constructor's signature (and its errors for a missing or extra argument) as namedtuple's own
    exec(
        f"def __new__(_cls, {arguments}):\n    return _tuple_new(_cls, ({arguments}{',' if fields else ''}))", namespace
    )
    constructor = namespace["__new__"]
    constructor.__defaults__ = defaults or None
    constructor.__qualname__ = f"{name}.__new__"
    constructor.__doc__ = f"Create new instance of {name}({arguments})"
    shown = "(" + ", ".join(f"{field}=%r" for field in fields) + ")"

    def _make(cls: type, iterable: Any) -> Any:
        made: Any = tuple.__new__(cls, iterable)
        if len(made) != len(fields):
            raise TypeError(f"Expected {len(fields)} arguments, got {len(made)}")
        return made

    def _replace(self: Any, /, **changes: Any) -> Any:
        made = self._make(map(changes.pop, fields, self))
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return made

    def __repr__(self: Any) -> str:
        return self.__class__.__name__ + shown % self

    def _asdict(self: Any) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __getnewargs__(self: Any) -> tuple[Any, ...]:
        return tuple(self)

    body: dict[str, Any] = {
        "__doc__": f"{name}({arguments})",
        "__slots__": (),
        "_fields": fields,
        "_field_defaults": dict(zip(fields[len(fields) - len(defaults) :], defaults, strict=True)),
        "__new__": constructor,
        "_make": classmethod(_make),
        "_replace": _replace,
        "__repr__": __repr__,
        "_asdict": _asdict,
        "__getnewargs__": __getnewargs__,
        "__match_args__": fields,
        "__module__": module,
    }
    for method in (_make, _replace, __repr__, _asdict, __getnewargs__):
        method.__qualname__ = f"{name}.{method.__name__}"
    for index, field in enumerate(fields):
        body[field] = _tuplegetter(index, f"Alias for field number {index}")
    return type(name, (tuple,), body)


_RESERVED = frozenset({"_make", "_replace", "_asdict", "_fields", "_field_defaults"})


class NamedTuple(metaclass=NamedTupleMeta):
    """`typing.NamedTuple` for the class form at run time: the class made is the same plain
    `collections.namedtuple` (same pickles, repr, `_asdict`, `_replace`). A module imports it as
    `if TYPE_CHECKING: from typing import NamedTuple` / `else: from resolver.support.frozen import
    NamedTuple`, so type checkers see the real one."""


_FIELD_COUNTS: dict[type, int] = {}


def new_frozen(cls: type[T], values: dict[str, Any]) -> T:
    """`cls(**values)` for a `Frozen` class, or a frozen (non-slots) dataclass whose __init__ only
    stores fields: `values` becomes the instance's `__dict__` (not copied).

    `values` must name every field once (tests/test_engine.py checks the engine's callers); a
    count that differs, e.g. after a field was added, falls back to the ordinary constructor, and
    so does a `Record` (its fields are slots).
    """
    count = _FIELD_COUNTS.get(cls)
    if count is None:
        if issubclass(cls, Record):
            count = -1
        elif issubclass(cls, Frozen):
            count = len(cls._fields)
        else:
            from dataclasses import fields  # a dataclass: first call per class only

            count = len(fields(cls))  # type: ignore[arg-type]
        _FIELD_COUNTS[cls] = count
    if len(values) != count:
        return cls(**values)
    instance = object.__new__(cls)
    _set(instance, "__dict__", values)
    return instance
