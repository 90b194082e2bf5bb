"""`batch --scan` walked by the pool's workers (worker.scan_block): the same lines, in the same order,
as the walk done folder by folder in the parent (sources.scan_folders), whatever the workers and
chunks; the folder reader's `names` (the walk's own listing) gives the Evidence a fresh listing gives."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_batch import BERT, PIPELINE, SEQ, cli, isolated_hf, lines, model_tree, write

from resolver.batch import worker
from resolver.batch.run import Scheduler
from resolver.batch.sources import scan_folders
from resolver.batch.walk import ScanTree, look_folder, model_markers
from resolver.batch.worker import Settings, resolver_for
from resolver.evidence.folder import MAX_FILES, from_folder, list_files


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


def markers() -> frozenset[str]:
    return model_markers(resolver_for(()).rules.documents)


def hostile_tree(root: Path) -> Path:
    """model_tree plus what a walk can trip on: symlinks (to folders, to files, dangling, a loop),
    hidden and skipped folders inside models, a folder named like a document, broken and odd files,
    a model that is not a component beside a pipeline's components, the scanned folder a model itself."""
    model_tree(root)
    write(root, {"config.json": SEQ})  # the scanned folder is a model folder too
    write(root / "bert" / ".cache", {"config.json": BERT})  # hidden: never a model of its own
    write(root / "bert" / "node_modules" / "x", {"config.json": BERT})
    write(root / "links", {"config.json": BERT})
    os.symlink(root / "bert", root / "links" / "to-folder")  # a symlink to a folder: not entered
    (root / "links-file-only").mkdir()
    os.symlink(root / "bert" / "config.json", root / "links-file-only" / "config.json")
    (root / "dangling").mkdir()
    os.symlink(root / "nowhere", root / "dangling" / "model.safetensors")
    write(root / "dangling", {"config.json": BERT})
    os.symlink(root, root / "team" / "loop")  # a loop: symlinked folders are never entered
    write(root / "odd", {"model.safetensors": "", "config.json/x.txt": "a folder named like a document"})
    write(root / "odd2", {"model_index.json": "{broken"})
    write(root / "broken", {"config.json": "{not json", "model.safetensors": ""})
    write(root / "weights-only", {"model.safetensors": "", "README.md": "# card"})
    write(root / "gguf", {"model.gguf": "GGUF but not really"})
    write(root / "sd" / "extra", {"config.json": BERT})  # not a component: a model, beside the pipeline
    write(root / "st2", {"config.json": BERT, "modules.json": "[not json"})
    write(root / "st2" / "2_Dense", {"config.json": {"in_features": 8}})
    write(root / "deep" / "a" / "b" / "c", {"config.json": SEQ, "model.safetensors": ""})
    (root / "empty" / "nothing").mkdir(parents=True)
    write(root / "spaced name" / "é", {"config.json": BERT})
    write(root / "at@sign", {"config.json": BERT})
    return root


def parent_walk_text(root: Path, settings: Settings, **options: object) -> str:
    """The lines of the walk done in this process folder by folder (sources.scan_folders)."""
    with Scheduler(settings, **options) as scheduler:  # type: ignore[arg-type]
        return "".join(b.text for b in scheduler.run_blocks(scan_folders(root, markers())))


def pool_walk_text(root: Path, settings: Settings, **options: object) -> str:
    with Scheduler(settings, **options) as scheduler:  # type: ignore[arg-type]
        return "".join(b.text for b in scheduler.run_blocks([ScanTree(root, markers())]))


def test_names_give_the_evidence_a_fresh_listing_gives(tmp_path):
    root = hostile_tree(tmp_path / "models")
    documents = resolver_for(()).rules.documents
    given = 0
    for folder, _dirs, _files in os.walk(root):
        found = look_folder(folder, markers(), names=True)
        if found.names is None:
            continue
        given += 1
        assert found.names == list_files(folder)[0]
        for skip_broken in (False, True):
            try:
                fresh = from_folder(folder, documents, skip_broken=skip_broken)
            except Exception as error:  # the same error, from the names as from a listing
                with pytest.raises(type(error)) as caught:
                    from_folder(folder, documents, skip_broken=skip_broken, names=found.names)
                assert str(caught.value) == str(error)
                continue
            assert from_folder(folder, documents, skip_broken=skip_broken, names=found.names) == fresh
            assert from_folder(folder, documents, skip_broken=skip_broken, names=list(found.names)) == fresh
    assert given >= 10
    # a component folder holding only files reads its pipeline's model_index.json from the names too
    unet = root / "sd" / "unet"
    names = look_folder(str(unet), frozenset(["config.json"]), names=True).names
    assert names is not None
    assert from_folder(unet, documents, names=names) == from_folder(unet, documents)
    assert "../model_index.json" in from_folder(unet, documents, names=names).documents


