"""The compiled-rules cache: the compiled rules pickled whole under a key of the files' contents, so a normal run neither parses YAML, checks schemas nor compiles anything: it unpickles.

A warm start does not even read the rule files: an index keyed on what they look like on disk
(names, sizes, modification and change times, inodes, as Python trusts a .pyc's source by its
mtime and size) names the content key of the compiled rules last built from them. Any change to a
rule file or schema changes its times, so the index misses and the contents are read and hashed;
files changed in the last two seconds are always hashed (their times may not have moved yet).
"""

from __future__ import annotations

import gc
import os
import stat
import time

from resolver.errors import Finding, RuleError
from resolver.rulebook.documents import RULE_SUFFIXES
from resolver.support.about import __version__
from resolver.support.files import MAX_RULE_FILE_BYTES, FileTooLarge, NotARegularFile, read_regular_file
from resolver.support.paths import cache_dir, schema_dir

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from hashlib import sha256
    from pathlib import Path
    from pickle import dumps, loads
    from typing import Any

    from resolver.rulebook.compiled import CompiledRules

    RuleFile = tuple[Path, str, int]  # (path, label, pack index), as documents.gather gives them
else:  # the same SHA-256 without hashlib, whose import loads OpenSSL (~5 ms of a cold start)
    try:
        from _sha256 import sha256  # CPython <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # CPython >= 3.12
        except ImportError:
            from hashlib import sha256

    def _c_pickle() -> tuple[Any, Any]:
        """(dumps, loads) of the C pickler, imported without pickle.py (its regular expressions) and,
        in a process that has not imported functools yet, without functools either.

        _pickle's module set-up imports functools for one name, `partial`, which is `_functools.partial`
        itself; functools imports collections, and the two are a tenth of a cold start's work. So while
        _pickle is imported, and only then, `sys.modules` holds a stand-in with that one name. A process
        with threads has imported functools already (threading imports it): then nothing is stood in.
        """
        import sys

        stand_in = None
        if "functools" not in sys.modules:
            from _functools import partial

            stand_in = type(sys)("functools")
            stand_in.partial = partial
            sys.modules["functools"] = stand_in
        try:
            from _pickle import dumps, loads
        except ImportError:
            from pickle import dumps, loads
        finally:
            if stand_in is not None and sys.modules.get("functools") is stand_in:
                del sys.modules["functools"]
        return dumps, loads

    dumps, loads = _c_pickle()

MAX_CACHE_BYTES = 256 << 20  # a compiled rule set pickles to about 1 MiB
MAX_NOTE_BYTES = 1 << 20  # an index or a list of entry points: a few lines
# Files changed this recently are hashed, not looked up by their times: file times advance in clock
# ticks, so a second edit of the same size within a tick of the first would leave them as they were.
RECENT_NS = 2_000_000_000
_FORMAT = 3  # bump when the pickled structure changes (2: the compiled rules themselves; 3: the packed generated table)


KEY_CHARS = 32  # of a key's hex digits in a cache file's name
RULES_KIND, RULES_SUFFIX = "rules-", ".pickle"  # the compiled rules' files: rules-<key>.pickle
KEEP_FILES = 8  # of each kind (rules-*.pickle, index-*, entry-points-*): every edit or install writes one
STALE_TEMPORARY_NS = 3600 * 10**9  # a temporary file this old was left by a writer that was killed


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
    folder = schema_dir()
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".json")):
        digest.update(name.encode())
        with open(os.path.join(folder, name), "rb") as handle:
            digest.update(handle.read())
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


def _cache_file(key: str) -> str:
    return os.path.join(cache_dir(), f"{RULES_KIND}{key[:KEY_CHARS]}{RULES_SUFFIX}")


def disk_key(roots: Sequence[tuple[str, int]]) -> str | None:
    """A hash of how the rule files of `roots` (as documents.rule_roots gives them) and the schemas
    look on disk: names, sizes, times, inodes. None when a root cannot be listed (the full load says why)."""
    from resolver.rulebook.compiled import layout_fingerprint

    digest = sha256(f"{_FORMAT}:{__version__}:{layout_fingerprint()}".encode())
    try:
        newest = 0
        for root, pack in roots:
            digest.update(f"\0{pack}\0{os.path.abspath(root)}\0".encode())
            newest = max(newest, _digest_folder(digest, root, RULE_SUFFIXES))
        digest.update(b"\0schemas\0")
        newest = max(newest, _digest_folder(digest, schema_dir(), (".json",)))
    except (OSError, ValueError):
        return None
    if newest > time.time_ns() - RECENT_NS:  # just written: a second write in the same clock tick would look the same
        return None
    return digest.hexdigest()


def _digest_folder(digest: Any, root: str, suffixes: tuple[str, ...]) -> int:
    """Fold the name and stat of each regular file of `root` with one of `suffixes` (or of `root` itself,
    a file) into `digest`; the newest modification or change time among them."""
    found = os.stat(root)
    if not stat.S_ISDIR(found.st_mode):
        entries = [(os.path.basename(root), found)]
    else:
        entries = []
        with os.scandir(root) as listing:
            for entry in listing:
                if entry.name.endswith(suffixes):
                    info = entry.stat()  # the target of a symlink, as the loader reads it
                    if stat.S_ISREG(info.st_mode):
                        entries.append((entry.name, info))
        entries.sort()
    newest = 0
    for name, info in entries:
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}\0".encode())
        newest = max(newest, info.st_mtime_ns, info.st_ctime_ns)
    return newest


