"""Each Hub failure maps to a typed error with a hint and exit code 2, and the CLI shows no traceback.

Transient failures (5xx, 429, time-outs, connection errors, malformed answers) are retried with
bounded back-off and, when something is cached, fall back to the cache instead of failing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace

import huggingface_hub.utils._http as hf_http
import pytest
from hubserver import HubServer
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError
from test_hub import isolated_hf, serve_fixture_repos

import resolver
from resolver.cli.main import main
from resolver.errors import TaskResolverError
from resolver.evidence.hub import network as hub_net
from resolver.evidence.hub import store as hub_store
from resolver.evidence.hub.errors import (
    GatedRepo,
    HubError,
    HubRequestError,
    HubTimeout,
    HubUnavailable,
    MalformedHubResponse,
    RateLimited,
    RepoNotFound,
    RevisionNotFound,
)
from resolver.evidence.hub.network import retry_after_seconds

API = "/api/models/"


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    yield from serve_fixture_repos(monkeypatch)


def cli_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["resolve", *argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def check(error: pytest.ExceptionInfo[HubError], kind: type[HubError], *words: str) -> None:
    """The mapped type, exit code 2, and a message plus hint that mention `words`."""
    assert type(error.value) is kind and isinstance(error.value, TaskResolverError)
    assert error.value.exit_code == 2 and error.value.hint
    text = str(error.value)
    assert all(word in text for word in words), text


# ------------------------------------------------------------------ definitive answers


def test_repo_not_found(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RepoNotFound) as error:
        resolver.resolve("org/missing")
    check(error, RepoNotFound, "org/missing was not found", "HTTP 404", "check the spelling", "token")
    assert isinstance(error.value.__cause__, RepositoryNotFoundError)
    code, err = cli_error(["org/missing"], capsys)
    assert code == 2 and err.startswith("error: org/missing was not found on the Hub") and "hint:" in err


def test_private_repo_without_a_token(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    hub.add_repo("org/private", {"config.json": {"architectures": ["BertForMaskedLM"]}}, private=True)
    with pytest.raises(RepoNotFound) as error:
        resolver.resolve("org/private")
    check(error, RepoNotFound, "HTTP 401", "you sent no token")
    assert cli_error(["org/private"], capsys)[0] == 2
    assert main(["resolve", "org/private", "--token", "hf_valid_x"]) == 0


def test_gated_repo(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    hub.add_repo("org/gated-pipe", {"model_index.json": {"_class_name": "StableDiffusionPipeline"}}, gated="manual")
    with pytest.raises(GatedRepo) as error:
        resolver.resolve("org/gated-pipe")
    check(
        error,
        GatedRepo,
        "access to org/gated-pipe is restricted (HTTP 401",
        "accept the model's terms at",
        f"{hub.url}/org/gated-pipe",
        "--token",
        "HF_TOKEN",
        "while downloading model_index.json",
    )
    assert isinstance(error.value.__cause__, GatedRepoError)
    with pytest.raises(GatedRepo) as error:
        resolver.resolve("org/gated-pipe", token="hf_not_allowed")
    check(error, GatedRepo, "HTTP 403", "the token given cannot read it")
    code, err = cli_error(["org/gated-pipe"], capsys)
    assert code == 2 and "accept the model's terms" in err
    assert resolver.resolve("org/gated-pipe", token="hf_valid_ok").task == "text-to-image"


def test_gated_repo_metadata_alone_needs_no_token(hub: HubServer) -> None:
    """Like the Hub, the test server shows a gated repo's metadata: the config summary decides, no file is read."""
    hub.add_repo("org/gated-llm", {"config.json": {"architectures": ["LlamaForCausalLM"]}}, gated=True)
    assert resolver.resolve("org/gated-llm").task == "text-generation"


def test_revision_not_found(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RevisionNotFound) as error:
        resolver.resolve("org/config-only", revision="v9")
    check(error, RevisionNotFound, "org/config-only has no revision 'v9'", "--revision")
    assert isinstance(error.value.__cause__, RevisionNotFoundError)
    assert cli_error(["org/config-only", "--revision", "v9"], capsys)[0] == 2


