"""Checks on ordered rules: cases and loaders that can never be chosen, shadowed patterns, layouts and detect rules, exact-table conflicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from resolver.errors import Finding
from resolver.rulebook.compiled import pattern_kind
from resolver.rulebook.documents import RuleDoc
from resolver.validation.context import Context, always_applies, finding


def cases_reachable(doc: RuleDoc, entry: dict, path: tuple, what: str) -> Iterator[Finding]:
    """Cases after an unconditional one, or repeating an earlier condition, can never be chosen."""
    cases = entry.get("cases") or ()
    catch_all = None
    seen: list[tuple[Any, int]] = []
    for index, case in enumerate(cases):
        case_path = (*path, "cases", index)
        if catch_all is not None:
            yield finding(
                doc,
                case_path,
                f"this case of {what} can never be chosen: case {catch_all + 1} above "
                "has no `when`, so it always applies first",
                "unreachable-case",
            )
            continue
        when = case.get("when")
        if when is None:
            catch_all = index
            continue
        for earlier_when, earlier_index in seen:
            if earlier_when == when:
                yield finding(
                    doc,
                    case_path,
                    f"this case of {what} repeats the condition of case {earlier_index + 1} above, which always wins",
                    "unreachable-case",
                )
                break
        seen.append((when, index))
    if catch_all is not None and "task" in entry:
        yield finding(
            doc,
            (*path, "task"),
            f"the `task:` of {what} is never used: case {catch_all + 1} has no `when`, so it always applies first",
            "unreachable-case",
        )


def check_loaders_reachable(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.of_kind("tasks"):
        for name, spec in (doc.data.get("tasks") or {}).items():
            for library, entries in ((spec or {}).get("loaders") or {}).items():
                seen: list[tuple[Any, Any, int]] = []
                for index, entry in enumerate(entries):
                    path = ("tasks", name, "loaders", library, index)
                    key = (entry.get("when"), entry.get("requires"))
                    earlier = next((i for w, r, i in seen if (w, r) == key or (w is None and r is None)), None)
                    if earlier is not None:
                        yield finding(
                            doc,
                            path,
                            f"this {library} loader of {name!r} can never be chosen: entry "
                            f"{earlier + 1} above applies whenever it would",
                            "unreachable-case",
                        )
                    seen.append((*key, index))


def check_architectures(ctx: Context) -> Iterator[Finding]:
    exact: dict[str, list[tuple[RuleDoc, str, bool]]] = {}
    patterns: dict[tuple[str, str], list[tuple[RuleDoc, tuple, dict]]] = {}
    prefixes: list[RuleDoc] = []
    for doc in ctx.of_kind("architectures"):
        generated = "generated" in doc.data
        if "legacy_prefixes" in doc.data:
            for earlier in prefixes:
                if earlier.pack == doc.pack:
                    yield finding(
                        doc,
                        ("legacy_prefixes",),
                        "legacy_prefixes are set twice in this pack (also at "
                        f"{earlier.where('legacy_prefixes')}); only the last file's are used",
                        "duplicate-entry",
                    )
            prefixes.append(doc)
        for name, task in (doc.data.get("exact") or {}).items():
            path = ("exact", name)
            for earlier, earlier_task, earlier_generated in exact.get(name, ()):
                if earlier_generated != generated:
                    continue  # a hand-written exception beats the generated table by design
                if earlier.pack == doc.pack:
                    if earlier_task != task:
                        yield finding(
                            doc,
                            path,
                            f"{name} is {task!r} here but {earlier_task!r} at "
                            f"{earlier.where('exact', name)} (same pack): which one wins depends on "
                            "file names; keep one",
                            "exact-conflict",
                        )
                    else:
                        yield finding(
                            doc,
                            path,
                            f"{name} is listed again (also at {earlier.where('exact', name)}); keep one",
                            "duplicate-entry",
                        )
                elif not generated:
                    change = "repeats" if earlier_task == task else f"changes {earlier_task!r} to {task!r} from"
                    yield finding(doc, path, f"{name} {change} {earlier.where('exact', name)}", "pack-override")
            exact.setdefault(name, []).append((doc, task, generated))
        for index, entry in enumerate(doc.data.get("patterns") or ()):
            kind = pattern_kind(entry)
            path = ("patterns", index)
            label = f"pattern {kind} {entry[kind]!r}"
            yield from cases_reachable(doc, entry, path, label)
            for earlier, earlier_path, earlier_entry in patterns.get((kind, entry[kind]), ()):
                if earlier.pack == doc.pack:
                    yield finding(
                        doc,
                        path,
                        f"{label} is defined twice in this pack (also at "
                        f"{earlier.where(*earlier_path)}); this one silently replaces it",
                        "duplicate-entry",
                    )
                else:
                    same = {k: v for k, v in entry.items() if k != "examples"} == {
                        k: v for k, v in earlier_entry.items() if k != "examples"
                    }
                    change = "repeats" if same else "replaces"
                    yield finding(doc, path, f"{label} {change} {earlier.where(*earlier_path)}", "pack-override")
            patterns.setdefault((kind, entry[kind]), []).append((doc, path, entry))
    yield from check_shadowed_patterns(ctx)


def shadowed(victim: tuple, victim_name: str, winner: tuple, winner_name: str, why: str) -> Finding:
    """A rule that can never fire: an error at the dead rule, unless a later pack's rule did it, which is
    then reported (as an override) at that later rule, in the pack that is being reviewed."""
    if winner[0].pack > victim[0].pack:
        return finding(
            winner[0],
            winner[1],
            f"{winner_name} makes {victim_name} ({victim[0].where(*victim[1])}) unreachable: it {why}",
            "pack-override",
        )
    return finding(
        victim[0],
        victim[1],
        f"{victim_name} can never fire: {winner_name} ({winner[0].where(*winner[1])}) {why}",
        "shadowed-rule",
    )


def covers(first: Any, second: Any) -> bool:
    """Whether every class name `second` matches is matched by `first` as well."""
    if first.kind == "contains":
        return first.needle in second.needle
    if first.kind == "prefix":
        return second.kind == "prefix" and second.needle.startswith(first.needle)
    return second.kind == "suffix" and second.needle.endswith(first.needle)


def check_shadowed_patterns(ctx: Context) -> Iterator[Finding]:
    """A pattern never fires when one tried before it (longer needle, or same length and earlier) covers
    every name it matches and always answers. With longest-first order that means an equal needle:
    `contains: X` before `suffix: X`; the check is general so a change of order keeps it right."""
    sources = {}
    for doc in ctx.of_kind("architectures"):
        for index, entry in enumerate(doc.data.get("patterns") or ()):
            kind = pattern_kind(entry)
            sources[(doc.where("patterns", index), kind, entry[kind])] = (doc, ("patterns", index), entry)
    ordered = [(p, sources.get((p.where, p.kind, p.needle))) for p in ctx.rules.patterns]
    for position, (pattern, source) in enumerate(ordered):
        if source is None:
            continue
        for earlier, earlier_source in ordered[:position]:
            if earlier_source and always_applies(earlier_source[2]) and covers(earlier, pattern):
                yield shadowed(
                    source,
                    f"pattern {pattern.kind} {pattern.needle!r}",
                    earlier_source,
                    f"{earlier.kind} {earlier.needle!r}",
                    "matches every class it matches, is tried first "
                    "(longest needle first, then in order) and always answers",
                )
                break


def check_layouts(ctx: Context) -> Iterator[Finding]:
    named: dict[str, list[tuple[RuleDoc, tuple, dict]]] = {}
    for doc in ctx.of_kind("layouts"):
        for index, entry in enumerate(doc.data.get("layouts") or ()):
            path = ("layouts", index)
            name = entry.get("name")
            yield from cases_reachable(doc, entry, path, f"layout {name!r}")
            for earlier, earlier_path, earlier_entry in named.get(name, ()):
                if earlier.pack == doc.pack:
                    yield finding(
                        doc,
                        path,
                        f"layout {name!r} is defined twice in this pack (also at {earlier.where(*earlier_path)})",
                        "duplicate-entry",
                    )
                else:
                    change = "repeats" if entry == earlier_entry else "replaces"
                    yield finding(
                        doc, path, f"layout {name!r} {change} {earlier.where(*earlier_path)}", "pack-override"
                    )
            named.setdefault(name, []).append((doc, path, entry))
    sources = {}
    for entries in named.values():
        for doc, path, entry in entries:
            sources[(doc.where(*path), entry.get("name"))] = (doc, path, entry)
    ordered = [sources.get((layout.where, layout.name)) for layout in ctx.rules.layouts]
    for position, source in enumerate(ordered):
        if source is None:
            continue
        for before in ordered[:position]:
            if before and before[2].get("when") == source[2].get("when") and always_applies(before[2]):
                yield shadowed(
                    source,
                    f"layout {source[2].get('name')!r}",
                    before,
                    f"layout {before[2].get('name')!r}",
                    "has the same `when`, comes first and always names a task",
                )
                break


def check_detectors(ctx: Context) -> Iterator[Finding]:
    """Library detect rules are tried newest pack first, in file order; the first that holds wins."""
    by_pack: dict[int, list[tuple[RuleDoc, tuple, dict]]] = {}
    for doc in ctx.of_kind("libraries"):
        for index, entry in enumerate(doc.data.get("detect") or ()):
            by_pack.setdefault(doc.pack, []).append((doc, ("detect", index), entry))
    ordered = [item for pack in sorted(by_pack, reverse=True) for item in by_pack[pack]]
    for position, (doc, path, entry) in enumerate(ordered):
        for earlier_doc, earlier_path, earlier in ordered[:position]:
            if "use" in entry or "use" in earlier:
                if entry == earlier:
                    yield finding(
                        doc,
                        path,
                        f"`use: {entry['use']}` is listed again (also at {earlier_doc.where(*earlier_path)})",
                        "duplicate-entry",
                    )
                    break
                continue
            if earlier.get("when") != entry.get("when"):
                continue
            if earlier.get("library") == entry.get("library") and earlier_doc.pack == doc.pack:
                yield finding(
                    doc,
                    path,
                    f"this detect rule for {entry.get('library')!r} repeats {earlier_doc.where(*earlier_path)}",
                    "duplicate-entry",
                )
            elif earlier.get("library") != entry.get("library"):
                yield shadowed(
                    (doc, path, entry),
                    f"the detect rule for {entry.get('library')!r}",
                    (earlier_doc, earlier_path, earlier),
                    f"the detect rule for {earlier.get('library')!r}",
                    "has the same `when` and is tried first",
                )
            break
    for doc in ctx.of_kind("frameworks"):
        seen: dict[str, tuple] = {}
        for index, entry in enumerate(doc.data.get("detect") or ()):
            key = repr((entry.get("framework"), entry.get("when")))
            if key in seen:
                yield finding(
                    doc,
                    ("detect", index),
                    f"this detect rule for {entry.get('framework')!r} repeats {doc.where(*seen[key])}",
                    "duplicate-entry",
                )
            seen.setdefault(key, ("detect", index))
