"""Evidence for a Hub repo id: one model-info request, a file only when the summary is not enough,
and the local cache when offline or when the Hub cannot be reached.

Order of business for `org/name@revision`:

1. offline (argument, $HF_HUB_OFFLINE): evidence from the cache, or OfflineNoCache;
2. a pinned commit sha already in the metadata cache: no request at all;
3. one model-info request with `expand` (sha, siblings, config summary, pipeline_tag, library_name,
   transformersInfo, cardData, tags); on a connection error, time-out, 5xx, 429 or a malformed
   answer (after bounded retries), fall back to the cache and say so in the evidence notes;
4. documents the rules read: the Hub's config summary stands in for config.json when it decides the
   same way; anything else (model_index.json, subfolder/config.json, ...) comes from the HF snapshot
   cache or one `hf_hub_download` (a download the Hub cannot deliver falls back to the cache too).

Steps 3 and 4 share one deadline (`timeout`, $TASK_RESOLVER_HUB_TIMEOUT, 30 s by default): past it,
the cache answers if it can, else HubTimeout. A cached record of the wrong shape is ignored (and
replaced by a fresh one when online), with a note in the evidence.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from resolver.errors import EvidenceError
from resolver.evidence.folder import from_folder, read_json_document
from resolver.evidence.hub.deadline import Deadline
from resolver.evidence.hub.errors import (
    GatedRepo,
    HubError,
    HubRequestError,
    HubTimeout,
    HubUnavailable,
    MalformedHubResponse,
    OfflineNoCache,
    RateLimited,
    RepoNotFound,
    RevisionNotFound,
    ways_out,
)
from resolver.evidence.hub.store import (
    HubSettings,
    cached_commit,
    is_commit_sha,
    read_record,
    save_record,
    snapshot_dir,
)
from resolver.evidence.model import Evidence

if TYPE_CHECKING:
    from resolver.rulebook.compiled import CompiledRules

__all__ = [
    "GatedRepo",
    "HubError",
    "HubRequestError",
    "HubTimeout",
    "HubUnavailable",
    "MalformedHubResponse",
    "OfflineNoCache",
    "RateLimited",
    "RepoNotFound",
    "RevisionNotFound",
    "evidence_from_hub",
    "summary_suffices",
]

CONFIG_FILE = "config.json"
_SUMMARY_KEYS = ("architectures", "auto_map", "model_type")
# Failures after which the cache is worth trying; the others (not found, gated, bad revision) are answers.
_FALL_BACK_ON = (HubUnavailable, MalformedHubResponse)


def evidence_from_hub(
    repo_id: str,
    *,
    documents_needed: Iterable[str],
    subfolder: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
    offline: bool | None = None,
    cache_dir: str | os.PathLike | None = None,
    rules: CompiledRules | None = None,
    timeout: float | None = None,
    verbose: bool = False,
) -> Evidence:
    """Evidence about a Hub model repo: its file list, the JSON documents the rules read, and the Hub's metadata.

    `rules` (optional) lets the config summary be checked against the architecture tables; without
    it the summary is used whenever it names architectures, auto_map or model_type.
    `timeout`: seconds for everything asked of the Hub, retries included (None: $TASK_RESOLVER_HUB_TIMEOUT,
    else 30); past it the cache answers if it holds the model, else HubTimeout. `verbose`: let
    huggingface_hub's retry messages through to stderr, and log this package's own retries.
    """
    deadline = Deadline(timeout, verbose=verbose)
    settings = HubSettings.from_env(cache_dir=cache_dir, offline=offline)
    needed = frozenset(documents_needed)
    subfolder = subfolder.strip("/") or None if subfolder else None
    gather = _Gather(repo_id, revision, subfolder, needed, token, settings, rules, deadline)
    if settings.offline:
        return gather.from_cache(settings.offline_reason, OfflineNoCache(settings.offline_reason, repo_id=repo_id))
    if is_commit_sha(revision):
        record = gather.cached_record(revision)
        if record is not None:
            return gather.build(record, source="hub", notes=[gather.describe(record, "the metadata cache, no request")])
    try:
        record = _fetch(repo_id, revision, token, settings, deadline)
        return gather.build(
            record, source="hub", notes=[gather.describe(record, "the Hub (one model-info request)")], fresh=True
        )
    except _FALL_BACK_ON as error:
        return gather.from_cache(error.message, error)


def _fetch(
    repo_id: str, revision: str | None, token: str | bool | None, settings: HubSettings, deadline: Deadline
) -> dict[str, Any]:
    from resolver.evidence.hub.network import fetch_model_info

    return fetch_model_info(repo_id, revision=revision, token=token, settings=settings, deadline=deadline)


def summary_suffices(summary: Mapping[str, Any] | None, rules: CompiledRules | None = None) -> bool:
    """True when the Hub's config summary decides like the full config.json would.

    Without rules: it names architectures, auto_map or model_type. With rules: besides, no listed
    architecture falls through to a suffix pattern before one is found in a table (patterns may read
    any config key, e.g. vision_config, which the summary leaves out), and no custom code's auto_map
    is left to those patterns.
    """
    if not isinstance(summary, Mapping) or not any(summary.get(key) for key in _SUMMARY_KEYS):
        return False
    if rules is None:
        return True
    architectures = summary.get("architectures")
    names = [architectures] if isinstance(architectures, str) else architectures
    for name in names if isinstance(names, list) else ():
        if not isinstance(name, str):
            continue
        if rules.lookup_tables(name):
            return True
        if any(pattern.matches(name) for pattern in rules.patterns):
            return False
    # custom code: its auto classes are read through the same patterns (AutoModelForCausalLM -> ForCausalLM)
    auto_map = summary.get("auto_map")
    heads = (
        [key[len("AutoModel") :] for key in auto_map if key.startswith("AutoModel")]
        if isinstance(auto_map, dict)
        else []
    )
    return not any(head and pattern.matches(head) for head in heads for pattern in rules.patterns)


class _Gather:
    """One evidence-gathering run: the repo, what was asked, and where things are cached."""

    def __init__(
        self,
        repo_id: str,
        revision: str | None,
        subfolder: str | None,
        needed: frozenset[str],
        token: str | bool | None,
        settings: HubSettings,
        rules: CompiledRules | None,
        deadline: Deadline,
    ) -> None:
        self.repo_id = repo_id
        self.revision = revision
        self.asked = revision or "main"
        self.subfolder = subfolder
        self.needed = needed
        self.token = token
        self.settings = settings
        self.rules = rules
        self.deadline = deadline
        self.problems: list[str] = []  # cached records ignored on the way, for the evidence notes

    def cached_record(self, sha: str) -> dict[str, Any] | None:
        """The metadata cache's record for a commit; a damaged one is ignored and noted."""
        record, problem = read_record(self.settings, self.repo_id, sha)
        if problem is not None and problem not in self.problems:
            self.problems.append(problem)
        return record

    def describe(self, record: Mapping[str, Any], origin: str) -> str:
        return f"Hub metadata of {self.repo_id} at {self.asked} (commit {record['sha'][:12]}) from {origin}"

    # -------------------------------------------------------------- online (or a cached record)

    def build(
        self, record: dict[str, Any], *, source: str, notes: list[str], fresh: bool = False, online: bool = True
    ) -> Evidence:
        """Evidence from a model-info record, fetching missing documents when `online`."""
        notes = [*self.problems, *notes]
        sha = record["sha"]
        files = self._files(record["siblings"], sha)
        summary = record["info"].get("config")
        stored: dict[str, Any] = record.setdefault("documents", {})
        changed = fresh
        documents: dict[str, Any] = {}
        for name in sorted(self.needed):
            path = posixpath.normpath(f"{self.subfolder}/{name}") if self.subfolder else name
            # ../name: the enclosing folder's file (a diffusers component reads its pipeline's model_index.json)
            from_parent = name.startswith("../") and bool(self.subfolder) and path in record["siblings"]
            if name not in files and not from_parent:
                continue
            has_summary = path == CONFIG_FILE and isinstance(summary, dict) and bool(summary)
            if has_summary and path not in stored and summary_suffices(summary, self.rules):
                documents[name] = dict(summary)
                notes.append(f"config.json: the Hub's summary of it ({_keys(summary)}); not downloaded")
                continue
            if path in stored:
                documents[name] = stored[path]
                continue
            value, origin = self._document(path, sha, online=online)
            if value is _MISSING and has_summary:
                documents[name] = dict(summary)
                notes.append(f"config.json {origin}: the Hub's summary of it ({_keys(summary)}) stands in")
                continue
            if value is _MISSING:
                notes.append(f"{path} is listed on the Hub but {origin}; resolved without it")
                continue
            notes.append(f"{path}: {origin}")
            documents[name] = stored[path] = value
            changed = True
        if changed and online:
            save_record(self.settings, self.repo_id, record, self.revision or "main")
        return Evidence(
            source=source,
            ref=self.repo_id,
            files=files,
            documents=documents,
            hub=_hub_fields(record),
            subfolder=self.subfolder,
            revision=sha,
            notes=tuple(notes),
        )

    def _files(self, siblings: list[str], sha: str) -> frozenset[str]:
        if not self.subfolder:
            return frozenset(siblings)
        prefix = self.subfolder + "/"
        files = frozenset(path[len(prefix) :] for path in siblings if path.startswith(prefix))
        if not files:
            folders = sorted({path.split("/", 1)[0] for path in siblings if "/" in path})
            known = f"; its folders: {', '.join(folders)}" if folders else "; it has no folders"
            raise EvidenceError(
                f"{self.repo_id} has no subfolder {self.subfolder!r} at {self.asked} (commit {sha[:12]})",
                hint=f"check --subfolder{known}",
            )
        return files

    def _document(self, path: str, sha: str, *, online: bool) -> tuple[Any, str]:
        """One JSON document and where it came from: the HF snapshot cache, else a download (when online)."""
        local = snapshot_dir(self.settings, self.repo_id, sha) / path
        origin = "read from the HF cache"
        if not local.is_file():
            if not online:
                return _MISSING, "is not in the local cache"
            from resolver.evidence.hub.network import download_file

            downloaded = download_file(
                self.repo_id, path, sha=sha, token=self.token, settings=self.settings, deadline=self.deadline
            )
            if downloaded is None:
                return _MISSING, "the Hub does not serve it"
            local, origin = downloaded, "downloaded (hf_hub_download)"
        return read_json_document(local, f"{self.repo_id}@{sha[:12]}:{path}"), origin

    # -------------------------------------------------------------- offline

    def from_cache(self, reason: str, error: HubError) -> Evidence:
        """Evidence from the local caches only, or `error` reworded to say nothing is cached."""
        sha = cached_commit(self.settings, self.repo_id, self.asked)
        record = self.cached_record(sha) if sha else None
        snapshot = snapshot_dir(self.settings, self.repo_id, sha) if sha else None
        where = f"{self.repo_id} at {self.asked}" + (f" (commit {sha[:12]})" if sha else "")
        note = f"offline cache: {reason}; resolved {where} from the local cache, without the Hub"
        if isinstance(error, HubTimeout):
            note += " (--offline skips the wait)"
        if record is not None:
            return self.build(record, source="cache", notes=[note], online=False)
        if snapshot is not None and snapshot.is_dir():
            evidence = from_folder(snapshot, self.needed, subfolder=self.subfolder)
            partial = "the snapshot's files only (no Hub metadata was cached)"
            notes = (*self.problems, f"{note}: {partial}")
            return evidence.replace(source="cache", ref=self.repo_id, revision=sha, notes=notes)
        ignored = f"; {'; '.join(self.problems)}" if self.problems else ""
        retry = {"retry_after": error.retry_after} if isinstance(error, RateLimited) else {}
        raise type(error)(
            f"{error.message}, and {self.repo_id} at {self.asked} is not in the local cache "
            f"({self.settings.cache_dir}){ignored}",
            repo_id=self.repo_id,
            status=error.status,
            hint=f"{error.hint}; or pass the task yourself with --task" if error.hint else ways_out(self.repo_id),
            **retry,
        ) from (error.__cause__ or error)


_MISSING = object()


def _keys(summary: Mapping[str, Any]) -> str:
    return ", ".join(key for key in _SUMMARY_KEYS if key in summary) or "no architectures"


def _hub_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """Evidence.hub: the Hub's fields the rules read, the commit, and the card's base_model."""
    info = record["info"]
    hub = {
        key: info[key]
        for key in ("pipeline_tag", "library_name", "transformersInfo", "cardData", "tags", "config", "gguf")
        if key in info
    }
    hub["sha"] = record["sha"]
    card = info.get("cardData")
    if isinstance(card, Mapping) and card.get("base_model") is not None:
        hub["base_model"] = card["base_model"]
    return hub
