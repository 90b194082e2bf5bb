"""The small condition language of the rules, compiled once into plain predicates.

A condition is a mapping with one key (`file`, `glob`, `config_has`, `config`, `json`, `hub`,
`architecture`, `class`, `library`, `any`, `all`, `not`); `schema/common.schema.json` describes
it fully. Compiling turns it into a function of a `Facts` object, so evaluation does no parsing.
"""

from __future__ import annotations

from _collections_abc import Mapping  # what collections.abc re-exports, without importing all of collections

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    Predicate = Callable[["Facts"], bool]

_MISSING = object()
CONFIG_FILE = "config.json"


class Facts:
    """What conditions look at: evidence plus the architecture and library under consideration.

    Mutable on purpose: the engine sets `architecture` and `library` as it goes, without copying.
    A plain slotted class (not a dataclass: the resolve path does not import `dataclasses`).
    """

    __slots__ = ("files", "docs", "hub", "classes", "architecture", "library", "_class_text")

    def __init__(
        self,
        files: frozenset[str] = frozenset(),
        docs: Mapping[str, Any] | None = None,
        hub: Mapping[str, Any] | None = None,
        classes: Sequence[tuple[str, str]] = (),  # (name, module) for the class and its bases
        architecture: str | None = None,
        library: str | None = None,
    ) -> None:
        self.files = files
        self.docs = {} if docs is None else docs
        self.hub = {} if hub is None else hub
        self.classes = classes
        self.architecture = architecture
        self.library = library
        # "\n"-joined class names and modules, built on first use: class conditions become substring tests
        self._class_text: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return (
            f"Facts(files={self.files!r}, docs={self.docs!r}, hub={self.hub!r}, classes={self.classes!r}, "
            f"architecture={self.architecture!r}, library={self.library!r})"
        )

    @property
    def config(self) -> Mapping[str, Any]:
        config = self.docs.get(CONFIG_FILE)
        if type(config) is dict:  # the common case, without the cost of an ABC check
            return config
        return config if config is not None and isinstance(config, Mapping) else {}

    def class_text(self) -> tuple[str, str]:
        """(names, modules) of `classes`, each "\n"-joined with a "\n" at both ends."""
        if self._class_text is None:
            classes = self.classes
            pairs = (
                classes if type(classes) is tuple else classes.pairs() if hasattr(classes, "pairs") else tuple(classes)
            )
            names, modules = zip(*pairs) if pairs else ((), ())  # noqa: B905 (pairs)
            self._class_text = ("\n" + "\n".join(names) + "\n", "\n" + "\n".join(modules) + "\n")
        return self._class_text


def lookup(data: Any, dotted: str) -> Any:
    """Follow a dotted path (`text_config.model_type`) through nested mappings; `_MISSING` if absent."""
    return _follow(data, tuple(dotted.split(".")))


def _follow(data: Any, parts: tuple[str, ...]) -> Any:
    """`lookup` with the path already split (conditions split theirs once, when compiled)."""
    for part in parts:
        if type(data) is dict:  # the common case, without the cost of an ABC check
            data = data.get(part, _MISSING)
            if data is _MISSING:
                return _MISSING
        elif isinstance(data, Mapping) and part in data:
            data = data[part]
        else:
            return _MISSING
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


_SCALARS: tuple[type, ...] = (str, int, float, bool)  # the JSON values an `in` list can hold (None aside)

