"""`task-resolver batch` and resolve_many: folders, --scan, the HF cache, the Hub's listing, bad lines,
--resume after a killed run, workers 1 vs 2, CSV, the shared 429 back-off and the disagreement report.
(The Dask engine: tests/test_batch_dask.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from hub_listing import ListingHubServer
from huggingface_hub import hf_hub_download
from test_hub import isolated_hf

import resolver
from resolver.batch.requests import Request, parse_line
from resolver.batch.run import Backoff, Scheduler
from resolver.batch.sources import HubListing
from resolver.batch.worker import Settings
from resolver.cli.main import main
from resolver.errors import EvidenceError

BERT = {"architectures": ["BertForMaskedLM"], "model_type": "bert"}
SEQ = {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"}
PIPELINE = {
    "_class_name": "StableDiffusionPipeline",
    "_diffusers_version": "0.30.0",
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
    "scheduler": ["diffusers", "PNDMScheduler"],
    "safety_checker": [None, None],
}


def write(folder: Path, files: dict[str, object]) -> Path:
    for name, value in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value))
    return folder


def model_tree(root: Path) -> Path:
    """A file server's worth of models: plain ones, a pipeline, a sentence-transformers model, a checkpoint."""
    write(root / "bert", {"config.json": BERT, "model.safetensors": ""})
    write(root / "team" / "classifier", {"config.json": SEQ})
    write(root / "team" / "classifier" / "checkpoint-500", {"config.json": SEQ})  # a model of its own
    write(
        root / "sd",
        {
            "model_index.json": PIPELINE,
            "unet/config.json": {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.30.0"},
            "unet/diffusion_pytorch_model.safetensors": "",
            "vae/config.json": {"_class_name": "AutoencoderKL", "_diffusers_version": "0.30.0"},
            "scheduler/scheduler_config.json": {"_class_name": "PNDMScheduler"},
        },
    )
    write(
        root / "st",
        {
            "config.json": BERT,
            "modules.json": [
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}
            ],
            "config_sentence_transformers.json": {"__version__": {"sentence_transformers": "3.0.0"}},
            "1_Pooling/config.json": {"word_embedding_dimension": 8},
        },
    )
    write(root / "notes", {"README.md": "not a model"})
    write(root / ".git" / "x", {"config.json": BERT})  # hidden: never entered
    return root


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


# ------------------------------------------------------------------ folders


def test_scan_finds_every_model_and_reports_pipeline_components_as_parts(capsys, tmp_path):
    root = model_tree(tmp_path / "models")
    code, out, err = cli(capsys, "--scan", str(root), "--workers", "1", "--no-trace")
    records = lines(out)
    found = [os.path.relpath(r["ref"], root) for r in records]
    assert found == ["bert", "sd", "st", "team/classifier", "team/classifier/checkpoint-500"]
    assert code == 0, err
    by_name = dict(zip(found, records, strict=True))
    assert by_name["sd"]["task"] == "text-to-image" and by_name["sd"]["library"] == "diffusers"
    parts = {p["subfolder"]: p for p in by_name["sd"]["parts"]}
    assert sorted(parts) == ["unet", "vae"]  # the scheduler has no config.json: not a model part
    assert parts["unet"]["loader"] == "diffusers.UNet2DConditionModel"
    assert by_name["st"]["library"] == "sentence_transformers"
    assert by_name["bert"]["framework"] == "pt"
    for name, record in by_name.items():  # each line is what resolve() says about that folder
        single = resolver.resolve(str(root / name)).to_dict()
        assert {k: record[k] for k in ("task", "library", "loader", "where")} == {
            k: single[k] for k in ("task", "library", "loader", "where")
        }
    assert "resolved 5 of 5" in err and "text-to-image 1" in err and "diffusers 1" in err


