"""One worker's side of a batch: its Resolver (one per process), and one request turned into an
Outcome: the Resolution or the typed error, already rendered as the output line when the caller
writes lines (rendering in the worker keeps the parent's share of the work small)."""

from __future__ import annotations

import csv
import inspect
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resolver.api import Resolver
from resolver.batch.requests import Item, Request, as_plain, plain_request
from resolver.batch.walk import look_folder
from resolver.engine.resolution import Resolution
from resolver.errors import TaskResolverError
from resolver.evidence.folder import folder_evidence, from_folder
from resolver.evidence.model import Evidence

# Output shapes: "object" (the Resolution or the error itself, for resolve_many), "json" (a JSON line),
# "csv" (a CSV line with CSV_COLUMNS), "record" (the JSON line's dict, for Dask bags and frames).
SHAPES = ("object", "json", "csv", "record")
CSV_COLUMNS = (
    "ref",
    "request",
    "task",
    "library",
    "framework",
    "loader",
    "strategy",
    "where",
    "model_type",
    "architecture",
    "revision",
    "subfolder",
    "component",
    "parts",
    "error_type",
    "error_message",
    "error_hint",
)


@dataclass(frozen=True)
class Settings:
    """What every request of a batch shares: the rules, the Hub options, the output shape."""

    rule_paths: tuple[str, ...] = ()
    task: str | None = None
    library: str | None = None
    token: str | bool | None = None
    offline: bool | None = None
    cache_dir: str | None = None
    timeout: float | None = None
    shape: str = "object"
    trace: bool = True
    disagreements: bool = False


@dataclass(slots=True)
class Outcome:
    """What one request gave: `value` (a Resolution, an error, a line or a record, per the shape), the
    summary fields, the error type (None when resolved) and the disagreement line, if any."""

    value: Any
    task: str | None = None
    library: str | None = None
    framework: str | None = None
    error_type: str | None = None
    disagreement: str | None = None
    retry_after: float | None = None  # a RateLimited error: the wait it asked for (None: not given)
    rate_limited: bool = False


_RESOLVERS: dict[tuple[str, ...], Resolver] = {}  # one per rule set, per process
_TAKES_TIMEOUT: bool | None = None


def resolver_for(rule_paths: Sequence[str] = ()) -> Resolver:
    """This process's Resolver for a rule set (made once, then reused by every request it resolves)."""
    key = tuple(rule_paths)
    found = _RESOLVERS.get(key)
    if found is None:
        found = _RESOLVERS[key] = Resolver(list(key))
        found.rules  # noqa: B018 - compile the rules now, not inside the first request
    return found


def warm(rule_paths: Sequence[str] = ()) -> int:
    """Build this process's Resolver (a pool's first task); returns a number to wait on."""
    return len(resolver_for(rule_paths).tasks())


def _takes_timeout(resolver: Resolver) -> bool:
    global _TAKES_TIMEOUT
    if _TAKES_TIMEOUT is None:
        _TAKES_TIMEOUT = "timeout" in inspect.signature(resolver.resolve).parameters
    return _TAKES_TIMEOUT


def resolve_request(
    resolver: Resolver,
    request: Item,
    settings: Settings,
    names: frozenset[str] | None = None,
    evidence: Evidence | None = None,
) -> Resolution:
    """Resolve one request (a Request, or a plain local reference's text) with the batch's options
    (the request's own options win).

    `names`: the entries of the folder `request.ref` names (a plain path request), just listed by a
    --scan and all files: its evidence is made from them (from_folder's `names`), with no second listing.
    `evidence`: what read_ahead read for this request (resolved as `Resolver.resolve` would resolve it)."""
    if isinstance(request, str):
        if evidence is not None:
            return resolver.resolve_evidence(evidence, task=settings.task, library=settings.library)
        request = plain_request(request)
    if request.error is not None:
        raise request.error
    task = request.task or settings.task
    library = request.library or settings.library
    if evidence is None and names is not None:
        # resolve()'s order: an unknown task is the error before anything is read
        canonical = resolver.normalize_task(task) if task is not None else None
        evidence = from_folder(request.ref, resolver.rules.documents, skip_broken=canonical is not None, names=names)
    if evidence is not None:
        return resolver.resolve_evidence(evidence, task=task, library=library)
    if request.record is not None and request.revision:
        _keep_record(request, settings)
    options: dict[str, Any] = {
        "task": task,
        "library": library,
        "revision": request.revision,
        "subfolder": request.subfolder,
        "token": settings.token,
        "offline": True if request.offline else settings.offline,
        "cache_dir": settings.cache_dir,
    }
    if settings.timeout is not None and _takes_timeout(resolver):
        options["timeout"] = settings.timeout
    return resolver.resolve(request.ref, **options)


