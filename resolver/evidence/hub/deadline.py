"""One overall deadline per Hub resolution, every request, retry and back-off included.

Socket time-outs alone bound neither a server that trickles one byte every few seconds nor
huggingface_hub's own retries and sleeps, so the deadline is enforced twice:

- the caller never waits past it: each network call runs in a short-lived daemon worker thread
  and is abandoned when the deadline passes (HubTimeout);
- the worker stops on its own: hooks on huggingface_hub's HTTP client refuse to start a request
  after the deadline, cap every connect/read/pool time-out to the time left, and check the
  deadline between the chunks of a body, so an abandoned worker sends nothing more and writes
  no more of a download into the cache. A server that trickles the status line and headers
  themselves defeats read time-outs too: when the caller gives up, it shuts down the sockets its
  worker opened and is still reading from (seen through httpcore's `trace` extension), which
  ends the blocked read. (A kept-alive connection opened before the call is not seen that way:
  through one, a header-trickling server can keep an abandoned worker blocked; it writes nothing.)

The metadata cache is only ever written by the caller, after a call returned in time.
huggingface_hub's log chatter ("Retrying in 1s", "Trying to resume download") is dropped in the
workers unless `verbose`. Nothing here imports huggingface_hub at module import time.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from resolver.errors import TaskResolverError
from resolver.evidence.hub.errors import HubTimeout, HubUnavailable, RateLimited

DEFAULT_TIMEOUT = 30.0  # seconds, all requests and retries of one resolution included
TIMEOUT_ENV = "TASK_RESOLVER_HUB_TIMEOUT"
WORKER_NAME = "task-resolver-hub"
_MIN_WAIT = 0.01  # never hand a socket a time-out of 0: that would make it non-blocking

log = logging.getLogger("resolver.evidence.hub")
T = TypeVar("T")


def hub_timeout(timeout: float | None = None) -> float:
    """The overall deadline in seconds: `timeout`, else $TASK_RESOLVER_HUB_TIMEOUT, else 30.

    An explicit value that is not a positive number is an error; like huggingface_hub's
    HF_HUB_*_TIMEOUT variables, an unreadable environment value falls back to the default.
    """
    if timeout is not None:
        try:
            seconds = float(timeout)
        except (TypeError, ValueError):
            seconds = math.nan
        if not (seconds > 0 and math.isfinite(seconds)):
            raise TaskResolverError(
                f"the Hub time-out must be a positive number of seconds, got {timeout!r}",
                hint=f"pass e.g. --timeout 30 (or set ${TIMEOUT_ENV})",
            )
        return seconds
    try:
        seconds = float(os.environ.get(TIMEOUT_ENV, "").strip())
    except ValueError:
        return DEFAULT_TIMEOUT
    return seconds if seconds > 0 and math.isfinite(seconds) else DEFAULT_TIMEOUT


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class Deadline:
    """The time left for one Hub resolution, and the way to run network calls within it."""

    def __init__(self, seconds: float | None = None, *, verbose: bool = False) -> None:
        self.seconds = hub_timeout(seconds)
        self.verbose = verbose
        self.started = time.monotonic()
        self.ends = self.started + self.seconds

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def expired(self) -> bool:
        return self.remaining() <= 0

    def cap(self, seconds: float | None) -> float:
        """A per-request time-out no longer than the time left (and never 0)."""
        left = max(self.remaining(), _MIN_WAIT)
        return left if seconds is None else max(min(seconds, left), _MIN_WAIT)

    def timeout_error(self, what: str, *, repo_id: str, endpoint: str) -> HubTimeout:
        """HubTimeout saying what was being fetched, how long it waited, and how to proceed."""
        return HubTimeout(
            f"gave up on {what} from the Hub at {endpoint} after {self.elapsed():.1f} s "
            f"(the Hub deadline is {self.seconds:g} s, all retries included)",
            repo_id=repo_id,
            hint=(
                f"retry later, or allow more time with --timeout SECONDS (or ${TIMEOUT_ENV}); once the model "
                f"is in the local cache (`hf download {repo_id}` while the Hub answers), --offline resolves "
                "it without asking the Hub"
            ),
        )

    def call(self, what: str, fn: Callable[[], T], *, repo_id: str, endpoint: str) -> T:
        """`fn()` in a worker thread; its result or exception, or HubTimeout once the deadline passes."""
        if self.expired():
            raise self.timeout_error(what, repo_id=repo_id, endpoint=endpoint)
        box: dict[str, Any] = {}
        done = threading.Event()
        context = _Call(self, what, repo_id, endpoint)

        def work() -> None:
            _LOCAL.call = context
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc
            finally:
                _LOCAL.call = None
                done.set()

        install_log_filter()
        worker = threading.Thread(target=work, name=WORKER_NAME, daemon=True)
        worker.start()
        if not done.wait(max(self.remaining(), 0)):
            context.abandon()
            raise self.timeout_error(what, repo_id=repo_id, endpoint=endpoint)
        if "error" in box:
            raise box["error"]
        return box["value"]

    def sleep(self, seconds: float, sleeper: Callable[[float], None]) -> bool:
        """Back off `seconds` with `sleeper` if the deadline leaves room after it; False (no sleep) otherwise."""
        if seconds >= self.remaining():
            return False
        sleeper(seconds)
        return True

    def say(self, message: str) -> None:
        """A progress line (a retry, a back-off) on the `resolver.evidence.hub` logger, only when verbose."""
        if self.verbose:
            log.warning(message)


class _Call:
    """What the current worker thread is doing: for the HTTP hooks and the log filter."""

    def __init__(self, deadline: Deadline, what: str, repo_id: str, endpoint: str) -> None:
        self.deadline = deadline
        self.what = what
        self.repo_id = repo_id
        self.endpoint = endpoint
        self.lock = threading.Lock()
        self.reading: dict[int, socket.socket] = {}  # sockets of this call's responses still open, by request id
        self.abandoned = False

    def error(self) -> HubTimeout:
        return self.deadline.timeout_error(self.what, repo_id=self.repo_id, endpoint=self.endpoint)

    def refusal(self, status: int, wait: float) -> HubUnavailable:
        """A 429/503 whose Retry-After reaches past the deadline: no point waiting for it."""
        retry = {"retry_after": wait} if status == 429 else {}
        kind = RateLimited if status == 429 else HubUnavailable
        return kind(
            f"the Hub at {self.endpoint} asks to wait {wait:.0f} s (HTTP {status}, retry after {wait:.0f} s) "
            f"while fetching {self.what}: more than the {max(self.deadline.remaining(), 0):.1f} s left "
            f"of the {self.deadline.seconds:g} s Hub deadline",
            repo_id=self.repo_id,
            status=status,
            hint="wait a little and retry; a token (--token / $HF_TOKEN) raises the limit"
            if status == 429
            else "retry later",
            **retry,
        )

    def tracer(self, request: Any, chained: Any) -> Callable[[str, dict], None]:
        """httpcore's `trace` callback for one request: remembers its socket while its response is open."""
        key = id(request)

        def trace(event: str, info: dict) -> None:
            if chained is not None:
                chained(event, info)
            if event in ("connection.connect_tcp.complete", "connection.connect_unix_socket.complete"):
                stream = info.get("return_value")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if isinstance(sock, socket.socket):
                    with self.lock:
                        self.reading[key] = sock
                        if self.abandoned:
                            _shut(sock)
            elif event.startswith("http11.response_closed.") or event.startswith("http2.response_closed."):
                with self.lock:
                    self.reading.pop(key, None)  # the connection may go back to the pool: not ours to cut

        return trace

    def abandon(self) -> None:
        """The caller gave up: cut the connections this worker is still reading from."""
        with self.lock:
            self.abandoned = True
            sockets = list(self.reading.values())
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv(); the owner closes the socket
    except OSError:
        pass


