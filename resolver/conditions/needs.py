"""Which evidence a condition needs before it can hold, so the engine skips rules that cannot match.

A condition's needs are clauses: each clause is a set of channels of which at least one must be
present (a conjunction of disjunctions). Channels:
- `file:NAME`: that file is listed; `ext:EXT`: a listed file ends in `.EXT`; `files`: any file is;
- `doc:PATH`: that JSON document was read; `key:PATH<NUL>KEY`: it is a mapping with the top-level KEY;
- `nokey:PATH<NUL>KEY`: the document has no top-level KEY with a value (absent or null; no such
  document counts too): what `not: {config_has: KEY}` needs, so a rule for configs *without*
  `architectures` is skipped on the many that have one;
- `classes`: a class hierarchy is known; `hub`: Hub metadata is known; `task`: the caller gave the task.
A condition that can hold with nothing present (other `not`s, `architecture`, `library`, a matcher
such as `exists: false`) needs nothing. The analysis only has to be safe: it may keep a rule that cannot
match, never drop one that can (tests/test_needs.py checks this on every example and case). The
channels a resolution computes are those `channels_in` finds in the rules' conditions.
"""

from __future__ import annotations

from _collections_abc import Mapping  # what collections.abc re-exports, without importing all of collections

from resolver.conditions.language import CONFIG_FILE

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

Needs = tuple[frozenset[str], ...]
NOTHING: Needs = ()
CLASSES = "classes"
HUB = "hub"
FILES = "files"
TASK = "task"
_GLOB_SPECIALS = frozenset("*?[]/")


def file_channel(name: str) -> str:
    return f"file:{name}"


def ext_channel(extension: str) -> str:
    return f"ext:{extension}"


def doc_channel(path: str) -> str:
    return f"doc:{path}"


def key_channel(path: str, key: str) -> str:
    return f"key:{path}\0{key}"  # NUL: no file path contains one


def no_key_channel(path: str, key: str) -> str:
    return f"nokey:{path}\0{key}"


def extension(name: str) -> str | None:
    """What follows the last dot of a file name (`safetensors`), or None when there is none."""
    dot = name.rfind(".")
    return name[dot + 1 :] if dot >= 0 and "/" not in name[dot:] else None


def needs_of(spec: Any) -> Needs:
    """The clauses `spec` needs (see the module docstring); () when it needs nothing."""
    if not isinstance(spec, Mapping):
        return NOTHING
    clauses: list[frozenset[str]] = []
    for key, value in spec.items():  # several keys = all of them
        clauses.extend(_needs_of_one(key, value))
    return tuple(clauses)


def _needs_of_one(key: str, value: Any) -> Needs:
    if key == "file":
        return (frozenset({file_channel(value)}),)
    if key == "glob":
        literal = extension(value)
        if literal and not _GLOB_SPECIALS.intersection(literal):
            return (frozenset({ext_channel(literal)}),)  # "*.gguf", "*tf_model*.h5": a file ending so
        return (frozenset({FILES}),)
    if key == "config_has":
        keys = [value] if isinstance(value, str) else list(value)
        return _key_clauses(CONFIG_FILE, keys) or (frozenset({doc_channel(CONFIG_FILE)}),)
    if key == "config":
        return _key_clauses(CONFIG_FILE, _keys_that_must_exist(value))
    if key == "json":
        keys = _keys_that_must_exist(value.get("match") or {})
        return (frozenset({doc_channel(value["file"])}), *_key_clauses(value["file"], keys))
    if key == "hub":
        return (frozenset({HUB}),) if _keys_that_must_exist(value) else NOTHING
    if key == "class":
        return (frozenset({CLASSES}),)
    if key == "all":
        return tuple(clause for item in value for clause in needs_of(item))
    if key == "any":
        # one alternative must hold, so one of the channels some alternative needs must be present
        alternatives = [needs_of(item) for item in value]
        if not alternatives or any(not needs for needs in alternatives):
            return NOTHING
        return (frozenset().union(*(needs[0] for needs in alternatives)),)
    if key == "not" and isinstance(value, Mapping) and list(value) == ["config_has"]:
        # not (k1 and k2 ...) holds when one of the keys has no value; a dotted key may lack its inner
        # part whatever the top level holds, so it says nothing
        keys = [value["config_has"]] if isinstance(value["config_has"], str) else list(value["config_has"])
        if keys and all(isinstance(k, str) and "." not in k for k in keys):
            return (frozenset(no_key_channel(CONFIG_FILE, k) for k in keys),)
    return NOTHING  # other nots, architecture, library: they can hold whatever is present


