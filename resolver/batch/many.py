"""`resolve_many`: the Python face of batch resolution, a streaming iterator in input order."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from resolver.batch.requests import PATH_PREFIXES, Item, as_request
from resolver.batch.run import Scheduler
from resolver.batch.worker import Settings
from resolver.engine.resolution import Resolution
from resolver.errors import TaskResolverError


def resolve_many(
    refs: Iterable[Any],
    *,
    workers: int | None = None,
    task: str | None = None,
    library: str | None = None,
    token: str | bool | None = None,
    offline: bool | None = None,
    cache_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
    rule_paths: Sequence[str | os.PathLike] = (),
    chunksize: int | None = None,
) -> Iterator[Resolution | BaseException]:
    """Resolve many references; yields, in input order, a Resolution or the typed error for each one.

    `refs`: folder paths, Hub repo ids, `id@revision` strings, mappings {"ref", "revision"?,
    "subfolder"?, "task"?, "library"?}, or resolver.batch.Request objects; read lazily, so a
    generator of millions streams with flat memory. `workers` (default: the CPU count): processes for
    local folders (one Resolver each; 1 resolves in this process) and up to 4x as many threads for Hub
    repo ids. Errors are yielded, never raised (TaskResolverError subclasses for what the resolver
    checks, the exception itself for anything else). `task`, `library` and the Hub options apply to
    every reference that does not say otherwise; `timeout` is each Hub resolution's deadline.
    `chunksize`: local references per pool task (default: 32 at first, doubling up to 256).
    """
    settings = Settings(
        rule_paths=tuple(os.fspath(p) for p in rule_paths),
        task=task,
        library=library,
        token=token,
        offline=offline,
        cache_dir=os.fspath(cache_dir) if cache_dir is not None else None,
        timeout=timeout,
        shape="object",
    )
    return _stream(map(_item, refs), settings, workers, chunksize)


def _item(ref: Any) -> Item:
    """as_request's Request, or for a text that can only be a local path (with no `@` that could
    name a revision) the text itself, as read_refs gives it: the Request is made when it is needed."""
    if type(ref) is str:
        text = ref.strip()
        if text.startswith(PATH_PREFIXES) and "@" not in text:
            return text
    return as_request(ref)


def _stream(
    requests: Iterator[Item], settings: Settings, workers: int | None, chunksize: int | None
) -> Iterator[Resolution | BaseException]:
    with Scheduler(settings, workers=workers, chunksize=chunksize) as scheduler:
        for _request, outcome in scheduler.run(requests):
            yield outcome.value


__all__ = ["Resolution", "TaskResolverError", "resolve_many"]
