"""Evidence from a local folder (or a cache snapshot): the file list and the JSON documents the rules read.

Only regular files are read (a FIFO named config.json is refused, not waited on), documents are
capped in size and depth, and a subfolder must stay inside the model folder.
"""

from __future__ import annotations

import codecs
import os
import stat

from resolver.errors import EvidenceError
from resolver.evidence.documents import check_document
from resolver.evidence.gguf import GGUF_DOCUMENT, folder_document
from resolver.evidence.model import Evidence
from resolver.support.files import FileTooLarge, NotARegularFile, is_regular_file, read_regular_file, safe_exists
from resolver.support.frozen import new_frozen

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

MAX_FILES = 50_000  # a listing stops here (a note says so); the documents the rules read are read by name
MAX_DOCUMENT_BYTES = 64 << 20  # a JSON document the rules read: configs are kilobytes; 64 MiB is generous
_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}
_POSIX = os.sep == "/" and os.altsep is None  # paths join with "/" alone
PARENT = "../"  # a document path starting so names a file of the model folder's parent


def list_files(
    root: str | os.PathLike, limit: int = MAX_FILES, json_folders: list[str] | None = None
) -> tuple[frozenset[str], bool]:
    """Every file below `root` as a POSIX path relative to it (hidden tool folders skipped, symlinked
    folders not entered, as os.walk does), and whether the listing stopped at `limit` entries.

    The cap holds inside a folder too: a flat folder of millions of entries is not read whole.
    `json_folders`, when given, collects top-level folders named like a JSON document (`config.json/`).
    A folder that cannot be listed lists as empty.

    A plain `os.scandir` walk: one system call per folder and no pathlib objects, since reading the
    folder is most of the cost of resolving one.
    """
    root = os.fspath(root)
    try:
        listing = os.scandir(root)
    except OSError:  # unreadable or not there: listed as empty, like os.walk (a ValueError propagates)
        return frozenset(), False
    return _walk(root, listing, limit, json_folders)


def _walk(root: str, listing: Any, limit: int, json_folders: list[str] | None) -> tuple[frozenset[str], bool]:
    """list_files, from `listing`: `os.scandir(root)` already opened by the caller, who learnt from
    it that `root` is a folder without a stat beforehand."""
    found: list[str] = []
    append = found.append
    stack: list[tuple[str, str]] = []
    prefix, directory = "", root
    while True:
        subdirs = []
        try:
            with listing as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        append(prefix + entry.name)
                        if len(found) > limit:
                            return frozenset(found[:limit]), True
                        continue
                    name = entry.name
                    if name not in _SKIP_DIRS and not entry.is_symlink():
                        subdirs.append(name)
                    if not prefix and json_folders is not None and name.endswith(".json"):
                        json_folders.append(name)
        except OSError:  # unreadable folder: listed as far as it could be, like os.walk; its subfolders are not
            pass
        else:
            if len(found) >= limit:
                return frozenset(found[:limit]), len(found) > limit or bool(subdirs) or bool(stack)
            if subdirs:
                stack.extend(
                    (f"{prefix}{name}/", os.path.join(directory, name)) for name in sorted(subdirs, reverse=True)
                )
        while True:  # the next folder that can be listed; one that cannot lists as empty
            if not stack:
                return frozenset(found), False
            prefix, directory = stack.pop()
            try:
                listing = os.scandir(directory)
                break
            except OSError:
                continue


def read_json_document(path: str | os.PathLike, shown_as: str) -> Any:
    """Parse one JSON file; anything unusable is an EvidenceError that says what and how to fix it."""
    try:
        data = read_regular_file(path, MAX_DOCUMENT_BYTES)
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
    return _parse_json_document(data, shown_as)


