"""Real Hub repositories (tests/fixtures/realworld/, copies of ../shared/eval) resolve to an accepted task.

Each case is written as a local folder (no Hub metadata) and also served by the test Hub server with
what the Hub shows. A case that holds only what the Hub shows (no file list, no document: a third of
realworld-extra.jsonl) has nothing to write as a folder, so it runs through the Hub only. The cases the
evidence cannot decide are listed in KNOWN_MISSES (both ways), HUB_MISSES and LOCAL_ONLY_MISSES with the
reason; they must keep failing (strict xfail), so a rule that starts answering them is noticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from realworld_cases import (
    EVAL_FILES,
    accepted,
    has_local_evidence,
    hub_metadata,
    iter_cases,
    repo_files,
    write_folder,
)

from resolver.api import Resolver

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realworld"
CASES = {case["id"]: case for _, case in iter_cases(FIXTURES, EVAL_FILES)}

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
    "MrLight/dse-qwen2-2b-mrl-v1": (
        "a document-screenshot embedder saved as a plain Qwen2VLForConditionalGeneration with a trimmed config: "
        "nothing but the repo name tells it from the chat model"
    ),
    "fixie-ai/ultravox-v0_5-llama-3_2-1b": (
        "custom UltravoxModel with a config trimmed to `architectures`: the real one's audio_config is not in the case"
    ),
    "facebook/wav2vec2-conformer-rel-pos-large-960h-ft": (
        "a config naming only model_type wav2vec2-conformer, whose heads serve five tasks (CTC, classification, "
        "frame classification, x-vector, pretraining): ambiguous, answered by the default"
    ),
}
# through the Hub: cases with only the Hub's library_name, for libraries that serve several tasks
HUB_MISSES = {
    "AdapterHub/facebook-bart-large_sum_xsum_pfeiffer": (
        "only library_name adapter-transformers (question-answering, text-classification, token-classification "
        "on the Hub's list): the adapter's head_config.json, which says which head, is not part of the case"
    ),
    "AdapterHub/roberta-base-pf-conll2003": (
        "only library_name adapter-transformers: its head_config.json (a tagging head) is not part of the case"
    ),
    "skops-tests/textclassification-sklearn-latest-hist_gradient_boosting-with-config-skops": (
        "only library_name sklearn, which serves tabular classification and regression and text classification"
    ),
    "speechbrain/spkrec-xvect-voxceleb": (
        "only library_name speechbrain: hyperparams.yaml / the interface class, which says speaker recognition, "
        "is not part of the case"
    ),
    "speechbrain/mtl-mimic-voicebank": "only library_name speechbrain: nothing says speech enhancement",
    "speechbrain/tts-tacotron2-ljspeech": "only library_name speechbrain: nothing says text-to-speech",
    "speechbrain/soundchoice-g2p": "only library_name speechbrain: nothing says grapheme-to-phoneme",
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


def _params(misses: dict[str, str], *, local: bool = False) -> list:
    return [
        pytest.param(repo_id, id=repo_id, marks=pytest.mark.xfail(reason=misses[repo_id], strict=True))
        if repo_id in misses
        else pytest.param(repo_id, id=repo_id)
        for repo_id, case in CASES.items()
        if has_local_evidence(case) or not local
    ]


def test_the_fixtures_hold_every_case():
    # 202 cases of 200 repos: realworld-extra.jsonl repeats two of realworld.jsonl (its copy is the one used)
    assert len(CASES) == 200
    assert sum(not has_local_evidence(case) for case in CASES.values()) == 26  # 74 of realworld-extra's 100 have some
    assert set(KNOWN_MISSES) | set(LOCAL_ONLY_MISSES) | set(HUB_MISSES) <= set(CASES)
    assert not any(has_local_evidence(CASES[repo_id]) for repo_id in HUB_MISSES)


@pytest.mark.parametrize("repo_id", _params({**KNOWN_MISSES, **LOCAL_ONLY_MISSES}, local=True))
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


@pytest.mark.parametrize("repo_id", _params({**KNOWN_MISSES, **HUB_MISSES}))
def test_case_through_the_hub(repo_id: str, hub_results: dict, resolver_: Resolver) -> None:
    result = hub_results[repo_id]
    assert result.source == "hub"
    assert result.task in accepted(CASES[repo_id], resolver_.rules.canonical_task), result.explain()
