"""Evidence: the plain facts about a model, gathered once by the only code that does I/O.

Everything the engine needs is here (file list, parsed JSON documents, Hub metadata, class
hierarchy), so resolving evidence is pure and can be tested with dicts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EvidenceError
from .frozen import new_frozen

MAX_FILES = 50_000  # a model folder with more entries than this is listed partially
_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}
PARENT = "../"  # a document path starting so names a file of the model folder's parent


@dataclass(frozen=True)
class Evidence:
    """Facts about one model reference. `documents` maps a path (relative to the model root) to parsed JSON."""

    source: str  # folder | hub | cache | object | class | evidence
    ref: str | None = None
    files: frozenset[str] = frozenset()
    documents: Mapping[str, Any] = field(default_factory=dict)
    hub: Mapping[str, Any] = field(default_factory=dict)
    # (name, module): the class, then its bases (MRO); from a class object, a ClassChain read on demand
    classes: Sequence[tuple[str, str]] = ()
    subfolder: str | None = None
    revision: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def config(self) -> Mapping[str, Any]:
        config = self.documents.get("config.json")
        return config if isinstance(config, Mapping) else {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        """Evidence from plain data, e.g. `{"config": {...}, "files": [...], "hub": {...}, "class": "X"}`."""
        documents = dict(data.get("documents") or {})
        if data.get("config") is not None:
            documents["config.json"] = data["config"]
        files = set(data.get("files") or ())
        files.update(documents)
        classes: tuple[tuple[str, str], ...] = ()
        if data.get("class"):
            classes = ((data["class"], data.get("module", "")),)
        if data.get("architecture"):  # an architecture beside a config snippet goes into that config
            config = dict(documents.get("config.json") or {})
            config.setdefault("architectures", [data["architecture"]])
            documents["config.json"] = config
            files.add("config.json")
        return cls(
            source=data.get("source", "evidence"),
            ref=data.get("ref"),
            files=frozenset(files),
            documents=documents,
            hub=dict(data.get("hub") or {}),
            classes=classes,
            subfolder=data.get("subfolder"),
        )


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


def class_chain(cls: type) -> tuple[tuple[str, str], ...]:
    """(name, module) for a class and every base in method resolution order, `object` left out."""
    return tuple([(c.__name__, c.__module__) for c in cls.__mro__ if c is not object])


class ClassChain(Sequence[tuple[str, str]]):
    """`class_chain(cls)`, read from the class as far as it is used.

    Finding the task of a model class usually needs its own name only (the first entry the
    architecture tables know); the whole chain of (name, module) pairs is built on the first
    access that needs all of it. Compares, hashes and pickles as the tuple.
    """

    __slots__ = ("_mro", "_pairs")

    def __init__(self, cls: type):
        mro = cls.__mro__
        self._mro = mro[:-1] if mro[-1] is object else mro
        self._pairs: tuple[tuple[str, str], ...] | None = None

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The whole chain as a tuple."""
        if self._pairs is None:
            self._pairs = tuple([(c.__name__, c.__module__) for c in self._mro])
        return self._pairs

    def __len__(self) -> int:
        return len(self._mro)

    def __getitem__(self, index):  # type: ignore[override]
        if self._pairs is None and type(index) is int:
            cls = self._mro[index]
            return (cls.__name__, cls.__module__)
        return self.pairs()[index]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        if self._pairs is not None:
            return iter(self._pairs)
        return ((cls.__name__, cls.__module__) for cls in self._mro)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClassChain):
            return self.pairs() == other.pairs()
        return isinstance(other, tuple) and self.pairs() == other

    def __hash__(self) -> int:
        return hash(self.pairs())

    def __repr__(self) -> str:
        return repr(self.pairs())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.pairs(),))


_NO_FILES: frozenset[str] = frozenset()


def from_object(obj: Any) -> Evidence:
    """Evidence from a loaded model object or a model class: its class hierarchy and its config."""
    is_class = isinstance(obj, type)
    cls = obj if is_class else type(obj)
    documents: dict[str, Any] = {}
    config = None if is_class else getattr(obj, "config", None)
    if config is not None:
        as_dict = config.to_dict() if hasattr(config, "to_dict") else config
        if isinstance(as_dict, Mapping):
            documents["config.json"] = dict(as_dict)
    return new_frozen(
        Evidence,
        {
            "source": "class" if is_class else "object",
            "ref": f"{cls.__module__}.{cls.__qualname__}",
            "files": frozenset(documents) if documents else _NO_FILES,
            "documents": documents,
            "hub": {},
            "classes": ClassChain(cls),
            "subfolder": None,
            "revision": None,
            "notes": (),
        },
    )