class _JSONSettings:
    """json.loads' default decoder settings, as the C scanner reads them from its context object."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


def _json_scanner() -> Any:
    """The C scanner json.loads runs, made straight from `_json`: importing the json package costs a cold
    start its regular expressions (and `re` itself); json is imported only where this fast path gives up."""
    try:
        from _json import make_scanner

        return make_scanner(_JSONSettings())  # type: ignore[arg-type]  # the scanner reads these attributes only
    except ImportError:  # an interpreter without the C accelerator: json's own decoder
        import json

        return json.JSONDecoder().scan_once  # type: ignore[attr-defined]


_scan_json = _json_scanner()


def _parse_json_document(data: bytes, shown_as: str) -> Any:
    """The JSON value of a document's bytes (UTF-8, one leading BOM allowed); EvidenceError otherwise."""
    try:
        # utf-8-sig's decoding (one leading BOM dropped), through the C decoder of plain UTF-8
        text = (data[3:] if data[:3] == codecs.BOM_UTF8 else data).decode("utf-8")
    except UnicodeDecodeError:
        raise EvidenceError(f"{shown_as} is not UTF-8 text", hint="re-save it as UTF-8 JSON") from None
    try:  # a value at the start followed by JSON whitespace only: json.loads' answer, from the scanner alone
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError, RecursionError, SystemError):
        # leading whitespace, a BOM left, or not JSON: json.loads below gives the answer or its error. (The C
        # scanner raises a syntax error as json.decoder's JSONDecodeError, which it finds only if json was
        # imported: before, it fails with SystemError; json.loads imports json and reports the error.)
        pass
    else:
        if end == len(text) or not text[end:].strip(" \t\n\r"):
            return value
    import json  # only for text the fast path above refused: json.loads says what is wrong, or reads it

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
    except ValueError as exc:  # a number json refuses to convert (an integer of over 4,300 digits)
        raise EvidenceError(
            f"{shown_as}: not usable JSON: {exc}",
            hint="check the file, or pass the task explicitly with --task",
        ) from None


_ABSENT: Any = object()


def _parent_document(path: str) -> Any:
    """The JSON value of the model folder's parent's file at `path`; `_ABSENT` when no regular file is
    there (a folder, a FIFO: not a document, as a stat would have said); EvidenceError for one that
    cannot be used. Opened straight away, no stat first: the open says what is there."""
    try:
        data = read_regular_file(path, MAX_DOCUMENT_BYTES)
    except (FileNotFoundError, NotADirectoryError, NotARegularFile):  # nothing there, or a folder, a FIFO, ...
        return _ABSENT
    except (OSError, ValueError):  # anything else: as before, a stat says whether a regular file is there
        if not is_regular_file(path):
            return _ABSENT
        return read_json_document(path, path)
    return _parse_json_document(data, path)


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


class _DocumentPlan:
    """What a set of needed documents asks of a folder, worked out once per set: the parent folder's
    files (`../model_index.json`: their path below the parent, and their name) and the folder's own
    names in name order; `sorted_apart` when every parent document's name sorts before every own one,
    so that reading the parents first and then the own ones keeps the documents in name order."""

    __slots__ = ("parents", "own", "own_order", "sorted_apart")

    def __init__(self, needed: frozenset[str]) -> None:
        self.parents = tuple((name[len(PARENT) :], name) for name in sorted(needed) if name.startswith(PARENT))
        self.own_order = tuple(name for name in sorted(needed) if not name.startswith(PARENT))
        self.own = frozenset(self.own_order)
        self.sorted_apart = not self.parents or not self.own or max(n for _, n in self.parents) < self.own_order[0]


_DOCUMENT_PLANS: dict[frozenset[str], _DocumentPlan] = {}  # per set of documents the rules read (bounded)


def _document_plan(needed: frozenset[str]) -> _DocumentPlan:
    plan = _DOCUMENT_PLANS.get(needed)
    if plan is None:
        plan = _DocumentPlan(needed)
        if len(_DOCUMENT_PLANS) < 64:
            _DOCUMENT_PLANS[needed] = plan
    return plan


def _in_normal_form(path: str) -> bool:
    """An absolute path that os.path.abspath leaves as it is (no `.`, `..`, `//` or trailing `/`)."""
    return path[:1] == "/" and "/." not in path and "//" not in path and path[-1:] != "/"


def _parent_of(root: str) -> str:
    """`os.path.dirname(os.path.abspath(root))`; for an absolute path already in normal form, a string cut."""
    if _in_normal_form(root):
        return root[: root.rfind("/")] or "/"
    return os.path.dirname(os.path.abspath(root))


