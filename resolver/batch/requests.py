"""What a batch is made of: one Request per input line (a path, a repo id, `id@revision`, or a JSON
object), and the errors of inputs that cannot even be read as a request."""

from __future__ import annotations

import json
import operator
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from resolver.errors import TaskResolverError
from resolver.support.frozen import new_frozen

# The keys a JSON input line may carry besides "ref".
OPTION_KEYS = ("revision", "subfolder", "task", "library")


class BatchInputError(TaskResolverError):
    """An input line that is not a reference: bad JSON, a JSON object without "ref", a wrong-typed field."""


@dataclass(frozen=True)
class Request:
    """One reference to resolve, with the options given for it.

    `label` is the reference as the input wrote it (the output's "ref"); `echo` the input's other
    fields (the output's "request"), so that --resume recognises a line it has already answered.
    `offline`: this request never contacts the Hub (a cache snapshot). `parts`: the component
    subfolders of a diffusers pipeline found by --scan, resolved with it. `error`: the input could not
    be read; it is reported as is, never resolved. `record`: the repo's metadata record from the Hub's
    listing (shipped along so that a Dask worker on another machine asks the Hub nothing more).
    """

    ref: str
    revision: str | None = None
    subfolder: str | None = None
    task: str | None = None
    library: str | None = None
    offline: bool | None = None
    parts: tuple[str, ...] = ()
    label: str | None = None
    echo: tuple[tuple[str, Any], ...] = ()
    error: TaskResolverError | None = None
    record: Any = None  # the Hub's metadata from a listing, for a worker whose metadata cache lacks it

    @property
    def shown(self) -> str:
        """The output's "ref": the reference as the input wrote it."""
        return self.label if self.label is not None else self.ref

    def key(self) -> tuple[str, str]:
        """What --resume compares: the reference as written and the input's other fields."""
        return self.shown, echo_key(dict(self.echo) if self.echo else None)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its reference alone when that is all it has (the usual input line, sent to a pool
        worker in every chunk), else as its fields in order."""
        values = _FIELD_VALUES(self)
        if values[1:] == _PLAIN_REST:
            return plain_request, (self.ref,)
        return Request, values

    def is_local(self) -> bool:
        """A folder on this machine, or a cache snapshot read offline: no network, worth a process."""
        if self.error is not None or self.offline:
            return True
        # only what could be a repo id needs a look at the disk ("/data/m", "./m" cannot be one)
        return not _repo_like(self.ref) or os.path.exists(os.path.expanduser(self.ref))


# every field's default ("ref" has none: plain_request gives it)
_PLAIN = {name: getattr(Request, name, None) for name in Request.__dataclass_fields__}
_PLAIN_REST = tuple(_PLAIN.values())[1:]  # the defaults of the fields after "ref", in order
_FIELD_VALUES = operator.attrgetter(*_PLAIN)  # a Request's fields, in order


def plain_request(ref: str) -> Request:
    """`Request(ref=ref)`, without the frozen dataclass's __init__ (one per input line of a batch)."""
    values = dict(_PLAIN)
    values["ref"] = ref
    return new_frozen(Request, values)


def echo_key(echo: Mapping[str, Any] | None) -> str:
    """The canonical text of a request's extra fields ("" when there are none)."""
    return json.dumps(echo, sort_keys=True, separators=(",", ":")) if echo else ""


