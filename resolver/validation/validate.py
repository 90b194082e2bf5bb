"""The engine of `task-resolver validate`: check rule files the way a pull-request review needs.

A path is a rule pack: a directory of rule files, or single files (checked together with the rule
files beside them, since a pack is a directory and its files refer to each other). A pack is
checked layered over the shipped rules, so it may use the shipped tasks and libraries, but only
findings in the pack's own files are reported. A directory that holds every kind of rule file is a
complete rule set (a checkout of this project's rules/, say) and is checked on its own.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.compiled import compile_rules
from resolver.rulebook.documents import KINDS, RuleDoc, parse, rule_files
from resolver.rulebook.schema import schema_findings
from resolver.support.paths import shipped_rules_dir
from resolver.validation.examples import example_findings
from resolver.validation.semantic import semantic_findings


@dataclass
class Report:
    """What one validation found, plus what it looked at."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # labels of the files checked (and reported on)
    examples: int = 0  # examples run through the engine

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]

    def summary(self) -> str:
        """One line for people: what was checked and what was found."""
        files = f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}"
        examples = f"{self.examples} example{'s' if self.examples != 1 else ''}"
        if not self.findings:
            return f"checked {files} and {examples}: no problems"
        errors, warnings = len(self.errors), len(self.warnings)
        found = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        return f"checked {files} and {examples}: {found}"


@dataclass
class _Pack:
    """The files of one rule pack, and whether its findings are reported."""

    root: Path
    files: list[Path]
    target: bool
    shipped: bool = False
    given: set[Path] = field(default_factory=set)  # files named on the command line (the rest are siblings)


def _label(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _packs_from_paths(paths: Sequence[str | os.PathLike], target: bool, findings: list[Finding]) -> list[_Pack]:
    """Group paths into packs: a directory is one pack; files are grouped by the directory they are in."""
    packs: dict[Path, _Pack] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            findings.append(Finding(str(raw), 1, 1, "no such rules file or directory", "rules-path"))
            continue
        if path.is_dir():
            root = path.resolve()
            try:
                files = rule_files(path)
            except OSError as error:
                findings.append(Finding(str(raw), 1, 1, f"cannot list the directory: {error.strerror}", "rules-path"))
                continue
            if not files:
                findings.append(
                    Finding(str(raw), 1, 1, "no rule files (*.yaml, *.yml) in this directory", "rules-path")
                )
                continue
            pack = packs.setdefault(root, _Pack(path, [], target))
            pack.files = files
            pack.given.clear()
        else:
            root = path.resolve().parent
            pack = packs.setdefault(root, _Pack(path.parent, [], target, given=set()))
            if pack.given or not pack.files:  # a directory given as a whole already holds every file
                pack.given.add(path.resolve())
                if path.resolve() not in {f.resolve() for f in pack.files}:
                    pack.files.append(path)
    shipped = Path(shipped_rules_dir()).resolve()
    for root, pack in packs.items():
        pack.shipped = root == shipped
    return list(packs.values())


def _with_siblings(
    pack: _Pack, parsed: dict[Path, tuple[RuleDoc | None, list[Finding]]], label: Callable[[Path], str]
) -> None:
    """Add the rule files beside the given files: YAML files there that parse and declare a known kind."""
    if not pack.given:
        return
    known = {f.resolve() for f in pack.files}
    for sibling in rule_files(pack.root):
        if sibling.resolve() in known:
            continue
        doc, problems = parse(sibling, label(sibling), 0)
        if doc is not None and not problems:
            parsed[sibling.resolve()] = (doc, problems)
            pack.files.append(sibling)
    pack.files.sort(key=lambda p: p.name)


def _labeller(packs: list[_Pack]) -> Callable[[Path], str]:
    """Labels for messages: paths relative to the working directory; the shipped rules as rules/NAME
    (unless a pack's own file already goes by that name)."""
    shipped = Path(shipped_rules_dir()).resolve()
    others = {_label(f) for pack in packs if not pack.shipped for f in rule_files(pack.root)}

    def label(path: Path) -> str:
        if path.resolve().parent == shipped:
            nice = f"rules/{path.name}"
            return nice if nice not in others else str(path.resolve())
        return _label(path)

    return label


def validate(
    paths: Sequence[str | os.PathLike] = (), *, context: Sequence[str | os.PathLike] = (), shipped: bool = True
) -> Report:
    """Validate rule packs (the shipped rules when `paths` is empty) layered over the shipped rules
    and the `context` packs; report findings in the packs' own files only."""
    report = Report()
    if paths:
        targets = _packs_from_paths(paths, True, report.findings)
    else:
        targets = [_Pack(Path(shipped_rules_dir()), rule_files(Path(shipped_rules_dir())), True, shipped=True)]
    context_packs = _packs_from_paths(context, False, report.findings)
    shipped_pack = _Pack(Path(shipped_rules_dir()), rule_files(Path(shipped_rules_dir())), False, shipped=True)
    label = _labeller([*targets, *context_packs, shipped_pack])

    parsed: dict[Path, tuple[RuleDoc | None, list[Finding]]] = {}

    def parse_all(pack: _Pack) -> None:
        _with_siblings(pack, parsed, label)
        for path in pack.files:
            if path.resolve() not in parsed:
                parsed[path.resolve()] = parse(path, label(path), 0)

    for pack in [*targets, *context_packs]:
        parse_all(pack)
    base: list[_Pack] = []
    if targets and (not shipped or targets[0].shipped or _complete(targets[0], parsed)):
        base = [targets.pop(0)]  # a complete rule set stands on its own
    elif shipped:
        base = [shipped_pack]
        parse_all(shipped_pack)

    docs: list[RuleDoc] = []
    reported: set[str] = set()
    for number, pack in enumerate([*base, *context_packs, *targets]):
        for path in pack.files:
            doc, problems = parsed[path.resolve()]
            if pack.target:
                reported.add(label(path))
                report.files.append(label(path))
            report.findings.extend(problems)
            if doc is None:
                continue
            doc = dataclasses.replace(doc, pack=number)
            problems = schema_findings(doc)
            report.findings.extend(problems)
            if not problems:
                docs.append(doc)
    if not any(f.severity == "error" for f in report.findings):
        rules = compile_rules(docs)
        failures, report.examples = example_findings(rules, labels=reported)
        report.examples += sum(
            examples_written(doc.data) for doc in docs if doc.label in reported and doc.kind in OWN_EXAMPLES
        )
        report.findings.extend(f for f in semantic_findings(rules) + failures if f.file in reported)
    report.findings = _sorted(report.findings)
    return report


# kinds whose examples their own checks run (semantic findings), beside the engine's examples above
OWN_EXAMPLES = ("vocabularies", "serving", "units")


def examples_written(data: Any) -> int:
    """How many examples a rule document lists, at any depth (every item of every `examples:` list)."""
    if isinstance(data, dict):
        found = len(data["examples"]) if isinstance(data.get("examples"), list) else 0
        return found + sum(examples_written(value) for key, value in data.items() if key != "examples")
    if isinstance(data, list):
        return sum(examples_written(item) for item in data)
    return 0


def _complete(pack: _Pack, parsed: dict[Path, tuple[RuleDoc | None, list[Finding]]]) -> bool:
    """A pack that holds every kind of rule file stands on its own (it replaces the shipped rules)."""
    kinds = {doc.kind for path in pack.files for doc, _ in [parsed[path.resolve()]] if doc is not None}
    return kinds >= set(KINDS)


def _sorted(findings: list[Finding]) -> list[Finding]:
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (f.file, f.line, f.col, f.check, f.message))