_MATCH_OPS: dict[str, Callable[[Any], Callable[[Any], bool]]] = {
    "equals": lambda arg: lambda v: v is not _MISSING and v == arg,
    # a value `in` a list must be a hashable scalar; tested inline: the library and serving conditions read it
    "in": lambda arg: (lambda s: lambda v: (v is None or isinstance(v, _SCALARS)) and v in s)(frozenset(arg)),
    "not_in": lambda arg: (lambda s: lambda v: not ((v is None or isinstance(v, _SCALARS)) and v in s))(frozenset(arg)),
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


def _match_mapping(spec: Mapping[str, Any], get: Callable[[Facts], Any]) -> Predicate:
    checks = [(tuple(key.split(".")), compile_matcher(matcher)) for key, matcher in spec.items()]

    def predicate(facts: Facts) -> bool:
        data = get(facts)
        for parts, match in checks:
            if not match(_follow(data, parts)):
                return False
        return True

    return predicate


def _match_config(spec: Mapping[str, Any]) -> Predicate:
    """`_match_mapping` over config.json, with the common one-field, top-level case read directly."""
    if len(spec) != 1 or "." in next(iter(spec)):
        return _match_mapping(spec, lambda facts: facts.config)
    ((key, matcher),) = spec.items()
    match = compile_matcher(matcher)

    def predicate(facts: Facts) -> bool:
        config = facts.config
        if type(config) is dict:
            return match(config.get(key, _MISSING))
        return match(_follow(config, (key,)))

    return predicate


def _globs(patterns: list[str]) -> Predicate:
    """Any file matches any of the glob patterns (fnmatch's, case-sensitive), in one pass over the file list."""
    if all(_shape(p) == "suffix" for p in patterns):  # the common `*.safetensors`: one C call per name
        suffixes = tuple(p[1:] for p in patterns)

        def has_suffix(facts: Facts) -> bool:
            for name in facts.files:
                if name.endswith(suffixes):
                    return True
            return False

        return has_suffix
    match = glob_matcher(patterns)

    def predicate(facts: Facts) -> bool:
        for name in facts.files:
            if match(name):
                return True
        return False

    return predicate


def glob_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A test of a name against any of `patterns`, as `fnmatch.fnmatchcase` would say.

    Patterns of literals and `*` (all but a few of the rules') are tested with string methods, so the
    resolve path does not import `re` (a cold start's few milliseconds); `?` and `[...]` go through
    fnmatch's regular expression, compiled once.
    """
    suffixes = tuple(p[1:] for p in patterns if _shape(p) == "suffix")
    literals = frozenset(p for p in patterns if _shape(p) == "literal")
    stars = [p.split("*") for p in patterns if _shape(p) == "stars"]
    ends = tuple(parts[-1] for parts in stars)  # a name that ends with none of these matches none of them
    others = [p for p in patterns if _shape(p) == "class"]
    regex = None
    if others:
        import fnmatch
        import re

        regex = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in others)).match

    def match(name: str) -> bool:
        if suffixes and name.endswith(suffixes):
            return True
        if ends and name.endswith(ends):
            for parts in stars:
                if _star_match(parts, name):
                    return True
        if literals and name in literals:
            return True
        return regex is not None and regex(name) is not None

    return match


def _shape(pattern: str) -> str:
    """`literal` (no wildcard), `suffix` (`*` then literals), `stars` (literals and `*`) or `class`
    (a `?` or a `[...]`: a regular expression)."""
    if "?" in pattern or "[" in pattern:
        return "class"
    if "*" not in pattern:
        return "literal"
    return "suffix" if pattern[:1] == "*" and "*" not in pattern[1:] else "stars"


def _star_match(parts: list[str], name: str) -> bool:
    """fnmatch of a pattern of literals and `*` (given split on `*`): the literal pieces in order, the
    first at the start, the last at the end."""
    head, tail = parts[0], parts[-1]
    if len(name) < len(head) + len(tail) or not name.startswith(head) or not name.endswith(tail):
        return False
    position, end = len(head), len(name) - len(tail)
    for piece in parts[1:-1]:
        found = name.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _json(spec: Mapping[str, Any]) -> Predicate:
    name = spec["file"]
    inner = _match_mapping(spec.get("match", {}), lambda facts: facts.docs.get(name))

    def predicate(facts: Facts) -> bool:
        doc = facts.docs.get(name)
        if doc is None:  # the usual case, decided without the cost of an ABC check
            return False
        return (type(doc) is dict or isinstance(doc, Mapping)) and inner(facts)

    return predicate


def _needles(spec: Any) -> tuple[str, ...] | None:
    """Substrings of the "\n"-joined text, one of which occurs exactly when some line matches `spec`.

    None when the matcher is not a plain string test (then the classes are walked one by one).
    """
    if isinstance(spec, str):
        spec = {"equals": spec}
    if not isinstance(spec, Mapping) or len(spec) != 1:
        return None
    ((op, arg),) = spec.items()
    values = list(arg) if op == "in" and isinstance(arg, (list, tuple)) else [arg]
    if not values or not all(isinstance(v, str) and v and "\n" not in v for v in values):
        return None
    form = {"equals": "\n{}\n", "in": "\n{}\n", "prefix": "\n{}", "suffix": "{}\n", "contains": "{}"}.get(op)
    return tuple(form.format(v) for v in values) if form else None


def _class(spec: Mapping[str, Any]) -> Predicate:
    name_match = compile_matcher(spec["name"]) if "name" in spec else None
    module_match = compile_matcher(spec["module"]) if "module" in spec else None
    # quick tests on the joined names / modules: necessary always, sufficient when only one field is given
    found = [(index, _needles(spec[key])) for index, key in enumerate(("name", "module")) if key in spec]
    exact = len(found) == 1 and found[0][1] is not None
    quick = [(index, needles) for index, needles in found if needles is not None]

    def walk(facts: Facts) -> bool:
        for name, module in facts.classes:
            if (name_match is None or name_match(name)) and (module_match is None or module_match(module)):
                return True
        return False

    if not quick:
        return walk
    if exact and len(quick[0][1]) == 1:  # the usual form, e.g. {module: {prefix: transformers.}}
        index, (needle,) = quick[0]
        # no classes: the texts are "\n\n", which holds no needle (needles are non-empty class names or modules)
        return lambda facts: needle in (facts._class_text or facts.class_text())[index]

    def predicate(facts: Facts) -> bool:
        text = facts._class_text or facts.class_text()  # no classes: no needle in it, as above
        for index, needles in quick:
            haystack = text[index]
            for needle in needles:
                if needle in haystack:
                    break
            else:
                return False
        return True if exact else walk(facts)

    return predicate


def _config_has(keys: str | list[str]) -> Predicate:
    paths = [tuple(key.split(".")) for key in ([keys] if isinstance(keys, str) else keys)]

    def predicate(facts: Facts) -> bool:
        config = facts.config
        if not config and paths:  # no config.json: no key of it is present
            return False
        for parts in paths:
            value = _follow(config, parts)
            if value is _MISSING or value is None:
                return False
        return True

    return predicate


def compile_condition(spec: Mapping[str, Any]) -> Predicate:
    """Compile one condition mapping (already schema-valid) into a predicate."""
    if len(spec) != 1:  # several keys = all of them
        return _all([compile_condition({key: value}) for key, value in spec.items()])
    ((key, value),) = spec.items()
    if key == "file":
        return lambda facts: value in facts.files
    if key == "glob":
        return _globs([value])
    if key == "config_has":
        return _config_has(value)
    if key == "config":
        return _match_config(value)
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
    if key == "all":
        return _all([compile_condition(item) for item in value])
    if key == "any":
        # the globs of an `any` become one regex and its file names one set: one test each, not one per item
        def only(item: Any, key: str) -> bool:
            return isinstance(item, Mapping) and list(item) == [key]

        globs = [item["glob"] for item in value if only(item, "glob")]
        names = frozenset(item["file"] for item in value if only(item, "file"))
        parts = [compile_condition(item) for item in value if not (only(item, "glob") or only(item, "file"))]
        if globs:
            parts.insert(0, _globs(globs))
        if names:
            parts.insert(0, lambda facts: not names.isdisjoint(facts.files))
        return any_of(parts)
    if key == "not":
        inner = compile_condition(value)
        return lambda facts: not inner(facts)
    raise ValueError(f"unknown condition {key!r}")  # the schema rejects this before we get here


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]

    def predicate(facts: Facts) -> bool:
        for part in parts:
            if not part(facts):
                return False
        return True

    return predicate


def any_of(parts: list[Predicate]) -> Predicate:
    """A predicate that holds when one of `parts` holds, tried in order."""
    if len(parts) == 1:
        return parts[0]

    def predicate(facts: Facts) -> bool:
        for part in parts:
            if part(facts):
                return True
        return False

    return predicate


def describe(spec: Any, nested: bool = False) -> str:
    """A condition in a few words, for traces: `modules.json`, `config.json has pretrained_cfg`, ..."""
    if not isinstance(spec, Mapping):
        return str(spec)
    nested = nested or len(spec) > 1
    said = []
    for key, value in spec.items():
        if key == "file":
            said.append(str(value))
        elif key == "glob":
            said.append(f"files matching {value}")
        elif key == "config_has":
            said.append(f"{CONFIG_FILE} has {', '.join([value] if isinstance(value, str) else value)}")
        elif key in ("config", "hub"):
            said.append(f"{CONFIG_FILE if key == 'config' else 'Hub'} {_describe_fields(value)}")
        elif key == "json":
            match = value.get("match")
            said.append(f"{value.get('file')} {_describe_fields(match)}" if match else str(value.get("file")))
        elif key in ("architecture", "library"):
            said.append(f"{key} {_describe_matcher(value)}")
        elif key == "class":
            said.append("class " + " ".join(f"{k} {_describe_matcher(v)}" for k, v in value.items()))
        elif key in ("any", "all"):
            joined = (" or " if key == "any" else " and ").join(describe(item, True) for item in value)
            said.append(f"({joined})" if nested and len(value) > 1 else joined)
        elif key == "not":
            said.append(f"not {describe(value, True)}")
    return " and ".join(said)


def _describe_fields(spec: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} {_describe_matcher(matcher)}" for key, matcher in spec.items())


def _describe_matcher(spec: Any) -> str:
    if not isinstance(spec, Mapping):
        return f"= {spec}"
    return " ".join(f"{op} {arg}" for op, arg in spec.items())


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
