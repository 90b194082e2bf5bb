"""The batch's output side: the output file (written a whole line at a time, flushed, so a killed run
loses nothing it reported), --resume (what the file already answers), the progress bar and the summary."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import IO, Any

from resolver.batch.requests import echo_key
from resolver.batch.worker import CSV_COLUMNS, Outcome, SummaryKey, summary_key

FLUSH_LINES = 256  # lines ready together go out in one write, at most this many


def header(shape: str) -> str:
    """The CSV header line ("" for JSON lines)."""
    if shape != "csv":
        return ""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(CSV_COLUMNS)
    return buffer.getvalue()


def answered(path: str | os.PathLike, shape: str) -> Counter[tuple[str, str]]:
    """The requests an output file already answers (keys as Request.key() makes them, with their counts).

    A last line without its newline (a run killed while writing it) is cut off the file first, so the
    request it was for is done again, once.
    """
    done: Counter[tuple[str, str]] = Counter()
    try:
        with open(path, "rb+") as handle:
            data = handle.read()
            end = data.rfind(b"\n") + 1
            if end != len(data):
                handle.truncate(end)
                data = data[:end]
    except FileNotFoundError:
        return done
    text = data.decode("utf-8", errors="replace")
    if shape == "csv":
        rows = csv.DictReader(io.StringIO(text))
        for row in rows:
            if row.get("ref") is not None:
                done[(row["ref"], row.get("request") or "")] += 1
        return done
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("ref"), str):
            request = record.get("request")
            done[(record["ref"], echo_key(request if isinstance(request, dict) else None))] += 1
    return done


class Output:
    """Where lines go: a file (created, or appended to on --resume) or stdout; each write is one whole line, flushed."""

    def __init__(self, path: str | os.PathLike | None, shape: str, *, append: bool = False) -> None:
        self.path = path
        self.pending: list[str] = []
        self.pending_lines = 0
        if path is None or os.fspath(path) == "-":
            self.stream: IO[str] = sys.stdout
            self.owned = False
            fresh = True
        else:
            fresh = not append or not os.path.exists(path) or os.path.getsize(path) == 0
            self.stream = open(path, "a" if append else "w", encoding="utf-8", newline="")  # noqa: SIM115
            self.owned = True
        if fresh and shape == "csv":
            self.write(header(shape))

    def write(self, text: str, *, more: bool = False, lines: int = 1) -> None:
        """Write whole lines (`text`: one line, or a Block's `lines` lines joined); `more`: others are
        ready too, so these may wait for them (up to FLUSH_LINES lines), to go out in one write. A
        line is never written in pieces, and what is written is flushed at once, so a killed run
        leaves only whole lines (or, if killed inside the write itself, a last line that --resume
        cuts off and does again)."""
        if text:
            self.pending.append(text)
            self.pending_lines += lines
        if self.pending and (not more or self.pending_lines >= FLUSH_LINES):
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.stream.write(self.pending[0] if len(self.pending) == 1 else "".join(self.pending))
            self.stream.flush()
            self.pending.clear()
            self.pending_lines = 0

    def close(self) -> None:
        self.flush()
        if self.owned:
            self.stream.close()


class Progress:
    """done/total, rate, ETA and errors on one stderr line, redrawn at most 10 times a second (a TTY only)."""

    def __init__(self, stream: IO[str], total: int | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.total = total
        self.enabled = _is_tty(stream) if enabled is None else enabled
        self.started = time.monotonic()
        self.shown = 0.0

    def update(self, done: int, errors: int, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.shown < 0.1:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        if self.total:
            left = (self.total - done) / rate if rate > 0 else 0.0
            text = f"{done:,}/{self.total:,} ({100 * done / self.total:.0f}%)  {rate:,.0f}/s  ETA {_clock(left)}"
        else:
            text = f"{done:,} done  {rate:,.0f}/s"
        self.stream.write(f"\r{text}  errors: {errors:,}\x1b[K")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Summary:
    """Counts by task, library and framework, and errors by type, for the end of a run."""

    def __init__(self) -> None:
        self.tasks: Counter[str] = Counter()
        self.libraries: Counter[str] = Counter()
        self.frameworks: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.skipped = 0
        self.disagreements = 0
        self.started = time.monotonic()

    @property
    def resolved(self) -> int:
        return sum(self.tasks.values())

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def add(self, outcome: Outcome) -> None:
        self.add_counts({summary_key(outcome): 1})

    def add_counts(self, counts: Mapping[SummaryKey, int]) -> None:
        """Count many outcomes at once: a Block's counts (summary_key -> how many)."""
        for (error_type, task, library, framework, disagreed), count in counts.items():
            if error_type is not None:
                self.errors[error_type] += count
                continue
            self.tasks[task or "?"] += count
            self.libraries[library or "unknown"] += count
            self.frameworks[framework or "none"] += count
            if disagreed:
                self.disagreements += count

    def as_dict(self) -> dict[str, Any]:
        return {
            "resolved": self.resolved,
            "errors": self.failed,
            "skipped": self.skipped,
            "by_task": dict(self.tasks.most_common()),
            "by_library": dict(self.libraries.most_common()),
            "by_framework": dict(self.frameworks.most_common()),
            "errors_by_type": dict(self.errors.most_common()),
            "disagreements": self.disagreements,
        }

    def render(self) -> str:
        total = self.resolved + self.failed
        elapsed = time.monotonic() - self.started
        rate = f" ({total / elapsed:,.0f}/s)" if elapsed > 0 and total else ""
        lines = [f"resolved {self.resolved:,} of {total:,} in {elapsed:.1f} s{rate}; {self.failed:,} could not be"]
        if self.skipped:
            lines.append(f"skipped {self.skipped:,} already in the output (--resume)")
        lines += [
            _counts("tasks", self.tasks.most_common()),
            _counts("libraries", self.libraries.most_common()),
            _counts("frameworks", self.frameworks.most_common()),
        ]
        if self.errors:
            lines.append(_counts("errors", self.errors.most_common()))
        if self.disagreements:
            lines.append(f"disagreements with the Hub: {self.disagreements:,}")
        return "\n".join(line for line in lines if line)


def _counts(label: str, counts: Iterable[tuple[str, int]]) -> str:
    items = list(counts)
    if not items:
        return ""
    return f"{label + ':':<12}" + ", ".join(f"{name} {count:,}" for name, count in items)