def _key_clauses(path: str, dotted_keys: Iterable[str]) -> Needs:
    return tuple(frozenset({key_channel(path, key.split(".", 1)[0])}) for key in dotted_keys)


def _keys_that_must_exist(fields: Mapping[str, Any]) -> list[str]:
    """The field names whose matcher fails on a missing value: each must be in the document."""
    return [name for name, matcher in fields.items() if _fails_when_missing(matcher)]


def _fails_when_missing(matcher: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return True  # equality with a value
    return any(op not in ("not_in", "exists") or (op == "exists" and arg) for op, arg in matcher.items())


def channels_in(spec: Any) -> set[str]:
    """Every channel `spec` or any condition inside it needs: what `prune` may ask about."""
    found = {channel for clause in needs_of(spec) for channel in clause}
    if isinstance(spec, Mapping):
        for key, value in spec.items():
            if key in ("any", "all"):
                for item in value:
                    found |= channels_in(item)
            elif key == "not":
                found |= channels_in(value)
    return found


def prune(spec: Any, present: frozenset[str]) -> Any:
    """`spec` without the alternatives (of `any`) that cannot hold on evidence offering `present`;
    None when the whole condition cannot hold. Holds exactly when `spec` does, on such evidence."""
    if not satisfiable(needs_of(spec), present):
        return None
    if not isinstance(spec, Mapping):
        return spec
    if len(spec) > 1:
        return prune({"all": [{key: value} for key, value in spec.items()]}, present)
    ((key, value),) = spec.items()
    if key == "any":
        kept = [item for item in (prune(item, present) for item in value) if item is not None]
        return None if not kept else kept[0] if len(kept) == 1 else {"any": kept}
    if key == "all":
        parts = [prune(item, present) for item in value]
        return None if any(part is None for part in parts) else {"all": parts}
    return spec


_FILE_KEYS = frozenset({"file", "glob"})
_COMBINATORS = frozenset({"any", "all", "not"})


def reads_only_files(spec: Any) -> bool:
    """Whether `spec` looks at the file list alone (`file`, `glob`, and `any`/`all`/`not` of them), so
    that its truth, on any evidence, is a function of the listed files: what a plan may memoise per list."""
    if spec is None:
        return True
    if not isinstance(spec, Mapping):
        return False
    for key, value in spec.items():
        if key in _FILE_KEYS:
            continue
        if key not in _COMBINATORS:
            return False
        items = [value] if key == "not" else value
        if not isinstance(items, (list, tuple)) or not all(reads_only_files(item) for item in items):
            return False
    return True


def satisfiable(needs: Needs, present: frozenset[str]) -> bool:
    """False when some clause has no present channel: the condition cannot hold."""
    return all(not clause.isdisjoint(present) for clause in needs)


def surely_holds(spec: Any, present: frozenset[str]) -> bool:
    """True when `spec` holds on any evidence offering `present` (the channels say so by themselves):
    a listed `file`, a `glob` of the form `*.EXT` with `ext:EXT` present, and `any`/`all` of such.
    False when it cannot tell; like `satisfiable`, it only has to be safe (never True for a condition
    that could fail)."""
    if not isinstance(spec, Mapping) or not spec:
        return False
    for key, value in spec.items():  # several keys = all of them
        if key == "file":
            held = isinstance(value, str) and file_channel(value) in present
        elif key == "glob":
            literal = extension(value) if isinstance(value, str) else None
            held = (
                literal is not None
                and value == "*." + literal
                and not _GLOB_SPECIALS.intersection(literal)
                and ext_channel(literal) in present
            )
        elif key == "any":
            held = any(surely_holds(item, present) for item in value)
        elif key == "all":
            held = bool(value) and all(surely_holds(item, present) for item in value)
        else:
            held = False
        if not held:
            return False
    return True


MAX_FILE_LISTS = 1024  # file lists whose channels are remembered (lists of up to 256 names)
MAX_KEY_SETS = 1024  # (document, watched keys held) combinations whose channels are remembered
_MEMOS = frozenset({"by_files", "by_keys"})  # ChannelIndex slots that are memos: not pickled


class ChannelIndex:
    """The channels rules refer to, so a resolution computes only those of its evidence (cheaply).

    It is pickled with the compiled rules: its slots are part of the cache key's shape."""

    __slots__ = (
        "known",
        "files",
        "file_names",
        "extensions",
        "keys",
        "key_names",
        "absent",
        "task",
        "bare",
        "watched",
        "nullable",
        "by_files",
        "by_keys",
    )

    def __init__(self, channels: Iterable[str]):
        channels = set(channels)
        self.known = frozenset(channels)
        self.by_files: dict[frozenset[str], tuple[str, ...]] = {}  # a file list -> its channels (not pickled)
        self.files = {name: file_channel(name) for name in _suffixes(channels, "file:")}
        self.file_names = frozenset(self.files)
        self.extensions = {ext: ext_channel(ext) for ext in _suffixes(channels, "ext:")}
        keys: dict[str, dict[str, str]] = {}
        absent: dict[str, dict[str, str]] = {}
        for channel in channels:
            if channel.startswith("key:"):
                path, _, key = channel[4:].partition("\0")
                keys.setdefault(path, {})[key] = channel
            elif channel.startswith("nokey:"):
                path, _, key = channel[6:].partition("\0")
                absent.setdefault(path, {})[key] = channel
        self.keys = keys  # per document: top-level key -> its key: channel
        self.key_names = {path: frozenset(pairs) for path, pairs in keys.items()}
        self.absent = {path: tuple(pairs.items()) for path, pairs in absent.items()}  # (key, nokey: channel)
        # per document: every top-level key a channel is about (key: or nokey:), what `present` intersects
        self.watched = {
            path: frozenset(keys.get(path, ())) | frozenset(absent.get(path, ())) for path in {*keys, *absent}
        }
        # per watched document: the keys whose null value counts as absent (they have nokey: channels)
        self.nullable = {path: frozenset(absent.get(path, ())) for path in self.watched}
        # (document, the watched keys it holds) -> (its key: and nokey: channels, the held keys whose null
        # value makes a nokey: channel), memoised: configs hold a handful of combinations (not pickled)
        self.by_keys: dict[tuple[str, frozenset[str]], tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {}
        self.task = TASK in channels
        nothing = [channel for pairs in self.absent.values() for _, channel in pairs]  # no document: none has a key
        self.bare = {
            (classes, hub, task): frozenset(
                nothing
                + ([CLASSES] if classes else [])
                + ([HUB] if hub else [])
                + ([TASK] if task and self.task else [])
            )
            for classes in (False, True)
            for hub in (False, True)
            for task in (False, True)
        }

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if name not in _MEMOS}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self.by_files = {}
        self.by_keys = {}

    def _key_channels(self, path: str, held: frozenset[str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The key: channels of a document of `path` holding the watched keys `held`, its nokey:
        channels for the watched keys it lacks, and (key, nokey: channel) for those it holds, which
        count as absent when their value is null."""
        keys = self.keys.get(path, {})
        absent = dict(self.absent.get(path, ()))
        channels = [keys[key] for key in sorted(held) if key in keys]
        channels += [channel for key, channel in absent.items() if key not in held]
        nullable = tuple((key, channel) for key, channel in absent.items() if key in held)
        return tuple(channels), nullable

    def _file_channels(self, files: frozenset[str]) -> tuple[str, ...]:
        found = [FILES]
        named = files.intersection(self.file_names)
        if named:
            found.extend(map(self.files.__getitem__, named))
        if self.extensions:
            extension_channel = self.extensions.get
            for name in files:
                channel = extension_channel(name[name.rfind(".") + 1 :])
                if channel is not None:
                    found.append(channel)
        return tuple(found)

    def shape(
        self, files: frozenset[str], documents: Mapping[str, Any], classes: bool, hub: bool, task: bool = False
    ) -> tuple[Any, ...] | None:
        """A hashable key that decides what `present` says of this evidence, cheaper to make than the
        channels themselves: the file list, the flags, and per document its path and the watched keys
        it holds. None where `present` alone must answer: a file list that cannot be a key (a set, not
        a frozenset; over 256 names), or a watched key held with a null value (it counts as absent)."""
        if type(files) is not frozenset or len(files) > 256:
            return None
        key: tuple[Any, ...] = (files, classes, hub, task and self.task)
        watched = self.watched
        for path in documents:
            names = watched.get(path)
            if names is None:  # no channel reads its keys: its presence is all that counts
                key += (path,)
                continue
            document = documents[path]
            if not (type(document) is dict or isinstance(document, Mapping)):
                key += ((path, None),)
                continue
            held = frozenset(document.keys() & names)
            for name in self.nullable[path] & held:
                if document[name] is None:
                    return None
            key += ((path, held),)
        return key

    def present(
        self, files: frozenset[str], documents: Mapping[str, Any], classes: bool, hub: bool, task: bool = False
    ) -> frozenset[str]:
        """The channels this evidence (and a given task) offers, among those the rules refer to."""
        if not files and not documents:  # a class or object without config: one of eight shapes
            return self.bare[classes, hub, task]
        if files:
            # the channels of a file list, memoised per list: folders of one catalogue share a handful
            # of layouts (bounded, so an endless variety of lists only costs the lookup)
            # (a frozenset as the readers give; Evidence built by hand may hold a set, which cannot be a key)
            of_files = self.by_files.get(files) if type(files) is frozenset else None
            if of_files is None:
                of_files = self._file_channels(files)
                if type(files) is frozenset and len(self.by_files) < MAX_FILE_LISTS and len(files) <= 256:
                    self.by_files[files] = of_files
            found = list(of_files)
        else:
            found = []
        append = found.append
        watched = self.watched
        for path in documents:
            channel = _DOC_CHANNELS.get(path)
            if channel is None:
                channel = doc_channel(path)
                if len(_DOC_CHANNELS) < 1024:
                    _DOC_CHANNELS[path] = channel
            append(channel)
            names = watched.get(path)
            if names:
                document = documents[path]
                if type(document) is dict or isinstance(document, Mapping):
                    memo_key = (path, frozenset(document.keys() & names))
                    known = self.by_keys.get(memo_key)
                    if known is None:
                        known = self._key_channels(*memo_key)
                        if len(self.by_keys) < MAX_KEY_SETS:
                            self.by_keys[memo_key] = known
                    channels, nullable = known
                    found.extend(channels)
                    for key, channel in nullable:  # a key held with a null value has no value
                        if document[key] is None:
                            append(channel)
        for path, pairs in self.absent.items():  # no such document (or not a mapping): none of its keys has a value
            document = documents.get(path)
            if document is None or not (type(document) is dict or isinstance(document, Mapping)):
                found.extend(channel for _, channel in pairs)
        if classes:
            append(CLASSES)
        if hub:
            append(HUB)
        if task and self.task:
            append(TASK)
        return frozenset(found)


_DOC_CHANNELS: dict[str, str] = {}  # doc_channel(path) of the documents seen, made once per path (bounded)


def _suffixes(channels: Iterable[str], prefix: str) -> list[str]:
    return [channel[len(prefix) :] for channel in channels if channel.startswith(prefix)]
