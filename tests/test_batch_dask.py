"""The Dask engine on a local cluster bound to 127.0.0.1: the same output as --workers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_batch import BERT, SEQ, cli, lines, model_tree, write

pytest.importorskip("distributed")

import dask.bag as db  # noqa: E402
from distributed import Client  # noqa: E402

import resolver.dask as rdask  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cluster = rdask.local_cluster(2, processes=False)  # threads in this process: starts in well under a second
    with Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def refs_file(tmp_path: Path) -> tuple[Path, list[str]]:
    root = model_tree(tmp_path / "models")
    for i in range(30):
        write(root / "more" / f"m{i:02d}", {"config.json": BERT if i % 2 else SEQ})
    refs = [str(root / "bert"), "{bad line", str(root / "sd"), str(tmp_path / "missing")]
    refs += [str(root / "more" / f"m{i:02d}") for i in range(30)]
    refs.append(json.dumps({"ref": str(root / "sd"), "subfolder": "unet"}))
    path = tmp_path / "refs.txt"
    path.write_text("\n".join(refs) + "\n")
    return path, refs


def test_cli_dask_engine_on_a_scheduler_gives_the_lines_of_workers(capsys, tmp_path, client):
    path, refs = refs_file(tmp_path)
    code_local, local, _ = cli(capsys, str(path), "--workers", "2", "--offline")
    address = client.scheduler.address
    assert address.startswith(("tcp://127.0.0.1:", "inproc://"))
    code_dask, on_dask, _ = cli(capsys, str(path), "--engine", "dask", "--scheduler", address, "--offline")
    assert (code_dask, on_dask) == (code_local, local) == (1, local)
    assert len(lines(local)) == len(refs)


def test_cli_dask_engine_without_an_address_starts_a_local_cluster(capsys, tmp_path):
    path, _ = refs_file(tmp_path)
    _, local, _ = cli(capsys, str(path), "--workers", "1", "--offline", "--format", "csv")
    code, on_dask, err = cli(capsys, str(path), "--engine", "dask", "--workers", "2", "--offline", "--format", "csv")
    assert code == 1 and on_dask == local, err


def test_resolve_bag_maps_partitions_to_the_records_of_the_cli(capsys, tmp_path, client):
    path, refs = refs_file(tmp_path)
    _, local, _ = cli(capsys, str(path), "--workers", "2", "--offline")
    items = [json.loads(r) if r.startswith('{"') else r for r in refs]
    bag = db.from_sequence(items, npartitions=4)
    records = rdask.resolve_bag(bag, offline=True).compute()
    expected = lines(local)
    assert [r["ref"] for r in records] == [e["ref"] for e in expected]
    for got, want in zip(records, expected, strict=True):
        got = json.loads(json.dumps(got, default=str))
        want.pop("request", None)  # a mapping given to the bag is echoed the same way: compare the answers
        got.pop("request", None)
        if "error" in want:
            assert got["error"]["type"] == want["error"]["type"] or want["error"]["type"] == "BatchInputError"
        else:
            assert got == want


def test_resolve_column_of_a_dask_dataframe(client, tmp_path):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    root = model_tree(tmp_path / "models")
    frame = dd.from_pandas(pd.DataFrame({"ref": [str(root / "bert"), str(root / "sd"), "/no/such/dir"]}), npartitions=2)
    result = rdask.resolve_column(frame, "ref").compute()
    assert list(result["task"][:2]) == ["fill-mask", "text-to-image"]
    assert result["error_type"].iloc[2] == "EvidenceError"
