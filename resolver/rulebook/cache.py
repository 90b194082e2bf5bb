"""The compiled-rules cache: parsed, validated rule documents pickled under a key of the files' contents, so a normal run neither parses YAML nor checks schemas."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path

from resolver.errors import Finding, RuleError
from resolver.rulebook.documents import RuleDoc
from resolver.support.about import __version__
from resolver.support.files import read_regular_file
from resolver.support.paths import cache_dir, schema_dir

MAX_CACHE_BYTES = 256 << 20  # a compiled rule set pickles to about 1 MiB
_FORMAT = 1  # bump when the pickled structure changes


def content_key(files: Iterable[tuple[Path, str, int]]) -> str:
    """A hash of everything the compiled rules depend on: package version, schemas, rule files."""
    digest = hashlib.sha256(f"{_FORMAT}:{__version__}".encode())
    for schema in sorted(schema_dir().glob("*.json")):
        digest.update(schema.name.encode())
        digest.update(schema.read_bytes())
    for path, label, pack in files:
        digest.update(f"\0{pack}\0{label}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise RuleError([Finding(label, 1, 1, f"cannot read rule file: {exc.strerror}", "rules-path")]) from None
    return digest.hexdigest()


def _cache_file(key: str) -> Path:
    return cache_dir() / f"rules-{key[:32]}.pickle"


def read_cache(key: str) -> list[RuleDoc] | None:
    """The validated documents for this content hash, or None (no cache, unreadable, stale)."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return None
    try:  # only a regular file: a FIFO or device in the cache file's place is ignored, never waited on
        stored_key, docs = pickle.loads(read_regular_file(_cache_file(key), MAX_CACHE_BYTES))
    except Exception:  # missing, not a regular file, truncated, from another version: just rebuild
        return None
    return docs if stored_key == key else None


def write_cache(key: str, docs: list[RuleDoc]) -> None:
    """Store validated documents; a read-only or missing cache folder is not an error."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return
    target = _cache_file(key)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            pickle.dump((key, docs), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except Exception:  # a read-only cache, a full disk, a pack whose data cannot pickle: run uncached
        try:
            os.unlink(temporary)
        except OSError:
            pass