_LOCAL = threading.local()


def current_call() -> _Call | None:
    return getattr(_LOCAL, "call", None)


# ------------------------------------------------------------------ huggingface_hub's HTTP client


class _CappedTimeouts(dict):
    """A request's time-outs (connect, read, write, pool), each capped to the time left when it is read."""

    def __init__(self, base: Any, deadline: Deadline) -> None:
        super().__init__(base if isinstance(base, dict) else {})
        self.deadline = deadline

    def get(self, key: Any, default: Any = None) -> Any:
        return self.deadline.cap(super().get(key, default))

    def __getitem__(self, key: Any) -> Any:
        return self.deadline.cap(super().__getitem__(key))


def _on_request(request: Any) -> None:
    call = current_call()
    if call is None:
        return  # not one of ours: leave the request alone
    if call.deadline.expired():
        raise call.error()
    request.extensions["timeout"] = _CappedTimeouts(request.extensions.get("timeout"), call.deadline)
    request.extensions["trace"] = call.tracer(request, request.extensions.get("trace"))


def _on_response(response: Any) -> None:
    call = current_call()
    if call is None:
        return
    if response.status_code in (429, 503):
        wait = retry_after_seconds(response.headers.get("retry-after"))
        if wait is not None and wait >= call.deadline.remaining():
            raise call.refusal(response.status_code, wait)  # huggingface_hub would sleep it out: give up now
    response.stream = _deadline_stream(response.stream, call)


