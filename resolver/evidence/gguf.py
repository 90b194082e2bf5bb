"""The metadata of GGUF files (llama.cpp's single-file format), read from the header without the tensors.

A GGUF file starts with `GGUF`, a version (2 or 3), the tensor count, the metadata count, then the
metadata as (key, type, value) records; the tensor index and the tensors follow, and are never read.
This reader streams the records through a small buffer with every length checked against a bound,
skips what it does not keep (a tokenizer's vocabulary arrays) and stops at the tokenizer's keys, which
converters write after the model's own: a multi-GB file's header reads in well under a millisecond of
I/O. A file that is not GGUF, is truncated or declares absurd sizes is an EvidenceError, never a
crash or a hang.

`folder_document(root, files)` turns the GGUF files of a model folder into plain facts
(`GGUF_DOCUMENT`, a JSON-like mapping) that the rules read with `json:` conditions:

    {"architecture": "nomic-bert", "type": "model", "pooling_type": 1, "causal": false,
     "classifier_labels": 0, "files": {"model.Q4_K_M.gguf": {...}, ...}, "types": ["model"]}

The resolve path imports only the standard library here (not llama.cpp's gguf package).
"""

from __future__ import annotations

import os
from _collections_abc import Mapping  # what collections.abc re-exports, without importing all of collections

from resolver.errors import EvidenceError
from resolver.support.files import NotARegularFile, open_regular_file

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    import struct
    from collections.abc import Iterable
    from pathlib import Path
    from typing import IO, Any
else:  # struct.py only re-exports the C module: one import fewer at start-up
    import _struct as struct

GGUF_DOCUMENT = "gguf:header.json"  # the facts of a folder's GGUF files, as a document (no real file is so named)
MAGIC = b"GGUF"
VERSIONS = (2, 3)
MAX_RECORDS = 100_000  # metadata records a header may declare
MAX_KEY = 64 * 1024  # bytes in a key
MAX_STRING = 16 * 1024 * 1024  # bytes in one string value (chat templates are kilobytes)
MAX_ARRAY = 16 * 1024 * 1024  # entries in one array (vocabularies are ~10^5)
MAX_HEADER = 256 * 1024 * 1024  # bytes of metadata read before giving up
MAX_FILES = 16  # GGUF files of one folder read (quantisations of one model say the same)
KEEP_ARRAY = 64  # arrays up to this long are kept whole; longer ones only by their length
STOP_PREFIX = "tokenizer."  # converters write the tokenizer last: nothing the rules read follows it

# value type -> struct format (fixed-size scalars)
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


class _Reader:
    """Bounded little- (or big-) endian reads from a binary stream."""

    def __init__(self, stream: IO[bytes], shown: str):
        self.stream = stream
        self.shown = shown
        self.order = "<"
        self.consumed = 0

    def bytes(self, count: int) -> bytes:
        self.consumed += count
        if self.consumed > MAX_HEADER:
            raise EvidenceError(f"{self.shown}: GGUF metadata larger than {MAX_HEADER} bytes; not read further")
        data = self.stream.read(count)
        if len(data) != count:
            raise EvidenceError(f"{self.shown}: truncated GGUF header", hint="re-download the file")
        return data

    def skip(self, count: int) -> None:
        self.consumed += count
        if self.consumed > MAX_HEADER:
            raise EvidenceError(f"{self.shown}: GGUF metadata larger than {MAX_HEADER} bytes; not read further")
        self.stream.seek(count, 1)

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        return struct.unpack(self.order + fmt, self.bytes(size))[0]

    def length(self, limit: int, what: str) -> int:
        value = int(self.scalar("Q"))
        if value > limit:
            raise EvidenceError(f"{self.shown}: GGUF {what} of {value} exceeds the bound {limit}: not a sane header")
        return value

    def string(self, limit: int = MAX_STRING) -> str:
        data = self.bytes(self.length(limit, "string length"))
        return data.decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool) -> Any:
        if kind in _SCALARS:
            return self.scalar(_SCALARS[kind])
        if kind == _STRING:
            if keep:
                return self.string()
            self.skip(self.length(MAX_STRING, "string length"))
            return None
        if kind == _ARRAY:
            item = int(self.scalar("I"))
            count = self.length(MAX_ARRAY, "array length")
            if item == _ARRAY:
                raise EvidenceError(f"{self.shown}: nested GGUF arrays are not supported")
            if item in _SCALARS and not (keep and count <= KEEP_ARRAY):
                self.skip(count * struct.calcsize(_SCALARS[item]))
                return {"length": count}
            if item not in _SCALARS and item != _STRING:
                raise EvidenceError(f"{self.shown}: unknown GGUF value type {item}")
            if keep and count <= KEEP_ARRAY:
                return [self.value(item, True) for _ in range(count)]
            for _ in range(count):
                self.skip(self.length(MAX_STRING, "string length"))
            return {"length": count}
        raise EvidenceError(f"{self.shown}: unknown GGUF value type {kind}")


