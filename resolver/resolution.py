"""The answer: task, library, framework, loader, and the trace of the rules that gave them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple


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


@dataclass(frozen=True)
class Candidate:
    task: str
    strategy: str
    where: str | None


@dataclass(frozen=True)
class Resolution:
    """What the rules concluded about one model reference."""

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
    trace: tuple[TraceStep, ...] = field(default_factory=tuple, repr=False)
    revision: str | None = None  # the Hub revision the evidence came from; loading uses the same one
    base_model: str | None = None  # the model this one builds on (a PEFT adapter's base), when the files name it

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        data = asdict(self)
        data["frameworks"] = list(self.frameworks)
        data["trace"] = [step._asdict() for step in self.trace]
        return data

    def model_class(self, *, trust_remote_code: bool | None = None) -> Any:
        """The class (or factory such as timm.create_model) that loads this model; imports its library now."""
        from .loading import model_class

        return model_class(self, trust_remote_code=trust_remote_code)

    def load(self, **kwargs: Any) -> Any:
        """Load the model (dtype=, device=, revision=, subfolder=, trust_remote_code=, ...); see resolver.loading."""
        from .loading import load

        return load(self, **kwargs)

    def explain(self) -> str:
        """The trace, one line per step, for people."""
        lines = []
        for step in self.trace:
            where = f"  ({step.where})" if step.where else ""
            lines.append(f"  {step.outcome:<9} {step.step:<22} {step.message}{where}")
        return "\n".join(lines)