def test_other_refusals(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    hub.fail(400, path_contains=API)
    with pytest.raises(HubRequestError) as error:
        resolver.resolve("org/config-only")
    check(error, HubRequestError, "HTTP 400", "HF_ENDPOINT")
    assert hub.count("api") == 1  # not retried


# ------------------------------------------------------------------ transient failures: bounded retries


def test_5xx_is_retried_with_backoff(hub: HubServer, hf_env: list[float]) -> None:
    hub.fail(503, times=2, path_contains=API)
    assert resolver.resolve("org/config-only").task == "text-classification"
    assert hub.count("api") == 3 and hf_env == [1.0, 2.0]


def test_5xx_gives_up_after_bounded_attempts(
    hub: HubServer, hf_env: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    hub.fail(500, times=10, path_contains=API)
    with pytest.raises(HubUnavailable) as error:
        resolver.resolve("org/config-only")
    check(
        error,
        HubUnavailable,
        "failed with HTTP 500",
        "after 3 attempts",
        "not in the local cache",
        "hf download org/config-only",
        "--task",
    )
    assert isinstance(error.value.__cause__, HfHubHTTPError)
    assert hub.count("api") == 3 and hf_env == [1.0, 2.0]
    assert cli_error(["org/config-only"], capsys)[0] == 2
    assert hf_env[-2:] == [1.0, 2.0] and max(hf_env) <= hub_net.POLICY.max_delay


def test_429_honours_retry_after(hub: HubServer, hf_env: list[float]) -> None:
    hub.fail(429, path_contains=API, headers={"Retry-After": "3"})
    assert resolver.resolve("org/config-only").task == "text-classification"
    assert hf_env == [3.0] and hub.count("api") == 2


def test_429_retry_after_too_long_is_not_waited_for(
    hub: HubServer, hf_env: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    hub.fail(429, path_contains=API, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as error:
        resolver.resolve("org/config-only")
    check(error, RateLimited, "HTTP 429", "org/config-only")
    assert hf_env == [] and hub.count("api") == 1
    hub.fail(429, times=5, path_contains=API)  # no Retry-After: exponential back-off, bounded
    assert cli_error(["org/config-only"], capsys)[0] == 2
    assert hf_env == [1.0, 2.0]


def test_retry_after_forms() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60), usegmt=True)
    assert 50 < (retry_after_seconds(later) or 0) <= 60
    assert retry_after_seconds("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0


def test_time_out(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch, hf_env: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "0.1")
    hub.fail(200, times=3, delay=1.0, path_contains=API)
    start = time.monotonic()
    with pytest.raises(HubTimeout) as error:
        resolver.resolve("org/config-only")
    assert time.monotonic() - start < 3
    check(error, HubTimeout, "did not answer in time", "after 3 attempts", "--task")
    assert hf_env == [1.0, 2.0]
    hub.fail(200, times=3, delay=1.0, path_contains=API)
    assert cli_error(["org/config-only"], capsys)[0] == 2


def test_unreachable_hub_with_nothing_cached(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    hub.stop()
    with pytest.raises(HubUnavailable) as error:
        resolver.resolve("org/config-only")
    check(error, HubUnavailable, "cannot reach the Hub", "org/config-only at main is not in the local cache")
    code, err = cli_error(["org/config-only"], capsys)
    assert code == 2 and "connect to the network" in err


@pytest.mark.parametrize(
    "body",
    [
        b"<html>proxy login</html>",
        b"[1, 2]",
        b'{"id": "org/config-only"}',
        b'{"sha": "' + b"a" * 40 + b'", "siblings": "nope"}',
    ],
)
def test_malformed_response(hub: HubServer, body: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    hub.fail(200, path_contains=API, body=body, times=2)
    with pytest.raises(MalformedHubResponse) as error:
        resolver.resolve("org/config-only")
    check(error, MalformedHubResponse, "the Hub's answer about org/config-only", "HF_ENDPOINT")
    assert hub.count("api") == 1
    assert cli_error(["org/config-only"], capsys)[0] == 2


def test_transient_failures_fall_back_to_the_cache(hub: HubServer) -> None:
    assert resolver.resolve("org/pipeline").task == "text-to-image"
    hub_store.clear_memo()
    for failure in (
        {"status": 503, "times": 3},
        {"status": 200, "body": b"not json"},
        {"status": 429, "headers": {"Retry-After": "999"}},
    ):
        hub.fail(path_contains=API, **failure)
        result = resolver.resolve("org/pipeline")
        assert (result.task, result.source) == ("text-to-image", "cache")
        assert any(s.message.startswith("offline cache: ") for s in result.trace)


def test_definitive_answers_do_not_fall_back(hub: HubServer) -> None:
    resolver.resolve("org/config-only")
    with pytest.raises(RevisionNotFound):
        resolver.resolve("org/config-only", revision="gone")


def test_file_download_failure(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=slept.append))  # huggingface_hub's own retries
    hub.fail(502, times=20, path_contains="/resolve/")
    with pytest.raises(HubUnavailable) as error:
        resolver.resolve("org/pipeline")
    assert "while downloading model_index.json" in error.value.message
    assert isinstance(error.value, HubError) and error.value.exit_code == 2
