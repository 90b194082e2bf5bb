"""A hostile Hub and a hostile cache (issue 13, items 2 and 6).

Item 2: a Hub that hangs, trickles one byte at a time or accepts and never answers cannot stall a
resolution: one overall deadline bounds it (retries included), then HubTimeout says what was being
fetched, how long it waited and how to proceed, or the cache answers. No huggingface_hub chatter on
stderr unless verbose, and no worker left writing the cache.

Item 6: a cached metadata record of the wrong shape is ignored (re-fetched when online) with a note,
never a traceback; a seeded fuzz throws random JSON values and bytes at the record reader.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hubserver import HubServer, SilentServer
from test_hub import isolated_hf, serve_fixture_repos, sha_of

import resolver
from resolver.api import Resolver, default_resolver
from resolver.errors import TaskResolverError
from resolver.evidence.hub import store as hub_store
from resolver.evidence.hub.deadline import DEFAULT_TIMEOUT, TIMEOUT_ENV, WORKER_NAME, hub_timeout
from resolver.evidence.hub.errors import HubTimeout, HubUnavailable, OfflineNoCache, RateLimited
from resolver.evidence.hub.reader import evidence_from_hub
from resolver.evidence.hub.store import HubSettings, repo_folder

REPO = "org/pipeline"  # needs model_index.json: one model-info request, then one download
SMALL = 0.8  # seconds: the deadline of these tests


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    yield from serve_fixture_repos(monkeypatch)


@pytest.fixture(scope="module")
def rules() -> Any:
    return Resolver().rules


def gather(rules: Any, repo_id: str = REPO, **options: Any) -> Any:
    return evidence_from_hub(repo_id, documents_needed=rules.documents, rules=rules, **options)


def timed_out(rules: Any, **options: Any) -> tuple[HubTimeout, float]:
    """The HubTimeout a resolution ends with, and how long it took."""
    start = time.monotonic()
    with pytest.raises(HubTimeout) as error:
        gather(rules, timeout=SMALL, **options)
    return error.value, time.monotonic() - start


def workers_end(within: float = 3.0) -> bool:
    """True once no deadline worker thread is left (an abandoned one stops on its own)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not any(t.name == WORKER_NAME for t in threading.enumerate()):
            return True
        time.sleep(0.02)
    return False