def read_metadata(path: str | Path, *, shown: str | None = None) -> dict[str, Any]:
    """The metadata records of a GGUF file's header (key -> value), up to the tokenizer's.

    Long arrays come back as `{"length": n}`. Raises EvidenceError when the file is not GGUF, is
    truncated, or declares sizes past the bounds above.
    """
    shown = shown or str(path)
    try:
        with open_regular_file(path) as stream:  # a FIFO named *.gguf is refused, not waited on
            return _read(_Reader(stream, shown))
    except NotARegularFile as exc:
        raise EvidenceError(f"{shown} is a {exc.kind}, not a regular file: not read") from None
    except OSError as exc:
        raise EvidenceError(f"cannot read {shown}: {exc.strerror}") from None
    except (struct.error, ValueError) as exc:  # a value that does not unpack: the header is corrupt
        raise EvidenceError(f"{shown}: malformed GGUF header ({exc})") from None


def _read(reader: _Reader) -> dict[str, Any]:
    magic = reader.stream.read(4)
    reader.consumed = 4
    if magic != MAGIC:
        raise EvidenceError(
            f"{reader.shown} is not a GGUF file (it starts with {magic[:4]!r}, not {MAGIC!r})",
            hint="an empty or partly downloaded file reads so; re-download it",
        )
    raw = reader.bytes(4)
    version = struct.unpack("<I", raw)[0]
    if version not in VERSIONS and struct.unpack(">I", raw)[0] in VERSIONS:
        reader.order, version = ">", struct.unpack(">I", raw)[0]  # a big-endian file
    if version not in VERSIONS:
        raise EvidenceError(f"{reader.shown}: GGUF version {version} is not supported (only 2 and 3)")
    reader.scalar("Q")  # tensor count: the tensors are not read
    records = reader.length(MAX_RECORDS, "metadata count")
    metadata: dict[str, Any] = {"GGUF.version": version}
    for _ in range(records):
        key = reader.string(MAX_KEY)
        if key.startswith(STOP_PREFIX):
            break
        kind = int(reader.scalar("I"))
        metadata[key] = reader.value(kind, keep=True)
    return metadata


def summary(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """What the rules read of one file's metadata: architecture, type, pooling, causality, labels."""
    arch = metadata.get("general.architecture")
    arch = arch if isinstance(arch, str) else None
    kind = metadata.get("general.type")
    if not isinstance(kind, str):
        # files written before general.type: a LoRA says adapter.type, a projector is a CLIP model
        kind = "adapter" if "adapter.type" in metadata else "mmproj" if arch == "clip" else "model"
    facts: dict[str, Any] = {"architecture": arch, "type": kind}
    for name in ("general.name", "general.basename", "general.size_label", "general.file_type"):
        if name in metadata:
            facts[name.split(".", 1)[1]] = metadata[name]
    if arch:
        for field, key in (
            ("pooling_type", f"{arch}.pooling_type"),
            ("causal", f"{arch}.attention.causal"),
            ("context_length", f"{arch}.context_length"),
        ):
            if key in metadata:
                facts[field] = metadata[key]
        labels = metadata.get(f"{arch}.classifier.output_labels")
        if isinstance(labels, list):
            facts["classifier_labels"] = len(labels)
        elif isinstance(labels, Mapping):
            facts["classifier_labels"] = labels.get("length", 0)
    if "adapter.type" in metadata:
        facts["adapter_type"] = metadata["adapter.type"]
    return facts


def folder_document(root: str | Path, files: Iterable[str]) -> tuple[dict[str, Any] | None, list[str]]:
    """(GGUF_DOCUMENT's content, notes) for the `.gguf` files among `files` (paths relative to `root`).

    The document's top-level facts are those of the first model file (not a projector or adapter), by
    name; `files` holds each file's summary and `types` the kinds present. A file that cannot be read
    is a note, not an error: None when no file could be read.
    """
    names = sorted(name for name in files if name.endswith(".gguf"))
    notes: list[str] = []
    read: dict[str, dict[str, Any]] = {}
    for name in names[:MAX_FILES]:
        try:
            read[name] = summary(read_metadata(os.path.join(root, name), shown=name))
        except EvidenceError as error:
            notes.append(f"GGUF header of {name} not read: {error.message}")
    if len(names) > MAX_FILES:
        notes.append(f"read the GGUF headers of {MAX_FILES} of {len(names)} files")
    if not read:
        return None, notes
    models = [facts for facts in read.values() if facts["type"] == "model"]
    main = dict(models[0] if models else next(iter(read.values())))
    main["files"] = read
    main["types"] = sorted({facts["type"] for facts in read.values()})
    return main, notes
