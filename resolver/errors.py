"""Typed errors: each says what went wrong, where, and how to fix it."""

from __future__ import annotations

from resolver.support.frozen import Record

TYPE_CHECKING = False  # not typing's: `import resolver` does not import typing
if TYPE_CHECKING:
    from typing import Any, ClassVar


class TaskResolverError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = 2  # CLI exit code: 2 = usage or environment problem

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class Finding(Record):
    """One problem in a rule file, located as `file:line:col` plus the path inside the document.

    A frozen record, not a dataclass: `import resolver` stays free of `dataclasses` (and `inspect`).
    """

    __slots__ = ("file", "line", "col", "message", "check", "severity", "doc_path")
    _defaults: ClassVar[dict[str, Any]] = {"severity": "error", "doc_path": None}
    file: str
    line: int
    col: int
    message: str
    check: str
    severity: str
    doc_path: str | None

    def format(self) -> str:
        where = f" (at {self.doc_path})" if self.doc_path else ""
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}{where} [{self.check}]"


class RuleError(TaskResolverError):
    """Rule files that cannot be used: syntax, schema or semantic errors, each with its location."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = list(findings)
        errors = [f for f in self.findings if f.severity == "error"] or self.findings
        lines = "\n".join(f.format() for f in errors)
        super().__init__(
            f"{len(errors)} problem(s) in the rules:\n{lines}",
            hint="fix the rule file(s) above; `task-resolver validate PATH` re-checks them",
        )


class EvidenceError(TaskResolverError):
    """The model reference points at something unreadable: missing folder, a config that is not JSON."""


class UnknownTaskError(TaskResolverError, ValueError):
    """A task name that is neither a canonical task nor a synonym."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = (
            f"did you mean {', '.join(repr(s) for s in suggestions)}?"
            if suggestions
            else "run `task-resolver tasks` to list the known tasks and synonyms"
        )
        super().__init__(f"unknown task {name!r}", hint=hint)


class UnknownLibraryError(TaskResolverError, ValueError):
    """A library name the rules do not define."""


class ResolutionError(TaskResolverError):
    """Nothing in the evidence lets the rules name a task; carries the trace of what was tried."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, trace: list | None = None) -> None:
        super().__init__(message, hint=hint)
        self.trace = trace or []
