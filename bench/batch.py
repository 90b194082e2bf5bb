"""Batch resolution: per-folder cost against the floor, 1 vs 2 workers, peak memory, Dask per worker.

On N model folders made for the run (config.json of a few architectures, a weight file name):
- floor: `os.listdir` + `json.load` of config.json, per folder, in this process;
- in-process loop: `Resolver().resolve(folder)` per folder, in this process;
- in-process loop writing lines: the same plus the line the batch writes (`to_dict`, the same JSON, one
  buffered file written as it goes: the cheapest loop that writes the same bytes), the like-for-like
  counterpart of the batch command; both readings of issue #12's "within 1.2x of the in-process loop"
  are reported (against the bare loop and against this one);
- resolve_many(workers=1): the same through the batch scheduler (in this process, no pool);
- `task-resolver batch FILE -o OUT --workers 1|2` in a fresh process (JSON lines with the trace, the
  way users run it), its start-up (a one-folder batch with the same --workers: two workers' start-up
  includes forking the pool) reported and subtracted for the per-folder cost;
- `task-resolver batch --scan DIR` of the same folders, --workers 1|2 (the pool's workers walk the tree);
- the CPU time of the batch's own process and of its pool's workers, per folder (`cpu_us`: the
  command's `main()` run in a child that reports its getrusage, start-up left out): the parent's share
  with two workers is what caps their speed-up, and the CPU bound `2 x one worker's CPU / (parent +
  workers' CPU)` is the speed-up two free cores would give, a figure others' load on a shared VM moves
  much less than wall times;
- the ceiling for two workers at that moment: the line-making work of the loop split over two forked
  processes against one (on a shared VM, others' load can take the second core: then no batch scales);
- peak RSS of the batch process at N and at N/10 (streaming: it should not grow with N);
- Dask: a LocalCluster of 1 and 2 worker processes on the loopback: start-up, the first partition
  (each worker's Resolver), per-folder cost, each worker's peak RSS.
Every figure is the median of `--runs` interleaved runs, with its range (`*_range`) and the ratios
taken run by run (each pair saw the same machine load); the 1-minute load average before and after.
Run: `python bench/batch.py --folders 10000 --runs 3` prints JSON (docs/batch.md has a run's figures);
`bench/run.py` may run it as a part (it accepts `--no-optimum`, which changes nothing here).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, child_env, resolver_command, spawn  # noqa: E402

CONFIGS = [
    {"architectures": ["BertForMaskedLM"], "model_type": "bert"},
    {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"},
    {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
    {"architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper", "num_mel_bins": 80},
    {"architectures": ["ViTForImageClassification"], "model_type": "vit"},
]


def make_folders(root: Path, count: int) -> list[str]:
    folders = []
    for i in range(count):
        folder = root / f"{i // 1000:03d}" / f"model-{i:06d}"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps(CONFIGS[i % len(CONFIGS)]))
        (folder / ("model.safetensors" if i % 2 else "pytorch_model.bin")).write_bytes(b"")
        folders.append(str(folder))
    return folders


def floor(folders: list[str]) -> float:
    start = time.perf_counter()
    for folder in folders:
        os.listdir(folder)
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
            json.load(handle)
    return time.perf_counter() - start


def in_process(folders: list[str]) -> float:
    from resolver.api import Resolver

    resolver = Resolver()
    resolver.rules  # noqa: B018 - compiled outside the timed region
    start = time.perf_counter()
    for folder in folders:
        resolver.resolve(folder)
    return time.perf_counter() - start


def in_process_lines(folders: list[str], out: Path) -> float:
    from resolver.api import Resolver
    from resolver.batch.worker import render

    resolver = Resolver()
    resolver.rules  # noqa: B018 - compiled outside the timed region
    start = time.perf_counter()
    with open(out, "w", encoding="utf-8") as handle:  # buffered: no flush per line (the batch flushes per write)
        for folder in folders:
            data = resolver.resolve(folder).to_dict()
            del data["ref"]
            handle.write(render({"ref": folder, **data}, "json"))
    return time.perf_counter() - start


def _lines_loop(folders: list[str]) -> float:
    from resolver.batch.worker import render, resolver_for

    resolver = resolver_for(())
    start = time.perf_counter()
    for folder in folders:
        data = resolver.resolve(folder).to_dict()
        del data["ref"]
        render({"ref": folder, **data}, "json")
    return time.perf_counter() - start


def two_processes(folders: list[str]) -> float:
    """The same work as the line-writing loop (no file) split over two forked processes, wall time: what
    this machine allows two workers at that moment (a shared VM's other load takes the second core)."""
    import multiprocessing

    from resolver.batch.worker import resolver_for

    resolver_for(())  # compiled before the fork, as the batch's pool does
    half = len(folders) // 2
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(len, [[], []])  # both processes started
        start = time.perf_counter()
        pool.map(_lines_loop, [folders[:half], folders[half:]])
        return time.perf_counter() - start


def many(folders: list[str]) -> float:
    import resolver

    list(resolver.resolve_many(folders[:10], workers=1))  # rules compiled outside the timed region
    start = time.perf_counter()
    for _ in resolver.resolve_many(folders, workers=1):
        pass
    return time.perf_counter() - start


def batch_cli(refs: Path, out: Path, workers: int, *, scan: bool = False) -> Any:
    source = ["--scan", str(refs)] if scan else [str(refs)]
    command = [*resolver_command(), "batch", *source, "-o", str(out), "--workers", str(workers), "--quiet"]
    return spawn(command, child_env(), cwd=ROOT)


CPU_CHILD = """
import resource, sys, time
from resolver.cli.main import main
before = resource.getrusage(resource.RUSAGE_SELF)
main(sys.argv[1:])
me, pool = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(me.ru_utime + me.ru_stime - before.ru_utime - before.ru_stime, pool.ru_utime + pool.ru_stime)
"""


def batch_cpu(source: list[str], out: Path, workers: int) -> tuple[float, float]:
    """(CPU seconds of the batch's own process from main() on, CPU seconds of its pool's workers)."""
    import subprocess

    # -P: no '' first on sys.path, so the child imports the resolver the CLI's children do ($PYTHONPATH's)
    command = [sys.executable, "-P", "-c", CPU_CHILD, "batch", *source, "-o", str(out), "--workers", str(workers)]
    done = subprocess.run([*command, "--quiet"], env=child_env(), cwd=ROOT, capture_output=True, text=True, check=True)
    parent, pool = done.stdout.split()
    return float(parent), float(pool)


def dask_figures(folders: list[str], workers: int) -> dict[str, Any]:
    import resource

    from distributed import Client

    import resolver.dask as rdask
    from resolver.batch.requests import Request
    from resolver.batch.worker import Settings

    settings = Settings(shape="json")
    start = time.perf_counter()
    cluster = rdask.local_cluster(workers)
    client = Client(cluster)
    client.wait_for_workers(workers)
    started = time.perf_counter() - start
    first = time.perf_counter()
    list(rdask.run_on_dask([Request(ref=f) for f in folders[: workers * 4]], settings, client=client, partition=4))
    first_partition = time.perf_counter() - first
    timed = time.perf_counter()
    count = sum(1 for _ in rdask.run_on_dask((Request(ref=f) for f in folders), settings, client=client))
    elapsed = time.perf_counter() - timed
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    client.close()
    cluster.close()
    return {
        "workers": workers,
        "cluster_start_s": round(started, 2),
        "first_partitions_s": round(first_partition, 3),
        "per_folder_us": round(1e6 * elapsed / count, 1),
        "worker_peak_mib": sorted(peaks.values()),
    }


def _load() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _spread(values: list[float], digits: int = 1) -> list[float]:
    return [round(min(values), digits), round(max(values), digits)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-optimum", action="store_true", help="accepted for bench/run.py; nothing to leave out")
    args = parser.parse_args()
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        folders = make_folders(root / "models", args.folders)
        refs = root / "refs.txt"
        refs.write_text("".join(f + "\n" for f in folders))
        small = root / "small.txt"
        small.write_text("".join(f + "\n" for f in folders[: max(1, args.folders // 10)]))
        one = root / "one.txt"
        one.write_text(folders[0] + "\n")
        out = root / "out.jsonl"
        lines = root / "lines.jsonl"
        floor(folders)  # warm the OS file cache
        timings: dict[str, list[float]] = {
            "floor": [],
            "in_process": [],
            "in_process_lines": [],
            "resolve_many_1": [],
            "lines_1_process": [],
            "lines_2_processes": [],
        }
        cli: dict[str, list[Any]] = {"start": [], "start_2": [], "w1": [], "w2": [], "small": [], "s1": [], "s2": []}
        cpu: dict[str, list[tuple[float, float]]] = {"file_1": [], "file_2": [], "scan_1": [], "scan_2": []}
        cpu_start: dict[int, list[tuple[float, float]]] = {1: [], 2: []}  # a one-folder run's: subtracted
        sources = {"file": [str(refs)], "scan": ["--scan", str(root / "models")]}
        loads = []
        for _ in range(args.runs):  # interleaved: every variant sees the same machine load
            loads.append(_load())
            timings["floor"].append(floor(folders))
            timings["in_process"].append(in_process(folders))
            timings["in_process_lines"].append(in_process_lines(folders, lines))
            timings["resolve_many_1"].append(many(folders))
            timings["lines_1_process"].append(_lines_loop(folders))
            timings["lines_2_processes"].append(two_processes(folders))
            cli["start"].append(batch_cli(one, out, 1))
            cli["start_2"].append(batch_cli(one, out, 2))
            cli["w1"].append(batch_cli(refs, out, 1))
            assert out.read_bytes() == lines.read_bytes(), "the batch and the loop must write the same lines"
            cli["w2"].append(batch_cli(refs, out, 2))
            assert out.read_bytes() == lines.read_bytes(), "2 workers must write the same lines as 1"
            cli["small"].append(batch_cli(small, out, 1))
            assert len(out.read_text().splitlines()) == len(small.read_text().splitlines())
            cli["s1"].append(batch_cli(root / "models", out, 1, scan=True))
            scanned = out.read_bytes()
            cli["s2"].append(batch_cli(root / "models", out, 2, scan=True))
            assert out.read_bytes() == scanned == lines.read_bytes(), "--scan finds the folders in the same order"
            for name in cpu:
                source, workers = name.split("_")
                cpu[name].append(batch_cpu(sources[source], out, int(workers)))
                assert out.read_bytes() == scanned
            for workers in cpu_start:
                cpu_start[workers].append(batch_cpu([str(one)], out, workers))
        n = args.folders
        runs_us = {name: [1e6 * v / n for v in values] for name, values in timings.items()}
        starts = [s.seconds for s in cli["start"]]
        starts_2 = [s.seconds for s in cli["start_2"]]
        runs_us["batch_cli_1"] = [1e6 * (s.seconds - st) / n for s, st in zip(cli["w1"], starts, strict=True)]
        runs_us["batch_cli_2"] = [1e6 * (s.seconds - st) / n for s, st in zip(cli["w2"], starts_2, strict=True)]
        runs_us["batch_scan_1"] = [1e6 * (s.seconds - st) / n for s, st in zip(cli["s1"], starts, strict=True)]
        runs_us["batch_scan_2"] = [1e6 * (s.seconds - st) / n for s, st in zip(cli["s2"], starts_2, strict=True)]
        per = {name: statistics.median(values) for name, values in runs_us.items()}

        def run_ratios(top: str, bottom: str) -> list[float]:
            return [a / b for a, b in zip(runs_us[top], runs_us[bottom], strict=True)]

        pairs = {
            "in_process / floor": ("in_process", "floor"),
            "resolve_many(workers=1) / in_process": ("resolve_many_1", "in_process"),
            "batch --workers 1 / in_process": ("batch_cli_1", "in_process"),
            "batch --workers 1 / in_process writing the same lines": ("batch_cli_1", "in_process_lines"),
            "batch --workers 1 / floor": ("batch_cli_1", "floor"),
            "batch speed-up 2 workers vs 1": ("batch_cli_1", "batch_cli_2"),
            "the machine: the same lines' work in 2 processes vs 1 (the ceiling)": (
                "lines_1_process",
                "lines_2_processes",
            ),
            "batch --scan speed-up 2 workers vs 1": ("batch_scan_1", "batch_scan_2"),
        }
        ratios = {label: run_ratios(*pair) for label, pair in pairs.items()}
        for name, values in cpu.items():  # each run's start-up (its round's one-folder run) subtracted
            starts_cpu = cpu_start[int(name.split("_")[1])]
            values[:] = [(p - sp, w - sw) for (p, w), (sp, sw) in zip(values, starts_cpu, strict=True)]
        cpu_us = {
            name: {
                "parent": round(statistics.median(1e6 * p / n for p, _ in values), 1),
                "workers": round(statistics.median(1e6 * w / n for _, w in values), 1),
            }
            for name, values in cpu.items()
        }
        for source in sources:  # the speed-up two free cores would give, from the CPU each process used
            bound = [
                2 * (p1 + w1) / (p2 + w2)
                for (p1, w1), (p2, w2) in zip(cpu[f"{source}_1"], cpu[f"{source}_2"], strict=True)
            ]
            ratios[f"CPU bound of 2 workers vs 1, {source}"] = bound
        start = statistics.median(starts)
        w1 = statistics.median(s.seconds for s in cli["w1"])
        w2 = statistics.median(s.seconds for s in cli["w2"])
        figures: dict[str, Any] = {
            "folders": n,
            "runs": args.runs,
            "cpus": os.cpu_count(),
            "load_1min": {"before": load_before, "each_round": loads, "after": _load()},
            "per_folder_us": {k: round(v, 1) for k, v in per.items()},
            "per_folder_us_range": {k: _spread(v) for k, v in runs_us.items()},
            "cpu_us": cpu_us,
            "ratios": {label: round(statistics.median(values), 2) for label, values in ratios.items()},
            "ratios_range": {label: _spread(values, 2) for label, values in ratios.items()},
            "targets": {
                "batch --workers 1 / in_process": "<= 1.2 (the bare loop: the strict reading)",
                "batch --workers 1 / in_process writing the same lines": "<= 1.2 (the like-for-like reading)",
                "batch speed-up 2 workers vs 1": ">= 1.6 (2 cores)",
                "peak RSS at 100,000 folders": "< 100 MiB",
            },
            "batch_cli_wall_s": {
                "start_up_workers_1": round(start, 3),
                "start_up_workers_2": round(statistics.median(starts_2), 3),
                "workers_1": round(w1, 2),
                "workers_2": round(w2, 2),
            },
            "peak_mib": {
                f"batch --workers 1, {n // 10} folders": round(
                    statistics.median(s.peak_kib for s in cli["small"]) / 1024, 1
                ),
                f"batch --workers 1, {n} folders": round(statistics.median(s.peak_kib for s in cli["w1"]) / 1024, 1),
                f"batch --workers 2, {n} folders (largest process)": round(
                    statistics.median(s.peak_kib for s in cli["w2"]) / 1024, 1
                ),
            },
            "pythondontwritebytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        }
        if not args.no_dask:
            try:
                figures["dask"] = [dask_figures(folders, workers) for workers in (1, 2)]
            except ImportError as exc:
                figures["dask"] = f"not measured: {exc}"
    json.dump(figures, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
