"""The interpreter: evidence + compiled rules -> Resolution. Pure: no I/O, no heavy imports. Library and frameworks are detected first; then every strategy of the fallback order runs: the first answer wins, later answers are kept as candidates, and each step lands in the trace with the file:line of the rule that decided it."""

from __future__ import annotations

from resolver.engine.detect import detect_frameworks, detect_library, select_loader
from resolver.engine.resolution import Candidate, Resolution, Trace
from resolver.engine.state import Answer, DeferredLibraryState, State
from resolver.engine.strategies import STRATEGY_NEEDS
from resolver.errors import ResolutionError
from resolver.evidence.model import Evidence
from resolver.rulebook.compiled import CompiledRules
from resolver.rulebook.serving import serving_index
from resolver.support.frozen import new_frozen


def resolve_evidence(
    rules: CompiledRules,
    evidence: Evidence,
    *,
    task: str | None = None,
    task_given: str | None = None,
    library: str | None = None,
) -> Resolution:
    """Resolve evidence with compiled rules. `task` must already be canonical (see Resolver)."""
    state = State(rules, evidence, task, task_given, STRATEGY_NEEDS)
    if evidence.notes:
        _note_evidence(state)
    state.library = None  # until detected: a library condition of a detector holds for no library
    state.library = found_library = detect_library(state, library)
    frameworks = detect_frameworks(state)

    trace = state.trace
    default_wheres = rules.default_wheres
    winner: tuple[str, Answer] | None = None
    winner_is_default = False
    winner_step = 0  # its index in the trace, so a later specific answer can demote it
    candidates: list[Candidate] = []
    for name, strategy in state.plan.strategies:
        answer = strategy(state)
        if answer is None:
            continue
        is_default = name in DEFAULT_STRATEGIES or answer.where in default_wheres
        if winner is None or (winner_is_default and not is_default):
            if winner is not None:  # a default gives way to the first specific answer after it
                candidates.append(_candidate(Candidate, (winner[1].task, winner[0], winner[1].where)))
                step = trace[winner_step]
                trace[winner_step] = (step[0], "candidate", *step[2:])
                state.record(name, "note", "a default answer ({}) gives way to a specific one", winner[0])
            winner, winner_is_default, winner_step = (name, answer), is_default, len(trace)
            trace.append((name, "answered", answer.message, answer.args, answer.where, answer.task))
        else:
            candidates.append(_candidate(Candidate, (answer.task, name, answer.where)))
            trace.append((name, "candidate", answer.message, answer.args, answer.where, answer.task))

    if winner is None:
        raise _no_answer(state)
    decided_by, answer = winner
    # only the Hub strategies disagree, and they answer only from Hub metadata
    disagreements = (
        () if winner_is_default or not candidates or not evidence.hub else _disagreements(answer.task, candidates)
    )
    for found in disagreements:
        state.record(found.strategy, "note", "disagrees: the Hub says {}; the rules keep {}", found.task, answer.task)
    config = state.config
    architecture = answer.architecture or state.layout_class
    if architecture is None:
        archs = config.get("architectures")
        if isinstance(archs, list) and archs and isinstance(archs[0], str):
            architecture = archs[0]
    state.architecture = architecture
    loader: str | None
    loader_where: str | None
    if state.layout_loader:  # a component loads with its own class, whatever task its pipeline has
        loader, loader_where = state.layout_loader
    else:
        loader, loader_where = select_loader(rules, answer.task, found_library, state, trace)
    if loader:
        trace.append(("loader", "answered", loader, None, loader_where, None))
    else:
        state.record("loader", "passed", "no loader for {} in library {}", answer.task, found_library)
    index = getattr(rules, "serving", None)  # compiled with the rules; else serving_index builds it
    serving = (index if index is not None else serving_index(rules)).serving(answer.task, state)
    trace.append(("serving", "answered" if serving.runner else "passed", serving.why, None, serving.where, None))
    model_type = config.get("model_type")
    values = {
        "ref": evidence.ref,
        "task": answer.task,
        "library": found_library,
        "framework": frameworks[0] if frameworks else None,
        "frameworks": frameworks,
        "loader": loader,
        "strategy": decided_by,
        "where": answer.where,
        "model_type": model_type if isinstance(model_type, str) else None,
        "architecture": architecture,
        "source": evidence.source,
        "subfolder": evidence.subfolder,
        "revision": evidence.revision,
        "component": answer.component or state.component,
        "candidates": tuple(candidates),
        "specificity": "default" if winner_is_default else "specific",
        "disagreements": disagreements,
        "trace": Trace(trace),
        "base_model": state.base_model,
        "serving": serving,
        "rules": rules,
    }
    if len(values) == _RESOLUTION_FIELD_COUNT:  # new_frozen's work, inline: the values become the __dict__
        resolution = _new(Resolution)
        _set(resolution, "__dict__", values)
        return resolution
    return new_frozen(Resolution, values)  # Resolution's fields changed: its constructor checks them


def infer_task(
    rules: CompiledRules,
    evidence: Evidence,
    *,
    task: str | None = None,
    task_given: str | None = None,
    library: str | None = None,
) -> str:
    """Only the task: what `resolve_evidence(...).task` says, for less work.

    The first strategy that answers decides; frameworks, the loader and later candidates are not
    looked for, and the library is detected only if a rule reads it (a `library:` condition, the
    library_default strategy).
    """
    if library is None:
        state: State = DeferredLibraryState(rules, evidence, task, task_given, STRATEGY_NEEDS)
    else:
        state = State(rules, evidence, task, task_given, STRATEGY_NEEDS)
        state.library = None
        state.library = detect_library(state, library)
    fallback = None  # the first default answer, kept until a specific one turns up
    for name, strategy in state.plan.strategies:
        if fallback is not None and name in DEFAULT_STRATEGIES:
            continue  # it can only give another default, and the first one is kept
        answer = strategy(state)
        if answer is None:
            continue
        if name not in DEFAULT_STRATEGIES and answer.where not in rules.default_wheres:
            return answer.task
        fallback = fallback or answer.task
    if fallback is not None:
        return fallback
    _note_evidence(state)
    raise _no_answer(state)


_new = object.__new__
_set = object.__setattr__
_RESOLUTION_FIELD_COUNT = len(Resolution._fields)
_candidate = tuple.__new__  # Candidate(task, strategy, where) without the named tuple's Python-level __new__

# Strategies whose answers are always defaults; other answers are defaults when their rule case says so.
DEFAULT_STRATEGIES = frozenset({"library_default"})
# Strategies that report what the Hub says: a specific answer they contradict is recorded as a disagreement.
HUB_STRATEGIES = frozenset({"hub_transformers_info", "hub_pipeline_tag"})


def _disagreements(task: str, candidates: list[Candidate]) -> tuple[Candidate, ...]:
    """The Hub's answers that differ from the specific one the rules gave (one per strategy)."""
    return tuple(c for c in candidates if c.strategy in HUB_STRATEGIES and c.task != task)


def _note_evidence(state: State) -> None:
    for message in state.evidence.notes:
        state.record("evidence", "note", message)


def _no_answer(state: State) -> ResolutionError:
    return ResolutionError(
        f"could not tell the task of {state.evidence.ref or 'this model'}: no rule matched the evidence",
        hint="pass the task explicitly (--task / task=), or add a rule for this model (docs/adding-a-model.md)",
        trace=list(Trace(state.trace)),
    )
