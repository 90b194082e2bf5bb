"""Cold start: a fresh `task-resolver resolve <folder>` process, against a fresh optimum import.

Each figure is the median of several fresh processes (after one unmeasured warm-up run) of wall
time and peak RSS. Run alone: `python bench/coldstart.py --runs 5` prints JSON.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from common import EXAMPLE, OPTIMUM_IMPORT, Sample, child_env, repeat, resolver_command, run_standalone, spawn

EXPECTED_TASK = "text-classification"  # what examples/distilbert-sst2 resolves to


def _expect(text: str) -> Any:
    def check(sample: Sample) -> None:
        if sample.returncode != 0 or text not in sample.output:
            raise RuntimeError(f"unexpected result (exit {sample.returncode}):\n{sample.output[-2000:]}")

    return check


def _optimum_folder_answer(folder: Path) -> str:
    """What optimum says about the same local folder (it infers tasks from Hub ids and objects only)."""
    code = f"{OPTIMUM_IMPORT}\ntry:\n    print('task:', TasksManager.infer_task_from_model({str(folder)!r}))\n"
    code += "except Exception as e:\n    print('error:', type(e).__name__, str(e).split('(')[0].strip())"
    sample = spawn([sys.executable, "-c", code], child_env(HF_HUB_OFFLINE="1"))
    lines = [line for line in sample.output.splitlines() if line.startswith(("task:", "error:"))]
    return lines[-1] if lines else f"exit {sample.returncode}"


def measure(runs: int, with_optimum: bool = True) -> dict[str, Any]:
    """Median wall time and peak RSS of each fresh-process command."""
    command = [*resolver_command(), "resolve", str(EXAMPLE)]
    results: dict[str, Any] = {"command": " ".join(["task-resolver", "resolve", "examples/distilbert-sst2"])}
    with tempfile.TemporaryDirectory(prefix="bench-rules-cache-") as tmp:
        warm_env = child_env(TASK_RESOLVER_CACHE=str(Path(tmp) / "warm"))
        expect = _expect(EXPECTED_TASK)
        results["resolver_warm_cache"] = repeat(runs, lambda i: spawn(command, warm_env), expect)
        # cold: an empty compiled-rules cache each time, as on the first run after an install
        results["resolver_cold_cache"] = repeat(
            runs, lambda i: spawn(command, child_env(TASK_RESOLVER_CACHE=str(Path(tmp) / f"cold-{i}"))), expect
        )
        results["resolver_no_cache"] = repeat(
            runs, lambda i: spawn(command, child_env(TASK_RESOLVER_NO_CACHE="1")), expect
        )
    results["python_alone"] = repeat(runs, lambda i: spawn([sys.executable, "-c", "pass"], child_env()))
    if with_optimum:
        results["optimum_import"] = repeat(
            runs, lambda i: spawn([sys.executable, "-c", OPTIMUM_IMPORT], child_env()), _expect("")
        )
        results["optimum_on_folder"] = _optimum_folder_answer(EXAMPLE)
    return results


def main() -> None:
    run_standalone(measure, __doc__)


if __name__ == "__main__":
    main()