class Chatter(logging.Handler):
    """huggingface_hub's log records that got past the filter (its own stderr handler may point at a stale stream)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def chatter() -> Iterator[Chatter]:
    handler = Chatter()
    logger = logging.getLogger("huggingface_hub")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def tree(path: Path) -> dict[str, bytes]:
    """Every file under path (symlinks read through), for before/after comparisons."""
    files = {}
    for item in sorted(path.rglob("*")) if path.exists() else ():
        if item.is_file():
            files[str(item.relative_to(path))] = item.read_bytes()
    return files


# ------------------------------------------------------------------ item 2: hung, trickling and silent Hubs


@pytest.mark.parametrize(
    "mode, what",
    [
        ("hang", "the model info of org/pipeline"),
        ("trickle", "the model info of org/pipeline"),
        ("trickle head", "the model info of org/pipeline"),
        ("hang on download", "model_index.json of org/pipeline"),
        ("hang on download HEAD", "model_index.json of org/pipeline"),
        ("trickle download", "model_index.json of org/pipeline"),
    ],
)
def test_a_hostile_hub_is_given_up_on_at_the_deadline(
    hub: HubServer, rules: Any, mode: str, what: str, capfd: pytest.CaptureFixture[str], chatter: Chatter
) -> None:
    if mode == "hang":
        hub.hang()
    elif mode == "trickle":
        hub.trickle(interval=0.2)
    elif mode == "trickle head":
        hub.trickle(interval=0.2, head_too=True)
    elif mode == "hang on download":
        hub.hang_on_download(method="GET")
    elif mode == "hang on download HEAD":
        hub.hang_on_download(method="HEAD")
    else:
        hub.trickle(interval=0.2, path_contains="/resolve/", method="GET")
    error, took = timed_out(rules)
    assert SMALL <= took < SMALL + 0.5, took
    assert isinstance(error, HubUnavailable) and error.exit_code == 2
    text = str(error)
    assert f"gave up on {what}" in text, text
    said = re.search(r" after (\d+\.\d) s ", text)  # the time it took, as measured: a loaded machine adds a tick
    assert said is not None and SMALL <= float(said.group(1)) < SMALL + 0.5, text
    assert "--timeout SECONDS" in text and TIMEOUT_ENV in text and "--offline" in text and "--task" in text
    assert "not in the local cache" in text
    assert workers_end(), "an abandoned worker kept running"
    err = capfd.readouterr().err
    assert "Retrying" not in err and "resume" not in err and "Traceback" not in err, err
    assert chatter.lines == []


def test_a_server_that_accepts_and_never_answers(
    rules: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    with SilentServer() as silent:
        monkeypatch.setenv("HF_ENDPOINT", silent.url)
        error, took = timed_out(rules)
    assert SMALL <= took < SMALL + 0.5 and silent.url in str(error)
    assert workers_end()
    assert capfd.readouterr().err == ""


def test_the_cache_answers_past_the_deadline(hub: HubServer, rules: Any) -> None:
    online = gather(rules)
    hub_store.clear_memo()  # a new process: the disk caches only
    hub.hang()
    start = time.monotonic()
    evidence = gather(rules, timeout=SMALL)
    assert time.monotonic() - start < SMALL + 0.5
    assert evidence.source == "cache" and evidence.documents == online.documents
    note = evidence.notes[0]
    # the deadline strikes inside the model-info request, or (on a loaded machine) between its attempts
    assert note.startswith(
        ("offline cache: gave up on the model info of org/pipeline", "offline cache: the Hub at ")
    ), note
    assert "org/pipeline" in note and "--offline" in note
    assert Resolver().resolve_evidence(evidence).task == "text-to-image"


def test_a_download_past_the_deadline_falls_back_to_the_cache(hub: HubServer, rules: Any) -> None:
    """main moved to a commit whose file hangs: the commit cached before answers, and says so."""
    gather(rules)
    hub_store.clear_memo()
    hub.add_repo(REPO, {"model_index.json": {"_class_name": "StableDiffusionXLPipeline"}}, library_name="diffusers")
    hub.hang_on_download()
    evidence = gather(rules, timeout=SMALL)
    assert evidence.source == "cache" and evidence.documents["model_index.json"]["_class_name"] == (
        "StableDiffusionPipeline"
    )
    assert "gave up on model_index.json of org/pipeline" in evidence.notes[0]


def test_nothing_is_written_to_the_caches_after_the_deadline(hub: HubServer, rules: Any, tmp_path: Path) -> None:
    hub.trickle(interval=0.05, path_contains="/resolve/", method="GET")  # the body keeps coming, byte by byte
    timed_out(rules)
    assert workers_end()
    home = tmp_path / "hf"
    before = tree(home)
    time.sleep(0.5)
    assert tree(home) == before
    assert not list(home.glob("hub/*/snapshots/*/model_index.json"))
    assert not list(home.glob("assets/task-resolver/hub/*/info/*.json"))  # no metadata record for a failure


def test_the_deadline_covers_the_retries(hub: HubServer, rules: Any, hf_env: list[float]) -> None:
    """Back-off sleeps count against the deadline: one that would outlast it is not taken."""
    hub.fail(503, times=10, path_contains="/api/models/")
    with pytest.raises(HubUnavailable) as error:
        gather(rules, timeout=1.5)
    assert hf_env == [1.0]  # the 2 s back-off after the second attempt does not fit in what is left
    text = str(error.value)
    assert "HTTP 503" in text and "no time left to wait 2 s" in text and "1.5 s Hub deadline" in text
    assert "--timeout" in text


def test_a_retry_after_past_the_deadline_is_not_waited_for(hub: HubServer, rules: Any) -> None:
    """huggingface_hub would sleep out a download's Retry-After inside the worker: refused at once."""
    hub.fail(429, times=100, path_contains="/resolve/", headers={"Retry-After": "3600"})
    start = time.monotonic()
    with pytest.raises(RateLimited) as error:
        gather(rules, timeout=5)
    assert time.monotonic() - start < 2
    assert "retry after 3600 s" in error.value.message and "model_index.json of org/pipeline" in error.value.message
    assert workers_end()


def test_timeout_from_the_environment(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, str(SMALL))
    _ = default_resolver().rules  # compiled before the clock starts: only the Hub wait is timed
    hub.hang()
    start = time.monotonic()
    with pytest.raises(HubTimeout, match=f"the Hub deadline is {SMALL:g} s"):
        resolver.resolve(REPO)
    assert time.monotonic() - start < SMALL + 0.5


