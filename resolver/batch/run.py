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
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from resolver.batch.requests import Request
from resolver.batch.worker import Outcome, Settings, error_outcome, resolver_for, run_chunk, run_request, warm

DEFAULT_CHUNK = 32  # local requests per pool task
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


def run_chunk_frozen(requests: list[Request], settings: Settings) -> list[tuple[Any, ...]]:
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
    requests: list[Request] = field(default_factory=list)
    future: Future | None = None
    results: list[Outcome | None] | None = None


@dataclass
class _Slot:
    request: Request
    future: Future | None = None  # a Hub request
    chunk: _Chunk | None = None  # a local request: its chunk and place in it
    index: int = 0
    done: Outcome | None = None  # known at once (an input error)
    inline: bool = False  # one worker: resolved here when it reaches the head


def pool_context() -> Any:
    """fork where there is one (workers inherit the compiled rules, and start in milliseconds)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class Scheduler:
    """Runs requests on a process pool (local) and a thread pool (Hub), yielding outcomes in input order."""

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int | None = None,
        chunksize: int = DEFAULT_CHUNK,
        window: int | None = None,
        hub_threads: int | None = None,
        backoff: Backoff | None = None,
        local_pool: bool = True,
    ) -> None:
        self.settings = settings
        self.workers = workers if workers and workers > 0 else default_workers()
        self.chunksize = max(1, chunksize)
        self.window = window or max(4 * self.workers * self.chunksize, 256)
        self.hub_threads = hub_threads or min(32, 4 * self.workers)
        self.backoff = backoff or Backoff()
        self._processes: Executor | None = None
        self._threads: ThreadPoolExecutor | None = None
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

    def run(self, requests: Iterable[Request]) -> Iterator[tuple[Request, Outcome]]:
        """Every request's outcome, in input order; at most `window` requests are in flight."""
        pending: deque[_Slot] = deque()
        self._pending = pending
        open_chunk: _Chunk | None = None
        held = 0  # one worker: local requests read ahead, up to a chunk, so that their lines go out in one write
        for request in requests:
            if request.error is not None:
                pending.append(_Slot(request, done=error_outcome(request, request.error, self.settings)))
            elif request.is_local() and self.workers <= 1:
                pending.append(_Slot(request, inline=True))
                held += 1
                if held < self.chunksize:
                    continue  # as a pool's chunk waits for its requests (resolved here when they reach the head)
            elif request.is_local():
                if open_chunk is None:
                    open_chunk = _Chunk()
                open_chunk.requests.append(request)
                pending.append(_Slot(request, chunk=open_chunk, index=len(open_chunk.requests) - 1))
                if len(open_chunk.requests) >= self.chunksize:
                    self._submit(open_chunk)
                    open_chunk = None
            else:
                future = self._thread_pool().submit(hub_task, request, self.settings, self.backoff)
                pending.append(_Slot(request, future=future))
            held = 0
            while pending and self._ready(pending[0]):
                yield self._take(pending)
            while len(pending) >= self.window:
                yield self._take(pending)
        if open_chunk is not None:
            self._submit(open_chunk)
        while pending:
            yield self._take(pending)

    def ready(self) -> bool:
        """True when the next outcome of the running `run()` can be had without waiting."""
        pending: deque[_Slot] | None = getattr(self, "_pending", None)
        return pending is not None and len(pending) > 0 and self._ready(pending[0])

    def _submit(self, chunk: _Chunk) -> None:
        if self.workers > 1 and chunk.future is None:
            chunk.future = self._start_processes().submit(run_chunk_frozen, chunk.requests, self.settings)

    def _ready(self, slot: _Slot) -> bool:
        if slot.done is not None or slot.inline:
            return True
        if slot.future is not None:
            return slot.future.done()
        assert slot.chunk is not None
        return slot.chunk.results is not None or (slot.chunk.future is not None and slot.chunk.future.done())

    def _take(self, pending: deque[_Slot]) -> tuple[Request, Outcome]:
        slot = pending.popleft()
        if slot.done is not None:
            return slot.request, slot.done
        if slot.inline:
            return slot.request, run_request(slot.request, self.settings)
        if slot.future is not None:
            return slot.request, slot.future.result()
        chunk = slot.chunk
        assert chunk is not None
        if chunk.results is None:
            chunk.results = self._results(chunk)
        outcome = chunk.results[slot.index]
        chunk.results[slot.index] = None  # let it go once written
        assert outcome is not None
        return slot.request, outcome

    def _results(self, chunk: _Chunk) -> list[Outcome | None]:
        self._submit(chunk)
        assert chunk.future is not None
        try:
            return [thaw(Outcome(*fields)) for fields in chunk.future.result()]
        except Exception as error:  # a worker process died (killed, out of memory): say so for each request
            return [error_outcome(request, error, self.settings) for request in chunk.requests]
