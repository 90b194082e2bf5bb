"""Evidence from a local folder (or a cache snapshot): the file list and the JSON documents the rules read.

Only regular files are read (a FIFO named config.json is refused, not waited on), documents are
capped in size and depth, and a subfolder must stay inside the model folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from resolver.errors import EvidenceError
from resolver.evidence.documents import check_document
from resolver.evidence.model import Evidence
from resolver.support.files import FileTooLarge, NotARegularFile, is_regular_file, read_regular_text

MAX_FILES = 50_000  # a listing stops here (a note says so); the documents the rules read are read by name
MAX_DOCUMENT_BYTES = 64 << 20  # a JSON document the rules read: configs are kilobytes; 64 MiB is generous
_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}
PARENT = "../"  # a document path starting so names a file of the model folder's parent


def list_files(root: Path, limit: int = MAX_FILES) -> tuple[frozenset[str], bool]:
    """Every file below `root` as a POSIX path relative to it (hidden tool folders skipped), and
    whether the listing stopped at `limit` entries."""
    found: list[str] = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS)
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.extend(prefix + name for name in names)
        if len(found) >= limit:
            return frozenset(found[:limit]), len(found) > limit or bool(subdirs)
    return frozenset(found), False


def read_json_document(path: Path, shown_as: str) -> Any:
    """Parse one JSON file; anything unusable is an EvidenceError that says what and how to fix it."""
    try:
        text = read_regular_text(path, MAX_DOCUMENT_BYTES, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceError(f"{shown_as} is not UTF-8 text", hint="re-save it as UTF-8 JSON") from None
    except NotARegularFile as exc:
        raise EvidenceError(
            f"{shown_as} is a {exc.kind}, not a regular file: not read",
            hint="replace it with the real JSON file, or pass the task explicitly with --task",
        ) from None
    except FileTooLarge as exc:
        raise EvidenceError(
            f"{shown_as} is {exc.size:,} bytes: too large to be a model's JSON document (limit {exc.limit:,})",
            hint="check the file, or pass the task explicitly with --task",
        ) from None
    except OSError as exc:
        raise EvidenceError(f"cannot read {shown_as}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvidenceError(
            f"{shown_as}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
            hint="fix the file (it must be one JSON object), or pass the task explicitly with --task",
        ) from None
    except RecursionError:
        raise EvidenceError(
            f"{shown_as} is nested too deeply to be a model's JSON document",
            hint="check the file, or pass the task explicitly with --task",
        ) from None


def inside(base: Path, subfolder: str) -> Path:
    """`base/subfolder`, which must stay inside `base` once resolved (symlinks included); else EvidenceError."""
    if not subfolder.strip():
        raise EvidenceError("the subfolder is empty", hint="name a folder inside the model, e.g. --subfolder unet")
    try:
        root = (base / subfolder).resolve()
        real_base = base.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise EvidenceError(f"cannot use subfolder {subfolder!r}: {exc}", hint="check --subfolder") from None
    if root != real_base and real_base not in root.parents:
        raise EvidenceError(
            f"subfolder {subfolder!r} leaves the model folder {base}",
            hint="a subfolder is a path inside the model (e.g. unet or onnx/encoder), without .. or a leading /",
        )
    return root


def check_repo_subfolder(subfolder: str) -> str:
    """A Hub repo's subfolder as a clean relative POSIX path; EvidenceError for one that would leave the repo."""
    parts = subfolder.replace("\\", "/").split("/")
    if (
        not subfolder.strip()
        or subfolder.startswith("/")
        or ".." in parts
        or (len(subfolder) > 1 and subfolder[1] == ":")
    ):
        raise EvidenceError(
            f"subfolder {subfolder!r} leaves the repository",
            hint="a subfolder is a path inside the repo (e.g. unet or onnx/encoder), without .. or a leading /",
        )
    return "/".join(part for part in parts if part not in ("", "."))


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
    if subfolder:
        resolved = inside(base, subfolder)
        root = base / subfolder
        if not resolved.is_dir():
            raise EvidenceError(f"{base} has no subfolder {subfolder!r}", hint="check --subfolder")
    else:
        root = base
    listed, truncated = list_files(root, MAX_FILES)
    files = set(listed)
    documents = {}
    notes = []
    if truncated:
        notes.append(
            f"the folder holds more than {MAX_FILES:,} files: the listing stopped there "
            "(the documents the rules read were still looked up by name)"
        )
    for name in sorted(documents_needed):
        if name.startswith(PARENT):
            parent_file = root.parent / name[len(PARENT) :]
            if not is_regular_file(parent_file):
                continue
            # the enclosing folder's file: a diffusers component (unet/, vae/) reads its pipeline's model_index.json
            try:
                value = read_json_document(parent_file, str(parent_file))
                documents[name], _ = check_document(name, value, str(parent_file))
            except EvidenceError as error:  # not this model's file: a broken one is ignored, not fatal
                notes.append(f"ignored {parent_file}: {error.message}")
            continue
        if name in files or (truncated and (root / name).exists()):
            value = read_json_document(root / name, str(root / name))
            documents[name], dropped = check_document(name, value, str(root / name))
            notes.extend(dropped)
            files.add(name)
    return Evidence(
        source="folder",
        ref=str(base),
        files=frozenset(files),
        documents=documents,
        subfolder=subfolder,
        notes=tuple(notes),
    )
