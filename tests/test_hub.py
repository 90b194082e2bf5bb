"""Hub repo ids through the real huggingface_hub client, against tests/hubserver.py on 127.0.0.1.

Every test gets its own HF_HOME, no token, online mode, an empty in-process memo, and back-off
sleeps that are recorded instead of slept.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hubserver import HubServer
from huggingface_hub import constants, hf_hub_download, snapshot_download

import resolver
from resolver.api import Resolver
from resolver.cli.main import main
from resolver.errors import EvidenceError
from resolver.evidence.hub import network as hub_net
from resolver.evidence.hub import store as hub_store
from resolver.evidence.hub.errors import HubUnavailable, OfflineNoCache
from resolver.evidence.hub.reader import evidence_from_hub, summary_suffices

ROOT = Path(__file__).resolve().parent.parent
REPOS = {k: v for k, v in json.loads((ROOT / "tests/fixtures/hub/repos.json").read_text()).items() if "/" in k}
EXPECTED = {repo: spec["expect"] for repo, spec in REPOS.items() if "expect" in spec}


def isolated_hf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    """A private HF_HOME, no token, online; yields the back-off sleeps taken (never slept)."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in (
        "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_ASSETS_CACHE",
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_HUB_OFFLINE",
        "HF_HUB_ETAG_TIMEOUT",
        "HF_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    # huggingface_hub 2.x builds its user agent by fetching {ENDPOINT}/api/agent-harnesses once a day, and
    # ENDPOINT was fixed at its import (huggingface.co here): telemetry off keeps the tests on 127.0.0.1.
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    sleeps: list[float] = []
    monkeypatch.setattr(hub_net, "POLICY", replace(hub_net.POLICY, sleep=sleeps.append))
    lookups = loopback_only(monkeypatch)
    hub_store.clear_memo()
    yield sleeps
    hub_store.clear_memo()
    assert lookups == [], f"a test tried to reach {lookups} (only 127.0.0.1 is allowed)"


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse (and record) every name lookup but the loopback's: no test traffic leaves 127.0.0.1."""
    attempts: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "localhost", "::1"):
            attempts.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"blocked by the test: {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return attempts


