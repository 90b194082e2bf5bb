"""The answer: task, library, framework, loader, and the trace of the rules that gave them."""

from __future__ import annotations

from _collections_abc import Sequence  # what collections.abc re-exports, without importing all of collections

from resolver.rulebook.serving import Serving
from resolver.support.frozen import Frozen

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the resolve path imports neither typing nor dataclasses
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, ClassVar, NamedTuple, overload
else:
    from resolver.support.frozen import NamedTuple


class TraceStep(NamedTuple):
    """One rule or strategy consulted: what it said and where it is written.

    A named tuple, not a dataclass: a resolution records about ten of them, and this is the cheapest
    immutable record to build (see docs/benchmarks.md).
    """

    step: str  # strategy or phase name: library, config_architectures, ...
    outcome: str  # answered | candidate | passed | note
    message: str
    where: str | None = None  # file:line of the rule
    task: str | None = None


# What the engine records per step: (step, outcome, message template, template arguments or None for a
# message given as is, where, task). Rendering waits until someone reads the trace; a step that names
# a task (an answer or a candidate) says it first: "text-classification: class BertFor... (exact)".
TraceRecord = tuple[str, str, str, "tuple[Any, ...] | None", "str | None", "str | None"]


class Trace(Sequence[TraceStep]):
    """The steps of a resolution, as TraceSteps; their messages are formatted on first access.

    Most callers never read the trace, so a resolution stores raw records and pays for the words
    only when someone asks (docs/benchmarks.md).
    """

    __slots__ = ("_records", "_steps")

    def __init__(self, records: Sequence[TraceRecord] = ()):
        self._records = records  # not copied: the engine hands over a list it no longer touches
        self._steps: tuple[TraceStep, ...] | None = None

    @classmethod
    def of(cls, steps: Sequence[TraceStep]) -> Trace:
        """A trace of steps already rendered."""
        trace = cls()
        trace._steps = tuple(steps)
        return trace

    def as_dicts(self) -> list[dict[str, Any]]:
        """The steps as plain dicts (JSON output), made straight from the records when none was rendered yet."""
        if self._steps is not None:
            return [step._asdict() for step in self._steps]
        dicts = []
        for step, outcome, text, args, where, task in self._records:
            message = _message(text, args, task)
            dicts.append({"step": step, "outcome": outcome, "message": message, "where": where, "task": task})
        return dicts

    def steps(self) -> tuple[TraceStep, ...]:
        if self._steps is None:
            self._steps = tuple(_render(*record) for record in self._records)
        return self._steps

    if TYPE_CHECKING:

        @overload
        def __getitem__(self, index: int) -> TraceStep: ...
        @overload
        def __getitem__(self, index: slice) -> tuple[TraceStep, ...]: ...

    def __getitem__(self, index: int | slice) -> TraceStep | tuple[TraceStep, ...]:
        return self.steps()[index]

    def __len__(self) -> int:
        return len(self._records) if self._steps is None else len(self._steps)

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self.steps())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trace):
            return self.steps() == other.steps()
        return isinstance(other, (tuple, list)) and self.steps() == tuple(other)

    def __hash__(self) -> int:
        return hash(self.steps())

    def __repr__(self) -> str:
        return f"Trace({list(self.steps())!r})"

    def __deepcopy__(self, memo: dict) -> Trace:
        return self  # immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (Trace.of, (self.steps(),))


def _render(
    step: str, outcome: str, text: str, args: tuple[Any, ...] | None, where: str | None, task: str | None
) -> TraceStep:
    return TraceStep(step, outcome, _message(text, args, task), where, task)


def _message(text: str, args: tuple[Any, ...] | None, task: str | None) -> str:
    """A step's words: its template filled in, after the task it names."""
    message = text if args is None else text.format(*args)
    return message if task is None else f"{task}: {message}"


class Candidate(NamedTuple):
    """A later strategy's answer, kept beside the winner."""

    task: str
    strategy: str
    where: str | None


class Resolution(Frozen):
    """What the rules concluded about one model reference.

    A frozen record as a frozen dataclass was (`dataclasses.fields`, `replace` and `asdict` work on
    it); `trace` and `rules` are left out of the repr, `rules` out of equality, hashing and pickles.
    """

    ref: str | None
    task: str
    library: str
    framework: str | None
    frameworks: tuple[str, ...]
    loader: str | None
    strategy: str
    where: str | None
    model_type: str | None = None
    architecture: str | None = None
    source: str = "evidence"
    subfolder: str | None = None
    component: bool = False
    candidates: tuple[Candidate, ...] = ()
    # "specific" (an exact class, a known head, a layout's lookup, the Hub's tag) or "default" (a
    # library's default task, a generic fallback case): the answer of last resort
    specificity: str = "specific"
    # the Hub's answers that contradict a specific answer of the rules (the rules keep theirs)
    disagreements: tuple[Candidate, ...] = ()
    trace: Trace  # default: an empty Trace() (see _factories)
    revision: str | None = None  # the Hub revision the evidence came from; loading uses the same one
    base_model: str | None = None  # the model this one builds on (a PEFT adapter's base), when the files name it
    # how to run it on an LLM server: runner, pooling task and mode (rules/serving.yaml)
    serving: Serving = Serving()
    # the rule set that made it, so load() uses the same one; not data: left out of equality, to_dict and pickles
    rules: Any = None

    _factories: ClassVar[dict[str, Any]] = {"trace": Trace}
    _hidden: ClassVar[frozenset[str]] = frozenset({"trace", "rules"})
    _uncompared: ClassVar[frozenset[str]] = frozenset({"rules"})

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        data = {name: value for name, value in self.__dict__.items() if name != "rules"}
        data["frameworks"] = list(self.frameworks)
        data["candidates"] = [candidate._asdict() for candidate in self.candidates]
        data["disagreements"] = [found._asdict() for found in self.disagreements]
        data["serving"] = self.serving._asdict()
        data["trace"] = self.trace.as_dicts()
        return data

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name != "rules"}

    def model_class(self, *, trust_remote_code: bool | None = None) -> Any:
        """The class (or factory such as timm.create_model) that loads this model; imports its library now."""
        from resolver.loading.calls import model_class

        return model_class(self, trust_remote_code=trust_remote_code)

    def load(self, **kwargs: Any) -> Any:
        """Load the model (dtype=, device=, revision=, subfolder=, trust_remote_code=, ...); see resolver.loading."""
        from resolver.loading.calls import load

        return load(self, **kwargs)

    def explain(self) -> str:
        """The trace, one line per step, for people."""
        lines = []
        for step in self.trace:
            where = f"  ({step.where})" if step.where else ""
            lines.append(f"  {step.outcome:<9} {step.step:<22} {step.message}{where}")
        return "\n".join(lines)