def _parent_file(root: str, name: str) -> str:
    """`os.path.join(_parent_of(root), name)`; for an absolute root in normal form and a relative name, a string cut."""
    if _POSIX and _in_normal_form(root) and name[:1] != "/":
        return root[: root.rfind("/")] + "/" + name
    return os.path.join(_parent_of(root), name)


def _check_folder(base: str) -> None:
    """EvidenceError unless `base` is a folder."""
    try:
        mode = os.stat(base).st_mode
    except (OSError, ValueError):
        raise EvidenceError(
            f"no such folder: {base}",
            hint="pass a model folder, a cached snapshot or a Hub repo id (org/name)",
        ) from None
    if not stat.S_ISDIR(mode):
        raise EvidenceError(f"{base} is a file, not a model folder", hint="pass the folder that holds config.json")


def _spelled(base: str) -> str:
    """The spelling pathlib gives a folder (examples/m/ -> examples/m), computed only when it differs."""
    if base.endswith(("/", os.sep)) or "//" in base or "/./" in base or base.startswith("./"):
        from pathlib import Path  # a rare spelling: pathlib's import stays off the common path

        return str(Path(base))
    return base


def from_folder(
    folder: str | os.PathLike,
    documents_needed: Iterable[str],
    subfolder: str | None = None,
    skip_broken: bool = False,
    *,
    names: Iterable[str] | None = None,
) -> Evidence:
    """Evidence from a local model folder (optionally one of its subfolders).

    `skip_broken`: a JSON document that cannot be read or parsed is left out with a note instead of
    raising (the caller gave the task, so the answer does not hang on that file).
    `names`: the folder's entries, when the caller has just listed it and found only files in it (no
    folder, no symlink to one: then list_files' answer is exactly these names), so that it is not
    listed again (a batch's --scan lists every folder it walks). With `subfolder` it is a ValueError;
    the caller vouches that `folder` is a folder."""
    needed = documents_needed if isinstance(documents_needed, frozenset) else frozenset(documents_needed)
    base = _spelled(os.path.expanduser(os.fspath(folder)))
    if names is not None:
        if subfolder:
            raise ValueError("from_folder: names= lists `folder` itself and cannot be combined with subfolder=")
        listed = names if type(names) is frozenset else frozenset(names)
        if len(listed) < MAX_FILES:  # at the cap, list_files' own walk says what is kept
            return _evidence(base, base, listed, needed, None, skip_broken)
    if subfolder:
        _check_folder(base)
        from pathlib import Path  # subfolders only: pathlib's import stays off the common path

        if not os.path.isdir(inside(Path(base), subfolder)):
            raise EvidenceError(f"{base} has no subfolder {subfolder!r}", hint="check --subfolder")
        root = os.path.join(base, subfolder)
    else:
        root = base
    # no stat beforehand: listing the folder is what tells a folder from a missing path or a file
    try:
        listing = os.scandir(root)
    except (OSError, ValueError) as error:
        if not subfolder:
            _check_folder(base)  # missing, or a file: the error says so
        if isinstance(error, ValueError):
            raise
        listing = None  # a folder that cannot be listed lists as empty, like any unreadable one
    return _evidence(base, root, listing, needed, subfolder, skip_broken)


def folder_evidence(path: str, documents_needed: Iterable[str], skip_broken: bool = False) -> Evidence | None:
    """`from_folder(path, documents_needed)` for a reference that may instead be a Hub repo id: None
    when nothing exists at `path` (`os.path.exists` would say False), the caller's cue to try the Hub.

    A folder costs no stat: listing it is what tells it from a missing path. Only when the listing
    fails is the path looked at (missing: None; a file, an unlistable folder: from_folder's answer)."""
    base = path if path[:1] != "~" else os.path.expanduser(path)
    root = _spelled(base)
    try:
        listing = os.scandir(root)
    except (OSError, ValueError):
        if not safe_exists(base):
            return None
        return from_folder(base, documents_needed, skip_broken=skip_broken)
    needed = documents_needed if isinstance(documents_needed, frozenset) else frozenset(documents_needed)
    return _evidence(root, root, listing, needed, None, skip_broken)


