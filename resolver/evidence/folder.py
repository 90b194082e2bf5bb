"""Evidence from a local folder (or a cache snapshot): the file list and the JSON documents the rules read.

Only regular files are read (a FIFO named config.json is refused, not waited on), documents are
capped in size and depth, and a subfolder must stay inside the model folder.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from resolver.errors import EvidenceError
from resolver.evidence.documents import check_document
from resolver.evidence.gguf import GGUF_DOCUMENT, folder_document
from resolver.evidence.model import Evidence
from resolver.support.files import FileTooLarge, NotARegularFile, is_regular_file, read_regular_text

MAX_FILES = 50_000  # a listing stops here (a note says so); the documents the rules read are read by name
MAX_DOCUMENT_BYTES = 64 << 20  # a JSON document the rules read: configs are kilobytes; 64 MiB is generous
_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}
PARENT = "../"  # a document path starting so names a file of the model folder's parent


def list_files(
    root: str | os.PathLike, limit: int = MAX_FILES, json_folders: list[str] | None = None
) -> tuple[frozenset[str], bool]:
    """Every file below `root` as a POSIX path relative to it (hidden tool folders skipped, symlinked
    folders not entered, as os.walk does), and whether the listing stopped at `limit` entries.

    The cap holds inside a folder too: a flat folder of millions of entries is not read whole.
    `json_folders`, when given, collects top-level folders named like a JSON document (`config.json/`).

    A plain `os.scandir` walk: one system call per folder and no pathlib objects, since reading the
    folder is most of the cost of resolving one.
    """
    found: list[str] = []
    stack = [("", os.fspath(root))]
    while stack:
        prefix, directory = stack.pop()
        subdirs = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        found.append(prefix + entry.name)
                        if len(found) > limit:
                            return frozenset(found[:limit]), True
                    elif entry.name not in _SKIP_DIRS and not entry.is_symlink():
                        subdirs.append(entry.name)
                    if is_dir and not prefix and json_folders is not None and entry.name.endswith(".json"):
                        json_folders.append(entry.name)
        except OSError:  # unreadable folder: listed as far as it could be, like os.walk
            continue
        if len(found) >= limit:
            return frozenset(found[:limit]), len(found) > limit or bool(subdirs) or bool(stack)
        stack.extend((f"{prefix}{name}/", os.path.join(directory, name)) for name in sorted(subdirs, reverse=True))
    return frozenset(found), False


def read_json_document(path: str | os.PathLike, shown_as: str) -> Any:
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
    needed = documents_needed if isinstance(documents_needed, (set, frozenset)) else frozenset(documents_needed)
    base = os.path.expanduser(os.fspath(folder))
    if base.endswith(("/", os.sep)) or "//" in base or "/./" in base or base.startswith("./"):
        base = str(Path(base))  # the spelling pathlib gives (examples/m/ -> examples/m), only when it differs
    try:
        mode = os.stat(base).st_mode
    except (OSError, ValueError):
        raise EvidenceError(
            f"no such folder: {base}",
            hint="pass a model folder, a cached snapshot or a Hub repo id (org/name)",
        ) from None
    if not stat.S_ISDIR(mode):
        raise EvidenceError(f"{base} is a file, not a model folder", hint="pass the folder that holds config.json")
    if subfolder:
        if not os.path.isdir(inside(Path(base), subfolder)):
            raise EvidenceError(f"{base} has no subfolder {subfolder!r}", hint="check --subfolder")
        root = os.path.join(base, subfolder)
    else:
        root = base
    json_folders: list[str] = []
    listed, truncated = list_files(root, MAX_FILES, json_folders)
    for name in json_folders:
        if name in needed:
            raise EvidenceError(
                f"{os.path.join(root, name)} is a folder, not a JSON file: not read",
                hint="replace it with the real JSON file, or pass the task explicitly with --task",
            )
    files = set(listed) if truncated else listed
    documents = {}
    notes = []
    if truncated:
        notes.append(
            f"the folder holds more than {MAX_FILES:,} files: the listing stopped there "
            "(the documents the rules read were still looked up by name)"
        )
    for name in sorted(needed):
        if name.startswith(PARENT):
            parent_file = os.path.join(os.path.dirname(os.path.abspath(root)), name[len(PARENT) :])
            if not is_regular_file(parent_file):
                continue
            # the enclosing folder's file: a diffusers component (unet/, vae/) reads its pipeline's model_index.json
            try:
                value = read_json_document(parent_file, parent_file)
                documents[name], _ = check_document(name, value, parent_file)
            except EvidenceError as error:  # not this model's file: a broken one is ignored, not fatal
                notes.append(f"ignored {parent_file}: {error.message}")
            continue
        path = os.path.join(root, name)
        if name in files or (truncated and os.path.lexists(path)):
            documents[name], dropped = check_document(name, read_json_document(path, path), path)
            notes.extend(dropped)
            if truncated:
                files.add(name)  # type: ignore[union-attr]
    if GGUF_DOCUMENT in needed and any(name.endswith(".gguf") for name in files):
        header, gguf_notes = folder_document(root, files)  # the rules read GGUF headers: metadata only
        notes.extend(gguf_notes)
        if header is not None:
            documents[GGUF_DOCUMENT] = header
    return Evidence(
        source="folder",
        ref=base,
        files=frozenset(files),
        documents=documents,
        subfolder=subfolder,
        notes=tuple(notes),
    )
