"""Shared helpers for the benchmarks: paths, timing a fresh process, medians."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TESTS = ROOT / "tests"
EXAMPLE = ROOT / "examples" / "distilbert-sst2"
OPTIMUM_IMPORT = "from optimum.exporters.tasks import TasksManager"
# what the bench sets in every child: quiet transformers, no telemetry, nothing from the caller's rule packs
QUIET = {"TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONWARNINGS": "ignore"}
UNSET = ("TASK_RESOLVER_RULES", "TASK_RESOLVER_NO_CACHE", "TASK_RESOLVER_CACHE", "HF_HUB_OFFLINE", "HF_TOKEN")


def use_tests_helpers() -> None:
    """Make tests/transformers_catalog.py and tests/hubserver.py importable."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a measured child: ours, minus settings that would change what is measured."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(QUIET)
    env.update(extra)
    return env


def resolver_command() -> list[str]:
    """The installed `task-resolver` console script beside this Python, else `python -m resolver`."""
    script = Path(sys.executable).with_name("task-resolver")
    if script.exists():
        return [str(script)]
    found = shutil.which("task-resolver")
    return [found] if found else [sys.executable, "-m", "resolver"]


@dataclass(frozen=True)
class Sample:
    """One fresh process: exit code, wall time, peak resident memory, and what it printed."""

    returncode: int
    seconds: float
    peak_kib: int
    output: str


def spawn(command: Sequence[str], env: Mapping[str, str], cwd: Path = ROOT) -> Sample:
    """Run `command` in a fresh process through bench/launch.py and measure it."""
    program = command[0] if os.path.isabs(command[0]) else shutil.which(command[0]) or command[0]
    with tempfile.NamedTemporaryFile("r", suffix=".out") as out:
        launcher = [sys.executable, "-S", "-E", str(BENCH / "launch.py"), out.name, program, *command[1:]]
        done = subprocess.run(launcher, env=dict(env), cwd=cwd, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"launcher failed for {command}: {done.stderr.strip()}")
        code, seconds, peak = done.stdout.split()
        return Sample(int(code), float(seconds), int(peak), Path(out.name).read_text(errors="replace"))


def summarize(samples: Sequence[Sample]) -> dict[str, Any]:
    """Median (and range) of wall time and peak RSS over several runs."""
    seconds = [s.seconds for s in samples]
    peaks = [s.peak_kib / 1024 for s in samples]
    return {
        "runs": len(samples),
        "seconds": statistics.median(seconds),
        "seconds_min": min(seconds),
        "seconds_max": max(seconds),
        "peak_mib": statistics.median(peaks),
        "peak_mib_max": max(peaks),
        "ok": all(s.returncode == 0 for s in samples),
    }


def repeat(
    runs: int, measure: Callable[[int], Sample], check: Callable[[Sample], None] | None = None
) -> dict[str, Any]:
    """One unmeasured warm-up (the OS file cache), then `runs` measured runs of `measure(i)`."""
    samples = []
    for index in range(runs + 1):
        sample = measure(index)
        if check is not None:
            check(sample)
        if index:
            samples.append(sample)
    return summarize(samples)


def interleaved(
    runs: int,
    measures: Mapping[str, Callable[[int], Sample]],
    checks: Mapping[str, Callable[[Sample], None]] | None = None,
) -> dict[str, dict[str, Any]]:
    """`repeat` for several commands at once, in rounds (one run of each per round), so every figure
    sees the same machine load: on a shared machine, ratios between them stay meaningful.
    The first round is the unmeasured warm-up."""
    samples: dict[str, list[Sample]] = {name: [] for name in measures}
    for index in range(runs + 1):
        for name, measure in measures.items():
            sample = measure(index)
            check = (checks or {}).get(name)
            if check is not None:
                check(sample)
            if index:
                samples[name].append(sample)
    return {name: summarize(found) for name, found in samples.items()}


def median_rate(count: int, timings: Sequence[float]) -> float:
    """Items per second from the median of several timed passes over `count` items."""
    return count / statistics.median(timings)


def run_standalone(measure: Callable[..., Any], description: str, default_runs: int = 5) -> None:
    """Command-line entry of one bench part: `--runs N`, `--no-optimum`; prints the figures as JSON."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--runs", type=int, default=default_runs)
    parser.add_argument("--no-optimum", action="store_true")
    args = parser.parse_args()
    json.dump(measure(args.runs, with_optimum=not args.no_optimum), sys.stdout, indent=2, default=str)