def _evidence(
    base: str, root: str, listing: Any, needed: frozenset[str], subfolder: str | None, skip_broken: bool
) -> Evidence:
    """The Evidence of the folder `root` (`base`, or its `subfolder`), from `listing` (its open
    `os.scandir`, None for one that cannot be listed, or the frozenset of the names of a folder
    holding only files, below MAX_FILES of them: list_files' answer, already known)."""
    json_folders: list[str] = []
    if listing is None:
        listed: frozenset[str] = frozenset()
        truncated = False
    elif type(listing) is frozenset:
        listed = listing
        truncated = False
    else:
        listed, truncated = _walk(root, listing, MAX_FILES, json_folders)
    for name in json_folders:
        if name in needed:
            raise EvidenceError(
                f"{os.path.join(root, name)} is a folder, not a JSON file: not read",
                hint="replace it with the real JSON file, or pass the task explicitly with --task",
            )
    files: frozenset[str] | set[str] = set(listed) if truncated else listed
    documents = {}
    notes = []
    if truncated:
        notes.append(
            f"the folder holds more than {MAX_FILES:,} files: the listing stopped there "
            "(the documents the rules read were still looked up by name)"
        )
    plan = _document_plan(needed)
    if plan.parents:
        # an absolute root in normal form (_in_normal_form, inline): its parent is a string cut
        normal = _POSIX and root[:1] == "/" and "/." not in root and "//" not in root and root[-1:] != "/"
        parent = root[: root.rfind("/")] if normal else None
    for parent_name, name in plan.parents:
        # the enclosing folder's file: a diffusers component (unet/, vae/) reads its pipeline's model_index.json
        parent_file = (
            parent + "/" + parent_name if parent and parent_name[:1] != "/" else _parent_file(root, parent_name)
        )
        if not os.access(parent_file, os.F_OK):  # nothing there (the usual case): a bool, no exception
            continue
        try:
            value = _parent_document(parent_file)
            if value is _ABSENT:
                continue
            documents[name], _ = check_document(name, value, parent_file)
        except EvidenceError as error:  # not this model's file: a broken one is ignored, not fatal
            notes.append(f"ignored {parent_file}: {error.message}")
    if truncated:  # the listing may lack a document: each is looked up by name
        own: Iterable[str] = [name for name in plan.own_order if os.path.lexists(os.path.join(root, name))]
    else:
        found = plan.own.intersection(files)  # the documents listed: usually config.json alone
        own = found if len(found) < 2 else sorted(found)
    # root + "/" + name is os.path.join's answer for a relative name and a root not ending in "/"
    separator = "/" if _POSIX and not root.endswith("/") else None
    for name in own:
        path = root + separator + name if separator is not None else os.path.join(root, name)
        try:
            documents[name], dropped = check_document(name, read_json_document(path, path), path)
        except EvidenceError as error:
            if not skip_broken:
                raise
            notes.append(f"ignored {path}: {error.message}; resolved with the task given")
            continue
        if dropped:
            notes.extend(dropped)
        if truncated:
            files.add(name)  # type: ignore[union-attr]
    if not plan.sorted_apart and len(documents) > 1:  # a pack's document that sorts before ../: name order
        documents = dict(sorted(documents.items()))
    if GGUF_DOCUMENT in needed and _has_gguf(files):
        header, gguf_notes = folder_document(root, files)  # the rules read GGUF headers: metadata only
        notes.extend(gguf_notes)
        if header is not None:
            documents[GGUF_DOCUMENT] = header
    return new_frozen(
        Evidence,
        {
            "source": "folder",
            "ref": base,
            "files": files if type(files) is frozenset else frozenset(files),
            "documents": documents,
            "hub": {},
            "classes": (),
            "subfolder": subfolder,
            "revision": None,
            "notes": tuple(notes),
        },
    )


def _has_gguf(files: Iterable[str]) -> bool:
    for name in files:
        if name.endswith(".gguf"):
            return True
    return False
