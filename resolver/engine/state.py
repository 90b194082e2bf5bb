"""The state of one resolution: the facts the rule conditions read, plus the trace being written."""

from __future__ import annotations

from _collections_abc import Mapping  # what collections.abc re-exports, without importing all of collections

from resolver.conditions.language import CONFIG_FILE, Facts
from resolver.engine.detect import detect_library
from resolver.engine.resolution import TraceRecord
from resolver.evidence.objects import ClassChain

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from resolver.conditions.needs import Needs
    from resolver.evidence.model import Evidence
    from resolver.rulebook.compiled import CompiledRules


_NO_CONFIG: dict[str, Any] = {}  # State.config without a config.json: shared, so never written to (nothing does)


class Answer:
    """A strategy's answer; `message` is a str.format template over `args`, formatted only if the trace is read."""

    __slots__ = ("task", "message", "where", "architecture", "component", "args")

    def __init__(
        self,
        task: str,
        message: str,
        where: str | None,
        architecture: str | None = None,
        component: bool = False,
        args: tuple[Any, ...] = (),
    ) -> None:
        self.task = task
        self.message = message
        self.where = where
        self.architecture = architecture
        self.component = component
        self.args = args

    def __repr__(self) -> str:
        return f"Answer({self.task!r}, {self.message!r}, {self.where!r}, architecture={self.architecture!r})"


class State(Facts):
    """Everything one resolution reads and writes; it is also the Facts the rule conditions look at.

    No __getattr__ or property on the hot attributes: either would keep CPython from specialising
    every attribute read of a State (DeferredLibraryState has its one property in a subclass).
    `library` is left to the caller: the engine sets it (to None, then what detection says) before
    any rule reads it.
    """

    __slots__ = (
        "rules",
        "evidence",
        "config",
        "task",
        "task_given",
        "trace",
        "component",
        "layout_class",
        "layout_loader",
        "base_model",
        "plan",
    )

    def __init__(
        self,
        rules: CompiledRules,
        evidence: Evidence,
        task: str | None,
        task_given: str | None,
        strategies: Mapping[str, tuple[Callable[[State], Answer | None], Needs]],
    ):
        self.files = files = evidence.files
        self.docs = documents = evidence.documents
        self.hub = hub = evidence.hub
        self.classes = classes = evidence.classes
        self.architecture = None
        self._class_text = None
        self.rules = rules
        self.evidence = evidence
        config = documents.get(CONFIG_FILE)  # config.json as a mapping ({} when absent), read by several strategies
        if config is None or not (type(config) is dict or isinstance(config, Mapping)):
            config = _NO_CONFIG
        self.config = config  # type: ignore[misc]  # a slot of State, where Facts computes it
        self.task = task
        self.task_given = task_given
        self.trace: list[TraceRecord] = []
        # facts the layouts report whether or not they name the task
        self.component = False
        self.layout_class: str | None = None
        self.layout_loader: tuple[str, str] | None = None  # (import path, where): a layout's own loader class
        self.base_model: str | None = None
        # a class chain has classes when it names one (its truth would be a Python-level __len__)
        has_classes = classes.name is not None if type(classes) is ClassChain else bool(classes)
        self.plan = rules.plan_for(files, documents, has_classes, bool(hub), strategies, task is not None)

    def class_text(self) -> tuple[str, str]:
        """`Facts.class_text`; a class chain joins its names and modules straight from the classes."""
        text = self._class_text
        if text is None:
            classes = self.classes
            text = self._class_text = classes.texts() if type(classes) is ClassChain else Facts.class_text(self)
        return text

    def record(
        self, step: str, outcome: str, message: str, *args: Any, where: str | None = None, task: str | None = None
    ) -> None:
        """Add a trace step; with `args`, `message` is a str.format template formatted when the trace is read."""
        self.trace.append((step, outcome, message, args or None, where, task))


class DeferredLibraryState(State):
    """A State whose library is detected when a rule first reads it (infer_task: most answers never do)."""

    __slots__ = ("_library",)
    _library: str | None  # unset until detected

    @property  # Facts' slot, read through the detection it may wait for
    def library(self) -> str | None:
        """The library, detected on the first read (until then `_library` is unset)."""
        try:
            return self._library
        except AttributeError:
            library = self._library = detect_library(self, None)
            return library

    @library.setter
    def library(self, value: str | None) -> None:
        self._library = value
