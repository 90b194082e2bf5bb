"""One folder of a --scan tree, listed: is it a model folder, which of its subfolders belong to it (a
diffusers pipeline's components, a sentence-transformers model's modules), which to enter next, and
its entries when they can stand for the folder reader's own listing. Shared by the walk in the
parent (sources.scan_folders) and the walk in the pool's workers (worker.scan_block)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from resolver.batch.requests import BatchInputError
from resolver.errors import EvidenceError
from resolver.evidence.folder import read_json_document

PIPELINE_FILE = "model_index.json"  # a diffusers pipeline: its components are parts, not models
MODULES_FILE = "modules.json"  # a sentence-transformers model: its module folders are parts of it
WEIGHT_SUFFIXES = (".safetensors", ".gguf")  # a folder holding weights is a model folder even without a config
_SKIP = {"__pycache__", "node_modules"}


def model_markers(documents: Iterable[str]) -> frozenset[str]:
    """The file names that make a folder a model folder: the top-level documents the rules read."""
    names = {name for name in documents if "/" not in name}
    return frozenset(names | {PIPELINE_FILE, MODULES_FILE})


def scan_root(root: str | os.PathLike) -> str:
    """The folder a --scan starts from, spelled as its lines' refs begin; BatchInputError unless it is one."""
    base = Path(root).expanduser()
    if not base.is_dir():
        raise BatchInputError(f"--scan: {base} is not a folder", hint="pass the folder that holds the models")
    return str(base)


class ScanTree:
    """A --scan tree as one item of a batch's requests: the Scheduler has its pool's workers walk it
    (worker.scan_block) and writes its lines where the tree stands among the other inputs."""

    __slots__ = ("root", "markers")

    def __init__(self, root: str | os.PathLike, markers: Iterable[str]) -> None:
        self.root = scan_root(root)
        self.markers = frozenset(markers)


class Looked:
    """One folder of a --scan, listed: the error listing it, whether it is a model folder, the parts of a
    pipeline, the subfolders to enter (joined, the last one first: a stack's order), and its entries
    when it holds files only (from_folder's `names`: a model folder need not be listed twice)."""

    __slots__ = ("error", "model", "parts", "children", "names")

    def __init__(
        self,
        error: EvidenceError | None = None,
        model: bool = False,
        parts: tuple[str, ...] = (),
        children: list[str] | None = None,
        names: frozenset[str] | None = None,
    ) -> None:
        self.error, self.model, self.parts, self.names = error, model, parts, names
        self.children = children if children is not None else []


def look_folder(folder: str, wanted: frozenset[str], *, names: bool = False) -> Looked:
    """List one folder of a --scan (one os.scandir); `names`: also say whether it holds files only, as
    the folder reader's own walk would see them (a symlink to a folder is a folder there)."""
    links = []
    plain = True  # nothing but files (by the scan's look), every entry read without an error
    try:
        with os.scandir(folder) as entries:
            files, folders = [], []
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        plain = False
                        if not entry.name.startswith(".") and entry.name not in _SKIP:
                            folders.append(entry.name)
                    else:
                        files.append(entry.name)
                        if names and entry.is_symlink():
                            links.append(entry)
                except OSError:
                    plain = False
                    continue
    except OSError as exc:
        return Looked(EvidenceError(f"cannot list {folder}: {exc.strerror or exc}", hint="check its permissions"))
    names_set = set(files)
    owned: set[str] = set()
    parts: tuple[str, ...] = ()
    model = bool(names_set & wanted) or any(name.endswith(WEIGHT_SUFFIXES) for name in files)
    if model:
        if PIPELINE_FILE in names_set:
            components = _components(Path(folder) / PIPELINE_FILE)
            owned = components & set(folders)
            parts = tuple(sorted(name for name in owned if os.path.isfile(os.path.join(folder, name, "config.json"))))
        if MODULES_FILE in names_set:
            owned |= _modules(Path(folder) / MODULES_FILE) & set(folders)
    children = [os.path.join(folder, name) for name in sorted(folders, reverse=True) if name not in owned]
    listed = None
    if names and model and plain and not _any_folder(links):
        listed = frozenset(names_set)
    return Looked(None, model, parts, children, listed)


def _any_folder(links: list[os.DirEntry]) -> bool:
    """Whether one of these symlinks leads to a folder (the folder reader's walk asks entry.is_dir())."""
    for link in links:
        try:
            if link.is_dir():
                return True
        except OSError:  # the walk counts it as a file
            continue
    return False


def _components(path: Path) -> set[str]:
    """The component names of a diffusers model_index.json (keys whose value is [library, class])."""
    data = _json(path)
    return {key for key, value in data.items() if not key.startswith("_") and isinstance(value, list)}


def _modules(path: Path) -> set[str]:
    """The module folders of a sentence-transformers modules.json."""
    data = _json(path, want=list)
    found = set()
    for module in data:
        where = module.get("path") if isinstance(module, dict) else None
        if isinstance(where, str) and where.strip("/") and "/" not in where.strip("/"):
            found.add(where.strip("/"))
    return found


def _json(path: Path, want: type = dict) -> Any:
    try:
        data = read_json_document(path, str(path))
    except EvidenceError:
        return want()  # the folder's own resolution reports the broken file
    return data if isinstance(data, want) else want()