def test_input_file_with_bad_lines_mixed_in_keeps_order_and_goes_on(capsys, tmp_path):
    root = model_tree(tmp_path / "models")
    (tmp_path / "in.txt").write_text(
        "\n".join(
            [
                "# a comment, then a blank line",
                "",
                str(root / "bert"),
                "{not json",
                json.dumps({"ref": str(root / "sd"), "subfolder": "unet"}),
                json.dumps({"revision": "main"}),
                str(tmp_path / "no-such-folder"),
                json.dumps({"ref": str(root / "bert"), "colour": "blue"}),
                json.dumps({"ref": str(root / "notes"), "task": "fill-mask"}),
                json.dumps(["a", "list"]),
                str(root / "team" / "classifier"),
            ]
        )
        + "\n"
    )
    code, out, err = cli(capsys, str(tmp_path / "in.txt"), "--workers", "2", "--chunksize", "2")
    records = lines(out)
    assert code == 1
    assert [r.get("error", {}).get("type") for r in records] == [
        None,
        "BatchInputError",
        None,
        "BatchInputError",
        "EvidenceError",
        "BatchInputError",
        None,
        "BatchInputError",
        None,
    ]
    assert records[0]["task"] == "fill-mask" and records[0]["trace"]
    assert records[2]["request"] == {"subfolder": "unet"} and records[2]["component"] is True
    assert records[6]["task"] == "fill-mask"  # the line's own task rescues a folder with no evidence
    assert records[8]["task"] == "text-classification"
    assert all(set(r["error"]) == {"type", "message", "hint"} for r in records if "error" in r)
    assert "errors:" in err and "BatchInputError 4" in err and "EvidenceError 1" in err


def test_one_worker_and_two_give_the_same_lines_and_csv_too(capsys, tmp_path):
    root = tmp_path / "many"
    for i in range(40):
        write(root / f"m{i:02d}", {"config.json": BERT if i % 3 else SEQ})
    write(root / "m17", {"config.json": "{broken"})
    outputs = {}
    for workers in ("1", "2"):
        code, out, _ = cli(capsys, "--scan", str(root), "--workers", workers, "--chunksize", "3")
        assert code == 1  # m17 cannot be resolved
        outputs[workers] = out
    assert outputs["1"] == outputs["2"]
    assert len(lines(outputs["1"])) == 40
    code, out, _ = cli(capsys, "--scan", str(root), "--format", "csv", "--workers", "2")
    rows = out.splitlines()
    assert rows[0].startswith("ref,request,task,library,framework,loader")
    assert len(rows) == 41 and ",EvidenceError," in rows[18] and ",fill-mask,transformers," in rows[2]


def test_lines_and_summary_are_the_same_whatever_the_chunks_and_workers(capsys, tmp_path):
    """Chunks grow as a run goes (each pool task returns its lines joined); bad lines and missing
    folders between them cut chunks short: none of it shows in the output or the summary."""
    root = tmp_path / "many"
    refs = []
    for i in range(300):
        write(root / f"m{i:03d}", {"config.json": BERT if i % 3 else SEQ})
        refs.append(str(root / f"m{i:03d}"))
        if i % 97 == 5:
            refs += ["{bad line", str(tmp_path / f"missing-{i}")]
    (tmp_path / "in.txt").write_text("\n".join(refs) + "\n")
    runs = {}
    for options in (("--workers", "1"), ("--workers", "2"), ("--workers", "2", "--chunksize", "1")):
        code, out, err = cli(capsys, str(tmp_path / "in.txt"), *options)
        runs[options] = (code, out, err.split(" in ")[0], err.split("\n", 1)[1])
    assert len(set(runs.values())) == 1, "the same lines, exit code and summary"
    code, out, err, _ = runs[("--workers", "1")]
    assert code == 1 and [r["ref"] for r in lines(out)] == refs
    assert "resolved 300 of 308" in err