def _keep_record(request: Request, settings: Settings) -> None:
    """Put a listed repo's record in this process's metadata cache, unless it is there already."""
    from resolver.evidence.hub.store import HubSettings, load_record, save_record

    hub = HubSettings.from_env(cache_dir=settings.cache_dir, offline=settings.offline)
    assert request.revision is not None
    if load_record(hub, request.ref, request.revision) is None:
        save_record(hub, request.ref, request.record, None)


def read_ahead(
    resolver: Resolver, request: Item, settings: Settings, names: frozenset[str] | None = None
) -> Evidence | None:
    """The evidence `Resolver.resolve` would read for `request` when it names a local folder with no
    other option (a catalogue's common case), from the listing `names` when a --scan's walk made one;
    None for anything else, and when reading fails (the request is then resolved the usual way,
    which reports the failure in order)."""
    if isinstance(request, str):
        ref, task = request, settings.task
    else:
        if request.error is not None or request.revision or request.subfolder or request.record is not None:
            return None
        ref, task = request.ref, request.task or settings.task
    if type(ref) is not str or not ref.strip():
        return None
    try:
        skip_broken = task is not None and resolver.normalize_task(task) is not None
        if names is not None:
            return from_folder(ref, resolver.rules.documents, skip_broken=skip_broken, names=names)
        return folder_evidence(ref, resolver.rules.documents, skip_broken)
    except Exception:  # reported by the usual way's second attempt, as resolve() reports it
        return None


# Local folders read before any of them is resolved. Reading a folder is system calls, resolving it is
# Python over the rules; done in turn for each folder, each phase finds the caches holding the other's
# code and data (1.6x the floor against 1.3x in windows of 32 or more on the bench's host, docs/batch.md).
READ_AHEAD = 64


def run_requests(requests: Iterable[Item], settings: Settings) -> Iterator[Outcome]:
    """run_request over `requests`, in order: each window of READ_AHEAD is read, then resolved.
    Only the window's evidence is alive at once; a Resolution is made only when its outcome is taken."""
    resolver = resolver_for(settings.rule_paths)
    window: list[Item] = []
    for item in requests:
        window.append(item)
        if len(window) == READ_AHEAD:
            yield from _run_window(resolver, window, settings)
            window = []
    if window:
        yield from _run_window(resolver, window, settings)


def _run_window(resolver: Resolver, window: list[Item], settings: Settings) -> Iterator[Outcome]:
    read = [read_ahead(resolver, request, settings) for request in window]
    for request, evidence in zip(window, read, strict=True):
        yield run_request(request, settings, evidence=evidence)


def run_request(
    request: Item, settings: Settings, names: frozenset[str] | None = None, evidence: Evidence | None = None
) -> Outcome:
    """Resolve one request (a Request, or a plain local reference's text) and shape the outcome; a
    failure of any kind is an outcome, never raised. (`names`, `evidence`: resolve_request's.)"""
    resolver = resolver_for(settings.rule_paths)
    try:
        resolution = resolve_request(resolver, request, settings, names, evidence)
    except Exception as error:  # a bad input never stops the run: every failure is reported
        return error_outcome(as_plain(request), error, settings)
    outcome = Outcome(resolution, resolution.task, resolution.library, resolution.framework or "none")
    if settings.disagreements:
        outcome.disagreement = disagreement_line(resolver, as_plain(request), resolution, settings)
    if settings.shape != "object":  # a line or a record; resolve_many's Resolution is the value as it is
        request = as_plain(request)
        record = _record(request, resolution.to_dict(), settings)
        if request.parts:
            record["parts"] = [_part(resolver, request, name, settings) for name in request.parts]
        outcome.value = render(record, settings.shape)
    return outcome


