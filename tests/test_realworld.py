"""Real Hub repositories (tests/fixtures/realworld/, copies of ../shared/eval) resolve to an accepted task.

Each case is written as a local folder (no Hub metadata) and also served by the test Hub server with
what the Hub shows. The few cases the evidence cannot decide are listed in KNOWN_MISSES with the reason;
they must keep failing (strict xfail), so a rule that starts answering them is noticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from realworld_cases import accepted, hub_metadata, iter_cases, repo_files, write_folder

from resolver.api import Resolver

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realworld"
CASES = {case["id"]: case for _, case in iter_cases(FIXTURES)}

# id -> why no general rule can answer it from the case's evidence
KNOWN_MISSES = {
    "sentence-transformers/all-roberta-large-v1": (
        "the case gives only config.json (RobertaForMaskedLM) and no file list: the real repo's modules.json, "
        "which says sentence-transformers, is not part of the case"
    ),
    "castorini/monot5-large-msmarco": (
        "a trimmed config naming the bare T5Model, no files, no Hub metadata: nothing says reranker"
    ),
    "rubentito/vt5-base-spdocvqa": (
        "custom class HF_VT5: no suffix, no auto_map, no Hub metadata; a rule for it would be a per-repo rule"
    ),
}
LOCAL_ONLY_MISSES = {
    "leliuga/all-MiniLM-L6-v2-GGUF": (
        "as a folder, only *.gguf file names: GGUF of a text model reads as text-generation; the Hub's "
        "pipeline_tag (sentence-similarity) decides it in Hub mode"
    ),
}


@pytest.fixture(scope="module")
def resolver_() -> Resolver:
    return Resolver(use_env=False)


def _params(misses: dict[str, str]) -> list:
    return [
        pytest.param(repo_id, id=repo_id, marks=pytest.mark.xfail(reason=misses[repo_id], strict=True))
        if repo_id in misses
        else pytest.param(repo_id, id=repo_id)
        for repo_id in CASES
    ]


def test_the_fixtures_hold_every_case():
    assert len(CASES) == 102
    assert set(KNOWN_MISSES) | set(LOCAL_ONLY_MISSES) <= set(CASES)


@pytest.mark.parametrize("repo_id", _params({**KNOWN_MISSES, **LOCAL_ONLY_MISSES}))
def test_case_as_a_local_folder(repo_id: str, tmp_path: Path, resolver_: Resolver) -> None:
    case = CASES[repo_id]
    result = resolver_.resolve(write_folder(case, tmp_path))
    assert result.task in accepted(case, resolver_.rules.canonical_task), result.explain()


# ------------------------------------------------------------------ through the test Hub server


@pytest.fixture(scope="module")
def hub_results(tmp_path_factory: pytest.TempPathFactory, resolver_: Resolver) -> Iterator[dict[str, object]]:
    """Every case served by one test Hub and resolved by repo id, with a private HF cache."""
    from hubserver import HubServer
    from huggingface_hub import constants

    from resolver.evidence.hub import store as hub_store

    patch = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("hf")
    results: dict[str, object] = {}
    try:
        with HubServer() as server:
            patch.setenv("HF_ENDPOINT", server.url)
            patch.setenv("HF_HOME", str(home))
            for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "HF_TOKEN"):
                patch.delenv(name, raising=False)
            patch.setattr(constants, "HF_HUB_OFFLINE", False)
            patch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
            hub_store.clear_memo()
            for repo_id, case in CASES.items():
                server.add_repo(repo_id, repo_files(case), **hub_metadata(case))
                results[repo_id] = resolver_.resolve(repo_id, token=False)
            assert server.count("api") == len(CASES)  # one model-info request a repo
        yield results
    finally:
        hub_store.clear_memo()
        patch.undo()


@pytest.mark.parametrize("repo_id", _params(KNOWN_MISSES))
def test_case_through_the_hub(repo_id: str, hub_results: dict, resolver_: Resolver) -> None:
    result = hub_results[repo_id]
    assert result.source == "hub"
    assert result.task in accepted(CASES[repo_id], resolver_.rules.canonical_task), result.explain()
