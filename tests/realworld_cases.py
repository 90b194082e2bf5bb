"""Real-world evaluation cases (one Hub repository a JSON line) as local folders and as test-Hub repos.

Shared by tests/test_realworld.py (over the copies in tests/fixtures/realworld/) and by
bench/eval_realworld.py (over ../shared/eval). A case holds the repo's file list, its config.json
(`config`), `model_index`, `adapter_config`, other JSON files by path (`file_contents`), and what the
Hub shows (`pipeline_tag`, `library_name`, ...); `expected_task` or any of `accept` is a right answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# case key -> the file it holds
DOCUMENT_KEYS = {"config": "config.json", "model_index": "model_index.json", "adapter_config": "adapter_config.json"}


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """The cases of one .jsonl file, in file order."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            case = json.loads(line)
            case.setdefault("_where", f"{Path(path).name}:{number}")
            cases.append(case)
    return cases


def accepted(case: dict[str, Any], canonical: Callable[[str], str | None] | None = None) -> set[str]:
    """Every task counted as right for this case; with `canonical`, as the rules spell them
    (a case's `text-to-speech` is the rules' `text-to-audio`, of which it is a synonym)."""
    names = {case["expected_task"], *(case.get("accept") or ())}
    if canonical is None:
        return names
    return {canonical(name) or name for name in names}


def repo_files(case: dict[str, Any]) -> dict[str, Any]:
    """The repository as {path: content}: JSON documents as dicts, every other listed file empty.

    A listed .json file whose content the case does not give is `{}` (a placeholder that still parses).
    """
    files: dict[str, Any] = {}
    for path in case.get("files") or ():
        files[path] = {} if path.endswith(".json") else ""
    for path, content in (case.get("file_contents") or {}).items():
        files[path] = content
    for key, path in DOCUMENT_KEYS.items():
        if case.get(key) is not None:
            files[path] = case[key]
    return files


def write_folder(case: dict[str, Any], root: Path) -> Path:
    """Write the case as a model folder under `root` (named after the repo id) and return it."""
    folder = root / case["id"].replace("/", "__")
    for path, content in repo_files(case).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (dict, list)):
            target.write_text(json.dumps(content), encoding="utf-8")
        else:
            target.write_text(str(content), encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def has_local_evidence(case: dict[str, Any]) -> bool:
    """True when the case holds something a local folder can show (a file list or a document);
    the others carry only what the Hub shows (library_name, tags, card facts)."""
    return bool(case.get("files") or case.get("file_contents") or any(case.get(key) for key in DOCUMENT_KEYS))


def hub_metadata(case: dict[str, Any]) -> dict[str, Any]:
    """What the Hub shows about the repo, as keyword arguments of HubServer.add_repo.

    The card's facts (`card_tags`, `card`, `base_model`) become the model-info `cardData`, as the Hub
    serves them; `gguf_architecture` becomes the model-info `gguf` summary.
    """
    meta: dict[str, Any] = {"pipeline_tag": case.get("pipeline_tag"), "library_name": case.get("library_name")}
    if case.get("hub_tags") or case.get("card_tags"):  # the Hub's tags include the card's
        meta["tags"] = list(case.get("hub_tags") or case["card_tags"])
    if case.get("transformers_info"):
        meta["transformers_info"] = dict(case["transformers_info"])
    card: dict[str, Any] = dict(case.get("card") or {})
    if case.get("card_tags"):
        card.setdefault("tags", list(case["card_tags"]))
    if case.get("base_model"):
        card.setdefault("base_model", case["base_model"])
    if card:
        meta["card_data"] = card
    if case.get("gguf_architecture"):
        meta["extra_info"] = {"gguf": {"architecture": case["gguf_architecture"]}}
    return meta


EVAL_FILES = ("realworld.jsonl", "realworld-more.jsonl", "realworld-extra.jsonl")


def iter_cases(directory: str | Path, names: tuple[str, ...] = EVAL_FILES[:2]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file name, case) for every case of the named files that exist in `directory`."""
    for name in names:
        path = Path(directory) / name
        if path.exists():
            for case in load_cases(path):
                yield name, case