def run_chunk(requests: Sequence[Item], settings: Settings) -> list[Outcome]:
    """A pool task: a chunk of requests (or plain references' texts), in order (one task per chunk keeps
    the pool's overhead small)."""
    return list(run_requests(requests, settings))


# What the summary counts of one outcome: (error type, task, library, framework, has a disagreement line).
SummaryKey = tuple[str | None, str | None, str | None, str | None, bool]


def summary_key(outcome: Outcome) -> SummaryKey:
    """The summary's counting key of an outcome (Summary.add_counts reads it)."""
    return outcome.error_type, outcome.task, outcome.library, outcome.framework, bool(outcome.disagreement)


@dataclass
class Block:
    """Consecutive outcomes already joined for writing: their lines (`text`, `count` of them), their
    disagreement lines (`report`), and the summary's counts of them (summary_key -> how many).

    A pool worker returns one Block per chunk, so the parent does no per-line work: one write, one
    merge of a few counts (the parent's share of a pool's work is what the workers' speed-up loses)."""

    text: str
    count: int
    counts: dict[SummaryKey, int]
    report: str = ""

    @property
    def errors(self) -> int:
        return sum(n for key, n in self.counts.items() if key[0] is not None)


def block_of(outcomes: Iterable[Outcome]) -> Block:
    """The Block of outcomes whose values are lines (shape "json" or "csv")."""
    lines: list[str] = []
    report: list[str] = []
    counts: dict[SummaryKey, int] = {}
    for outcome in outcomes:
        lines.append(outcome.value)
        if outcome.disagreement:
            report.append(outcome.disagreement)
        key = summary_key(outcome)
        counts[key] = counts.get(key, 0) + 1
    return Block("".join(lines), len(lines), counts, "".join(report))


def run_block(requests: Sequence[Item], settings: Settings) -> Block:
    """A pool task for a line shape: a chunk of requests (or plain references' texts) resolved, in
    order, as one Block."""
    return block_of(run_requests(requests, settings))


def scan_block(
    stack: list[str], budget: int, markers: frozenset[str], settings: Settings, failed: BaseException | None = None
) -> tuple[Block, list[str]]:
    """A pool task of a --scan: walk the tree on from `stack` (folders still to visit, the next one
    last) as sources.scan_folders does, resolving each model folder met, until `budget` folders were
    visited; returns their lines as one Block and what is left of `stack` (its lines come next).

    Each folder is listed once: the walk's listing of a folder holding only files is its evidence's
    too. A folder whose subfolders are more than `budget` ends the task at once: the parent shares
    them out between the workers, instead of this task walking them while the others wait.
    `failed`: the pool broke on this task; its model folders become lines of that error."""
    met: list[Outcome | tuple[Request, frozenset[str] | None]] = []  # in walk order: done, or to resolve
    visited = 0
    start = len(stack)
    while stack and visited < budget:
        folder = stack.pop()
        visited += 1
        found = look_folder(folder, markers, names=failed is None)
        if found.error is not None:
            request = Request(ref=folder, error=found.error)
            met.append(error_outcome(request, found.error, settings))
        elif found.model:
            request = Request(ref=folder, parts=found.parts) if found.parts else plain_request(folder)
            if failed is not None:
                met.append(error_outcome(request, failed, settings))
            else:
                met.append((request, found.names))
        if found.children:
            stack.extend(found.children)
            if len(stack) - start > budget:  # a big folder: its subfolders go back to be shared out
                break
    # the model folders met are read, then resolved (READ_AHEAD's reason), each phase over all of them
    resolver = resolver_for(settings.rule_paths)
    read = [None if isinstance(item, Outcome) else read_ahead(resolver, item[0], settings, item[1]) for item in met]
    outcomes = [
        item if isinstance(item, Outcome) else run_request(item[0], settings, item[1], evidence)
        for item, evidence in zip(met, read, strict=True)
    ]
    return block_of(outcomes), stack


def error_outcome(request: Request, error: BaseException, settings: Settings) -> Outcome:
    """The outcome of a request that failed: the error itself, or its line."""
    name = type(error).__name__
    limited = name == "RateLimited"
    retry_after = getattr(error, "retry_after", None) if limited else None
    if settings.shape == "object":
        value: Any = error
    else:
        record: dict[str, Any] = {"ref": request.shown}
        if request.echo:
            record["request"] = dict(request.echo)
        record["error"] = error_body(error)
        value = render(record, settings.shape)
    return Outcome(value=value, error_type=name, retry_after=retry_after, rate_limited=limited)