def test_timeout_values(monkeypatch: pytest.MonkeyPatch) -> None:
    assert hub_timeout() == DEFAULT_TIMEOUT == 30.0
    assert hub_timeout(2) == 2.0 and hub_timeout(0.25) == 0.25
    for bad in (0, -1, float("nan"), float("inf"), "soon"):
        with pytest.raises(TaskResolverError, match="positive number of seconds") as error:
            hub_timeout(bad)  # type: ignore[arg-type]
        assert "--timeout" in (error.value.hint or "")
    monkeypatch.setenv(TIMEOUT_ENV, "7.5")
    assert hub_timeout() == 7.5 and hub_timeout(3) == 3.0  # the argument wins
    for unreadable in ("", "soon", "0", "-3", "inf"):  # like HF_HUB_*_TIMEOUT: the default
        monkeypatch.setenv(TIMEOUT_ENV, unreadable)
        assert hub_timeout() == DEFAULT_TIMEOUT


def test_verbose_lets_huggingface_hub_speak(hub: HubServer, rules: Any, chatter: Chatter) -> None:
    """The same failing download: silent by default, huggingface_hub's retry messages with verbose."""
    hub.hang_on_download(method="GET")
    with pytest.raises(HubTimeout):
        gather(rules, timeout=SMALL)
    assert workers_end()
    assert chatter.lines == []
    hub_store.clear_memo()
    with pytest.raises(HubTimeout):
        gather(rules, timeout=SMALL, verbose=True)
    assert workers_end()
    assert any("Trying to resume download" in line for line in chatter.lines), chatter.lines


def test_a_healthy_hub_is_unaffected(hub: HubServer, rules: Any) -> None:
    evidence = gather(rules, timeout=SMALL)
    assert evidence.source == "hub" and "model_index.json" in evidence.documents
    assert workers_end(0.5)


# ------------------------------------------------------------------ item 6: a cached record of the wrong shape


def record_path(tmp_path: Path, repo_id: str, sha: str) -> Path:
    return tmp_path / "hf" / "assets" / "task-resolver" / "hub" / repo_folder(repo_id) / "info" / f"{sha}.json"


def refs_path(tmp_path: Path, repo_id: str) -> Path:
    return tmp_path / "hf" / "assets" / "task-resolver" / "hub" / repo_folder(repo_id) / "refs" / "main"


@pytest.mark.parametrize(
    "damage, says",
    [
        ({"siblings": None}, "siblings is null, not a list of file names"),
        ({"siblings": "model_index.json"}, "siblings is a string"),
        ({"siblings": [1, 2]}, "siblings is a list, not a list of file names"),
        ({"info": []}, "info is a list, not an object"),
        ({"info": {"tags": "diffusers"}}, "info.tags is a string, not a list"),
        ({"info": {"pipeline_tag": 5}}, "info.pipeline_tag is a number, not a string"),
        ({"documents": {"model_index.json": [1]}}, "documents['model_index.json'] is a list"),
        ({"documents": None}, "documents is null"),
    ],
)
def test_a_damaged_record_is_ignored_offline_and_replaced_online(
    hub: HubServer, rules: Any, tmp_path: Path, damage: dict[str, Any], says: str
) -> None:
    sha = sha_of(hub, REPO)
    gather(rules)
    path = record_path(tmp_path, REPO, sha)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, **damage}))
    damaged = path.read_bytes()
    hub_store.clear_memo()
    # offline: ignored with a note; the snapshot the download left in the HF cache still answers
    evidence = gather(rules, offline=True)
    assert evidence.source == "cache" and "model_index.json" in evidence.documents
    assert any(note.startswith("metadata cache: ignored") and says in note for note in evidence.notes), evidence.notes
    assert path.read_bytes() == damaged  # never changed offline
    result = resolver.resolve(REPO, offline=True)
    assert result.task == "text-to-image" and any(says in step.message for step in result.trace)
    # pinned and online: ignored, asked again, replaced
    hub_store.clear_memo()
    hub.reset_requests()
    evidence = gather(rules, revision=sha)
    assert evidence.source == "hub" and hub.count("api") == 1
    assert any(says in note for note in evidence.notes)
    assert json.loads(path.read_text()) == record


