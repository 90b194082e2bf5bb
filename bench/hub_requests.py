"""Hub: HTTP requests per resolution of a repo id, cold and warm, against tests/hubserver.py.

Every resolution is a fresh `task-resolver resolve ORG/NAME` process pointed at the test Hub on
127.0.0.1 (HF_ENDPOINT) with its own HF_HOME: cold = an empty HF_HOME; warm = the HF_HOME a cold run
left, once with `--revision <commit sha>` (pinned) and once without (a branch, which may have moved).
optimum's `TasksManager.infer_task_from_model(repo_id)` runs on the same repos, cold and warm.
Run alone: `python bench/hub_requests.py --runs 3` prints JSON.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import OPTIMUM_IMPORT, child_env, resolver_command, run_standalone, spawn, summarize, use_tests_helpers

# Repos as the Hub describes real ones: files, pipeline_tag, library_name and transformersInfo.
REPOS: dict[str, dict[str, Any]] = {
    "bench/text-classifier": {
        "files": {
            "config.json": {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"},
            "model.safetensors": "weights",
            "README.md": "---\npipeline_tag: text-classification\n---\n",
        },
        "pipeline_tag": "text-classification",
        "library_name": "transformers",
        "transformers_info": {
            "auto_model": "AutoModelForSequenceClassification",
            "pipeline_tag": "text-classification",
            "processor": "AutoTokenizer",
        },
        "expect": "text-classification",
    },
    "bench/diffusers-pipeline": {
        "files": {
            "model_index.json": {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0"},
            "unet/config.json": {"_class_name": "UNet2DConditionModel"},
            "unet/diffusion_pytorch_model.safetensors": "weights",
        },
        "pipeline_tag": "text-to-image",
        "library_name": "diffusers",
        "expect": "text-to-image",
    },
    "bench/custom-code": {
        "files": {
            "config.json": {
                "architectures": ["MyModelForCausalLM"],
                "model_type": "my_model",
                "auto_map": {"AutoModelForCausalLM": "modeling_my.MyModelForCausalLM"},
            },
            "modeling_my.py": "class MyModelForCausalLM: ...\n",
            "model.safetensors": "weights",
        },
        "library_name": "transformers",
        "tags": ["custom_code"],
        "expect": "text-generation",
    },
}


def _optimum_code(repo_id: str) -> str:
    return (
        f"{OPTIMUM_IMPORT}\ntry:\n    print('task:', TasksManager.infer_task_from_model({repo_id!r}))\n"
        "except Exception as e:\n    print('error:', type(e).__name__)"
    )


def _answer(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("task:", "error:")):
            return " ".join(line.split()[1:])
    return output.strip().splitlines()[-1] if output.strip() else ""


def _repo_row(
    repo_id: str,
    spec: dict[str, Any],
    sha: str,
    ours: list[str],
    tmp: Path,
    run: Any,
    scenario: Any,
    runs: int,
    with_optimum: bool,
) -> dict[str, Any]:
    """Cold, warm pinned and warm branch resolutions of one repo (and optimum's cold and warm)."""
    row: dict[str, Any] = {"expect": spec["expect"]}
    resolve = [*ours, "resolve", repo_id]
    homes = [tmp / f"{repo_id.replace('/', '--')}-{i}" for i in range(runs)]
    row["resolver_cold"] = scenario(lambda i: run(resolve, homes[i]), runs)
    row["resolver_warm_pinned"] = scenario(lambda i: run([*resolve, "--revision", sha], homes[i]), runs)
    row["resolver_warm_branch"] = scenario(lambda i: run(resolve, homes[i]), runs)
    if with_optimum:
        code = [sys.executable, "-c", _optimum_code(repo_id)]
        opt_home = tmp / f"optimum-{repo_id.replace('/', '--')}"
        row["optimum_cold"] = scenario(lambda i: run(code, opt_home), 1)
        row["optimum_warm"] = scenario(lambda i: run(code, opt_home), 1)
    return row


def measure(runs: int, with_optimum: bool = True) -> dict[str, Any]:
    """Requests (median over runs) and the answer for each repo, scenario and tool."""
    use_tests_helpers()
    from hubserver import HubServer

    results: dict[str, Any] = {"repos": {}}
    with HubServer() as hub, tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        shas = {}
        for repo_id, spec in REPOS.items():
            shas[repo_id] = hub.add_repo(repo_id, **{k: v for k, v in spec.items() if k != "expect"})

        def run(command: list[str], home: Path) -> dict[str, Any]:
            hub.reset_requests()
            sample = spawn(command, child_env(HF_ENDPOINT=hub.url, HF_HOME=str(home)))
            return {
                "sample": sample,
                "api": sum(1 for r in hub.requests if r.kind == "api"),
                "file": sum(1 for r in hub.requests if r.kind == "file"),
                "answer": _answer(sample.output),
            }

        def scenario(make: Any, count: int) -> dict[str, Any]:
            trials = [make(index) for index in range(count)]
            return {
                "requests": statistics.median(t["api"] + t["file"] for t in trials),
                "api": statistics.median(t["api"] for t in trials),
                "file": statistics.median(t["file"] for t in trials),
                "answers": sorted({t["answer"] for t in trials}),
                **summarize([t["sample"] for t in trials]),
            }

        ours = resolver_command()
        for repo_id, spec in REPOS.items():
            results["repos"][repo_id] = _repo_row(
                repo_id, spec, shas[repo_id], ours, Path(tmp), run, scenario, runs, with_optimum
            )
    return results


def main() -> None:
    run_standalone(measure, __doc__, default_runs=3)


if __name__ == "__main__":
    main()