def error_body(error: BaseException) -> dict[str, Any]:
    """{"type", "message", "hint"} of an error (not one of ours: its class name and text)."""
    if isinstance(error, TaskResolverError):
        return {"type": type(error).__name__, "message": error.message, "hint": error.hint}
    return {"type": type(error).__name__, "message": str(error) or repr(error), "hint": None}


def _record(request: Request, data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    record: dict[str, Any] = {"ref": request.shown}
    if request.echo:
        record["request"] = dict(request.echo)
    data.pop("ref", None)
    if not settings.trace:
        data.pop("trace", None)
    record.update(data)
    return record


def _part(resolver: Resolver, request: Request, name: str, settings: Settings) -> dict[str, Any]:
    """One component of a pipeline found by --scan: what loads it (or why it cannot be resolved)."""
    part = Request(ref=request.ref, subfolder=name, offline=request.offline)
    try:
        found = resolve_request(resolver, part, settings)
    except Exception as error:
        return {"subfolder": name, "error": error_body(error)}
    return {
        "subfolder": name,
        "library": found.library,
        "framework": found.framework,
        "loader": found.loader,
        "architecture": found.architecture,
        "strategy": found.strategy,
        "where": found.where,
    }


# json.dumps(record, separators=(",", ":"), default=str), without making an encoder per line, nor
# checking for cycles (a record is a tree of to_dict()'s plain data): the same text for about 30 % less
_encode_json = json.JSONEncoder(separators=(",", ":"), default=str, check_circular=False).encode


def render(record: dict[str, Any], shape: str) -> Any:
    """The output of one record: a JSON line, a CSV line, or the record itself."""
    if shape == "json":
        return _encode_json(record) + "\n"
    if shape == "csv":
        return csv_line(record)
    return record


def csv_line(record: Mapping[str, Any]) -> str:
    """One CSV line (CSV_COLUMNS) for a record."""
    error = record.get("error") or {}
    row = dict(record)
    row["request"] = (
        json.dumps(record["request"], sort_keys=True, separators=(",", ":")) if record.get("request") else ""
    )
    row["parts"] = " ".join(p["subfolder"] for p in record.get("parts") or ())
    row["error_type"], row["error_message"], row["error_hint"] = (
        error.get("type"),
        error.get("message"),
        error.get("hint"),
    )
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return buffer.getvalue()


# ------------------------------------------------------------------ disagreements


def disagreement_line(resolver: Resolver, request: Request, resolution: Resolution, settings: Settings) -> str | None:
    """A JSON line when the Hub's pipeline_tag or library_name differ from what the rules concluded."""
    info = _hub_info(resolution, settings)
    if not info:
        return None
    rules = resolver.rules
    fields: dict[str, dict[str, Any]] = {}
    tag = info.get("pipeline_tag")
    if isinstance(tag, str) and tag:
        canonical = rules.canonical_task(tag) or tag
        if canonical != resolution.task:
            fields["pipeline_tag"] = {"hub": tag, "files": resolution.task}
    name = info.get("library_name")
    if isinstance(name, str) and name:
        spelled = name.strip().lower().replace("-", "_")
        if resolution.library and spelled != resolution.library:
            fields["library_name"] = {"hub": name, "files": resolution.library}
    if not fields:
        return None
    record: dict[str, Any] = {"ref": request.shown, "revision": resolution.revision, **fields}
    record["decided_by"] = {"strategy": resolution.strategy, "where": resolution.where}
    return json.dumps(record, separators=(",", ":")) + "\n"


def _hub_info(resolution: Resolution, settings: Settings) -> dict[str, Any] | None:
    """The Hub's fields for the commit a Hub or cache resolution came from (the metadata cache's record)."""
    if resolution.source not in ("hub", "cache") or not resolution.revision or not resolution.ref:
        return None
    from resolver.evidence.hub.store import HubSettings, load_record

    hub = HubSettings.from_env(cache_dir=settings.cache_dir, offline=True)
    record = load_record(hub, resolution.ref, resolution.revision)
    info = record.get("info") if record else None
    return info if isinstance(info, dict) else None
