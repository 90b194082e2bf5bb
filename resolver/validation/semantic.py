"""Semantic checks over a whole rule set: what a JSON Schema cannot see across files and packs. Each finding carries a stable check id, so reviewers can grep for it and golden tests can pin it. semantic_findings runs whenever rules are compiled on a cache miss (errors stop loading)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from resolver.errors import Finding
from resolver.rulebook.compiled import CompiledRules
from resolver.validation.context import Context
from resolver.validation.fallback_checks import check_fallback, check_unused
from resolver.validation.library_checks import check_unknown_libraries, check_versions
from resolver.validation.order_checks import (
    check_architectures,
    check_detectors,
    check_layouts,
    check_loaders_reachable,
)
from resolver.validation.serving_checks import check_serving
from resolver.validation.task_checks import check_unknown_tasks, check_vocabulary
from resolver.validation.unit_checks import check_units
from resolver.validation.vocabulary_checks import check_vocabularies

ALL_CHECKS: tuple[Callable[[Context], Iterator[Finding]], ...] = (
    check_unknown_tasks,
    check_vocabulary,
    check_vocabularies,
    check_units,
    check_serving,
    check_unknown_libraries,
    check_versions,
    check_fallback,
    check_loaders_reachable,
    check_architectures,
    check_layouts,
    check_detectors,
    check_unused,
)


def semantic_findings(rules: CompiledRules) -> list[Finding]:
    """Cross-file checks the engine relies on; errors stop the rules from loading, warnings do not."""
    ctx = Context(rules)
    findings: list[Finding] = []
    for check in ALL_CHECKS:
        findings.extend(check(ctx))
    return findings