def test_a_damaged_record_with_nothing_else_cached(hub: HubServer, rules: Any, tmp_path: Path) -> None:
    sha = sha_of(hub, REPO)
    path = record_path(tmp_path, REPO, sha)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 1, "sha": sha, "siblings": None}))
    refs = refs_path(tmp_path, REPO)
    refs.parent.mkdir(parents=True)
    refs.write_text(sha)
    with pytest.raises(OfflineNoCache) as error:
        gather(rules, offline=True)
    assert "not in the local cache" in error.value.message and "siblings is null" in error.value.message


def test_a_fifo_in_place_of_a_record_or_ref_does_not_block(hub: HubServer, rules: Any, tmp_path: Path) -> None:
    sha = sha_of(hub, REPO)
    for path in (record_path(tmp_path, REPO, sha), refs_path(tmp_path, REPO)):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    start = time.monotonic()
    with pytest.raises(OfflineNoCache):
        gather(rules, offline=True)
    assert gather(rules, revision=sha).source == "hub"  # the FIFO record is ignored, the Hub asked
    assert time.monotonic() - start < 3


# ------------------------------------------------------------------ seeded fuzz of the record reader

SEED = 1313
CASES = 600


def random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(9 if depth < 4 else 6)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False])
    if pick == 2:
        return rng.choice([0, -1, 1, 2**70, 1.5, -0.0, 1e308])
    if pick == 3:
        return rng.choice(["", "x", "model_index.json", "text-to-image", "diffusers", "\u0000", "é" * 3, "../x"])
    if pick == 4:
        return "a" * rng.randrange(1, 200)
    if pick == 5:
        return rng.choice([[], {}, [None], {"": None}])
    if pick == 6:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [
        "format",
        "sha",
        "siblings",
        "info",
        "documents",
        "_class_name",
        "architectures",
        "pipeline_tag",
        "library_name",
        "tags",
        "cardData",
        "config",
        "transformersInfo",
        "base_model",
        "model_type",
        "x",
    ]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def fuzzed_record(rng: random.Random, valid: dict[str, Any]) -> bytes:
    """Random bytes, random JSON, or the valid record with random parts replaced."""
    kind = rng.randrange(10)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    if kind == 1:
        return json.dumps(random_json(rng)).encode()
    if kind == 2:
        return b"[" * rng.randrange(1, 100_000)  # deep nesting
    record = json.loads(json.dumps(valid))
    info = record["info"]
    info.setdefault("tags", ["diffusers"])
    info.setdefault("cardData", {"base_model": "org/base"})
    info.setdefault("config", {"architectures": ["BertForMaskedLM"]})
    info.setdefault("transformersInfo", {"auto_model": "AutoModel", "pipeline_tag": "fill-mask"})
    shape_breaking = kind < 5  # else: keep every field's type, put random values inside
    for _ in range(rng.randrange(1, 4)):
        if shape_breaking:
            path = rng.choice(SHAPE_PATHS)
        else:
            path = rng.choice(INNER_PATHS)
        target: Any = record
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = random_json(rng)
        elif isinstance(target, list):
            target.insert(0, random_json(rng))
    return json.dumps(record).encode()


SHAPE_PATHS = [
    ["siblings"], ["info"], ["documents"], ["format"], ["sha"], ["repo_id"], ["info", "pipeline_tag"],
    ["info", "tags"], ["info", "cardData"], ["info", "config"], ["info", "transformersInfo"], ["info", "library_name"],
    ["documents", "model_index.json"], ["siblings", 0],
]  # fmt: skip
INNER_PATHS = [
    ["documents", "model_index.json", "_class_name"], ["documents", "model_index.json", "unet"],
    ["documents", "config.json"], ["info", "cardData", "base_model"], ["info", "cardData", "pipeline_tag"],
    ["info", "cardData", "library_name"], ["info", "config", "architectures"], ["info", "config", "model_type"],
    ["info", "config", "auto_map"], ["info", "transformersInfo", "auto_model"],
    ["info", "transformersInfo", "pipeline_tag"], ["info", "tags", 0], ["info", "x"],
]  # fmt: skip


