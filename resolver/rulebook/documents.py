"""Rule documents: finding the rule files of each pack, parsing them with positions (file:line for every finding)."""

from __future__ import annotations

import os

from resolver.errors import Finding, RuleError
from resolver.support.frozen import Frozen
from resolver.support.paths import shipped_rules_dir

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the resolve path imports neither typing nor dataclasses
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from resolver.rulebook.yaml_source import Positions  # PyYAML is imported on a cache miss only


KINDS = (
    "tasks",
    "libraries",
    "frameworks",
    "auto_mappings",
    "architectures",
    "layouts",
    "fallback",
    "vocabularies",
    "serving",
    "units",
)


SUPPORTED_VERSIONS = {kind: (1,) for kind in KINDS}


class RuleDoc(Frozen):
    """One parsed rule file: its label for messages, kind, data and node positions.

    A frozen record as a frozen dataclass was (`dataclasses.replace` works on it); it pickles as one
    did (the instance dict), so a cache written before reads back the same.
    """

    label: str
    kind: str
    data: dict
    positions: Positions
    pack: int = 0  # 0 = shipped rules, 1.. = rule packs in the order given

    def where(self, *path: Any) -> str:
        """`file:line` of the node at `path` (or of its closest parent that has a position)."""
        line, _ = self.position(path)
        return f"{self.label}:{line}"

    def position(self, path: Sequence[Any]) -> tuple[int, int]:
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


RULE_SUFFIXES = (".yaml", ".yml")


def rule_files(directory: Path) -> list[Path]:
    """The rule files of one directory, in name order (a single file is its own list)."""
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise RuleError([Finding(str(directory), 1, 1, "no such rules file or directory", "rules-path")])
    return sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())


def _label(path: Path, pack: int, root: Path) -> str:
    if pack == 0:
        return f"rules/{path.relative_to(root).as_posix()}"
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def rule_roots(packs: Sequence[str | os.PathLike], include_shipped: bool = True) -> list[tuple[str, int]]:
    """(folder or file, pack index) of every rule source: the shipped rules (0), then each pack in order."""
    roots = [(shipped_rules_dir(), 0)] if include_shipped else []
    roots.extend((os.fspath(p), index) for index, p in enumerate(packs, start=1))
    return roots


def gather(packs: Sequence[str | os.PathLike], include_shipped: bool = True) -> list[tuple[Path, str, int]]:
    """(path, label, pack index) of every rule file, shipped rules first, then each pack in order."""
    from pathlib import Path  # the files themselves are gathered on a cache miss only: warm starts skip pathlib

    found: list[tuple[Path, str, int]] = []
    for spelled, pack in rule_roots(packs, include_shipped):
        root = Path(spelled)
        paths = rule_files(root)
        if not paths:
            message = "no rule files (*.yaml, *.yml) in this directory"
            raise RuleError([Finding(str(root), 1, 1, message, "rules-path")])
        for path in paths:
            found.append((path, _label(path, pack, root if root.is_dir() else root.parent), pack))
    return found


def parse(path: Path, label: str, pack: int, raw: bytes | None = None) -> tuple[RuleDoc | None, list[Finding]]:
    """Parse one file (or `raw`, its bytes already read) and check its header; schema validation is separate."""
    try:
        from resolver.rulebook.yaml_source import load_yaml_file

        data, positions = load_yaml_file(path, label, raw)
    except RuleError as exc:
        return None, exc.findings
    except OSError as exc:
        return None, [Finding(label, 1, 1, f"cannot read rule file: {exc.strerror or exc}", "rules-path")]
    if data is None:
        return None, [
            Finding(label, 1, 1, "the file is empty: a rule file starts with `kind:` and `version:`", "header")
        ]
    if not isinstance(data, dict):
        kind_of = type(data).__name__
        return None, [
            Finding(label, 1, 1, f"a rule file is a mapping with `kind:` and `version:`, not a {kind_of}", "header")
        ]
    kind = data.get("kind")
    if kind not in KINDS:
        line, col = positions.get(("kind",), (1, 1))
        import difflib

        close = difflib.get_close_matches(str(kind), KINDS, n=1, cutoff=0.6) if "kind" in data else []
        hint = f"did you mean {close[0]!r}? " if close else ""
        message = (
            f"unknown kind {kind!r}; {hint}expected one of: {', '.join(KINDS)}"
            if "kind" in data
            else f"missing `kind:` (one of: {', '.join(KINDS)})"
        )
        return None, [Finding(label, line, col, message, "unknown-kind")]
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS[kind]:
        line, col = positions.get(("version",), (1, 1))
        supported = ", ".join(map(str, SUPPORTED_VERSIONS[kind]))
        return None, [
            Finding(
                label,
                line,
                col,
                f"unsupported version {version!r} for kind {kind!r}; this task-resolver reads version {supported}",
                "unknown-version",
            )
        ]
    return RuleDoc(label, kind, data, positions, pack), []