def http_module() -> Any:
    """The HTTP library huggingface_hub uses: httpx2 (2.x), httpx (1.x)."""
    try:
        return importlib.import_module("httpx2")
    except ImportError:  # pragma: no cover - huggingface_hub 1.x
        return importlib.import_module("httpx")


def _deadline_stream(stream: Any, call: _Call) -> Any:
    http = http_module()
    base: Any = http.SyncByteStream  # httpx checks isinstance(response.stream, SyncByteStream)

    class DeadlineStream(base):
        """The body, checked against the deadline before each chunk is handed on (a trickle cannot outlast it)."""

        def __iter__(self) -> Iterator[bytes]:
            chunks = iter(stream)
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                except http.TimeoutException:
                    if call.deadline.expired():
                        raise call.error() from None  # not a ReadTimeout: huggingface_hub must not resume
                    raise
                if call.deadline.expired():
                    raise call.error()
                yield chunk

        def close(self) -> None:
            stream.close()

    return DeadlineStream()


_INSTRUMENT_LOCK = threading.Lock()


def instrument(client: Any) -> Any:
    """Add the deadline hooks to an httpx client (idempotent; requests of other threads are not touched)."""
    hooks = client.event_hooks
    if _on_request in hooks.get("request", ()) and _on_response in hooks.get("response", ()):
        return client
    with _INSTRUMENT_LOCK:
        hooks = client.event_hooks
        if _on_request not in hooks.get("request", ()):
            hooks.setdefault("request", []).insert(0, _on_request)
        if _on_response not in hooks.get("response", ()):
            hooks.setdefault("response", []).insert(0, _on_response)
    return client


def hf_session() -> Any:
    """huggingface_hub's shared HTTP client, with the deadline hooks."""
    from huggingface_hub.utils import get_session

    return instrument(get_session())


# ------------------------------------------------------------------ huggingface_hub's log chatter


class _QuietWorkers(logging.Filter):
    """Drop huggingface_hub's records logged from a worker of a non-verbose resolution."""

    def filter(self, record: logging.LogRecord) -> bool:
        call = current_call()
        return call is None or call.deadline.verbose


_FILTER = _QuietWorkers()
_FILTERED: set[str] = set()


def install_log_filter() -> None:
    """Put the filter on every huggingface_hub logger that exists (logger filters are not inherited)."""
    names = [name for name in list(logging.Logger.manager.loggerDict) if name.split(".", 1)[0] == "huggingface_hub"]
    for name in ["huggingface_hub", *names]:
        if name not in _FILTERED:
            logging.getLogger(name).addFilter(_FILTER)
            _FILTERED.add(name)
