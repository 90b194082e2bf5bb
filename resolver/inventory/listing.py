"""What `inspect` knows of a model's files: their paths and sizes, and their JSON documents and GGUF
headers where they are at hand.

A folder (or a cache snapshot): every file is stat'ed for its size and read in place. A Hub repo: the
file list of its evidence, the sizes from one model-info request with files metadata (the cache
snapshot's files when offline), documents from the HF cache or one download each, GGUF headers only
for files already in the cache (the list of names is all the Hub gives without a download).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolver.errors import EvidenceError, TaskResolverError
from resolver.evidence.folder import read_json_document
from resolver.evidence.gguf import read_metadata, summary
from resolver.evidence.model import Evidence

_MISSING = object()


@dataclass
class Listing:
    """The files of one model reference. `root`: a local folder holding them (a folder, or the cache
    snapshot of a Hub repo), None when no local copy exists."""

    ref: str
    source: str
    files: frozenset[str]
    sizes: dict[str, int]
    root: Path | None = None
    revision: str | None = None
    hub: Any = None  # (repo_id, sha, token, settings, deadline) of a Hub repo, to download documents
    notes: list[str] = field(default_factory=list)
    _documents: dict[str, Any] = field(default_factory=dict)

    def size_of(self, paths: list[str] | tuple[str, ...]) -> int | None:
        """The bytes of `paths` together; None when any of them has no known size."""
        total = 0
        for path in paths:
            size = self.sizes.get(path)
            if size is None:
                return None
            total += size
        return total

    def under(self, folder: str) -> list[str]:
        """The files below `folder` ("" or "." for all), sorted."""
        if folder in ("", "."):
            return sorted(self.files)
        prefix = folder.rstrip("/") + "/"
        return sorted(path for path in self.files if path.startswith(prefix))

    def local(self, path: str) -> Path | None:
        if self.root is None:
            return None
        candidate = self.root / path
        return candidate if candidate.is_file() else None

    def document(self, path: str) -> Any:
        """The parsed JSON of one listed file; None when it is not listed, cannot be had, or is broken (a note)."""
        if path not in self.files:
            return None
        cached = self._documents.get(path, _MISSING)
        if cached is not _MISSING:
            return cached
        value = None
        try:
            local = self.local(path)
            if local is None and self.hub is not None:
                local = self._download(path)
            if local is not None:
                value = read_json_document(local, f"{self.ref}:{path}" if self.hub else str(local))
            else:
                self.notes.append(f"{path} is listed but not at hand (not in the local cache): not read")
        except EvidenceError as error:
            self.notes.append(f"{path} not read: {error.message}")
            value = None
        self._documents[path] = value
        return value

    def _download(self, path: str) -> Path | None:
        from resolver.evidence.hub.errors import HubError
        from resolver.evidence.hub.network import download_file

        repo_id, sha, token, settings, deadline = self.hub
        if settings.offline:
            return None
        try:
            return download_file(repo_id, path, sha=sha, token=token, settings=settings, deadline=deadline)
        except HubError as error:
            self.notes.append(f"{path} could not be downloaded: {error.message}")
            return None

    def gguf_header(self, path: str) -> dict[str, Any] | None:
        """The facts of a GGUF file's header (gguf.summary) when the file is at hand; None otherwise (a note if unreadable)."""
        local = self.local(path)
        if local is None:
            return None
        try:
            return summary(read_metadata(local, shown=path))
        except EvidenceError as error:
            # the same words as the folder reader's note on this file, so the inventory lists it once
            self.notes.append(f"GGUF header of {path} not read: {error.message}")
            return None


def folder_listing(evidence: Evidence) -> Listing:
    """The listing of a local folder (or cache snapshot) from its evidence: every file stat'ed."""
    root = Path(evidence.ref or ".")
    if evidence.subfolder:
        root = root / evidence.subfolder
    sizes: dict[str, int] = {}
    for path in evidence.files:
        try:
            sizes[path] = os.stat(root / path).st_size
        except OSError:
            pass  # a broken link: its size is unknown
    return Listing(
        ref=str(evidence.ref), source=evidence.source, files=evidence.files, sizes=sizes, root=root, notes=[]
    )


def hub_listing(
    evidence: Evidence,
    *,
    token: str | bool | None = None,
    offline: bool | None = None,
    cache_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
) -> Listing:
    """The listing of a Hub repo from its evidence, sizes from the Hub (or the cache snapshot's files)."""
    from resolver.evidence.hub.deadline import Deadline
    from resolver.evidence.hub.errors import HubError
    from resolver.evidence.hub.store import HubSettings, snapshot_dir

    repo_id, sha = str(evidence.ref), evidence.revision
    settings = HubSettings.from_env(cache_dir=cache_dir, offline=offline)
    deadline = Deadline(timeout)
    snapshot = snapshot_dir(settings, repo_id, sha) if sha else None
    root = snapshot if snapshot is not None and snapshot.is_dir() else None
    notes: list[str] = []
    sizes: dict[str, int] = {}
    if evidence.source == "hub" and sha and not settings.offline:
        from resolver.evidence.hub.network import fetch_file_sizes

        try:
            sizes = {
                path: size
                for path, size in fetch_file_sizes(
                    repo_id, revision=sha, token=token, settings=settings, deadline=deadline
                ).items()
                if path in evidence.files
            }
            if not sizes:
                notes.append("the Hub gave no file sizes")
        except HubError as error:
            notes.append(f"file sizes not known: {error.message}")
    if not sizes and root is not None:
        for path in evidence.files:
            try:
                sizes[path] = os.stat(root / path).st_size
            except OSError:
                pass
        if sizes:
            notes.append(f"sizes of the files in the local cache ({len(sizes)} of {len(evidence.files)})")
    return Listing(
        ref=repo_id,
        source=evidence.source,
        files=evidence.files,
        sizes=sizes,
        root=root,
        revision=sha,
        hub=(repo_id, sha, token, settings, deadline) if sha else None,
        notes=notes,
    )


def parent(path: str) -> str:
    """The folder of a path relative to the root ("" for a root file)."""
    return posixpath.dirname(path)


def not_a_model(ref: str, listing: Listing) -> TaskResolverError:
    """The error for a reference in which nothing loads."""
    shown = ", ".join(sorted(listing.files)[:5]) + (" ..." if len(listing.files) > 5 else "")
    held = (
        f"it holds {len(listing.files)} file{'s' if len(listing.files) != 1 else ''} ({shown})"
        if listing.files
        else "it is empty"
    )
    return EvidenceError(
        f"{ref} holds no loadable unit: no config.json, weights, export, GGUF file, pipeline or adapter; {held}",
        hint="pass the folder of a model (the one with config.json or the weights), a cached snapshot or a Hub repo id",
    )
