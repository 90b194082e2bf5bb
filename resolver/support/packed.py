"""A large read-only table of name -> (text, text), pickled as one string: cheap to load, built on use.

The generated architecture table (~1,800 classes) is most of the compiled rules' objects, and a
one-shot resolve looks one or two names up in it. Unpickling it as a dict made every entry's three
strings and tuple on each start; packed, it loads as one string, the first lookups search that
string, and the dict is built only once a process has asked enough to make it pay.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView

Entry = tuple[str, str]
SEARCHES_BEFORE_BUILDING = 8  # lookups answered by searching the string; the next one builds the dict


class PackedTable:
    """A read-only mapping of str -> (str, str), as `dict` reads it; pickles as one string.

    Keys and values must not hold a tab or a newline (the packing's separators); a table that does
    is kept as a plain dict inside, and works the same.
    """

    # `get` is a slot: the search below until the dict is built, then the dict's own `get` (a C call)
    __slots__ = ("_packed", "_table", "_searches", "get")
    get: Callable[..., Entry | None]

    def __init__(self, items: Mapping[str, Entry] | None = None) -> None:
        self._table: dict[str, Entry] | None = dict(items or {})
        self._packed: str | None = None
        self._searches = 0
        self.get = self._table.get

    # ---------------------------------------------------------------- reading

    def _search(self, name: str, default: Entry | None = None) -> Entry | None:
        """`get` before the dict is built: the entry of `name` found in the packed string, or `default`."""
        if self._table is not None:
            return self._table.get(name, default)
        self._searches += 1
        if self._searches > SEARCHES_BEFORE_BUILDING or type(name) is not str:
            return self._built().get(name, default)
        if "\t" in name or "\n" in name:
            return default  # no key holds a separator
        packed = self._packed or ""
        start = packed.find(f"\n{name}\t")
        if start < 0:
            return default
        start += len(name) + 2
        end = packed.find("\n", start)
        first, _, second = packed[start : end if end >= 0 else len(packed)].partition("\t")
        return first, second

    def __getitem__(self, name: str) -> Entry:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())

    def keys(self) -> KeysView[str]:
        return self._built().keys()

    def values(self) -> ValuesView[Entry]:
        return self._built().values()

    def items(self) -> ItemsView[str, Entry]:
        return self._built().items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedTable):
            return self._built() == other._built()
        return isinstance(other, dict) and self._built() == other

    __hash__ = None  # type: ignore[assignment]  # a mapping: unhashable, as dict

    def __repr__(self) -> str:
        return f"PackedTable({self._built()!r})"

    def _built(self) -> dict[str, Entry]:
        """The table as a dict, made from the packed string on first need."""
        if self._table is None:
            table: dict[str, Entry] = {}
            for line in (self._packed or "").split("\n"):
                if line:
                    name, first, second = line.split("\t")
                    table[name] = (first, second)
            self._table, self._packed = table, None
            self.get = table.get
        return self._table

    # ---------------------------------------------------------------- pickling

    def __getstate__(self) -> tuple[str | None, dict[str, Entry] | None]:
        table = self._built()
        if any("\t" in text or "\n" in text for name, entry in table.items() for text in (name, *entry)):
            return None, table  # cannot be packed: kept whole
        return "".join(f"\n{name}\t{first}\t{second}" for name, (first, second) in table.items()), None

    def __setstate__(self, state: tuple[str | None, dict[str, Entry] | None]) -> None:
        packed, table = state
        self._packed, self._table, self._searches = packed, table, 0
        self.get = self._search if table is None else table.get
