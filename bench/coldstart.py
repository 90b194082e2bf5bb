"""Cold start: a fresh `task-resolver resolve <folder>` process, against the interpreter alone and a fresh optimum import.

Each figure is the median of several fresh processes (after one unmeasured warm-up run) of wall
time and peak RSS. Every figure is taken under each start-up condition that matters, beside
`python -c pass` under the same condition (same interpreter, same environment):

- bytecode: *present* = every module's .pyc exists (written to a private PYTHONPYCACHEPREFIX by
  the warm-up run); *absent* = no .pyc anywhere (an empty PYTHONPYCACHEPREFIX and
  PYTHONDONTWRITEBYTECODE=1), so every imported module is compiled from source, the standard
  library's too;
- install: *editable* = this checkout through the venv's editable-install hook (a .pth that
  imports a finder, pathlib and more, in every Python of the venv, `python -c pass` included);
  *regular* = the files a wheel installs (resolver/ with rules/ and schema/ inside it), compiled,
  in a throwaway venv that borrows this venv's dependencies through a plain path .pth.

Run alone: `python bench/coldstart.py --runs 5` prints JSON. Before/after:
`python bench/coldstart.py --against OLD_TREE --runs 12` (OLD_TREE: a checkout or `git archive` of the
earlier commit) times both trees in the same rounds, under each condition, beside `python -c pass`
(each tree through PYTHONPATH for the editable conditions, its own throwaway venv for the regular
one), with the load average before and after each condition.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    EXAMPLE,
    OPTIMUM_IMPORT,
    ROOT,
    Sample,
    child_env,
    interleaved,
    repeat,
    resolver_command,
    run_standalone,
    spawn,
)

from resolver.rulebook.cache import RECENT_NS

EXPECTED_TASK = "text-classification"  # what examples/distilbert-sst2 resolves to
IMPORT_ONLY = "import resolver"


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


def _bytecode_env(tmp: Path, present: bool, **extra: str) -> dict[str, str]:
    """The environment of one bytecode condition (its own .pyc folder)."""
    if present:
        env = child_env(PYTHONPYCACHEPREFIX=str(tmp / "pyc"), **extra)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run writes every .pyc; later runs read them
    else:
        env = child_env(PYTHONPYCACHEPREFIX=str(tmp / "no-pyc"), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def regular_install(tmp: Path, source: Path = ROOT) -> tuple[str, str] | None:
    """(python, task-resolver script) of a throwaway venv holding the package (of the checkout `source`)
    as a wheel installs it, or None."""
    venv = tmp / "venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
        python = venv / "bin" / "python"
        site = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(source / "resolver", site / "resolver", ignore=ignore)
        shutil.copytree(source / "rules", site / "resolver" / "rules", ignore=ignore)
        shutil.copytree(source / "schema", site / "resolver" / "schema", ignore=ignore)
        ours = [p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)]
        (site / "zz-bench-deps.pth").write_text("\n".join(ours) + "\n")  # paths only: their .pth files do not run
        subprocess.run([str(python), "-m", "compileall", "-q", str(site / "resolver")], check=True, capture_output=True)
        # rule files written in the last two seconds are hashed on every start (their times may not have
        # moved yet, resolver/rulebook/cache.py): wait, as any install is older than that when it runs
        time.sleep(RECENT_NS / 1e9 + 0.1)
        script = venv / "bin" / "task-resolver"
        script.write_text(
            f"#!{python}\nimport sys\nfrom resolver.cli.main import entry_point\n"
            "if __name__ == '__main__':\n    sys.exit(entry_point())\n"
        )
        script.chmod(0o755)
        return str(python), str(script)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"coldstart: no regular install: {error}", file=sys.stderr)
        return None


def _condition(name: str, python: str, resolver: list[str], env: dict[str, str], tmp: Path, runs: int) -> dict:
    """python -c pass, import resolver, and the resolve command with a warm and an empty rules cache."""
    command = [*resolver, "resolve", str(EXAMPLE)]
    expect = _expect(EXPECTED_TASK)
    warm = {**env, "TASK_RESOLVER_CACHE": str(tmp / f"{name}-warm")}
    here = tmp  # not the checkout: `python -c` would import resolver from the current folder
    result: dict[str, Any] = {"name": name}
    result.update(
        interleaved(
            runs,
            {
                "python_alone": lambda i: spawn([python, "-c", "pass"], env, here),
                "import_resolver": lambda i: spawn([python, "-c", IMPORT_ONLY], env, here),
                "resolver_warm_cache": lambda i: spawn(command, warm, here),
                # an empty compiled-rules cache each time: the first run after an install
                "resolver_cold_cache": lambda i: spawn(
                    command, {**env, "TASK_RESOLVER_CACHE": str(tmp / f"{name}-cold-{i}")}, here
                ),
            },
            {"resolver_warm_cache": expect, "resolver_cold_cache": expect},
        )
    )
    return result


def measure(runs: int, with_optimum: bool = True) -> dict[str, Any]:
    """Median wall time and peak RSS of each fresh-process command, under each start-up condition."""
    command = [*resolver_command(), "resolve", str(EXAMPLE)]
    results: dict[str, Any] = {"command": " ".join(["task-resolver", "resolve", "examples/distilbert-sst2"])}
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as name:
        tmp = Path(name)
        conditions = [
            _condition(
                "editable, bytecode present", sys.executable, resolver_command(), _bytecode_env(tmp, True), tmp, runs
            ),
            _condition(
                "editable, no bytecode", sys.executable, resolver_command(), _bytecode_env(tmp, False), tmp, runs
            ),
        ]
        regular = regular_install(tmp)
        if regular:
            python, script = regular
            env = _bytecode_env(tmp / "regular", True)
            env.pop("PYTHONPATH", None)  # the installed package, not a checkout named on the path
            conditions.append(_condition("regular install, bytecode present", python, [script], env, tmp, runs))
        results["conditions"] = conditions
        # the environment as the caller has it (bytecode as found in the tree), the headline figures
        warm_env = child_env(TASK_RESOLVER_CACHE=str(tmp / "warm"))
        expect = _expect(EXPECTED_TASK)
        results["environment"] = {
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
            "install": "editable" if any("__editable__" in p for p in os.listdir(_site())) else "regular",
        }
        results.update(
            interleaved(
                runs,
                {
                    "python_alone": lambda i: spawn([sys.executable, "-c", "pass"], child_env()),
                    "import_resolver": lambda i: spawn([sys.executable, "-c", IMPORT_ONLY], child_env()),
                    "resolver_warm_cache": lambda i: spawn(command, warm_env),
                    "resolver_cold_cache": lambda i: spawn(
                        command, child_env(TASK_RESOLVER_CACHE=str(tmp / f"cold-{i}"))
                    ),
                    "resolver_no_cache": lambda i: spawn(command, child_env(TASK_RESOLVER_NO_CACHE="1")),
                },
                {"resolver_warm_cache": expect, "resolver_cold_cache": expect, "resolver_no_cache": expect},
            )
        )
    if with_optimum:
        results["optimum_import"] = repeat(
            runs, lambda i: spawn([sys.executable, "-c", OPTIMUM_IMPORT], child_env()), _expect("")
        )
        results["optimum_on_folder"] = _optimum_folder_answer(EXAMPLE)
    return results


def compare(runs: int, against: Path) -> dict[str, Any]:
    """`python -c pass`, `import resolver` and the resolve command (warm rules cache) of this checkout
    ("after") and of `against` ("before"), interleaved in the same rounds, under each start-up condition."""
    trees = {"before": against.resolve(), "after": ROOT}
    results: dict[str, Any] = {"before": str(trees["before"]), "after": str(ROOT), "conditions": []}
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as name:
        tmp = Path(name)
        # per condition: its python, its environment, and per tree (its python, resolver command, environment)
        conditions: list[tuple[str, str, dict[str, str], dict[str, tuple[str, list[str], dict[str, str]]]]] = []
        for label, present in (("editable, bytecode present", True), ("editable, no bytecode", False)):
            env = _bytecode_env(tmp, present)
            setups = {
                tree: (sys.executable, resolver_command(), {**env, "PYTHONPATH": str(path)})
                for tree, path in trees.items()
            }
            conditions.append((label, sys.executable, env, setups))
        regulars = {tree: regular_install(tmp / f"regular-{tree}", path) for tree, path in trees.items()}
        env = _bytecode_env(tmp / "regular", True)
        env.pop("PYTHONPATH", None)  # the installed package, not a checkout named on the path
        setups = {tree: (found[0], [found[1]], env) for tree, found in regulars.items() if found}
        if len(setups) == len(trees):
            conditions.append(("regular install, bytecode present", setups["after"][0], env, setups))
        for label, python, env, setups in conditions:
            measures: dict[str, Callable[[int], Sample]] = {
                "python_alone": lambda i, python=python, env=env: spawn([python, "-c", "pass"], env, tmp)
            }
            checks: dict[str, Callable[[Sample], None]] = {}
            for tree, (tree_python, command, tree_env) in setups.items():
                warm = {**tree_env, "TASK_RESOLVER_CACHE": str(tmp / f"{label}-{tree}-warm")}
                measures[f"import_resolver ({tree})"] = lambda i, p=tree_python, e=tree_env: spawn(
                    [p, "-c", IMPORT_ONLY], e, tmp
                )
                key = f"resolver_warm_cache ({tree})"
                measures[key] = lambda i, c=command, e=warm: spawn([*c, "resolve", str(EXAMPLE)], e, tmp)
                checks[key] = _expect(EXPECTED_TASK)
            load_before = os.getloadavg()[0]
            figures = interleaved(runs, measures, checks)
            floor = figures["python_alone"]["seconds"]
            for found in figures.values():
                found["vs_python"] = found["seconds"] / floor
            results["conditions"].append(
                {"name": label, "load_average_1min": [load_before, os.getloadavg()[0]], **figures}
            )
    return results


def _site() -> str:
    """This interpreter's site-packages (where an editable install leaves its hook)."""
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def main() -> None:
    if "--against" in sys.argv:
        import argparse
        import json

        parser = argparse.ArgumentParser(description="Cold start of this checkout against an earlier tree.")
        parser.add_argument("--against", type=Path, required=True, help="the earlier tree (a checkout)")
        parser.add_argument("--runs", type=int, default=12)
        args = parser.parse_args()
        json.dump(compare(args.runs, args.against), sys.stdout, indent=2, default=str)
        return
    run_standalone(measure, __doc__)


if __name__ == "__main__":
    main()