def _note_file(kind: str, key: str) -> str:
    return os.path.join(cache_dir(), f"{kind}{key[:KEY_CHARS]}")


def read_note(kind: str, key: str) -> str | None:
    """The text the small cache file of `kind` (a name prefix: "index-") holds for `key` (its first
    line), or None: missing, unreadable, written for another key, or caching is off."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return None
    try:
        text = read_regular_file(_note_file(kind, key), MAX_NOTE_BYTES).decode("utf-8")
    except Exception:  # missing, unreadable, not a regular file, not ours: the caller works it out
        return None
    stored, _, payload = text.partition("\n")
    return payload if stored == key else None


def write_note(kind: str, key: str, payload: str) -> None:
    """Keep `payload` for `key` in a small cache file of `kind`; a read-only cache is not an error."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return
    _write_atomically(_note_file(kind, key), f"{key}\n{payload}".encode())
    prune(kind, "")


def read_index(disk: str) -> str | None:
    """The content key of the compiled rules last built from the rule files as `disk` saw them, or None."""
    key = read_note("index-", disk)
    return key if key is not None and len(key) == 64 else None


def write_index(disk: str, key: str) -> None:
    """Record the content key of the rule files as `disk` saw them."""
    write_note("index-", disk, key)


def prune(kind: str, suffix: str) -> None:
    """Remove all but the KEEP_FILES newest cache files named `kind` + key + `suffix`, and temporary
    files of that kind left over STALE_TEMPORARY_NS ago: nothing else would ever remove them. Only
    names this cache writes are touched, so a shared $TASK_RESOLVER_CACHE folder loses nothing else."""
    kept: list[tuple[int, str]] = []
    stale: list[str] = []
    oldest_live = time.time_ns() - STALE_TEMPORARY_NS
    try:
        with os.scandir(cache_dir()) as listing:
            for entry in listing:
                shape = _cache_name_shape(entry.name, kind, suffix)
                if shape is None or not entry.is_file(follow_symlinks=False):
                    continue
                written = entry.stat(follow_symlinks=False).st_mtime_ns
                if shape == "file":
                    kept.append((written, entry.path))
                elif written < oldest_live:
                    stale.append(entry.path)
    except OSError:  # no cache folder, or one that cannot be listed: nothing to tidy
        return
    kept.sort(reverse=True)
    for path in stale + [path for _, path in kept[KEEP_FILES:]]:
        try:
            os.unlink(path)
        except OSError:  # gone already (another process pruned it), or a read-only folder
            pass


def _cache_name_shape(name: str, kind: str, suffix: str) -> str | None:
    """What `name` is to this cache: "file" (`kind` + KEY_CHARS hex digits + `suffix`), "temporary"
    (that + ".<pid>.tmp", as _write_atomically names it), or None (not one of this cache's files)."""
    if not name.startswith(kind):
        return None
    key = name[len(kind) : len(kind) + KEY_CHARS]
    rest = name[len(kind) + KEY_CHARS :]
    if len(key) != KEY_CHARS or key.strip("0123456789abcdef") or not rest.startswith(suffix):
        return None
    rest = rest[len(suffix) :]
    if not rest:
        return "file"
    pid, dot, tail = rest[1:].partition(".")
    return "temporary" if rest[:1] == "." and pid.isdigit() and dot and tail == "tmp" else None


def hex_digest(text: str) -> str:
    """The SHA-256 of `text`, in hex (without importing hashlib)."""
    return sha256(text.encode()).hexdigest()


def _write_atomically(target: str, data: bytes) -> None:
    """Write `target` through a temporary file and a rename, so a reader sees all of it or none."""
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError:  # a read-only cache, a full disk: run uncached
        try:
            os.unlink(temporary)
        except OSError:
            pass


def read_cache(key: str) -> CompiledRules | None:
    """The compiled rules for this content hash, or None (no cache, unreadable, stale)."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return None
    collecting = gc.isenabled()
    gc.disable()  # unpickling makes thousands of long-lived containers: collections in between find nothing
    try:  # only a regular file: a FIFO or device in the cache file's place is ignored, never waited on
        stored_key, rules = loads(read_regular_file(_cache_file(key), MAX_CACHE_BYTES))
    except Exception:  # missing, not a regular file, truncated, from another version: just rebuild
        return None
    finally:
        if collecting:
            gc.enable()
    if stored_key != key or type(rules).__name__ != "CompiledRules":
        return None
    return rules


def write_cache(key: str, rules: Any) -> None:
    """Store compiled rules; a read-only or missing cache folder is not an error."""
    if os.environ.get("TASK_RESOLVER_NO_CACHE"):
        return
    try:
        data = dumps((key, rules), protocol=-1)
    except Exception:  # a pack whose data cannot pickle: run uncached
        return
    _write_atomically(_cache_file(key), data)
    prune(RULES_KIND, RULES_SUFFIX)