def serve_fixture_repos(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """The test Hub serving tests/fixtures/hub/repos.json, with HF_ENDPOINT pointing at it."""
    with HubServer() as server:
        for repo_id, spec in REPOS.items():
            server.add_repo(repo_id, **{k: v for k, v in spec.items() if k != "expect"})
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    yield from serve_fixture_repos(monkeypatch)


def gets(hub: HubServer, kind: str) -> int:
    """GET requests of a kind: a downloaded file is one HEAD plus one GET."""
    return sum(1 for r in hub.requests if r.kind == kind and r.method == "GET")


def sha_of(hub: HubServer, repo_id: str) -> str:
    """The commit `main` is at (add_repo is deterministic: re-adding the same content changes nothing)."""
    return hub.add_repo(repo_id, **{k: v for k, v in REPOS[repo_id].items() if k != "expect"})


def cache_root(tmp_path: Path) -> Path:
    return tmp_path / "hf" / "hub"


# ------------------------------------------------------------------ the task, from each kind of evidence


@pytest.mark.parametrize("repo_id", sorted(EXPECTED))
def test_task_from_hub_evidence(hub: HubServer, repo_id: str) -> None:
    expect = EXPECTED[repo_id]
    result = resolver.resolve(repo_id)
    assert (result.task, result.strategy, result.library) == (expect["task"], expect["strategy"], expect["library"])
    assert result.source == "hub"
    answered = [s for s in result.trace if s.outcome == "answered" and s.step == result.strategy]
    assert answered and answered[0].where  # the trace names the rule that fired
    # cold: exactly one model-info request, plus at most one file when the summary is not enough
    assert hub.count("api") == 1
    assert gets(hub, "file") == expect["files"]
    assert hub.count("file") <= 2 * expect["files"]


def test_conversational_pipeline_tag_is_ignored(hub: HubServer) -> None:
    result = resolver.resolve("org/chat")
    ignored = [s for s in result.trace if s.step == "hub_pipeline_tag" and s.outcome == "passed"]
    assert ignored and "'conversational' is not a task" in ignored[0].message
    assert "cardData.pipeline_tag = text-generation" in next(
        s.message for s in result.trace if s.outcome == "answered" and s.step == "hub_pipeline_tag"
    )


def test_evidence_carries_hub_metadata(hub: HubServer) -> None:
    evidence = evidence_from_hub("org/chat", documents_needed={"config.json"})
    assert evidence.source == "hub" and evidence.ref == "org/chat"
    assert evidence.files == {"README.md", "weights.bin"}
    assert evidence.hub["pipeline_tag"] == "conversational"
    assert evidence.hub["cardData"]["base_model"] == evidence.hub["base_model"] == "org/base-llm"
    assert evidence.revision == evidence.hub["sha"] and len(evidence.revision) == 40
    assert evidence.documents == {}


def test_config_summary_stands_in_for_config_json(hub: HubServer) -> None:
    evidence = evidence_from_hub("org/config-only", documents_needed={"config.json", "model_index.json"})
    assert evidence.documents["config.json"] == {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
    }
    assert any("the Hub's summary" in note for note in evidence.notes)
    assert gets(hub, "file") == 0


def test_pattern_architecture_downloads_the_full_config(hub: HubServer) -> None:
    """A class no table lists falls to a suffix pattern that reads vision_config: the summary lacks it."""
    # without the rules to check against, the summary is taken as it is
    evidence = evidence_from_hub("org/new-vlm", documents_needed={"config.json"})
    assert evidence.documents["config.json"] == {
        "architectures": ["BrandNewVlmForConditionalGeneration"],
        "model_type": "brand_new_vlm",
    }
    assert gets(hub, "file") == 0
    result = resolver.resolve("org/new-vlm")
    assert result.task == "image-text-to-text"
    assert any("config.json: downloaded" in s.message for s in result.trace)
    assert gets(hub, "file") == 1


def test_fallback_order_ranks_hub_evidence(hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The config says one task, the Hub's pipeline_tag another: rules/fallback.yaml decides, the trace shows both."""
    hub.add_repo(
        "org/disagree",
        {"config.json": {"architectures": ["BertForMaskedLM"], "model_type": "bert"}},
        pipeline_tag="feature-extraction",
    )
    shipped = resolver.resolve("org/disagree")
    assert (shipped.task, shipped.strategy) == ("fill-mask", "config_architectures")
    assert [(c.task, c.strategy) for c in shipped.candidates][:1] == [("feature-extraction", "hub_pipeline_tag")]
    pack = tmp_path / "pack"
    pack.mkdir()
    order = ["explicit_task", "hub_pipeline_tag", "config_architectures", "library_default"]
    (pack / "fallback.yaml").write_text("kind: fallback\nversion: 1\norder:\n" + "".join(f"  - {o}\n" for o in order))
    monkeypatch.setenv("TASK_RESOLVER_CACHE", str(tmp_path / "rules-cache"))
    trusted = Resolver([pack]).resolve("org/disagree")
    assert (trusted.task, trusted.strategy) == ("feature-extraction", "hub_pipeline_tag")
    assert trusted.where and trusted.where.startswith("rules/tasks.yaml:")
    assert any(s.step == "config_architectures" and s.outcome == "candidate" for s in trusted.trace)


def test_summary_stands_in_offline_when_the_full_config_was_never_fetched(hub: HubServer) -> None:
    evidence_from_hub("org/new-vlm", documents_needed={"config.json"})  # online, without rules: summary only
    hub_store.clear_memo()
    result = resolver.resolve("org/new-vlm", offline=True)
    assert result.source == "cache" and result.architecture == "BrandNewVlmForConditionalGeneration"
    assert any("the Hub's summary of it (architectures, model_type) stands in" in s.message for s in result.trace)


def test_summary_suffices() -> None:
    rules = Resolver().rules
    assert summary_suffices({"architectures": ["BertForMaskedLM"]}, rules)
    assert not summary_suffices({"architectures": ["BrandNewVlmForConditionalGeneration"]}, rules)
    assert summary_suffices({"architectures": ["BrandNewVlmForConditionalGeneration"]})
    assert summary_suffices({"auto_map": {"AutoModel": "x.Y"}}, rules)
    assert not summary_suffices({}, rules) and not summary_suffices(None)
    assert summary_suffices({"model_type": "bert", "architectures": 5}, rules)  # odd values do not crash


def test_subfolder(hub: HubServer) -> None:
    result = resolver.resolve("org/multi", subfolder="text")
    assert (result.task, result.subfolder) == ("fill-mask", "text")
    assert gets(hub, "file") == 1  # text/config.json: the summary describes the root only
    evidence = evidence_from_hub("org/multi", documents_needed={"config.json"}, subfolder="text/")
    assert evidence.files == {"config.json", "model.safetensors"}
    with pytest.raises(EvidenceError, match="no subfolder 'vision'") as error:
        evidence_from_hub("org/multi", documents_needed={"config.json"}, subfolder="vision")
    assert "onnx, text" in (error.value.hint or "")


# ------------------------------------------------------------------ repeated resolutions


def test_warm_pinned_revision_makes_no_request(hub: HubServer) -> None:
    resolver.resolve("org/pipeline")
    sha = sha_of(hub, "org/pipeline")
    hub.reset_requests()
    assert resolver.resolve("org/pipeline", revision=sha).task == "text-to-image"
    assert hub.count() == 0  # in-process memo
    hub_store.clear_memo()
    result = resolver.resolve("org/pipeline", revision=sha)
    assert result.task == "text-to-image" and hub.count() == 0  # on-disk metadata cache
    assert any("metadata cache, no request" in s.message for s in result.trace)


def test_cold_pinned_revision_then_warm(hub: HubServer) -> None:
    sha = hub.add_repo("org/pinned", {"model_index.json": {"_class_name": "StableDiffusionXLPipeline"}})
    assert resolver.resolve("org/pinned", revision=sha).task == "text-to-image"
    assert (gets(hub, "api"), gets(hub, "file")) == (1, 1)
    assert hub.requests[0].path.endswith(f"/revision/{sha}")
    hub.reset_requests()
    hub_store.clear_memo()
    assert resolver.resolve("org/pinned", revision=sha).task == "text-to-image"
    assert hub.count() == 0


def test_warm_branch_makes_one_request_and_no_download(hub: HubServer, tmp_path: Path) -> None:
    resolver.resolve("org/pipeline")
    hub.reset_requests()
    hub_store.clear_memo()
    assert resolver.resolve("org/pipeline").task == "text-to-image"
    assert (hub.count("api"), hub.count("file")) == (1, 0)
    # without the metadata cache, the document still comes from the HF snapshot cache
    import shutil

    shutil.rmtree(tmp_path / "hf" / "assets")
    hub_store.clear_memo()
    hub.reset_requests()
    result = resolver.resolve("org/pipeline")
    assert (hub.count("api"), hub.count("file")) == (1, 0)
    assert any("model_index.json: read from the HF cache" in s.message for s in result.trace)


def test_branch_that_moved_is_followed(hub: HubServer) -> None:
    assert resolver.resolve("org/config-only").task == "text-classification"
    hub.add_repo("org/config-only", {"config.json": {"architectures": ["BertForTokenClassification"]}})
    assert resolver.resolve("org/config-only").task == "token-classification"


# ------------------------------------------------------------------ offline


@pytest.mark.parametrize("how", ["argument", "HF_HUB_OFFLINE", "server stopped"])
def test_offline_from_a_cache_populated_online(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch, how: str, hf_env: list[float]
) -> None:
    online = {repo: resolver.resolve(repo).task for repo in EXPECTED}
    hub.reset_requests()
    hub_store.clear_memo()  # a new process: only the disk caches remain
    options = {}
    if how == "argument":
        options["offline"] = True
    elif how == "HF_HUB_OFFLINE":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        hub.stop()
    for repo, task in online.items():
        result = resolver.resolve(repo, **options)
        assert (result.task, result.source) == (task, "cache")
        notes = [s.message for s in result.trace if s.step == "evidence"]
        assert any(n.startswith("offline cache: ") and "from the local cache" in n for n in notes), notes
    if how == "server stopped":
        assert any("cannot reach the Hub" in s.message for s in result.trace)
        assert hf_env == [1.0, 2.0] * len(online)  # bounded back-off per repo, not slept
    else:
        assert hub.count() == 0


def test_offline_from_a_snapshot_downloaded_by_other_tools(hub: HubServer, tmp_path: Path) -> None:
    folder = snapshot_download("org/multi", endpoint=hub.url, cache_dir=cache_root(tmp_path))
    hub.reset_requests()
    result = resolver.resolve("org/multi", subfolder="text", offline=True)
    assert (result.task, result.source) == ("fill-mask", "cache")
    assert any("the snapshot's files only" in s.message for s in result.trace)
    assert hub.count() == 0
    pinned = resolver.resolve("org/multi", subfolder="text", offline=True, revision=Path(folder).name)
    assert pinned.task == "fill-mask"


def test_offline_after_hf_hub_download_with_a_cache_dir(hub: HubServer, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    hf_hub_download("org/pipeline", "model_index.json", endpoint=hub.url, cache_dir=other)
    assert resolver.resolve("org/pipeline", offline=True, cache_dir=other).task == "text-to-image"
    with pytest.raises(OfflineNoCache):
        resolver.resolve("org/pipeline", offline=True)  # not in the default cache


def test_offline_with_nothing_cached(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(OfflineNoCache) as error:
        resolver.resolve("org/config-only", offline=True)
    assert isinstance(error.value, HubUnavailable) and error.value.exit_code == 2
    assert "org/config-only at main is not in the local cache" in error.value.message
    assert all(way in error.value.hint for way in ("connect", "hf download org/config-only", "--task"))
    assert main(["resolve", "org/config-only", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "error: offline mode is on (--offline), and org/config-only" in err and "Traceback" not in err
    # the way out it names: pass the task
    assert main(["resolve", "org/config-only", "--offline", "--task", "ner"]) == 0
    assert "token-classification" in capsys.readouterr().out
    assert hub.count() == 0


# ------------------------------------------------------------------ environment, CLI


def test_cli_flags(hub: HubServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sha = sha_of(hub, "org/multi")
    cache = tmp_path / "explicit-cache"
    argv = ["resolve", "org/multi", "--subfolder", "text", "--revision", sha, "--cache-dir", str(cache), "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["task"], data["source"], data["subfolder"]) == ("fill-mask", "hub", "text")
    assert list(cache.glob("models--org--multi/snapshots/*/text/config.json"))
    assert main([*argv[:-1], "--offline", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "task:          fill-mask" in out and "offline cache: offline mode is on (--offline)" in out


def test_environment_is_read_at_call_time(hub: HubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setenv("HF_ASSETS_CACHE", str(tmp_path / "assets"))
    assert resolver.resolve("org/pipeline").task == "text-to-image"
    assert list((tmp_path / "hub-cache").glob("models--org--pipeline/snapshots/*/model_index.json"))
    assert list((tmp_path / "assets").glob("task-resolver/hub/models--org--pipeline/info/*.json"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    hub_store.clear_memo()
    result = resolver.resolve("org/pipeline")
    assert result.source == "cache" and hub.count("api") == 1


def test_token_from_argument_and_from_hf_token(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add_repo("org/private", {"config.json": {"architectures": ["BertForMaskedLM"]}}, private=True)
    assert resolver.resolve("org/private", token="hf_valid_arg").task == "fill-mask"
    assert hub.requests[-1].headers["authorization"] == "Bearer hf_valid_arg"
    hub_store.clear_memo()
    monkeypatch.setenv("HF_TOKEN", "hf_valid_env")
    assert resolver.resolve("org/private").task == "fill-mask"
    assert hub.requests[-1].headers["authorization"] == "Bearer hf_valid_env"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_cli_subprocess_against_the_test_hub(hub: HubServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path / "sub-hf"), TASK_RESOLVER_CACHE=str(tmp_path / "tr"))
    done = _run(["-m", "resolver", "resolve", "org/pipeline"], env)
    assert done.returncode == 0, done.stderr
    assert "task:          text-to-image" in done.stdout and "library:       diffusers" in done.stdout
    assert (gets(hub, "api"), gets(hub, "file")) == (1, 1)
    # huggingface_hub's own once-a-day user-agent registry fetch is the only other request
    assert {r.path for r in hub.requests if r.kind == "other"} <= {"/api/agent-harnesses"}
    failed = _run(["-m", "resolver", "resolve", "org/nope"], env)
    assert failed.returncode == 2
    assert failed.stderr.startswith("error: org/nope was not found on the Hub") and "Traceback" not in failed.stderr