def parse_line(line: str) -> Request | None:
    """The request one input line asks for; None for a blank line or a # comment."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith(("{", "[")) and not os.path.exists(text):
        return _from_json(text)
    return from_text(text)


def from_text(text: str) -> Request:
    """A path, a repo id or `id@revision` (a path that exists is a path, even with an @ in it)."""
    if "@" in text and not os.path.exists(os.path.expanduser(text)):
        ref, _, revision = text.rpartition("@")
        if ref and revision and _repo_like(ref):
            return Request(ref=ref, revision=revision, label=text)
    return plain_request(text)


def _repo_like(ref: str) -> bool:
    if ref.startswith(
        ("/", "./", "../", "~")
    ):  # a path: no repo id starts so (the Hub's rule, evidence/hub/repo_id.py)
        return False
    from resolver.evidence.hub.repo_id import looks_like_repo_id

    return looks_like_repo_id(ref)


def _from_json(text: str) -> Request:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return _bad(text, f"not valid JSON: {exc}")
    if not isinstance(data, dict):
        return _bad(text, "a JSON input line must be an object")
    return from_mapping(data, text)


def from_mapping(data: Mapping[str, Any], shown: str | None = None) -> Request:
    """A request from {"ref", "revision"?, "subfolder"?, "task"?, "library"?}."""
    shown = shown if shown is not None else json.dumps(dict(data), sort_keys=True, default=str)
    ref = data.get("ref")
    if not isinstance(ref, str) or not ref.strip():
        return _bad(shown, 'a JSON input line needs "ref": a path or a repo id (a non-empty string)')
    unknown = sorted(set(data) - {"ref", *OPTION_KEYS})
    if unknown:
        return _bad(shown, f"unknown field(s) {', '.join(unknown)}", label=ref)
    options: dict[str, str] = {}
    for key in OPTION_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            return _bad(shown, f'"{key}" must be a non-empty string, not {json.dumps(value)}', label=ref)
        options[key] = value
    return Request(
        ref=ref,
        revision=options.get("revision"),
        subfolder=options.get("subfolder"),
        task=options.get("task"),
        library=options.get("library"),
        label=ref,
        echo=tuple(sorted(options.items())),
    )


def _bad(shown: str, message: str, *, label: str | None = None) -> Request:
    hint = 'one reference a line: a path, a repo id, id@revision, or {"ref": ..., "revision": ..., "subfolder": ...}'
    error = BatchInputError(f"bad input line: {message}", hint=hint)
    return Request(ref=label or shown, label=label or shown, error=error)


def as_request(item: Any) -> Request:
    """A Request from what resolve_many accepts: a Request, a mapping, a path or a reference string."""
    if isinstance(item, Request):
        return item
    if isinstance(item, Mapping):
        return from_mapping(item)
    if isinstance(item, os.PathLike):
        return Request(ref=os.fspath(item))
    if isinstance(item, str):
        return from_text(item.strip()) if item.strip() else Request(ref=item)
    return _bad(repr(item), f"a reference must be a string, a path or a mapping, not {type(item).__name__}")


def read_lines(lines: Iterable[str]) -> Iterator[Request]:
    """The requests of an input stream, one a line (blank lines and # comments skipped)."""
    for line in lines:
        request = parse_line(line)
        if request is not None:
            yield request


# A line starting so can only be a local path (no repo id, JSON object or comment does): its request is
# `plain_request(line.strip())`, whatever else it holds ("@" included), and it is local.
PATH_PREFIXES = ("/", "./", "../", "~")

# What read_refs yields: a Request, or a plain local reference as its text (Scheduler and the pool's
# workers take both; `as_plain` makes the Request when one is needed).
Item = Request | str


def read_refs(lines: Iterable[str]) -> Iterator[Item]:
    """read_lines, but a line that can only be a local path comes as its text: the batch's parent then
    makes no Request for it, and sends the pool a list of strings (the parent's share of the work)."""
    for line in lines:
        text = line.strip()
        if text.startswith(PATH_PREFIXES):
            yield text
        elif text and not text.startswith("#"):
            yield parse_line(text)  # type: ignore[misc]  # not blank, not a comment: a Request


def as_plain(item: Item) -> Request:
    """The Request of a read_refs item."""
    return plain_request(item) if isinstance(item, str) else item


def item_key(item: Item) -> tuple[str, str]:
    """Request.key() of a read_refs item."""
    return (item, "") if isinstance(item, str) else item.key()
