"""Where a batch's requests come from besides input lines: a folder tree (--scan), the HF cache
(--cache) and the Hub's model listing (--hub-list).

Each source is a generator, read as the batch goes, so a tree of a million folders or a listing of a
million repos streams. The listing asks the Hub for many repos' metadata per request (`expand=`)
and stores each repo's record in the metadata cache exactly as a model-info request would have, so
the resolution that follows asks the Hub nothing more unless a rule needs a file the listing does
not carry (model_index.json, a subfolder's config.json).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from resolver.batch.requests import BatchInputError, Request
from resolver.batch.walk import (  # noqa: F401 - the scan's names, as this module has always offered them
    MODULES_FILE,
    PIPELINE_FILE,
    WEIGHT_SUFFIXES,
    ScanTree,
    look_folder,
    model_markers,
    scan_root,
)
from resolver.errors import TaskResolverError

# ------------------------------------------------------------------ --scan DIR


def scan_folders(root: str | os.PathLike, markers: Iterable[str]) -> Iterator[Request]:
    """Every model folder under `root` (itself included), depth first in name order.

    A folder is a model folder when it holds one of `markers` or a weight file. The component folders
    of a diffusers pipeline (named in its model_index.json) are reported as the pipeline's `parts`
    and not as models of their own; the module folders of a sentence-transformers model are skipped.
    Hidden folders (.git, .cache, ...) and symlinked folders (loops) are not entered.
    (The batch's pool walks the tree in its workers instead: worker.scan_block, the same folders.)
    """
    wanted = frozenset(markers)
    stack = [scan_root(root)]
    while stack:
        folder = stack.pop()
        found = look_folder(folder, wanted)
        if found.error is not None:
            yield Request(ref=folder, error=found.error)
        elif found.model:
            yield Request(ref=folder, parts=found.parts)
        stack.extend(found.children)


# ------------------------------------------------------------------ --cache


def cache_snapshots(cache_dir: str | os.PathLike | None = None) -> Iterator[Request]:
    """Every model snapshot in the HF cache, as `repo_id@commit`, resolved offline.

    Damaged cache entries come out as error requests (CorruptedCacheException), not as a stop.
    """
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    from resolver.evidence.hub.store import HubSettings

    where = Path(cache_dir).expanduser() if cache_dir is not None else HubSettings.from_env().cache_dir
    try:
        info = scan_cache_dir(where)
    except CacheNotFound:
        raise BatchInputError(
            f"--cache: no HF cache at {where}", hint="pass --cache-dir, or set HF_HUB_CACHE / HF_HOME"
        ) from None
    for problem in info.warnings:
        yield Request(ref=str(problem), error=CacheProblem(f"damaged cache entry: {problem}", hint="`hf cache scan`"))
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda r: r.commit_hash):
            yield Request(
                ref=repo.repo_id,
                revision=revision.commit_hash,
                offline=True,
                label=f"{repo.repo_id}@{revision.commit_hash}",
            )


class CacheProblem(TaskResolverError):
    """An entry of the HF cache that huggingface_hub cannot read (a damaged or partial download)."""


# ------------------------------------------------------------------ --hub-list


class HubListing:
    """The Hub's model listing (GET /api/models, `expand=` the fields the rules read, pages followed
    through the Link header as huggingface_hub's paginate does), each repo's record put in the
    metadata cache, and one Request per repo, pinned to the commit listed.

    list_models() would re-shape the raw fields into ModelInfo objects; the reader's record wants them
    as the Hub sends them, so the pages are read raw, with the same parameters list_models sends.
    """

    def __init__(
        self,
        *,
        author: str | None = None,
        library: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        token: str | bool | None = None,
        cache_dir: str | os.PathLike | None = None,
        backoff: Any = None,
        attempts: int = 5,
    ) -> None:
        self.author, self.library, self.search, self.limit = author, library, search, limit
        self.token = token
        self.cache_dir = cache_dir
        if backoff is None:
            from resolver.batch.run import Backoff

            backoff = Backoff()
        self.backoff = backoff
        self.attempts = attempts
        self.pages = 0  # requests made, for the summary

    def params(self) -> dict[str, Any]:
        from resolver.evidence.hub.network import EXPAND

        params: dict[str, Any] = {"expand": list(EXPAND)}
        if self.author:
            params["author"] = self.author
        if self.library:
            params["filter"] = self.library  # list_models(filter=...): the library is one of the repo's tags
        if self.search:
            params["search"] = self.search
        if self.limit is not None:
            params["limit"] = self.limit
        return params

    def __iter__(self) -> Iterator[Request]:
        from resolver.evidence.hub.store import HubSettings

        settings = HubSettings.from_env(cache_dir=self.cache_dir, offline=False)
        url: str | None = f"{settings.endpoint}/api/models"
        params: dict[str, Any] | None = self.params()
        count = 0
        while url is not None:
            try:
                response = self._get(url, params, settings)
            except TaskResolverError as error:
                yield Request(ref=f"hub-list page {self.pages + 1}", error=error)
                return
            params = None  # the next link carries them
            page = response.json()
            if not isinstance(page, list):
                yield Request(
                    ref=f"hub-list page {self.pages}",
                    error=BatchInputError(
                        "the Hub's model listing is not a JSON list",
                        hint="check HF_ENDPOINT: it must serve /api/models",
                    ),
                )
                return
            for item in page:
                yield self._request(item, settings)
                count += 1
                if self.limit is not None and count >= self.limit:
                    return
            url = response.links.get("next", {}).get("url")

    def _get(self, url: str, params: Mapping[str, Any] | None, settings: Any) -> Any:
        """One page, retried (with the shared back-off) while the Hub answers 429 or fails with a 5xx."""
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        from resolver.evidence.hub.deadline import retry_after_seconds
        from resolver.evidence.hub.errors import HubError
        from resolver.evidence.hub.network import map_hf_error
        from resolver.support.about import __version__

        headers = build_hf_headers(token=self.token, library_name="task-resolver", library_version=__version__)
        attempt = 0
        while True:
            attempt += 1
            self.backoff.wait()
            self.pages += 1
            try:
                response = get_session().get(url, params=params, headers=headers, timeout=30.0)
                if response.status_code == 429 and attempt < self.attempts:
                    self.backoff.hit(retry_after_seconds(response.headers.get("retry-after")), attempt)
                    continue
                hf_raise_for_status(response)
                return response
            except Exception as exc:
                mapped = map_hf_error(
                    exc, repo_id="(model listing)", revision=None, settings=settings, token=self.token
                )
                if isinstance(mapped, HubError):
                    raise mapped from exc
                if attempt >= self.attempts or mapped.delay is None:
                    raise mapped.error from exc
                self.backoff.hit(mapped.delay, attempt)

    def _request(self, item: Any, settings: Any) -> Request:
        from resolver.evidence.hub.errors import HubError
        from resolver.evidence.hub.network import parse_model_info
        from resolver.evidence.hub.store import save_record

        repo_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(repo_id, str) or not repo_id:
            return Request(
                ref="(unnamed listing entry)",
                error=BatchInputError("a listing entry has no repo id", hint="check HF_ENDPOINT"),
            )
        try:
            record = parse_model_info(_Page(item), repo_id=repo_id, revision=None)
        except HubError as error:
            return Request(ref=repo_id, error=error)
        save_record(settings, repo_id, record, "main")
        return Request(ref=repo_id, revision=record["sha"], label=repo_id, record=record)


class _Page:
    """A listing entry in the shape parse_model_info reads (a response with .json())."""

    headers: dict[str, str] = {}

    def __init__(self, item: Mapping[str, Any]) -> None:
        self._item = item

    def json(self) -> Mapping[str, Any]:
        return self._item