def test_names_are_given_only_for_a_folder_holding_files_alone(tmp_path):
    root = hostile_tree(tmp_path / "models")
    wanted = markers()
    assert look_folder(str(root / "bert"), wanted, names=True).names is None  # .cache/, node_modules/ inside
    assert look_folder(str(root / "links"), wanted, names=True).names is None  # a symlink to a folder
    assert look_folder(str(root / "odd"), wanted, names=True).names is None  # config.json/ is a folder
    assert look_folder(str(root / "links-file-only"), wanted, names=True).names == {"config.json"}
    assert look_folder(str(root / "dangling"), wanted, names=True).names == {"config.json", "model.safetensors"}
    assert look_folder(str(root / "notes"), wanted, names=True).names is None  # not a model folder
    assert look_folder(str(root / "bert"), wanted).names is None  # not asked for


def test_names_at_the_listing_cap_are_listed_again(tmp_path, monkeypatch):
    from resolver.evidence import folder as reader

    write(tmp_path / "m", {"config.json": BERT, **{f"f{i}.bin": "" for i in range(5)}})
    documents = resolver_for(()).rules.documents
    names = frozenset(os.listdir(tmp_path / "m"))
    fresh = from_folder(tmp_path / "m", documents)
    monkeypatch.setattr(reader, "MAX_FILES", 3)
    capped = from_folder(tmp_path / "m", documents)
    assert from_folder(tmp_path / "m", documents, names=names) == capped != fresh
    assert any("listing stopped" in note for note in capped.notes)
    assert MAX_FILES == 50_000


@pytest.mark.parametrize(
    "options",
    [
        {"workers": 1},
        {"workers": 1, "chunksize": 1},
        {"workers": 2},
        {"workers": 2, "chunksize": 1},
        {"workers": 2, "chunksize": 2},
        {"workers": 2, "chunksize": 3},
        {"workers": 3, "chunksize": 5},
    ],
    ids=lambda o: "-".join(f"{k}{v}" for k, v in o.items()),
)
@pytest.mark.parametrize("trace", [True, False], ids=["trace", "no-trace"])
def test_the_pool_walks_the_tree_as_the_parent_did(tmp_path, options, trace):
    root = hostile_tree(tmp_path / "models")
    settings = Settings(shape="json", trace=trace)
    expected = parent_walk_text(root, settings, workers=1)
    assert pool_walk_text(root, settings, **options) == expected
    refs = [r["ref"] for r in lines(expected)]
    assert refs[0] == str(root) and str(root / "sd" / "extra") in refs and str(root / "bert" / ".cache") not in refs
    assert len(refs) == len(set(refs))


def test_many_folders_many_tasks_same_order(tmp_path):
    """Chunks of the stack handed out top first, tasks' leftovers coming back: the walk's order holds
    across thousands of folders in nested and flat containers."""
    root = tmp_path / "many"
    for i in range(600):
        write(root / f"g{i % 7}" / f"sub{i % 3}" / f"m{i:04d}", {"config.json": BERT if i % 2 else SEQ})
    for i in range(300):
        write(root / "flat" / f"m{i:04d}", {"config.json": BERT})
    write(root / "flat" / "m0150" / "checkpoint-1", {"config.json": SEQ})
    settings = Settings(shape="json", trace=False)
    expected = parent_walk_text(root, settings, workers=1)
    assert len(lines(expected)) == 901
    for options in ({"workers": 2}, {"workers": 2, "chunksize": 7}, {"workers": 1, "chunksize": 4}):
        assert pool_walk_text(root, settings, **options) == expected


