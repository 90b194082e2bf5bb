"""The two network calls, through huggingface_hub: one model-info request, and a JSON file download.

huggingface_hub is imported here, inside the functions, never on the local-folder resolve path.
model_info does not retry by itself, so the request is retried here: 5xx, connection errors and
time-outs with bounded exponential back-off, 429 after its Retry-After (bounded). Every failure is
mapped to a typed error of resolver.evidence.hub.errors, with huggingface_hub's exception as
`__cause__`. Both calls run within the resolution's Deadline (deadline.py): every request, retry
and back-off of one resolution shares it, and past it the caller gets HubTimeout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from resolver.evidence.hub.deadline import (
    Deadline,
    hf_session,
    http_module,
    install_log_filter,
    retry_after_seconds,
)
from resolver.evidence.hub.errors import (
    GatedRepo,
    HubError,
    HubRequestError,
    HubTimeout,
    HubUnavailable,
    MalformedHubResponse,
    OfflineNoCache,
    RateLimited,
    RepoNotFound,
    RevisionNotFound,
)
from resolver.evidence.hub.store import INFO_TYPES, RECORD_FORMAT, HubSettings, is_commit_sha

# The model-info fields the rules read: one request answers them all.
EXPAND = ("config", "pipeline_tag", "library_name", "siblings", "transformersInfo", "cardData", "tags", "gguf", "sha")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: total attempts per request, back-off bounds, and the sleep function (patchable)."""

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 8.0
    max_retry_after: float = 30.0  # a 429 asking for longer than this is given up on at once
    timeout: float = 10.0  # per request; $HF_HUB_ETAG_TIMEOUT overrides it
    sleep: Callable[[float], None] = time.sleep

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based): base * 2^(attempt-1), capped."""
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)

    def request_timeout(self) -> float:
        try:
            return float(os.environ["HF_HUB_ETAG_TIMEOUT"])
        except (KeyError, ValueError):
            return self.timeout


POLICY = RetryPolicy()


class _Retryable(Exception):
    """Internal: a failure worth another attempt, carrying the error to raise when attempts run out."""

    def __init__(self, error: HubError, delay: float | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.delay = delay  # None: give up now


# ------------------------------------------------------------------ error mapping


def map_hf_error(
    exc: BaseException,
    *,
    repo_id: str,
    revision: str | None,
    settings: HubSettings,
    token: str | bool | None,
    attempt: int = 1,
    policy: RetryPolicy = POLICY,
) -> HubError | _Retryable:
    """The typed error for a huggingface_hub / HTTP exception; `_Retryable` when another attempt may help."""
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    http = http_module()
    page = f"{settings.endpoint}/{repo_id}"
    rev = revision or "main"
    if isinstance(exc, OfflineModeIsEnabled):
        return OfflineNoCache("offline mode is enabled (HF_HUB_OFFLINE)", repo_id=repo_id)
    if isinstance(exc, http.TimeoutException):
        error: HubError = HubTimeout(
            f"the Hub at {settings.endpoint} did not answer in time about {repo_id}", repo_id=repo_id
        )
        return _Retryable(error, policy.backoff(attempt))
    if isinstance(exc, (http.TransportError, ConnectionError)):
        error = HubUnavailable(
            f"cannot reach the Hub at {settings.endpoint} ({type(exc).__name__}: {exc})", repo_id=repo_id
        )
        return _Retryable(error, policy.backoff(attempt))
    if not isinstance(exc, HfHubHTTPError):
        return HubRequestError(f"asking the Hub about {repo_id} failed: {exc}", repo_id=repo_id)
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    said = (getattr(exc, "server_message", None) or "").strip()
    said = f": {said}" if said else ""
    if isinstance(exc, GatedRepoError) or status in (401, 403) and not isinstance(exc, RepositoryNotFoundError):
        if token:
            hint = (
                f"the token given cannot read it: accept the model's terms at {page} with the account the "
                "token belongs to (or ask for access), or pass another token (--token / HF_TOKEN)"
            )
        else:
            hint = (
                f"accept the model's terms at {page} while logged in, then pass a token that can read it: "
                "--token, $HF_TOKEN or `hf auth login`"
            )
        return GatedRepo(
            f"access to {repo_id} is restricted (HTTP {status}{said})", repo_id=repo_id, hint=hint, status=status
        )
    if isinstance(exc, RepositoryNotFoundError):
        hint = "check the spelling (org/name); if the repo is private, pass a token that can read it (--token or $HF_TOKEN)"
        if status == 401 and not token:
            hint += "; you sent no token"
        return RepoNotFound(
            f"{repo_id} was not found on the Hub ({settings.endpoint}, HTTP {status})",
            repo_id=repo_id,
            hint=hint + "; for a local folder, check the path",
            status=status,
        )
    if isinstance(exc, RevisionNotFoundError):
        return RevisionNotFound(
            f"{repo_id} has no revision {rev!r} (HTTP {status})",
            repo_id=repo_id,
            hint="pass an existing branch, tag or full commit sha with --revision",
            status=status,
        )
    if status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after") if response is not None else None)
        after = f", retry after {wait:.0f} s" if wait is not None else ""
        error = RateLimited(
            f"the Hub is rate-limiting requests (HTTP 429{after}) for {repo_id}",
            repo_id=repo_id,
            status=429,
            hint="wait a little and retry; a token (--token / $HF_TOKEN) raises the limit",
            retry_after=wait,
        )
        if wait is None:
            return _Retryable(error, policy.backoff(attempt))
        return _Retryable(error, wait if wait <= policy.max_retry_after else None)
    if status is not None and status >= 500:
        error = HubUnavailable(
            f"the Hub at {settings.endpoint} failed with HTTP {status}{said}", repo_id=repo_id, status=status
        )
        return _Retryable(error, policy.backoff(attempt))
    return HubRequestError(
        f"the Hub refused the request about {repo_id} (HTTP {status}{said})",
        repo_id=repo_id,
        status=status,
        hint="check HF_ENDPOINT: it must point at a Hub-compatible server",
    )


# ------------------------------------------------------------------ model info


def fetch_model_info(
    repo_id: str,
    *,
    revision: str | None,
    token: str | bool | None,
    settings: HubSettings,
    policy: RetryPolicy | None = None,
    deadline: Deadline | None = None,
    files_metadata: bool = False,
) -> dict[str, Any]:
    """One model-info request (retried on transient failures, within `deadline`) -> a record: sha, siblings, Hub fields.

    `files_metadata`: ask for every file's size instead of the `expand` fields (the Hub's `blobs=true`,
    huggingface_hub's `model_info(files_metadata=True)`, which cannot be combined with `expand`); the
    record then carries `sizes` (path -> bytes, an LFS file's real size, not its pointer's).
    """
    from resolver.support.about import __version__

    policy = policy or POLICY
    deadline = deadline or Deadline()
    url = f"{settings.endpoint}/api/models/{repo_id}"
    if revision is not None:
        url += f"/revision/{quote(revision, safe='')}"
    what = f"the model info of {repo_id}" + (f" at {revision}" if revision else "")

    def attempt_once() -> dict[str, Any]:
        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

        session = hf_session()
        headers = build_hf_headers(token=token, library_name="task-resolver", library_version=__version__)
        params: dict[str, Any] = {"blobs": "true"} if files_metadata else {"expand": list(EXPAND)}
        response = session.get(url, headers=headers, params=params, timeout=deadline.cap(policy.request_timeout()))
        hf_raise_for_status(response)
        return parse_model_info(response, repo_id=repo_id, revision=revision)

    attempt = 0
    while True:
        attempt += 1
        try:
            return deadline.call(what, attempt_once, repo_id=repo_id, endpoint=settings.endpoint)
        except HubError:
            raise
        except Exception as exc:
            mapped = map_hf_error(
                exc, repo_id=repo_id, revision=revision, settings=settings, token=token, attempt=attempt, policy=policy
            )
            if isinstance(mapped, HubError):
                raise mapped from exc
            if mapped.delay is None or attempt >= policy.attempts:
                if attempt > 1:
                    mapped.error.message += f" (after {attempt} attempts)"
                raise mapped.error from exc
            if not deadline.sleep(mapped.delay, policy.sleep):
                mapped.error.message += (
                    f" (after {attempt} attempt{'s' if attempt > 1 else ''} in {deadline.elapsed():.1f} s: no time "
                    f"left to wait {mapped.delay:g} s for another within the {deadline.seconds:g} s Hub deadline)"
                )
                if not mapped.error.hint:
                    mapped.error.hint = deadline.timeout_error(what, repo_id=repo_id, endpoint=settings.endpoint).hint
                raise mapped.error from exc
            deadline.say(
                f"{mapped.error.message}; retrying in {mapped.delay:g} s [attempt {attempt + 1}/{policy.attempts}]"
            )


def parse_model_info(response: Any, *, repo_id: str, revision: str | None) -> dict[str, Any]:
    """Check the model-info payload and keep what the rules read; MalformedHubResponse when it is not one."""
    where = f"the Hub's answer about {repo_id}"
    hint = "retry later; if HF_ENDPOINT points at a proxy or mirror, check that it serves the Hub API"
    try:
        data = response.json()
    except ValueError as exc:
        kind = response.headers.get("content-type", "unknown type")
        raise MalformedHubResponse(f"{where} is not JSON ({kind})", repo_id=repo_id, hint=hint) from exc
    if not isinstance(data, dict):
        raise MalformedHubResponse(f"{where} is not a JSON object", repo_id=repo_id, hint=hint)
    sha = data.get("sha")
    if not isinstance(sha, str) or not is_commit_sha(sha):
        raise MalformedHubResponse(f"{where} has no commit sha (got {sha!r})", repo_id=repo_id, hint=hint)
    if is_commit_sha(revision) and sha != revision:
        raise MalformedHubResponse(
            f"{where} is for commit {sha}, not the {revision} asked for", repo_id=repo_id, hint=hint
        )
    siblings = data.get("siblings")
    if not isinstance(siblings, list) or not all(
        isinstance(s, dict) and isinstance(s.get("rfilename"), str) for s in siblings
    ):
        raise MalformedHubResponse(f"{where} has no valid file list (siblings)", repo_id=repo_id, hint=hint)
    info = {key: data[key] for key, kind in INFO_TYPES.items() if isinstance(data.get(key), kind)}
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "repo_id": repo_id,
        "sha": sha,
        "info": info,
        "siblings": sorted({s["rfilename"] for s in siblings}),
        "documents": {},
    }
    sizes = {s["rfilename"]: size for s in siblings if (size := sibling_size(s)) is not None}
    if sizes:
        record["sizes"] = sizes
    return record


def sibling_size(sibling: dict[str, Any]) -> int | None:
    """A sibling's size in bytes when the answer gives one: an LFS file's `lfs.size`, else `size`."""
    lfs = sibling.get("lfs")
    for value in (lfs.get("size") if isinstance(lfs, dict) else None, sibling.get("size")):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def fetch_file_sizes(
    repo_id: str,
    *,
    revision: str | None,
    token: str | bool | None,
    settings: HubSettings,
    deadline: Deadline | None = None,
) -> dict[str, int]:
    """Every file's size (path -> bytes) at `revision`, from one model-info request with files metadata."""
    record = fetch_model_info(
        repo_id, revision=revision, token=token, settings=settings, deadline=deadline, files_metadata=True
    )
    return dict(record.get("sizes") or {})


