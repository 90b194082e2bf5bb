"""Prove that tests/hubserver.py works with the real huggingface_hub client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx2
import huggingface_hub.utils._http as hf_http
import pytest
from hubserver import HubServer
from huggingface_hub import (
    HfApi,
    constants,
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
    snapshot_download,
)
from huggingface_hub.errors import (
    BadRequestError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile, RepoFolder

CONFIG = {"architectures": ["BertForMaskedLM"], "model_type": "bert", "hidden_size": 8}
REPO = "org/tiny-bert"


@pytest.fixture(autouse=True)
def _isolated_hf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient token, online mode, and a per-test default cache."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "default-cache"))


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer() as server:
        server.add_repo(
            REPO,
            {"config.json": CONFIG, "README.md": "# tiny", "sub/vocab.txt": b"a\nb\n"},
            pipeline_tag="fill-mask",
            library_name="transformers",
            tags=["transformers", "bert"],
            transformers_info={"auto_model": "AutoModelForMaskedLM"},
            card_data={"license": "mit"},
        )
        yield server


@pytest.fixture
def api(hub: HubServer) -> HfApi:
    return HfApi(endpoint=hub.url)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's back-off sleeps instead of waiting."""
    recorded: list[float] = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


def _download(hub: HubServer, cache: Path, filename: str = "config.json", **kwargs) -> str:
    kwargs.setdefault("repo_id", REPO)
    return hf_hub_download(filename=filename, endpoint=hub.url, cache_dir=cache, **kwargs)


# --- model_info ---------------------------------------------------------------


def test_model_info_full(hub: HubServer, api: HfApi) -> None:
    info = api.model_info(REPO)
    assert info.id == REPO
    assert info.sha is not None and len(info.sha) == 40
    assert info.pipeline_tag == "fill-mask"
    assert info.library_name == "transformers"
    assert info.tags == ["transformers", "bert"]
    assert info.config == {"architectures": ["BertForMaskedLM"], "model_type": "bert"}
    assert info.transformers_info is not None
    assert info.transformers_info.auto_model == "AutoModelForMaskedLM"
    assert info.card_data is not None and info.card_data.license == "mit"
    assert info.gated is False and info.private is False
    assert info.last_modified is not None
    assert sorted(s.rfilename for s in info.siblings or []) == [
        "README.md",
        "config.json",
        "sub/vocab.txt",
    ]
    (request,) = hub.requests
    assert (request.method, request.path, request.kind) == (
        "GET",
        f"/api/models/{REPO}",
        "api",
    )


def test_model_info_expand(hub: HubServer, api: HfApi) -> None:
    info = api.model_info(REPO, expand=["siblings", "sha"])
    assert info.sha is not None
    assert info.siblings is not None and len(info.siblings) == 3
    assert info.pipeline_tag is None and info.config is None
    assert hub.requests[-1].query == {"expand": ["siblings", "sha"]}

    raw = httpx2.get(f"{hub.url}/api/models/{REPO}", params={"expand[]": "pipeline_tag"})
    assert set(raw.json()) == {"_id", "id", "pipeline_tag"}

    with pytest.raises(BadRequestError):
        api.model_info(REPO, expand=["nonsense"])  # type: ignore[list-item]


def test_model_info_files_metadata(api: HfApi) -> None:
    info = api.model_info(REPO, files_metadata=True)
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    assert sizes["sub/vocab.txt"] == 4


def test_revisions_branch_tag_sha_and_encoded_slash(hub: HubServer, api: HfApi) -> None:
    old = api.model_info(REPO).sha
    pr_sha = "b" * 40
    new = hub.add_repo(
        REPO,
        {"config.json": {"model_type": "roberta"}},
        revisions={"v1.0": old, "refs/pr/1": pr_sha},
    )
    assert new != old
    assert api.model_info(REPO).config == {"model_type": "roberta"}
    tagged = api.model_info(REPO, revision="v1.0")
    assert tagged.sha == old and tagged.config == {k: CONFIG[k] for k in ("architectures", "model_type")}
    assert api.model_info(REPO, revision=old).sha == old
    assert api.model_info(REPO, revision="refs/pr/1").sha == pr_sha
    assert hub.requests[-1].path.endswith("/revision/refs%2Fpr%2F1")


