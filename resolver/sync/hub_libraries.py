"""The Hub's list of libraries (huggingface.js packages/tasks/src/model-libraries.ts) against the copy in
rules/libraries.yaml (`hub_libraries.names`): which names a given copy of that file has that the rules
lack, and the other way round. Reads the TypeScript as text (the keys of MODEL_LIBRARIES_UI_ELEMENTS),
never runs it. `library-to-tasks.ts` (LIBRARY_TASK_MAPPING) is read the same way for the tasks."""

from __future__ import annotations

import re
from pathlib import Path

from resolver.errors import EvidenceError
from resolver.rulebook.compiled import CompiledRules, library_key
from resolver.sync.tables import Drift

_TABLE = "MODEL_LIBRARIES_UI_ELEMENTS"
_TASKS = "LIBRARY_TASK_MAPPING"
# a key at the first level of indentation: `\tname: {`, `\t"name-with-dashes": {` (tabs or 2/4 spaces)
_KEY = re.compile(r'^(?:\t| {2}| {4})(["\']?)([A-Za-z0-9_.\-]+)\1\s*:\s*[{\[]', re.MULTILINE)
_TASK_NAME = re.compile(r'["\']([a-z0-9-]+)["\']')


def _body(text: str, name: str, shown: str) -> str:
    start = text.find(name)
    brace = text.find("{", start) if start >= 0 else -1
    if brace < 0:
        raise EvidenceError(
            f"{shown} has no {name} table", hint="pass huggingface.js packages/tasks/src/model-libraries.ts"
        )
    depth = 0
    for index in range(brace, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : index]
    raise EvidenceError(f"{shown}: the {name} table does not end")


def _strip_comments(text: str) -> str:
    return re.sub(r"(?<!:)//[^\n]*", "", text)  # not the // of a URL


def library_names(text: str, shown: str = "model-libraries.ts") -> list[str]:
    """The keys of MODEL_LIBRARIES_UI_ELEMENTS, in file order (as the Hub spells library_name)."""
    body = _body(_strip_comments(text), _TABLE, shown)
    return [match.group(2) for match in _KEY.finditer(body)]


def library_tasks(text: str, shown: str = "library-to-tasks.ts") -> dict[str, list[str]]:
    """LIBRARY_TASK_MAPPING: library -> the tasks the Hub says it serves."""
    body = _body(_strip_comments(text), _TASKS, shown)
    found: dict[str, list[str]] = {}
    matches = list(_KEY.finditer(body))
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(body)
        found[match.group(2)] = _TASK_NAME.findall(body[match.end() : end])
    return found


def hub_libraries_drift(rules: CompiledRules, path: str | Path) -> Drift:
    """What a copy of model-libraries.ts lists that the rules' `hub_libraries` lack (added), and the
    reverse (removed); `changed` stays empty (the list holds names only)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvidenceError(f"cannot read {source}: {exc.strerror}") from None
    names = {library_key(name): name for name in library_names(text, str(source))}
    if not names:
        raise EvidenceError(f"{source}: no library found in {_TABLE}")
    known = rules.hub_libraries
    return Drift(
        added={names[key]: "library" for key in sorted(set(names) - known)},
        removed={key: "library" for key in sorted(known - set(names))},
        changed={},
    )