# ------------------------------------------------------------------ files


def download_file(
    repo_id: str,
    path: str,
    *,
    sha: str,
    token: str | bool | None,
    settings: HubSettings,
    policy: RetryPolicy | None = None,
    deadline: Deadline | None = None,
) -> Path | None:
    """Fetch one file of a commit into the standard HF cache (hf_hub_download) within `deadline`; None if the Hub lacks it."""
    policy = policy or POLICY
    deadline = deadline or Deadline()

    def download() -> Path:
        from huggingface_hub import hf_hub_download

        hf_session()  # the shared client hf_hub_download uses, with the deadline hooks
        install_log_filter()  # its loggers exist now
        return Path(
            hf_hub_download(
                repo_id,
                path,
                revision=sha,
                endpoint=settings.endpoint,
                cache_dir=settings.cache_dir,
                token=token,
                etag_timeout=deadline.cap(policy.request_timeout()),
            )
        )

    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    what = f"{path} of {repo_id} (commit {sha[:12]})"
    try:
        return deadline.call(what, download, repo_id=repo_id, endpoint=settings.endpoint)
    except HubError:
        raise  # the deadline (its message names the file)
    except LocalEntryNotFoundError as exc:  # huggingface_hub's wrapping of a failed connection
        cause = exc.__cause__ or exc.__context__ or exc
        if isinstance(cause, HubError):  # the deadline, hit inside huggingface_hub
            raise cause from None
        mapped = map_hf_error(cause, repo_id=repo_id, revision=sha, settings=settings, token=token, policy=policy)
        error = mapped.error if isinstance(mapped, _Retryable) else mapped
        if not isinstance(error, HubUnavailable):
            error = HubUnavailable(f"cannot download {path} of {repo_id} from {settings.endpoint}", repo_id=repo_id)
        error.message = f"{error.message} (while downloading {path})"
        raise error from exc
    except EntryNotFoundError:
        return None  # listed by the Hub, but not served: resolve without it
    except Exception as exc:
        mapped = map_hf_error(exc, repo_id=repo_id, revision=sha, settings=settings, token=token, policy=policy)
        error = mapped.error if isinstance(mapped, _Retryable) else mapped
        error.message = f"{error.message} (while downloading {path})"
        raise error from exc