def test_single_segment_repo_id(hub: HubServer, api: HfApi, cache: Path) -> None:
    sha = hub.add_repo("gpt2", {"config.json": {"model_type": "gpt2"}})
    assert api.model_info("gpt2", revision="main").sha == sha
    assert Path(_download(hub, cache, repo_id="gpt2")).exists()


def test_add_repo_sha_is_deterministic_and_validated(hub: HubServer) -> None:
    files = {"a.txt": "x"}
    assert hub.add_repo("a/b", files) == hub.add_repo("a/b", files)
    assert hub.add_repo("a/b", files, sha="c" * 40) == "c" * 40
    with pytest.raises(ValueError):
        hub.add_repo("a/b", files, sha="main")


# --- downloads and cache ------------------------------------------------------------


def test_file_metadata_headers(hub: HubServer, api: HfApi) -> None:
    sha = api.model_info(REPO).sha
    meta = get_hf_file_metadata(hf_hub_url(REPO, "sub/vocab.txt", endpoint=hub.url))
    assert meta.commit_hash == sha
    assert meta.size == 4
    assert meta.etag is not None and len(meta.etag) == 40  # unquoted by the client
    head = httpx2.head(hf_hub_url(REPO, "sub/vocab.txt", endpoint=hub.url))
    assert head.headers["etag"] == f'"{meta.etag}"' and head.content == b""


def test_download_then_local_files_only(hub: HubServer, cache: Path) -> None:
    path = _download(hub, cache)
    assert '"bert"' in Path(path).read_text()
    assert (cache / "models--org--tiny-bert" / "refs" / "main").is_file()
    assert [(r.method, r.kind) for r in hub.requests] == [
        ("HEAD", "file"),
        ("GET", "file"),
    ]

    hub.reset_requests()
    assert _download(hub, cache, local_files_only=True) == path
    assert hub.count() == 0
    assert _download(hub, cache) == path  # online again: only a HEAD to revalidate
    assert [r.method for r in hub.requests] == ["HEAD"]

    with pytest.raises(LocalEntryNotFoundError):
        _download(hub, cache, filename="README.md", local_files_only=True)