def test_a_killed_worker_costs_its_chunk_not_the_run(monkeypatch, tmp_path):
    """A pool process that dies (killed, out of memory) turns the requests it held into error lines;
    the run goes on, this process resolving the rest itself, in input order."""
    from resolver.batch import worker

    root = tmp_path / "many"
    refs = []
    for i in range(40):
        write(root / f"m{i:02d}", {"config.json": BERT})
        refs.append(str(root / f"m{i:02d}"))
    real = worker.run_request

    def dying(request, settings, *args, **kwargs):
        if request.ref == refs[1]:
            os._exit(3)  # a worker process killed in the middle of its chunk
        return real(request, settings, *args, **kwargs)

    monkeypatch.setattr(worker, "run_request", dying)  # the pool is forked after this: its workers die on m01
    settings = Settings(shape="json", trace=False)
    with Scheduler(settings, workers=2, chunksize=4, window=8) as scheduler:
        blocks = list(scheduler.run_blocks(Request(ref=r) for r in refs))
    records = lines("".join(b.text for b in blocks))
    assert [r["ref"] for r in records] == refs
    assert sum(b.count for b in blocks) == 40
    assert records[1]["error"]["type"] == "BrokenProcessPool"
    assert records[-1]["task"] == "fill-mask"  # resolved after the pool broke
    errors = sum(b.errors for b in blocks)
    assert errors == sum("error" in r for r in records) and 4 <= errors < 40


def test_resolve_many_streams_resolutions_and_typed_errors_in_input_order(tmp_path):
    root = model_tree(tmp_path / "models")
    refs = [str(root / "bert"), {"ref": str(root / "sd"), "subfolder": "vae"}, str(tmp_path / "nothing"), root / "st"]
    for workers in (1, 2):
        results = list(resolver.resolve_many(iter(refs), workers=workers))
        assert [getattr(r, "task", None) for r in results] == [
            "fill-mask",
            "text-to-image",
            None,
            "sentence-similarity",
        ]
        assert isinstance(results[2], EvidenceError) and results[2].hint
        assert results[1].loader == "diffusers.AutoencoderKL"


def test_folders_read_ahead_answer_as_resolve_does_one_by_one(tmp_path):
    """resolve_many reads a window of local folders before resolving them (and a --scan task its model
    folders): every answer and every error is the one `Resolver.resolve` gives for that reference alone,
    broken and missing ones included, across more than one window."""
    from resolver.batch.worker import READ_AHEAD

    root = model_tree(tmp_path / "models")
    write(root / "broken", {"config.json": "{not json", "model.safetensors": ""})
    (root / "a-file.txt").write_text("not a folder")
    refs: list[object] = []
    for i in range(READ_AHEAD + 20):
        write(root / "many" / f"m{i:03d}", {"config.json": BERT if i % 2 else SEQ})
        refs.append(str(root / "many" / f"m{i:03d}"))
        if i % 17 == 3:
            refs += [
                str(root / "broken"),
                {"ref": str(root / "broken"), "task": "fill-mask"},  # a given task answers past a broken file
                {"ref": str(root / "bert"), "task": "no-such-task"},
                f"  {root / 'sd'}  ",
                str(root / "sd" / "unet"),  # a pipeline's component, read with its parent's model_index.json
                str(root / "a-file.txt"),
                str(tmp_path / "missing"),
                root / "st",
            ]
    one = resolver.Resolver()

    def alone(ref: object) -> object:
        options = dict(ref) if isinstance(ref, dict) else {"ref": ref}
        target = options.pop("ref")
        try:
            return one.resolve(os.fspath(target).strip(), **options).to_dict()
        except Exception as error:  # noqa: BLE001 - compared by type and message
            return type(error).__name__, str(error)

    def given(result: object) -> object:
        return (type(result).__name__, str(result)) if isinstance(result, BaseException) else result.to_dict()

    expected = [alone(ref) for ref in refs]
    assert {kind for kind, *_ in (e for e in expected if isinstance(e, tuple))} >= {
        "EvidenceError",
        "UnknownTaskError",
    }
    assert [given(r) for r in resolver.resolve_many(refs, workers=1)] == expected
    assert [given(r) for r in resolver.resolve_many(refs, workers=2, chunksize=7)] == expected


