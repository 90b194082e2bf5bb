"""What every semantic check shares: the check ids, the rule set in load order, and how a finding is placed at file:line."""

from __future__ import annotations

import difflib

from resolver.errors import Finding
from resolver.rulebook.compiled import CompiledRules
from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.yaml_source import pointer

# check id -> (default severity, what it finds). Parse-level ids come from ruledocs/yamlsource.
CHECKS: dict[str, tuple[str, str]] = {
    "rules-path": ("error", "a rules path that does not exist or cannot be read"),
    "yaml-syntax": ("error", "not YAML at all, not UTF-8 text, nested too deeply or expanding too far"),
    "duplicate-key": ("error", "the same key twice in one mapping (YAML would keep only the last)"),
    "header": ("error", "an empty file, or a file that is not a mapping with `kind:` and `version:`"),
    "unknown-kind": ("error", "`kind:` missing or not one of the known kinds"),
    "unknown-version": ("error", "a `version:` this task-resolver cannot read"),
    "schema": ("error", "the file does not match the JSON Schema of its kind"),
    "unknown-strategy": ("error", "a fallback order entry that names no strategy"),
    "unknown-task": ("error", "a task the vocabulary lacks, referenced anywhere"),
    "unknown-library": ("error", "a loader, detect rule or example for a library the rules do not define"),
    "synonym-is-task": ("error", "a synonym that is also a canonical task"),
    "synonym-chain": ("error", "a synonym that needs two steps to reach its task"),
    "synonym-cycle": ("error", "tasks that list each other as synonyms"),
    "synonym-conflict": ("error", "one synonym listed under two tasks of the same pack"),
    "invalid-version": ("error", "a `requires:` gate that is not a valid distribution name and PEP 440 specifier"),
    "duplicate-entry": ("error", "the same entry twice in one pack (the later silently replaces the earlier)"),
    "exact-conflict": ("error", "one class given two different tasks by exact tables of the same pack"),
    "shadowed-rule": ("error", "a pattern, layout or detect rule that can never fire: an earlier one always wins"),
    "unreachable-case": ("error", "a case or loader listed after one that always applies"),
    "example-failed": ("error", "a rule's example that does not resolve to its task through that rule"),
    "unknown-value": ("error", "a serving runner, pooling task or pooling mode that `values:` does not declare"),
    "pack-override": ("warning", "a later rule pack replaces an entry of an earlier one"),
    "unused-definition": ("warning", "a definition nothing uses"),
}


def did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def finding(doc: RuleDoc, path: tuple, message: str, check: str, severity: str | None = None) -> Finding:
    line, col = doc.position(path)
    return Finding(doc.label, line, col, message, check, severity or CHECKS[check][0], pointer(path))


def always_applies(entry: dict) -> bool:
    """Whether a pattern or layout entry always names a task once it matches (a case without `when`)."""
    return "task" in entry or any("when" not in case for case in entry.get("cases") or ())


class Context:
    """The rule set plus per-kind document lists, in load order (pack, then file name)."""

    def __init__(self, rules: CompiledRules) -> None:
        self.rules = rules
        self.docs = rules.docs
        self.base = min((doc.pack for doc in self.docs), default=0)

    def of_kind(self, kind: str) -> list[RuleDoc]:
        return [doc for doc in self.docs if doc.kind == kind]
