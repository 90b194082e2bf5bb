"""Evidence from a local folder (or a cache snapshot): the file list and the JSON documents the rules read."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from resolver.errors import EvidenceError
from resolver.evidence.model import Evidence

MAX_FILES = 50_000  # a model folder with more entries than this is listed partially


_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}


PARENT = "../"  # a document path starting so names a file of the model folder's parent


def list_files(root: Path) -> frozenset[str]:
    """Every file below `root` as a POSIX path relative to it, hidden tool folders skipped."""
    found: list[str] = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS)
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.extend(prefix + name for name in names)
        if len(found) >= MAX_FILES:
            break
    return frozenset(found[:MAX_FILES])


def read_json_document(path: Path, shown_as: str) -> Any:
    """Parse one JSON file; a file that is not JSON is an EvidenceError naming the line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceError(f"{shown_as} is not UTF-8 text", hint="re-save it as UTF-8 JSON") from None
    except OSError as exc:
        raise EvidenceError(f"cannot read {shown_as}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvidenceError(
            f"{shown_as}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
            hint="fix the file (it must be one JSON object), or pass the task explicitly with --task",
        ) from None


def from_folder(folder: str | os.PathLike, documents_needed: Iterable[str], subfolder: str | None = None) -> Evidence:
    """Evidence from a local model folder (optionally one of its subfolders)."""
    base = Path(folder).expanduser()
    if not base.exists():
        raise EvidenceError(
            f"no such folder: {base}",
            hint="pass a model folder, a cached snapshot or a Hub repo id (org/name)",
        )
    if not base.is_dir():
        raise EvidenceError(f"{base} is a file, not a model folder", hint="pass the folder that holds config.json")
    root = base / subfolder if subfolder else base
    if subfolder and not root.is_dir():
        raise EvidenceError(f"{base} has no subfolder {subfolder!r}", hint="check --subfolder")
    files = list_files(root)
    documents = {}
    notes = []
    for name in sorted(documents_needed):
        if name in files:
            documents[name] = read_json_document(root / name, str(root / name))
        elif name.startswith(PARENT) and (root.parent / name[len(PARENT) :]).is_file():
            # the enclosing folder's file: a diffusers component (unet/, vae/) reads its pipeline's model_index.json
            parent_file = root.parent / name[len(PARENT) :]
            try:
                documents[name] = read_json_document(parent_file, str(parent_file))
            except EvidenceError as error:  # not this model's file: a broken one is ignored, not fatal
                notes.append(f"ignored {parent_file}: {error.message}")
    return Evidence(
        source="folder", ref=str(base), files=files, documents=documents, subfolder=subfolder, notes=tuple(notes)
    )