def test_usage_errors_exit_2(capsys, tmp_path):
    assert cli(capsys)[0] == 2
    assert cli(capsys, "--scan", str(tmp_path), "--resume")[0] == 2
    assert cli(capsys, "--author", "org", "--scan", str(tmp_path))[0] == 2
    assert cli(capsys, str(tmp_path / "missing.txt"))[0] == 2
    assert cli(capsys, "--scan", str(tmp_path), "--workers", "0")[0] == 2
    code, _, err = cli(capsys, "--scan", str(tmp_path / "nope"))
    assert code == 2 and "not a folder" in err


def test_input_lines_parse():
    assert parse_line("org/name@v1.0") == Request(ref="org/name", revision="v1.0", label="org/name@v1.0")
    assert parse_line("  # x") is None and parse_line("") is None
    assert parse_line('{"ref": "org/a", "revision": "r"}').key() == ("org/a", '{"revision":"r"}')
    assert parse_line('{"ref": 3}').error is not None


def test_a_plain_line_is_the_same_request_and_a_line_the_same_json_as_before():
    import pickle

    from resolver.batch.requests import plain_request
    from resolver.batch.worker import render

    for text in ("/data/models/m", "./m", "../m", "~/m", "org/name", "m"):
        made = plain_request(text)
        assert made == Request(ref=text) and hash(made) == hash(Request(ref=text)), text
        assert repr(made) == repr(Request(ref=text)) and pickle.loads(pickle.dumps(made)) == made
        assert parse_line(text) == Request(ref=text)
    assert [Request(ref=t).is_local() for t in ("/no/such", "./no/such", "~/no/such")] == [True, True, True]
    from resolver.batch.requests import as_plain, item_key, read_lines, read_refs

    text = "/data/m\n  ./m@v1 \n../m\n~/m\n# c\n\norg/name@v1\n{bad\n" + json.dumps({"ref": "/x", "task": "t"}) + "\n"
    fast = list(read_refs(text.splitlines(keepends=True)))  # what the batch command reads an input file with
    assert fast[:4] == ["/data/m", "./m@v1", "../m", "~/m"]  # paths only: no Request made for them
    assert [repr(as_plain(item)) for item in fast] == [repr(r) for r in read_lines(text.splitlines(keepends=True))]
    assert [item_key(item) for item in fast] == [r.key() for r in read_lines(text.splitlines())]
    record = {"ref": "/m", "task": "fill-mask", "trace": [{"step": "é", "where": None}], "n": 1.5, "path": Path("/x")}
    assert render(record, "json") == json.dumps(record, separators=(",", ":"), default=str) + "\n"


# ------------------------------------------------------------------ input that trickles in


@pytest.mark.parametrize("workers", ["1", "2"])
def test_lines_are_written_while_the_input_is_still_coming(tmp_path, workers):
    """A slow producer piped into `batch -` sees finished lines before its input ends, not when a chunk fills."""
    folder = write(tmp_path / "m", {"config.json": BERT})
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "resolver", "batch", "-", "-o", str(out), "--workers", workers, "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.PIPE, text=True)
    sent = 0
    try:
        assert process.stdin is not None
        process.stdin.write(f"{folder}\n" * 40)
        process.stdin.flush()
        sent, deadline = 40, time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 32):
            time.sleep(0.2)  # then a line now and then, as a slow producer sends them
            process.stdin.write(f"{folder}\n")
            process.stdin.flush()
            sent += 1
        assert process.poll() is None, "the input is still open"
        assert len(out.read_text().splitlines()) >= 32
        # written as the input came: before the next chunk (32 + 64 references) filled up
        assert sent < 96, sent
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0 and len(out.read_text().splitlines()) == sent


# ------------------------------------------------------------------ --resume after a kill


