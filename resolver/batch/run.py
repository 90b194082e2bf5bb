"""The batch scheduler: requests in, (request, Outcome) out, in input order, with bounded memory.

Local requests (folders, cache snapshots read offline) go in chunks to a process pool, one Resolver
per worker process; with one worker they are resolved right here, with no pool at all (read a chunk
ahead, as the pool's chunks are, so that their lines can go out in one write). Hub requests
go to a bounded thread pool in this process (they wait on the network, not the CPU), which shares one
metadata cache and one back-off: when the Hub answers 429, every thread waits out the Retry-After
before its next request. At most `window` requests are in flight; the head of the queue is always
the next one to write, so the output streams in input order and nothing else accumulates.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from resolver.batch.requests import Item, Request, as_plain
from resolver.batch.walk import ScanTree
from resolver.batch.worker import (
    Block,
    Outcome,
    Settings,
    block_of,
    error_outcome,
    resolver_for,
    run_block,
    run_chunk,
    run_request,
    run_requests,
    scan_block,
    warm,
)

FIRST_CHUNK = 32  # local requests in a run's first pool task; each next one twice as many, up to MAX_CHUNK
MAX_CHUNK = 256
MAX_CHUNK_WAIT = 0.1  # seconds a chunk may wait for more input lines before it is sent as it is
RATE_LIMIT_ATTEMPTS = 4  # tries per Hub request while the Hub keeps answering 429
MAX_BACKOFF = 60.0  # seconds, when a 429 names no Retry-After


def default_workers() -> int:
    """The CPU count this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Backoff:
    """One pause shared by every Hub thread: a 429 pushes it to now + Retry-After (or an exponential wait)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self._sleep = sleep
        self._clock = clock
        self._until = 0.0
        self._lock = threading.Lock()
        self.waits: list[float] = []  # the pauses asked for, for tests and the summary

    def hit(self, retry_after: float | None, attempt: int) -> float:
        """The Hub said 429: pause everyone for `retry_after` seconds (None: 2^attempt, capped)."""
        delay = retry_after if retry_after is not None else min(2.0**attempt, MAX_BACKOFF)
        with self._lock:
            self._until = max(self._until, self._clock() + delay)
            self.waits.append(delay)
        return delay

    def wait(self) -> None:
        """Return once the shared pause (if any) is over."""
        while True:
            with self._lock:
                left = self._until - self._clock()
            if left <= 0:
                return
            self._sleep(min(left, 1.0))


def hub_task(request: Request, settings: Settings, backoff: Backoff) -> Outcome:
    """One Hub request in a thread: wait out the shared pause, resolve, and on 429 pause everyone and retry."""
    attempt = 1
    while True:
        backoff.wait()
        outcome = run_request(request, settings)
        if not outcome.rate_limited or attempt >= RATE_LIMIT_ATTEMPTS:
            return outcome
        backoff.hit(outcome.retry_after, attempt)
        attempt += 1


# ------------------------------------------------------------------ errors across processes


@dataclass
class FrozenError:
    """A typed error on its way back from a worker process (some take keyword-only arguments, which pickle cannot rebuild)."""

    kind: type[BaseException]
    args: tuple[Any, ...]
    state: dict[str, Any]

    def thaw(self) -> BaseException:
        error = self.kind.__new__(self.kind)
        Exception.__init__(error, *self.args)
        error.__dict__.update(self.state)
        return error


def freeze(outcome: Outcome) -> Outcome:
    if isinstance(outcome.value, BaseException):
        error = outcome.value
        state = dict(error.__dict__)
        try:
            pickle.dumps((type(error), error.args, state))
        except Exception:
            state = {key: state[key] for key in ("message", "hint") if key in state}
        outcome.value = FrozenError(type(error), tuple(error.args), state)
    return outcome


def run_chunk_frozen(requests: list[Item], settings: Settings) -> list[tuple[Any, ...]]:
    """run_chunk for a pool process: errors frozen so that they survive the trip back, and each outcome
    sent as the tuple of its fields (a tuple of strings pickles and unpickles for much less than a
    dataclass instance: the parent's share of a pool's work, which the workers' speed-up depends on)."""
    return [packed(freeze(outcome)) for outcome in run_chunk(requests, settings)]


def packed(outcome: Outcome) -> tuple[Any, ...]:
    """An Outcome's fields in order: `Outcome(*packed(outcome))` is the same outcome."""
    return (
        outcome.value,
        outcome.task,
        outcome.library,
        outcome.framework,
        outcome.error_type,
        outcome.disagreement,
        outcome.retry_after,
        outcome.rate_limited,
    )


def thaw(outcome: Outcome) -> Outcome:
    if isinstance(outcome.value, FrozenError):
        outcome.value = outcome.value.thaw()
    return outcome


# ------------------------------------------------------------------ the scheduler


@dataclass
class _Chunk:
    """Consecutive local requests, resolved together: in a pool process (`future`), or here (`inline`)."""

    requests: list[Item] = field(default_factory=list)  # Requests, or plain local references' texts
    joined: bool = False  # one Block for the chunk (line shapes), else one Outcome per request
    future: Future | None = None
    inline: bool = False
    opened: float = field(default_factory=time.monotonic)  # when its first request came


@dataclass
class _Single:
    """One request not worth a process: a Hub request (`future`, in a thread) or an input error (`done`)."""

    request: Request
    future: Future | None = None
    done: Outcome | None = None


def pool_context() -> Any:
    """fork where there is one (workers inherit the compiled rules, and start in milliseconds)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class Scheduler:
    """Runs requests on a process pool (local) and a thread pool (Hub), yielding outcomes in input order.

    `chunksize`: local requests per pool task; None (the default) starts at FIRST_CHUNK and doubles
    with every chunk up to MAX_CHUNK, so the first lines come out at once and a long run pays the
    pool's per-task cost (a few hundred microseconds of the parent's time) once per MAX_CHUNK requests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int | None = None,
        chunksize: int | None = None,
        window: int | None = None,
        hub_threads: int | None = None,
        backoff: Backoff | None = None,
        local_pool: bool = True,
    ) -> None:
        self.settings = settings
        self.workers = workers if workers and workers > 0 else default_workers()
        self.fixed = chunksize is not None and chunksize > 0
        self.chunksize = max(1, chunksize) if chunksize is not None and chunksize > 0 else FIRST_CHUNK
        self.max_chunk = self.chunksize if self.fixed else MAX_CHUNK
        self.window = window or max(2 * self.workers * self.max_chunk, 256)
        self.hub_threads = hub_threads or min(32, 4 * self.workers)
        self.backoff = backoff or Backoff()
        self._processes: Executor | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._pending: deque[_Chunk | _Single] | None = None
        self._in_flight = 0  # requests in `_pending`
        resolver_for(settings.rule_paths)  # compile the rules once here: forked workers inherit them
        if local_pool and self.workers > 1:
            self._start_processes()  # before any thread of ours exists: fork copies only this thread

    def _start_processes(self) -> Executor:
        if self._processes is None:
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=pool_context(),
                initializer=warm,
                initargs=(self.settings.rule_paths,),
            )
            for future in [pool.submit(warm, self.settings.rule_paths) for _ in range(self.workers)]:
                future.result()
            self._processes = pool
        return self._processes

    def _thread_pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=self.hub_threads, thread_name_prefix="task-resolver-hub")
        return self._threads

    def close(self, *, cancel: bool = False) -> None:
        for pool in (self._threads, self._processes):
            if pool is not None:
                pool.shutdown(wait=not cancel, cancel_futures=True)
        self._threads = self._processes = None

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)

    # ---------------------------------------------------------- running

    def run(self, requests: Iterable[Item]) -> Iterator[tuple[Item, Outcome]]:
        """Every request's outcome, in input order, beside the request as it was given (a Request, or
        a plain local reference's text: `as_plain` makes its Request); at most `window` requests are
        in flight."""
        for entry, result in self._entries(requests, joined=False):
            if isinstance(entry, _Single):
                yield entry.request, result
            else:
                yield from zip(entry.requests, result, strict=True)

    def run_blocks(self, requests: Iterable[Item | ScanTree]) -> Iterator[Block]:
        """Every request's line, in input order, as Blocks of consecutive lines (settings.shape "json"
        or "csv"): a chunk's lines come back from its worker joined, with their summary counts.
        `requests` may hold plain local references as their texts (requests.read_refs)."""
        for entry, result in self._entries(requests, joined=True):
            yield block_of([result]) if isinstance(entry, _Single) else result

    def ready(self) -> bool:
        """True when the next result of the running `run()` / `run_blocks()` can be had without waiting."""
        pending = self._pending
        return pending is not None and len(pending) > 0 and self._ready(pending[0])

    def _entries(self, requests: Iterable[Item | ScanTree], *, joined: bool) -> Iterator[tuple[Any, Any]]:
        pending: deque[_Chunk | _Single] = deque()
        self._pending = pending
        self._in_flight = 0
        chunk: _Chunk | None = None
        for request in requests:
            if isinstance(request, ScanTree):  # a --scan tree (run_blocks only): its lines after those before it
                if chunk is not None:
                    self._close(chunk)
                    chunk = None
                while pending:
                    yield self._take()
                for block in self._scan(request):
                    yield None, block
                continue
            if isinstance(request, str) or (request.error is None and request.is_local()):
                if chunk is None:
                    chunk = _Chunk(joined=joined)
                chunk.requests.append(request)
                if len(chunk.requests) < self.chunksize and time.monotonic() - chunk.opened < MAX_CHUNK_WAIT:
                    # the chunk fills; meanwhile finished lines are still written, so input that trickles
                    # in (a pipe from a slow producer) sees its output as before, and a chunk left open
                    # longer than MAX_CHUNK_WAIT goes to the pool as it is
                    while pending and self._ready(pending[0]):
                        yield self._take()
                    continue
                self._close(chunk)
                chunk = None
            else:
                if chunk is not None:  # a chunk holds consecutive requests only: the output keeps input order
                    self._close(chunk)
                    chunk = None
                if request.error is not None:
                    single = _Single(request, done=error_outcome(request, request.error, self.settings))
                else:
                    single = _Single(
                        request, future=self._thread_pool().submit(hub_task, request, self.settings, self.backoff)
                    )
                pending.append(single)
                self._in_flight += 1
            while pending and self._ready(pending[0]):
                yield self._take()
            while self._in_flight >= self.window:
                yield self._take()
        if chunk is not None:
            self._close(chunk)
        while pending:
            yield self._take()

    def _scan(self, tree: ScanTree) -> Iterator[Block]:
        """A --scan tree's lines in scan order, as Blocks, the walk done by the pool's workers.

        Each pool task walks on from a piece of the walk's stack (worker.scan_block: a chunk's worth
        of folders listed, the model folders among them resolved) and returns its lines with what is
        left of its piece, which becomes work for the next tasks. The pieces of one stack are given out
        top first, so writing the tasks' lines in the order of their pieces is the walk's order: the
        parent lists nothing, and each folder is listed once (its evidence comes from that listing)."""
        settings, markers = self.settings, tree.markers
        if self.workers <= 1:
            stack = [tree.root]
            while stack:
                block, stack = scan_block(stack, self._grow(), markers, settings)
                if block.count:
                    yield block
            return
        # the walk's pieces in output order: ["todo", stack, bottom given out] not given out yet, ["job",
        # future, stack, budget] in a worker (future None: to be done here), ["block", Block] done
        slots: list[list[Any]] = [["todo", [tree.root], False]]
        limit = 2 * self.workers  # pieces in workers or done behind the first one: bounded memory
        while slots:
            if slots[0][0] == "block":
                yield slots.pop(0)[1]
                continue
            busy = sum(1 for slot in slots if slot[0] != "todo")
            first = next((index for index, slot in enumerate(slots) if slot[0] == "todo"), None)
            # the first piece always goes (the output waits on it); the others while there is room
            if first is not None and (first == 0 or busy < limit):
                self._give_out(slots, first, markers)
                continue
            running = [slot[1] for slot in slots if slot[0] == "job"]
            if not any(future is None or future.done() for future in running):
                wait(running, return_when=FIRST_COMPLETED)
            expanded: list[list[Any]] = []
            for slot in slots:
                if slot[0] == "job" and (slot[1] is None or slot[1].done()):
                    block, rest = self._scanned(slot[1], slot[2], slot[3], markers)
                    if block.count:
                        expanded.append(["block", block])
                    if rest:
                        expanded.append(["todo", rest, False])
                else:
                    expanded.append(slot)
            slots = expanded

    def _give_out(self, slots: list[list[Any]], index: int, markers: frozenset[str]) -> None:
        """Send a piece of the stack `slots[index]` to the pool, as a job slot beside it: its bottom
        first (the walk's oldest entries, shallower folders where whole subtrees may wait: listed
        early, they are known before the workers run out of the top's), then its top."""
        todo, bottom_sent = slots[index][1], slots[index][2]
        budget = self._grow()
        bottom = not bottom_sent and len(todo) > budget
        if bottom:
            job = todo[:budget]  # the bottom of the stack: its lines come after the rest's
            del todo[:budget]
            slots[index][2] = True
        else:
            job = todo[-budget:]  # the top of the stack: its lines come before the rest's
            del todo[-budget:]
        try:
            future: Future | None = self._start_processes().submit(scan_block, job, budget, markers, self.settings)
        except RuntimeError:  # the pool is broken (a worker was killed): this process carries on alone
            future = None
        if bottom:
            slots.insert(index + 1, ["job", future, job, budget])
        elif todo:
            slots.insert(index, ["job", future, job, budget])
        else:
            slots[index] = ["job", future, job, budget]

    def _scanned(
        self, future: Future | None, job: list[str], budget: int, markers: frozenset[str]
    ) -> tuple[Block, list[str]]:
        """A scan task's lines and what is left of its stack, however its worker fared."""
        if future is None:
            return scan_block(job, budget, markers, self.settings)
        try:
            return future.result()
        except Exception as error:  # a worker process died: its model folders get that error's lines
            return scan_block(job, budget, markers, self.settings, failed=error)

    def _grow(self) -> int:
        """The size of the next chunk (a scan task's budget), growing it for the one after."""
        size = self.chunksize
        if not self.fixed:
            self.chunksize = min(2 * self.chunksize, self.max_chunk)
        return size

    def _close(self, chunk: _Chunk) -> None:
        """A chunk is complete: send it to the pool (or keep it for this process), and size the next one."""
        assert self._pending is not None
        if self.workers > 1:
            task = run_block if chunk.joined else run_chunk_frozen
            try:
                chunk.future = self._start_processes().submit(task, chunk.requests, self.settings)
            except RuntimeError:  # the pool is broken (a worker was killed): this process carries on alone
                chunk.inline = True
        else:
            chunk.inline = True
        self._pending.append(chunk)
        self._in_flight += len(chunk.requests)
        if not self.fixed:
            self.chunksize = min(2 * self.chunksize, self.max_chunk)

    def _ready(self, entry: _Chunk | _Single) -> bool:
        if isinstance(entry, _Single):
            return entry.done is not None or (entry.future is not None and entry.future.done())
        return entry.inline or (entry.future is not None and entry.future.done())

    def _take(self) -> tuple[Any, Any]:
        assert self._pending is not None
        entry = self._pending.popleft()
        if isinstance(entry, _Single):
            self._in_flight -= 1
            if entry.done is not None:
                return entry, entry.done
            assert entry.future is not None
            return entry, entry.future.result()
        self._in_flight -= len(entry.requests)
        return entry, self._results(entry)

    def _results(self, chunk: _Chunk) -> Any:
        """A chunk's Block (joined) or Outcomes, however its worker fared."""
        if chunk.inline:
            if chunk.joined:
                return run_block(chunk.requests, self.settings)
            # Resolutions one at a time, as they are taken: a chunk of them is never alive at once
            return run_requests(chunk.requests, self.settings)
        assert chunk.future is not None
        try:
            result = chunk.future.result()
        except Exception as error:  # a worker process died (killed, out of memory): say so for each request
            outcomes = [error_outcome(as_plain(request), error, self.settings) for request in chunk.requests]
            return block_of(outcomes) if chunk.joined else outcomes
        return result if chunk.joined else [thaw(Outcome(*fields)) for fields in result]
