"""Architecture class name -> task: the exact and generated tables first, then the suffix patterns and their conditions."""

from __future__ import annotations

from resolver.conditions.language import Facts
from resolver.rulebook.compiled import CompiledRules


def lookup_architecture(rules: CompiledRules, name: str, facts: Facts) -> tuple[str, str, str] | None:
    """(task, where, how) for a class name: exact table, generated table, legacy spelling, then patterns."""
    found = rules.lookup_tables(name)
    if found:
        return found
    return lookup_patterns(rules, name, facts)


def lookup_patterns(rules: CompiledRules, name: str, facts: Facts) -> tuple[str, str, str] | None:
    previous = facts.architecture
    facts.architecture = name
    try:
        for pattern in rules.patterns:
            if not pattern.matches(name):
                continue
            for case in pattern.cases:
                if case.when is None or case.when(facts):
                    how = f"pattern {pattern.kind} {pattern.needle!r}"
                    return case.task, case.where, how
    finally:
        facts.architecture = previous
    return None