def test_a_scan_between_other_inputs_keeps_their_order(tmp_path):
    root = model_tree(tmp_path / "models")
    write(tmp_path / "solo", {"config.json": SEQ})
    settings = Settings(shape="json", trace=False)
    before_after = [str(tmp_path / "solo"), "{bad", str(root / "bert")]
    with Scheduler(settings, workers=2, chunksize=2) as scheduler:
        mixed = "".join(
            b.text
            for b in scheduler.run_blocks([*before_after, ScanTree(root, markers()), *before_after, ScanTree(root, [])])
        )
    with Scheduler(settings, workers=1) as scheduler:
        walked = "".join(b.text for b in scheduler.run_blocks(scan_folders(root, markers())))
        plain = "".join(b.text for b in scheduler.run_blocks(before_after))
        weights = "".join(b.text for b in scheduler.run_blocks(scan_folders(root, [])))
    assert mixed == plain + walked + plain + weights
    assert walked.count("\n") == 5 and weights.count("\n") == 2  # no markers: the folders with weights


def test_cli_scan_the_same_lines_summary_and_csv_with_one_worker_two_and_resume(capsys, tmp_path):
    root = hostile_tree(tmp_path / "models")
    expected = parent_walk_text(root, Settings(shape="json"), workers=1)
    runs = {}
    for workers in ("1", "2"):
        code, out, err = cli(capsys, "--scan", str(root), "--workers", workers)
        runs[workers] = (code, out, err.split(" in ")[0], err.split("\n", 1)[1])
        assert out == expected
    assert runs["1"] == runs["2"] and runs["1"][0] == 1  # broken files: error lines
    csv = {w: cli(capsys, "--scan", str(root), "--workers", w, "--format", "csv")[1] for w in ("1", "2")}
    assert csv["1"] == csv["2"] and len(csv["1"].splitlines()) == expected.count("\n") + 1
    # --resume walks the tree in the parent, skipping what the file answers: the same file at the end
    out = tmp_path / "out.jsonl"
    head = expected.splitlines(keepends=True)[:7]
    out.write_text("".join(head) + expected.splitlines()[7][:20])  # a last line cut short
    code, _, err = cli(capsys, "--scan", str(root), "--workers", "2", "-o", str(out), "--resume")
    assert out.read_text().splitlines() == expected.splitlines()
    assert "skipped 7 already in the output" in err


def test_a_killed_worker_costs_its_scan_task_not_the_run(monkeypatch, tmp_path):
    root = tmp_path / "many"
    for i in range(40):
        write(root / f"m{i:02d}", {"config.json": BERT})
    real = worker.run_request

    def dying(request, settings, *args, **kwargs):
        if request.ref == str(root / "m05"):
            os._exit(3)  # a worker process killed in the middle of its task
        return real(request, settings, *args, **kwargs)

    monkeypatch.setattr(worker, "run_request", dying)  # the pool is forked after this: its workers die on m05
    settings = Settings(shape="json", trace=False)
    text = pool_walk_text(root, settings, workers=2, chunksize=4)
    records = lines(text)
    assert [r["ref"] for r in records] == [str(root / f"m{i:02d}") for i in range(40)]
    assert records[5]["error"]["type"] == "BrokenProcessPool"
    assert records[-1]["task"] == "fill-mask"  # resolved here after the pool broke
    assert 1 <= sum("error" in r for r in records) < 40


def test_pipeline_parts_and_module_folders_as_before(capsys, tmp_path):
    root = model_tree(tmp_path / "models")
    write(root / "sd2", {"model_index.json": PIPELINE, "unet/config.json": {"_class_name": "UNet2DConditionModel"}})
    code, out, _ = cli(capsys, "--scan", str(root), "--workers", "2", "--chunksize", "1", "--no-trace")
    records = {os.path.relpath(r["ref"], root): r for r in lines(out)}
    assert sorted(records) == ["bert", "sd", "sd2", "st", "team/classifier", "team/classifier/checkpoint-500"]
    assert [p["subfolder"] for p in records["sd"]["parts"]] == ["unet", "vae"]
    assert [p["subfolder"] for p in records["sd2"]["parts"]] == ["unet"]
    assert json.dumps(records["st"]).count("1_Pooling") == 0


def test_a_listing_given_with_a_subfolder_is_refused_not_silently_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "text_encoder").mkdir(parents=True)
    (folder / "text_encoder" / "config.json").write_text(json.dumps({"architectures": ["BertModel"]}))
    with pytest.raises(ValueError, match="subfolder"):
        from_folder(folder, {"config.json"}, subfolder="text_encoder", names=["config.json"])
