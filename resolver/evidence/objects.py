"""Evidence from a loaded model object or a model class: its class hierarchy (read on demand) and its config."""

from __future__ import annotations

from _collections_abc import Mapping, Sequence  # what collections.abc re-exports, without importing all of collections
from _operator import attrgetter  # operator's C half: operator.py itself is not needed

from resolver.evidence.model import Evidence
from resolver.support.frozen import new_frozen

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


def class_chain(cls: type) -> tuple[tuple[str, str], ...]:
    """(name, module) for a class and every base in method resolution order, `object` left out."""
    return tuple([(c.__name__, c.__module__) for c in cls.__mro__ if c is not object])


class ClassChain(Sequence[tuple[str, str]]):
    """`class_chain(cls)`, read from the class as far as it is used.

    Finding the task of a model class usually needs its own name only (`name`, None for an empty
    chain); class conditions read the "\n"-joined names and modules (`texts`); the whole chain of
    (name, module) pairs is built on the first access that needs all of it. Compares, hashes and
    pickles as the tuple.
    """

    __slots__ = ("_cls", "_pairs", "name")

    def __init__(self, cls: type):
        self._cls = cls
        self._pairs: tuple[tuple[str, str], ...] | None = None
        self.name: str | None = cls.__name__ if cls is not object else None

    def _classes(self) -> tuple[type, ...]:
        """The class and its bases in method resolution order, `object` left out."""
        mro = self._cls.__mro__
        return mro[:-1] if mro[-1] is object else mro

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The whole chain as a tuple."""
        if self._pairs is None:
            self._pairs = tuple([(c.__name__, c.__module__) for c in self._classes()])
        return self._pairs

    def texts(self) -> tuple[str, str]:
        """(names, modules), each "\n"-joined with a "\n" at both ends (`Facts.class_text`), without the pairs."""
        mro = self._classes()
        return "\n" + "\n".join(map(_NAME, mro)) + "\n", "\n" + "\n".join(map(_MODULE, mro)) + "\n"

    def __len__(self) -> int:
        return len(self._classes())

    def __getitem__(self, index: Any) -> Any:  # one pair for an int, a tuple of pairs for a slice
        if self._pairs is None and type(index) is int:
            cls = self._classes()[index]
            return (cls.__name__, cls.__module__)
        return self.pairs()[index]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        if self._pairs is not None:
            return iter(self._pairs)
        return ((cls.__name__, cls.__module__) for cls in self._classes())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClassChain):
            return self.pairs() == other.pairs()
        return isinstance(other, tuple) and self.pairs() == other

    def __hash__(self) -> int:
        return hash(self.pairs())

    def __repr__(self) -> str:
        return repr(self.pairs())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.pairs(),))


def _chain(cls: type) -> ClassChain:
    """`ClassChain(cls)` without the cost of calling a class with a Python __init__ (once per class evidence)."""
    chain = _new(ClassChain)
    chain._cls = cls
    chain._pairs = None
    chain.name = cls.__name__ if cls is not object else None
    return chain


_new = object.__new__
_set = object.__setattr__
_NAME = attrgetter("__name__")
_MODULE = attrgetter("__module__")
_NO_FILES: frozenset[str] = frozenset()


def from_object(obj: Any) -> Evidence:
    """Evidence from a loaded model object or a model class: its class hierarchy and its config."""
    if isinstance(obj, type):
        cls = obj
        source = "class"
        documents: dict[str, Any] = {}
        files = _NO_FILES
    else:
        cls = type(obj)
        source = "object"
        documents = {}
        files = _NO_FILES
        config = getattr(obj, "config", None)
        if config is not None:
            as_dict = config.to_dict() if hasattr(config, "to_dict") else config
            if isinstance(as_dict, Mapping):
                documents["config.json"] = dict(as_dict)
                files = frozenset(documents)
    values = {
        "source": source,
        "ref": f"{cls.__module__}.{cls.__qualname__}",
        "files": files,
        "documents": documents,
        "hub": {},
        "classes": _chain(cls),
        "subfolder": None,
        "revision": None,
        "notes": (),
    }
    if _DIRECT:  # new_frozen's work, inline: the values become the instance's __dict__
        evidence = _new(Evidence)
        _set(evidence, "__dict__", values)
        return evidence
    return new_frozen(Evidence, values)  # Evidence's fields changed: its own checks apply


# from_object gives every field of Evidence (tests/test_objects.py checks it); a change there falls back to new_frozen
_DIRECT = Evidence._fields == (
    "source",
    "ref",
    "files",
    "documents",
    "hub",
    "classes",
    "subfolder",
    "revision",
    "notes",
)