def test_fuzz_the_cached_record_reader(hub: HubServer, rules: Any, tmp_path: Path) -> None:
    """Random records offline: an answer or a TaskResolverError, never another exception or a hang; files unchanged."""
    sha = sha_of(hub, REPO)
    gather(rules)
    path = record_path(tmp_path, REPO, sha)
    valid = json.loads(path.read_text())
    # the HF snapshot would answer for a damaged record: remove it, so the record alone decides
    shutil.rmtree(tmp_path / "hf" / "hub" / repo_folder(REPO) / "snapshots")
    settings = HubSettings.from_env(offline=True)
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    read = {"accepted": 0, "ignored": 0}

    def run() -> None:
        for case in range(CASES):
            data = fuzzed_record(rng, valid)
            path.write_bytes(data)
            hub_store.clear_memo()
            try:
                record, problem = hub_store.read_record(settings, REPO, sha)
                read[("ignored" if problem else "accepted") if record is None else "accepted"] += 1
                hub_store.clear_memo()
                outcome = type(resolver.resolve(REPO, offline=True)).__name__
            except TaskResolverError as error:
                outcome = type(error).__name__
            except Exception as error:  # noqa: BLE001 - the finding this test looks for
                failures.append(f"case {case}: {type(error).__name__}: {error} for {data[:200]!r}")
                outcome = "crash"
            if path.read_bytes() != data:
                failures.append(f"case {case}: the record file was changed")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    start = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=30)
    took = time.monotonic() - start
    assert not worker.is_alive(), f"the fuzz hung after {sum(outcomes.values())} cases"
    assert failures == [], "\n".join(failures[:10])
    assert sum(outcomes.values()) == CASES and took < 10, (outcomes, took)
    assert outcomes.get("Resolution", 0) > 0 and outcomes.get("OfflineNoCache", 0) > 0, outcomes
    assert read["accepted"] > 0 and read["ignored"] > 0, read
    print(f"fuzz: {CASES} records in {took:.2f} s (seed {SEED}): records {read}, outcomes {outcomes}")


ANSWERS = 300


def test_fuzz_the_model_info_answer(hub: HubServer, rules: Any) -> None:
    """Random model-info answers (JSON values, a real answer with random parts, bytes): typed error or answer."""
    rng = random.Random(SEED + 1)
    sha = sha_of(hub, REPO)
    valid = {
        "_id": "x",
        "id": REPO,
        "sha": sha,
        "siblings": [{"rfilename": "model_index.json"}],
        "pipeline_tag": "text-to-image",
        "library_name": "diffusers",
        "tags": ["diffusers"],
        "config": {"architectures": ["UNet2DConditionModel"]},
        "cardData": {"base_model": "org/base"},
        "transformersInfo": {"auto_model": "AutoModel"},
    }
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    engine = Resolver()
    start = time.monotonic()
    for case in range(ANSWERS):
        kind = rng.randrange(4)
        if kind == 0:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        elif kind == 1:
            body = json.dumps(random_json(rng)).encode()
        else:
            answer = json.loads(json.dumps(valid))
            for _ in range(rng.randrange(1, 4)):
                key = rng.choice([*valid, "siblings"])
                if key == "siblings" and isinstance(answer["siblings"], list) and rng.random() < 0.5:
                    answer["siblings"].append({"rfilename": random_json(rng)})
                else:
                    answer[key] = random_json(rng)
            body = json.dumps(answer).encode()
        hub.fail(200, path_contains="/api/models/", body=body)
        hub_store.clear_memo()
        try:
            evidence = gather(rules, timeout=5)  # a malformed answer: the cache of an earlier good one answers
            outcome = f"{type(engine.resolve_evidence(evidence)).__name__} from {evidence.source}"
        except TaskResolverError as error:
            outcome = type(error).__name__
        except Exception as error:  # noqa: BLE001 - the finding this test looks for
            failures.append(f"case {case}: {type(error).__name__}: {error} for {body[:200]!r}")
            outcome = "crash"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    took = time.monotonic() - start
    assert failures == [], "\n".join(failures[:10])
    assert took < 10, took
    print(f"fuzz: {ANSWERS} model-info answers in {took:.2f} s (seed {SEED + 1}): {outcomes}")


def test_a_rate_limit_carries_the_wait_the_hub_asked_for(hub, rules):
    """The batch runner's shared back-off honours Retry-After through RateLimited.retry_after."""
    hub.fail(429, times=5, headers={"Retry-After": "600"})
    with pytest.raises(RateLimited) as caught:
        gather(rules, timeout=SMALL)
    assert caught.value.retry_after == 600
