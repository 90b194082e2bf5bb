"""Typed Hub errors: each names the repo, says what the Hub answered, and how to get past it.

huggingface_hub's own exception (when there is one) stays attached as `__cause__`. All exit the
CLI with code 2 (an environment problem, not a finding about the model).
"""

from __future__ import annotations

from resolver.errors import TaskResolverError

WAYS_OUT = (
    "connect to the network (check HF_ENDPOINT and any proxy), download the model first while online "
    "(`hf download {repo}`, or resolve it once online), or pass the task yourself with --task"
)


class HubError(TaskResolverError):
    """Base class of every error raised while asking the Hub about a repo."""

    def __init__(self, message: str, *, repo_id: str, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.repo_id = repo_id
        self.status = status


class RepoNotFound(HubError):
    """No such repo on the Hub, or a private one the token cannot see."""


class GatedRepo(HubError):
    """A gated or private repo refused access (HTTP 401/403)."""


class RevisionNotFound(HubError):
    """The repo exists but has no such branch, tag or commit."""


class HubUnavailable(HubError):
    """The Hub could not be reached or kept failing (connection error, 5xx), and nothing usable is cached."""


class HubTimeout(HubUnavailable):
    """The Hub did not answer in time, even after retries."""


class RateLimited(HubUnavailable):
    """The Hub kept answering 429 Too Many Requests; `retry_after` is the wait it asked for, when it said."""

    def __init__(
        self,
        message: str,
        *,
        repo_id: str,
        hint: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, repo_id=repo_id, hint=hint, status=status)
        self.retry_after = retry_after


class OfflineNoCache(HubUnavailable):
    """Offline mode is on and the local cache holds nothing for this repo and revision."""


class MalformedHubResponse(HubError):
    """The Hub (or a proxy in front of it) answered something that is not a model-info document."""


class HubRequestError(HubError):
    """Any other refusal by the Hub (e.g. 400 Bad Request from a mirror that lacks an API)."""


def ways_out(repo_id: str) -> str:
    """The hint shared by every 'cannot get the metadata' error."""
    return WAYS_OUT.format(repo=repo_id)