def test_offline_mode_by_patching_constants(
    hub: HubServer, api: HfApi, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _download(hub, cache)
    hub.reset_requests()
    # HF_HUB_OFFLINE is read at import; setenv() is too late, but the constant is read at call time.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert _download(hub, cache) == path
    with pytest.raises(OfflineModeIsEnabled):
        api.model_info(REPO)
    with pytest.raises(LocalEntryNotFoundError):
        _download(hub, cache, filename="README.md")
    assert hub.count() == 0


def test_default_cache_and_endpoint_from_patched_constants(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # HF_ENDPOINT is read at import: patch ENDPOINT *and* the URL template derived from it.
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(
        constants,
        "HUGGINGFACE_CO_URL_TEMPLATE",
        hub.url + "/{repo_id}/resolve/{revision}/{filename}",
    )
    path = hf_hub_download(REPO, "config.json")
    assert path.startswith(constants.HF_HUB_CACHE)
    assert HfApi().model_info(REPO).id == REPO  # a new HfApi() picks up the patched ENDPOINT
    assert hub.count("file") == 2 and hub.count("api") == 1


def test_snapshot_download_and_offline_snapshot(hub: HubServer, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(snapshot_download(REPO, endpoint=hub.url, cache_dir=cache))
    assert (folder / "sub" / "vocab.txt").read_bytes() == b"a\nb\n"
    assert hub.requests[0].path == f"/api/models/{REPO}/revision/main"
    assert hub.requests[1].path == f"/api/models/{REPO}/tree/{folder.name}"
    hub.reset_requests()
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert Path(snapshot_download(REPO, endpoint=hub.url, cache_dir=cache)) == folder
    assert hub.count() == 0


def test_list_repo_tree(api: HfApi) -> None:
    top = {(type(e), e.path) for e in api.list_repo_tree(REPO)}
    assert top == {
        (RepoFile, "README.md"),
        (RepoFile, "config.json"),
        (RepoFolder, "sub"),
    }
    nested = [e.path for e in api.list_repo_tree(REPO, path_in_repo="sub")]
    assert nested == ["sub/vocab.txt"]
    with pytest.raises(RemoteEntryNotFoundError):
        list(api.list_repo_tree(REPO, path_in_repo="nope"))


# --- typed errors ------------------------------------------------------------------


def test_missing_repo(hub: HubServer, api: HfApi, cache: Path) -> None:
    with pytest.raises(RepositoryNotFoundError) as exc:
        api.model_info("org/missing")
    assert exc.value.response.status_code == 404 and exc.value.repo_id == "org/missing"
    with pytest.raises(RepositoryNotFoundError):
        _download(hub, cache, repo_id="org/missing")


def test_private_repo(hub: HubServer, api: HfApi, cache: Path) -> None:
    hub.add_repo("org/private", {"config.json": CONFIG}, private=True)
    with pytest.raises(RepositoryNotFoundError) as exc:
        api.model_info("org/private")
    assert exc.value.response.status_code == 401
    with pytest.raises(RepositoryNotFoundError) as exc:
        api.model_info("org/private", token="hf_other")
    assert exc.value.response.status_code == 404
    with pytest.raises(RepositoryNotFoundError):
        _download(hub, cache, repo_id="org/private")
    assert api.model_info("org/private", token="hf_valid_1").private is True
    assert Path(_download(hub, cache, repo_id="org/private", token="hf_valid_1")).exists()


def test_gated_repo(hub: HubServer, api: HfApi, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add_repo("org/gated", {"config.json": CONFIG}, gated=True)
    assert api.model_info("org/gated").gated == "auto"  # metadata stays public, as on the Hub
    with pytest.raises(GatedRepoError) as exc:
        _download(hub, cache, repo_id="org/gated")
    assert exc.value.response.status_code == 401
    assert "restricted" in (exc.value.server_message or "")
    assert isinstance(exc.value, RepositoryNotFoundError)  # GatedRepoError subclasses it
    with pytest.raises(GatedRepoError) as exc:
        _download(hub, cache, repo_id="org/gated", token="hf_nope")
    assert exc.value.response.status_code == 403
    assert Path(_download(hub, cache, repo_id="org/gated", token="hf_valid")).exists()
    assert hub.requests[-1].headers["authorization"] == "Bearer hf_valid"
    monkeypatch.setenv("HF_TOKEN", "hf_valid_from_env")  # HF_TOKEN is read at call time
    assert Path(_download(hub, cache, repo_id="org/gated", force_download=True)).exists()
    assert hub.requests[-1].headers["authorization"] == "Bearer hf_valid_from_env"


def test_missing_revision(hub: HubServer, api: HfApi, cache: Path) -> None:
    with pytest.raises(RevisionNotFoundError):
        api.model_info(REPO, revision="nope")
    with pytest.raises(RevisionNotFoundError):
        _download(hub, cache, revision="nope")


def test_missing_file(hub: HubServer, cache: Path) -> None:
    with pytest.raises(RemoteEntryNotFoundError) as exc:
        _download(hub, cache, filename="missing.bin")
    assert isinstance(exc.value, EntryNotFoundError) and isinstance(exc.value, HfHubHTTPError)
    # The client caches the miss under .no_exist/<X-Repo-Commit>/
    assert list((cache / "models--org--tiny-bert" / ".no_exist").glob("*/missing.bin"))


# --- failures, retries and time-outs ----------------------------------------------------


def test_model_info_is_not_retried_on_500(hub: HubServer, api: HfApi) -> None:
    hub.fail(500, path_contains="/api/models/")
    with pytest.raises(HfHubHTTPError) as exc:
        api.model_info(REPO)
    assert exc.value.response.status_code == 500
    assert hub.count("api") == 1
    assert api.model_info(REPO).id == REPO  # the failure was used up


def test_download_recovers_from_one_500_without_sleeping(hub: HubServer, cache: Path, sleeps: list[float]) -> None:
    hub.fail(500, path_contains="/resolve/")
    assert Path(_download(hub, cache)).exists()
    assert [r.method for r in hub.requests] == ["HEAD", "HEAD", "GET"]
    assert sleeps == []  # first HEAD has no retry; hf_hub_download re-issues it with retries on


def test_download_backs_off_on_repeated_500(hub: HubServer, cache: Path, sleeps: list[float]) -> None:
    hub.fail(503, times=3, path_contains="/resolve/")
    assert Path(_download(hub, cache)).exists()
    assert [r.method for r in hub.requests] == ["HEAD", "HEAD", "HEAD", "HEAD", "GET"]
    assert sleeps == [1, 2]  # exponential back-off: 1s, 2s, ... capped at 8s


def test_get_500_is_not_retried(hub: HubServer, cache: Path, sleeps: list[float]) -> None:
    hub.fail(200, path_contains="/resolve/")  # let the HEAD through untouched
    hub.fail(500, path_contains="/resolve/")  # ... and fail the GET
    with pytest.raises(HfHubHTTPError) as exc:
        _download(hub, cache)
    assert exc.value.response.status_code == 500
    assert hub.count("file") == 2 and sleeps == []


def test_429_retry_after_is_honoured(hub: HubServer, cache: Path, sleeps: list[float]) -> None:
    hub.fail(429, times=2, path_contains="/resolve/", headers={"Retry-After": "7"})
    assert Path(_download(hub, cache)).exists()
    assert sleeps == [8.0]  # Retry-After + 1s
    assert hub.count("file") == 4


def test_429_on_model_info_raises(hub: HubServer, api: HfApi) -> None:
    hub.fail(429, headers={"Retry-After": "1"})
    with pytest.raises(HfHubHTTPError) as exc:
        api.model_info(REPO)
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["retry-after"] == "1"


def test_slow_response_times_out(hub: HubServer, api: HfApi, cache: Path) -> None:
    hub.fail(200, delay=2.0, path_contains="/api/")
    start = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):
        api.model_info(REPO, timeout=0.2)
    assert time.monotonic() - start < 1.5
    hub.fail(200, delay=2.0, path_contains="/resolve/")
    assert Path(_download(hub, cache, etag_timeout=0.2)).exists()  # the retry HEAD is not delayed


def test_malformed_body(hub: HubServer, api: HfApi) -> None:
    hub.fail(200, body=b"{not json", path_contains="/api/models/")
    with pytest.raises(ValueError):
        api.model_info(REPO)


def test_header_override_missing_commit(hub: HubServer, cache: Path) -> None:
    hub.fail(200, times=2, path_contains="/resolve/", headers={"X-Repo-Commit": None})
    with pytest.raises(LocalEntryNotFoundError, match="X-Repo-Commit"):
        _download(hub, cache)


# --- request log ----------------------------------------------------------------------


def test_request_counting(hub: HubServer, api: HfApi, cache: Path) -> None:
    api.model_info(REPO)
    _download(hub, cache)
    assert (hub.count(), hub.count("api"), hub.count("file")) == (3, 1, 2)
    assert all("x-amzn-trace-id" in r.headers for r in hub.requests)
    assert hub.requests[-1].headers.get("x-hf-download-counter") == "1"
    hub.reset_requests()
    assert hub.count() == 0 and hub.requests == []
    with pytest.raises(ValueError):
        hub.count("bogus")


def test_stop_cuts_pooled_connections() -> None:
    server = HubServer()
    server.add_repo("a/b", {"x": "y"})
    api = HfApi(endpoint=server.url)
    assert api.model_info("a/b").id == "a/b"  # leaves a kept-alive connection in the pool
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(httpx2.ConnectError):
        api.model_info("a/b")


def test_range_request(hub: HubServer) -> None:
    url = hf_hub_url(REPO, "sub/vocab.txt", endpoint=hub.url)
    partial = httpx2.get(url, headers={"Range": "bytes=2-"})
    assert partial.status_code == 206 and partial.content == b"b\n"
    assert partial.headers["content-range"] == "bytes 2-3/4"
