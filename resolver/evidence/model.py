"""Evidence: the plain facts about a model, the only thing the engine reads. Gathered once by the readers beside this module (folder, objects, hub/), the only code that does I/O; resolving evidence is pure and can be tested with dicts."""

from __future__ import annotations

from _collections_abc import Mapping  # what collections.abc re-exports, without importing all of collections

from resolver.support.frozen import Frozen

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the resolve path imports neither typing nor dataclasses
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, ClassVar


class Evidence(Frozen):
    """Facts about one model reference. `documents` maps a path (relative to the model root) to parsed JSON.

    A frozen record as a frozen dataclass was (`dataclasses.fields`, `replace` and `asdict` work on it).
    """

    source: str  # folder | hub | cache | object | class | evidence
    ref: str | None = None
    files: frozenset[str] = frozenset()
    documents: Mapping[str, Any]  # default: a new {} (see _factories)
    hub: Mapping[str, Any]  # default: a new {}
    # (name, module): the class, then its bases (MRO); from a class object, a ClassChain read on demand
    classes: Sequence[tuple[str, str]] = ()
    subfolder: str | None = None
    revision: str | None = None
    notes: tuple[str, ...] = ()

    _factories: ClassVar[dict[str, Any]] = {"documents": dict, "hub": dict}

    @property
    def config(self) -> Mapping[str, Any]:
        config = self.documents.get("config.json")
        return config if isinstance(config, Mapping) else {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        """Evidence from plain data, e.g. `{"config": {...}, "files": [...], "hub": {...}, "class": "X"}`."""
        documents = dict(data.get("documents") or {})
        if data.get("config") is not None:
            documents["config.json"] = data["config"]
        files = set(data.get("files") or ())
        files.update(documents)
        classes: tuple[tuple[str, str], ...] = ()
        if data.get("class"):
            classes = ((data["class"], data.get("module", "")),)
        if data.get("architecture"):  # an architecture beside a config snippet goes into that config
            config = dict(documents.get("config.json") or {})
            config.setdefault("architectures", [data["architecture"]])
            documents["config.json"] = config
            files.add("config.json")
        return cls(
            source=data.get("source", "evidence"),
            ref=data.get("ref"),
            files=frozenset(files),
            documents=documents,
            hub=dict(data.get("hub") or {}),
            classes=classes,
            subfolder=data.get("subfolder"),
        )
