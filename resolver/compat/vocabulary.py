"""A Resolution in another tool's words: `resolve(ref, vocab="optimum")`, `--vocab optimum`.

The translated Resolution loses nothing: `task` is the vocabulary's name, `hub_task` the rules' own
(the Hub's pipeline tag), `vocabulary` says which one, the trace ends with the rule that named it,
and `model_class()` / `load()` still load through the Hub task.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from resolver.conditions.language import Facts
from resolver.engine.resolution import Resolution, Trace, TraceStep
from resolver.errors import ResolutionError
from resolver.rulebook.vocabularies import HUB, Translation, vocabularies

if TYPE_CHECKING:
    from resolver.evidence.model import Evidence


@dataclass(frozen=True)
class VocabularyResolution(Resolution):
    """A Resolution whose `task` is spelled in `vocabulary`; `hub_task` is the rules' own name."""

    vocabulary: str = HUB
    hub_task: str = ""

    def as_hub(self) -> Resolution:
        """The same Resolution with the rules' own task name."""
        values = {f.name: getattr(self, f.name) for f in fields(Resolution)}
        values["task"] = self.hub_task or self.task
        values["trace"] = Trace.of([step for step in self.trace if step.step != "vocabulary"])
        return Resolution(**values)

    def model_class(self, *, trust_remote_code: bool | None = None) -> Any:
        return self.as_hub().model_class(trust_remote_code=trust_remote_code)

    def load(self, **kwargs: Any) -> Any:
        return self.as_hub().load(**kwargs)


def facts_for(resolution: Resolution, evidence: Evidence | None = None) -> Facts:
    """What vocabulary conditions read: the evidence when at hand, else what the Resolution knows."""
    if evidence is not None:
        return Facts(
            files=evidence.files,
            docs=evidence.documents,
            hub=evidence.hub,
            classes=evidence.classes,
            architecture=resolution.architecture,
            library=resolution.library,
        )
    config: dict[str, Any] = {"model_type": resolution.model_type} if resolution.model_type else {}
    if resolution.architecture:
        config["architectures"] = [resolution.architecture]
    return Facts(docs={"config.json": config}, architecture=resolution.architecture, library=resolution.library)


def translate(resolution: Resolution, vocab: str, evidence: Evidence | None = None, rules: Any = None) -> Translation:
    """The resolution's task in `vocab` (raises UnknownVocabularyError for a vocabulary the rules lack)."""
    rules = rules if rules is not None else resolution.rules
    task = resolution.hub_task if isinstance(resolution, VocabularyResolution) else resolution.task
    return vocabularies(rules).get(vocab).translate(task, facts_for(resolution, evidence))


def in_vocabulary(
    resolution: Resolution, vocab: str | None, evidence: Evidence | None = None, rules: Any = None
) -> Resolution:
    """The resolution with its task spelled in `vocab` (None or "hub": unchanged).

    A task the vocabulary has no name for raises ResolutionError (exit code 1), with the trace.
    """
    if vocab is None:
        return resolution
    rules = rules if rules is not None else resolution.rules
    vocabulary = vocabularies(rules).get(vocab)
    if vocabulary.name == HUB:
        return resolution
    found = translate(resolution, vocabulary.name, evidence, rules)
    if found.name is None:
        raise ResolutionError(
            f"{found.describe()} (the model resolved to {found.task})",
            hint=f"use the Hub's name ({found.task}), or add one under `{vocabulary.name}` in a vocabularies rule file",
            trace=[*resolution.trace, TraceStep("vocabulary", "passed", found.describe(), found.where, None)],
        )
    message = found.describe()
    if found.suffix_where:
        message += f" (suffix rule {found.suffix_where})"
    step = TraceStep("vocabulary", "answered", f"{found.name}: {message}", found.where, found.name)
    values = {f.name: getattr(resolution, f.name) for f in fields(Resolution)}
    values.update(task=found.name, trace=Trace.of([*resolution.trace, step]))
    return VocabularyResolution(**values, vocabulary=vocabulary.name, hub_task=found.task)
