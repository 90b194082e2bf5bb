"""The compiled-rules cache: the compiled rules pickled whole under a key of the files' contents, so a normal run neither parses YAML, checks schemas nor compiles anything: it unpickles."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from resolver.errors import Finding, RuleError
from resolver.support.about import __version__
from resolver.support.files import MAX_RULE_FILE_BYTES, FileTooLarge, NotARegularFile, read_regular_file
from resolver.support.paths import cache_dir, schema_dir

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from hashlib import sha256
    from typing import Any

    from resolver.rulebook.compiled import CompiledRules
else:  # the same SHA-256 without hashlib, whose import loads OpenSSL (~5 ms of a cold start)
    try:
        from _sha256 import sha256  # CPython <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # CPython >= 3.12
        except ImportError:
            from hashlib import sha256

MAX_CACHE_BYTES = 256 << 20  # a compiled rule set pickles to about 1 MiB
_FORMAT = 2  # bump when the pickled structure changes (2: the compiled rules themselves, not the documents)

RuleFile = tuple[Path, str, int]  # (path, label, pack index), as documents.gather gives them


def read_rule_files(files: Iterable[RuleFile]) -> list[bytes]:
    """The bytes of every rule file, read once: the key, the stamp check and the parser all see these bytes."""
    contents = []
    for path, label, _ in files:
        try:
            contents.append(read_regular_file(path, MAX_RULE_FILE_BYTES))
        except (NotARegularFile, FileTooLarge) as exc:
            raise RuleError([Finding(label, 1, 1, f"not read: {exc}", "rules-path")]) from None
        except OSError as exc:
            raise RuleError([Finding(label, 1, 1, f"cannot read rule file: {exc.strerror}", "rules-path")]) from None
    return contents


def schema_digest() -> bytes:
    """A hash of every JSON Schema (names and bytes): what validation checked the rules against."""
    digest = sha256()
    for schema in sorted(schema_dir().glob("*.json")):
        digest.update(schema.name.encode())
        digest.update(schema.read_bytes())
    return digest.digest()


def content_key(files: Sequence[RuleFile], contents: Sequence[bytes] | None = None) -> str:
    """A hash of everything the compiled rules depend on: package version, schemas, rule files."""
    if contents is None:
        contents = read_rule_files(files)
    from resolver.rulebook.compiled import layout_fingerprint

    digest = sha256(f"{_FORMAT}:{__version__}:{layout_fingerprint()}".encode())
    digest.update(schema_digest())
    for (_, label, pack), raw in zip(files, contents, strict=True):
        digest.update(f"\0{pack}\0{label}\0".encode())
        digest.update(raw)
    return digest.hexdigest()


def _cache_file(key: str) -> Path:
    return cache_dir() / f"rules-{key[:32]}.pickle"


def read_cache(key: str) -> CompiledRules | None:
    """The compiled rules for this content hash, or None (no cache, unreadable, stale)."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return None
    try:  # only a regular file: a FIFO or device in the cache file's place is ignored, never waited on
        stored_key, rules = pickle.loads(read_regular_file(_cache_file(key), MAX_CACHE_BYTES))
    except Exception:  # missing, not a regular file, truncated, from another version: just rebuild
        return None
    if stored_key != key or type(rules).__name__ != "CompiledRules":
        return None
    return rules


def write_cache(key: str, rules: Any) -> None:
    """Store compiled rules; a read-only or missing cache folder is not an error."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return
    target = _cache_file(key)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        data = pickle.dumps((key, rules), protocol=pickle.HIGHEST_PROTOCOL)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except Exception:  # a read-only cache, a full disk, a pack whose data cannot pickle: run uncached
        try:
            os.unlink(temporary)
        except OSError:
            pass
