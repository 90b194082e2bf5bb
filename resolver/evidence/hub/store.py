"""Hub settings read from the environment at call time, the HF cache layout, and the metadata cache.

The metadata cache keeps the Hub's model-info answer (plus the JSON documents fetched for it) per
repo and resolved commit sha, in an in-process memo and on disk under the HF assets cache
(`$HF_ASSETS_CACHE` or `$HF_HOME/assets`, folder `task-resolver/hub`). A commit never changes, so a
pinned revision resolves again with no request; `refs/<revision>` remembers which commit a branch
was at, for offline use. Nothing here imports huggingface_hub.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import quote

from resolver.support.files import read_regular_file

DEFAULT_ENDPOINT = "https://huggingface.co"
RECORD_FORMAT = 1
MAX_RECORD_BYTES = 64 << 20  # a record lists a repo's files: megabytes for the largest repos, never more
# The model-info fields a record keeps, and the JSON type each must have.
INFO_TYPES: dict[str, type] = {
    "pipeline_tag": str,
    "library_name": str,
    "transformersInfo": dict,
    "cardData": dict,
    "tags": list,
    "config": dict,
    "gguf": dict,  # the Hub's summary of a repo's GGUF files (architecture, context length, ...)
}
_SHA = re.compile(r"^[0-9a-f]{40}$")
_TRUE = {"1", "on", "yes", "true"}

_MEMO: dict[tuple[str, str, str], dict[str, Any]] = {}  # (metadata dir, repo id, sha) -> record


def is_commit_sha(revision: str | None) -> TypeGuard[str]:
    """True for a full 40-hex commit sha (the only kind of revision that cannot move)."""
    return revision is not None and bool(_SHA.match(revision))


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _hf_home() -> Path:
    explicit = os.environ.get("HF_HOME")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "huggingface"


@dataclass(frozen=True)
class HubSettings:
    """Where to ask, where to cache, and whether to ask at all: read per call, never at import."""

    endpoint: str
    cache_dir: Path  # the HF hub cache (models--org--name/{refs,snapshots,blobs})
    meta_dir: Path  # this package's metadata cache
    offline: bool
    offline_reason: str = ""

    @classmethod
    def from_env(cls, *, cache_dir: str | os.PathLike | None = None, offline: bool | None = None) -> HubSettings:
        """Settings from explicit arguments, then HF_ENDPOINT, HF_HUB_CACHE, HF_HOME, HF_HUB_OFFLINE."""
        endpoint = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).strip().rstrip("/")
        if cache_dir is not None:
            hub_cache = Path(cache_dir).expanduser()
        else:
            named = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
            hub_cache = Path(named).expanduser() if named else _hf_home() / "hub"
        assets = os.environ.get("HF_ASSETS_CACHE")
        meta_dir = (Path(assets).expanduser() if assets else _hf_home() / "assets") / "task-resolver" / "hub"
        reason = ""
        if offline:
            reason = "offline mode is on (--offline)"
        elif offline is None:
            if _env_flag("HF_HUB_OFFLINE"):
                reason = "offline mode is on (HF_HUB_OFFLINE=1)"
            else:
                constants = sys.modules.get("huggingface_hub.constants")  # already imported: honour it
                if constants is not None and getattr(constants, "HF_HUB_OFFLINE", False):
                    reason = "offline mode is on (HF_HUB_OFFLINE)"
        return cls(endpoint, hub_cache, meta_dir, bool(reason), reason)


def repo_folder(repo_id: str) -> str:
    """The cache folder name huggingface_hub uses for a model repo."""
    return "models--" + repo_id.replace("/", "--")


# ------------------------------------------------------------------ the HF cache (read only)


def snapshot_dir(settings: HubSettings, repo_id: str, sha: str) -> Path:
    """`<hub cache>/models--org--name/snapshots/<sha>` (it may not exist)."""
    return settings.cache_dir / repo_folder(repo_id) / "snapshots" / sha


def cached_commit(settings: HubSettings, repo_id: str, revision: str) -> str | None:
    """The commit a revision was at when last seen online: the newer of our ref and the HF cache's ref."""
    if is_commit_sha(revision):
        return revision
    found: list[tuple[float, str]] = []
    for path in (
        settings.meta_dir / repo_folder(repo_id) / "refs" / quote(revision, safe=""),
        settings.cache_dir / repo_folder(repo_id) / "refs" / revision,
    ):
        try:
            sha = read_regular_file(path, 1024).decode("utf-8").strip()
            mtime = path.stat().st_mtime
        except (OSError, ValueError):
            continue
        if is_commit_sha(sha):
            found.append((mtime, sha))
    return max(found)[1] if found else None