def test_resume_after_a_killed_run_loses_nothing_and_repeats_nothing(tmp_path):
    root = tmp_path / "many"
    for i in range(3000):
        write(root / f"m{i:04d}", {"config.json": BERT if i % 2 else SEQ})
    refs = tmp_path / "refs.txt"
    refs.write_text("".join(f"{root / f'm{i:04d}'}\n" for i in range(3000)))
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "resolver", "batch", str(refs), "-o", str(out), "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 50_000):
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)  # the pool's workers too
    process.wait()
    written = out.read_text().splitlines()
    assert 0 < len(written) < 3000, "the run must be killed mid-way"
    with out.open("a") as handle:
        handle.write('{"ref": "' + str(root / "m9999"))  # a line cut short by the kill: no newline
    code = subprocess.run([*command, "--resume"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert code.returncode == 0, code.stderr
    resumed = [json.loads(line)["ref"] for line in out.read_text().splitlines()]
    assert resumed == [str(root / f"m{i:04d}") for i in range(3000)]  # each once, in input order
    again = subprocess.run([*command, "--resume"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0 and len(out.read_text().splitlines()) == 3000


# ------------------------------------------------------------------ the HF cache and the Hub's listing


@pytest.fixture
def listing_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[ListingHubServer]:
    with ListingHubServer(page_size=2) as hub:
        hub.add_repo("org/bert", {"config.json": BERT}, pipeline_tag="fill-mask", library_name="transformers")
        hub.add_repo(
            "org/classifier", {"config.json": SEQ}, pipeline_tag="text-generation", library_name="transformers"
        )
        hub.add_repo("org/pipe", {"model_index.json": PIPELINE}, library_name="diffusers", pipeline_tag="text-to-image")
        hub.add_repo("org/st", {"config.json": BERT, "modules.json": []}, library_name="sentence-transformers")
        hub.add_repo("org/mislabelled", {"config.json": SEQ}, library_name="timm")
        hub.add_repo("elsewhere/bert", {"config.json": BERT}, library_name="transformers")
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        yield hub


def test_hub_list_costs_pages_not_repos_and_feeds_the_same_evidence(capsys, listing_hub, tmp_path):
    report = tmp_path / "disagreements.jsonl"
    code, out, err = cli(capsys, "--hub-list", "--author", "org", "--disagreements", str(report), "--workers", "2")
    records = lines(out)
    assert code == 0, err
    assert [r["ref"] for r in records] == ["org/bert", "org/classifier", "org/mislabelled", "org/pipe", "org/st"]
    assert listing_hub.listing_requests() == 3  # 5 repos, 2 a page
    assert listing_hub.count("api") == 0  # no model-info request: the listing carried the metadata
    assert {r.path for r in listing_hub.requests if r.kind == "file"} == {
        f"/org/pipe/resolve/{records[3]['revision']}/model_index.json"
    }  # only the file a rule needs and the listing cannot carry
    for record in records:  # the same answers as one model-info request each
        single = resolver.resolve(record["ref"]).to_dict()
        assert {k: record[k] for k in ("task", "library", "loader", "where", "revision")} == {
            k: single[k] for k in ("task", "library", "loader", "where", "revision")
        }
    found = {r["ref"]: r for r in lines(report.read_text())}
    assert sorted(found) == ["org/classifier", "org/mislabelled"]
    assert found["org/classifier"]["pipeline_tag"] == {"hub": "text-generation", "files": "text-classification"}
    assert found["org/classifier"]["decided_by"]["strategy"] == "config_architectures"
    assert found["org/mislabelled"]["library_name"] == {"hub": "timm", "files": records[2]["library"]}
    assert "disagreements with the Hub: 2" in err


def test_hub_list_filters_and_limit(capsys, listing_hub):
    code, out, _ = cli(capsys, "--hub-list", "--library", "transformers", "--limit", "3", "--no-trace")
    assert code == 0
    assert [r["ref"] for r in lines(out)] == ["elsewhere/bert", "org/bert", "org/classifier"]
    code, out, _ = cli(capsys, "--hub-list", "--search", "BERT", "--no-trace")
    assert [r["ref"] for r in lines(out)] == ["elsewhere/bert", "org/bert"]


def test_listing_waits_out_a_429_with_the_shared_backoff(listing_hub):
    listing_hub.fail(429, path_contains="/api/models", headers={"Retry-After": "7"})
    clock = [0.0]
    backoff = Backoff(sleep=lambda s: clock.__setitem__(0, clock[0] + s), clock=lambda: clock[0])
    repos = [r.ref for r in HubListing(author="org", backoff=backoff)]
    assert repos == ["org/bert", "org/classifier", "org/mislabelled", "org/pipe", "org/st"]
    assert backoff.waits == [7.0] and clock[0] >= 7.0


def test_hub_requests_share_one_backoff_on_429(listing_hub, monkeypatch):
    """Every 429 (after the network layer's own retries) pauses all Hub threads, then the repo is retried."""
    listing_hub.fail(429, path_contains="/api/models/org/bert", headers={"Retry-After": "0"}, times=3)
    clock = [0.0]
    backoff = Backoff(sleep=lambda s: clock.__setitem__(0, clock[0] + s), clock=lambda: clock[0])
    settings = Settings(shape="record", trace=False)
    with Scheduler(settings, workers=2, backoff=backoff, local_pool=False) as scheduler:
        results = [outcome for _, outcome in scheduler.run(Request(ref=f"org/{n}") for n in ("bert", "st"))]
    assert [r.task for r in results] == ["fill-mask", "sentence-similarity"]
    assert len(backoff.waits) == 1  # org/bert gave up after 3 answers of 429: one shared pause, then it passed
    assert listing_hub.count("api") == 5  # 3 refused + 1 for org/bert, 1 for org/st


def test_cache_resolves_every_snapshot_offline_by_repo_and_revision(capsys, listing_hub, tmp_path):
    cache = tmp_path / "hf" / "hub"
    shas = {}
    for repo in ("org/bert", "org/classifier", "org/pipe"):
        name = "model_index.json" if repo == "org/pipe" else "config.json"
        path = hf_hub_download(repo, name, endpoint=listing_hub.url, cache_dir=cache)
        shas[repo] = Path(path).parent.name
    listing_hub.reset_requests()
    code, out, err = cli(capsys, "--cache", "--offline", "--no-trace")
    records = lines(out)
    assert code == 0, err
    assert [r["ref"] for r in records] == [f"{repo}@{sha}" for repo, sha in sorted(shas.items())]
    assert [r["task"] for r in records] == ["fill-mask", "text-classification", "text-to-image"]
    assert all(r["source"] == "cache" and r["revision"] == shas[r["ref"].split("@")[0]] for r in records)
    assert listing_hub.requests == []


def test_progress_bar_only_on_a_tty_and_the_summary_counts():
    import io

    from resolver.batch.output import Progress, Summary
    from resolver.batch.worker import Outcome

    quiet = io.StringIO()  # not a TTY: nothing drawn
    Progress(quiet, 10).update(5, 1, final=True)
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    Progress(shown, 10, enabled=True).update(5, 1, final=True)
    assert "5/10 (50%)" in shown.getvalue() and "/s" in shown.getvalue() and "ETA" in shown.getvalue()
    assert "errors: 1" in shown.getvalue()
    summary = Summary()
    summary.add(Outcome(None, task="fill-mask", library="transformers", framework="pt"))
    summary.add(Outcome(None, error_type="EvidenceError"))
    assert summary.as_dict()["by_task"] == {"fill-mask": 1} and summary.as_dict()["errors_by_type"] == {
        "EvidenceError": 1
    }
    from resolver.batch.worker import block_of

    outcomes = [Outcome("a\n", task="fill-mask", library="transformers", framework="pt", disagreement="d\n")] * 3
    outcomes.append(Outcome("e\n", error_type="EvidenceError"))
    block = block_of(outcomes)  # what a pool worker sends back for a chunk
    assert (block.text, block.count, block.report, block.errors) == ("a\na\na\ne\n", 4, "d\nd\nd\n", 1)
    one_by_one = Summary()
    for outcome in outcomes:
        one_by_one.add(outcome)
    at_once = Summary()
    at_once.add_counts(block.counts)
    assert at_once.as_dict() == one_by_one.as_dict() and at_once.disagreements == 3
