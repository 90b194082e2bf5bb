"""Where a resolved model's files are: a local folder or a Hub repo id, with subfolder, revision and Hub options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.evidence.folder import read_json_document
from resolver.evidence.hub.repo_id import looks_like_repo_id
from resolver.loading.errors import LoadError

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution


@dataclass
class Source:
    """Where to load from: a local folder or a Hub repo id, plus subfolder, revision and Hub options."""

    location: str
    local: bool
    subfolder: str | None = None
    revision: str | None = None
    hub_options: dict[str, Any] = field(default_factory=dict)  # token, cache_dir, local_files_only

    @property
    def root(self) -> Path:
        """The local folder that holds the model's files (the subfolder, when there is one)."""
        base = Path(self.location)
        return base / self.subfolder if self.subfolder else base

    @property
    def name(self) -> str:
        return f"{self.location}/{self.subfolder}" if self.subfolder else self.location

    def read_json(self, name: str) -> Any:
        """A JSON file of the model (`config.json`, `model_index.json`), or None when it has none."""
        if self.local:
            path = self.root / name
            return read_json_document(path, str(path)) if path.is_file() else None
        return self._read_hub_json(name)

    def _read_hub_json(self, name: str) -> Any:
        import json

        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

        try:
            file = hf_hub_download(
                self.location, name, subfolder=self.subfolder or None, revision=self.revision, **self.hub_options
            )
        except LocalEntryNotFoundError:
            return None  # offline and not cached: the library's own loader reports it
        except EntryNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LoadError(f"cannot read {name} of {self.name}: {exc}") from exc
        try:
            return json.loads(Path(file).read_text(encoding="utf-8-sig"))
        except ValueError as exc:
            raise LoadError(f"{name} of {self.name} is not valid JSON: {exc}") from exc


def source_of(
    resolution: Resolution,
    *,
    revision: str | None = None,
    subfolder: str | None = None,
    hub_options: dict[str, Any] | None = None,
) -> Source:
    """Where the resolved model's files are; a LoadError for resolutions of objects already in memory."""
    ref = resolution.ref
    if resolution.source in ("object", "class") or not ref:
        what = "a model already in memory" if resolution.source == "object" else "a class, not a saved model"
        raise LoadError(
            f"nothing to load: this resolution describes {what if ref else 'evidence with no reference'}",
            hint="load from a folder or a Hub repo id: resolver.load_model(path_or_repo_id)",
        )
    subfolder = subfolder if subfolder is not None else resolution.subfolder
    revision = revision if revision is not None else resolution.revision
    path = Path(ref).expanduser()
    if path.is_dir():
        return Source(str(path), True, subfolder or None, revision, dict(hub_options or {}))
    if looks_like_repo_id(ref):
        return Source(ref, False, subfolder or None, revision, dict(hub_options or {}))
    raise LoadError(f"cannot load {ref}: no such folder", hint="pass an existing model folder or a Hub repo id")
