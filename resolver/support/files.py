"""Reading files that may be hostile: only regular files, never past a size cap, never blocking.

A FIFO, a socket or a device named like a model file would block `open()`/`read()` forever (or
stream without end), so every file the package reads from a user's folder or cache goes through
`read_regular_file`: it opens without blocking, checks what it opened, and reads at most `limit`.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from typing import BinaryIO

MAX_RULE_FILE_BYTES = 16 << 20  # a rule file larger than this is refused (the largest shipped one is ~100 KiB)


class NotARegularFile(OSError):
    """The path exists but is a FIFO, socket, device or folder: something a model file cannot be."""

    def __init__(self, path: str | os.PathLike, kind: str) -> None:
        super().__init__(f"{os.fspath(path)} is a {kind}, not a regular file")
        self.kind = kind


class FileTooLarge(OSError):
    """The file is larger than the reader's cap."""

    def __init__(self, path: str | os.PathLike, size: int, limit: int) -> None:
        super().__init__(f"{os.fspath(path)} is {size:,} bytes, more than the {limit:,} this reader accepts")
        self.size = size
        self.limit = limit


def file_kind(mode: int) -> str:
    """A word for what a stat mode describes: regular file, folder, FIFO, socket, device, ..."""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def is_regular_file(path: str | os.PathLike) -> bool:
    """True for a regular file (symlinks followed); False for anything else, missing or unreadable paths too."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 20  # a file that grows while being read is read on in chunks of this size


def read_regular_file(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; NotARegularFile / FileTooLarge / OSError otherwise.

    Opened with O_NONBLOCK, so a FIFO in the file's place is refused at once instead of blocking.
    One read of the size fstat gives plus one byte: a short read is the end of a regular file (no
    second read to see it), a full one a file that grew since, read on up to `limit` + 1 bytes.
    """
    descriptor = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(path, file_kind(info.st_mode))
        size = info.st_size
        if size > limit:
            raise FileTooLarge(path, size, limit)
        data = os.read(descriptor, size + 1)
        if len(data) <= size:
            return data
        # it grew (or, as files of /proc do, reports no size): one byte more than allowed tells a file too large
        chunks = [data]
        read = len(data)
        while read <= limit:
            chunk = os.read(descriptor, min(limit + 1 - read, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            read += len(chunk)
        if read > limit:
            raise FileTooLarge(path, read, limit)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def open_regular_file(path: str | os.PathLike) -> BinaryIO:
    """A binary stream on a regular file, opened without blocking; NotARegularFile for a FIFO, device, ...

    For readers that stream a bounded part of a large file (a GGUF header) instead of reading it whole.
    """
    descriptor = os.open(path, _READ_FLAGS)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(path, file_kind(mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_text(path: str | os.PathLike, limit: int, encoding: str = "utf-8") -> str:
    """`read_regular_file` decoded; UnicodeDecodeError for bytes that are not `encoding`."""
    return read_regular_file(path, limit).decode(encoding)


def safe_exists(path: str | os.PathLike) -> bool:
    """`os.path.exists()` that answers False for names the OS rejects (too long, NUL bytes) instead of raising."""
    try:
        return os.path.exists(path)
    except (OSError, ValueError):
        return False