# ------------------------------------------------------------------ the metadata cache


def _record_path(settings: HubSettings, repo_id: str, sha: str) -> Path:
    return settings.meta_dir / repo_folder(repo_id) / "info" / f"{sha}.json"


def load_record(settings: HubSettings, repo_id: str, sha: str) -> dict[str, Any] | None:
    """The cached model-info record for (repo, commit): memo first, then disk; None when absent or unusable."""
    return read_record(settings, repo_id, sha)[0]


def read_record(settings: HubSettings, repo_id: str, sha: str) -> tuple[dict[str, Any] | None, str | None]:
    """The cached record and, when a file was there but cannot be used, a sentence saying why it was ignored.

    Only a regular file is read (a FIFO in its place would block), at most MAX_RECORD_BYTES, and
    the record must have the shape save_record writes; the file itself is never changed here.
    """
    key = (str(settings.meta_dir), repo_id, sha)
    record = _MEMO.get(key)
    if record is not None:
        return record, None
    path = _record_path(settings, repo_id, sha)
    try:
        record = json.loads(read_regular_file(path, MAX_RECORD_BYTES))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, RecursionError) as exc:  # unreadable, not a file, too large, not UTF-8 JSON
        return None, _ignored(path, f"cannot be read as JSON ({type(exc).__name__})")
    problem = record_problem(record, repo_id, sha)
    if problem is not None:
        return None, _ignored(path, problem)
    _MEMO[key] = record
    return record, None


def _ignored(path: Path, problem: str) -> str:
    return f"metadata cache: ignored {path.name} of {path.parent.parent.name}: {problem}"


def record_problem(record: Any, repo_id: str, sha: str) -> str | None:
    """What is wrong with a cached record (None when it has the shape save_record writes)."""
    if not isinstance(record, dict):
        return f"not a JSON object but {_kind(record)}"
    if record.get("format") != RECORD_FORMAT:
        return f"format {record.get('format')!r}, not {RECORD_FORMAT} (another version wrote it)"
    if record.get("sha") != sha:
        return "its commit sha is not the one in its file name"
    if record.get("repo_id", repo_id) != repo_id:
        return f"it describes another repo ({record.get('repo_id')!r})"
    siblings = record.get("siblings")
    if not isinstance(siblings, list) or not all(isinstance(name, str) for name in siblings):
        return f"siblings is {_kind(siblings)}, not a list of file names"
    info = record.get("info")
    if not isinstance(info, dict):
        return f"info is {_kind(info)}, not an object"
    for name, kind in INFO_TYPES.items():
        if name in info and not isinstance(info[name], kind):
            return f"info.{name} is {_kind(info[name])}, not {_kind(kind())}"
    documents = record.get("documents", {})
    if not isinstance(documents, dict):
        return f"documents is {_kind(documents)}, not an object"
    for name, document in documents.items():
        if not isinstance(document, dict):
            return f"documents[{name!r}] is {_kind(document)}, not a JSON object"
    return None


def _kind(value: Any) -> str:
    """A JSON word for a value's type: null, a boolean, a number, a string, a list, an object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def save_record(settings: HubSettings, repo_id: str, record: dict[str, Any], revision: str | None) -> None:
    """Memoise and persist a record, and remember `revision` -> its commit; a read-only cache is not an error."""
    sha = record["sha"]
    _MEMO[(str(settings.meta_dir), repo_id, sha)] = record
    try:
        _write_atomic(_record_path(settings, repo_id, sha), json.dumps(record, sort_keys=True))
        if revision and not is_commit_sha(revision):
            _write_atomic(settings.meta_dir / repo_folder(repo_id) / "refs" / quote(revision, safe=""), sha)
    except OSError:
        pass


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def clear_memo() -> None:
    """Forget the in-process memo (tests; long-running processes that want fresh metadata)."""
    _MEMO.clear()
