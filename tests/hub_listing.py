"""The test Hub (tests/hubserver.py) plus the model listing, GET /api/models, as the real Hub serves it.

    with ListingHubServer(page_size=3) as hub:
        hub.add_repo("org/a", {"config.json": {...}}, pipeline_tag="fill-mask")
        HfApi(endpoint=hub.url).list_models(author="org", expand=["sha", "siblings"])

Query parameters: ``author``, ``search`` (a case-insensitive part of the repo id), ``filter`` (a tag
or the library name; repeatable: all must match), ``library``, ``limit`` and ``expand`` /
``expand[]`` (the model-info fields to include, as ``/api/models/{repo}`` does). Pages hold at most
``page_size`` repos (or ``limit``, if smaller); the next page is named by a ``Link: <...>; rel="next"``
header carrying a ``cursor``, as on the Hub, which huggingface_hub's paginate follows. Private repos
are listed only for a valid token. Listing requests are recorded with kind ``"other"``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from hubserver import HubServer, Response, json_response

__all__ = ["ListingHubServer"]


class ListingHubServer(HubServer):
    """HubServer with GET /api/models (the listing), paginated through the Link header."""

    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size
        super().__init__()

    def listing_requests(self) -> int:
        """How many listing pages were asked for."""
        return sum(1 for r in self.requests if r.path.rstrip("/") == "/api/models")

    def _route_locked(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
        if path.rstrip("/") == "/api/models":
            return self._listing(query, headers)
        return super()._route_locked(path, query, headers)

    def _listing(self, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
        auth_header = headers.get("authorization", "")
        auth = auth_header[7:].strip() if auth_header.lower().startswith("bearer ") else None
        valid = auth is not None and auth.startswith("hf_valid")
        author = query.get("author", [None])[-1]
        search = (query.get("search", [""])[-1] or "").lower()
        filters = query.get("filter", []) + query.get("library", [])
        limit = int(query["limit"][-1]) if query.get("limit") else None
        cursor = int(query.get("cursor", ["0"])[-1] or 0)
        expand = query.get("expand", []) + query.get("expand[]", [])
        matching = []
        for repo_id in sorted(self._repos):
            repo = self._repos[repo_id]
            if repo.private and not valid:
                continue
            if author and not repo_id.startswith(f"{author}/"):
                continue
            if search and search not in repo_id.lower():
                continue
            info = repo.commits[repo.refs["main"]].info
            labels = {*(info.get("tags") or []), info.get("library_name")}
            if any(name not in labels for name in filters):
                continue
            matching.append(repo)
        size = min(self.page_size, limit) if limit else self.page_size
        page = matching[cursor : cursor + size]
        items = []
        for repo in page:
            response = self._model_info(repo, "main", {"expand": expand} if expand else {})
            item = json.loads(response.body)
            if not expand:  # the listing's short form
                item = {
                    k: item[k]
                    for k in ("_id", "id", "likes", "downloads", "library_name", "pipeline_tag", "tags")
                    if k in item
                }
            items.append(item)
        extra: dict[str, str] = {}
        if cursor + size < len(matching):
            params: list[tuple[str, Any]] = [(k, v) for k, values in query.items() if k != "cursor" for v in values]
            params.append(("cursor", str(cursor + size)))
            extra["Link"] = f'<{self.url}/api/models?{urlencode(params)}>; rel="next"'
        return json_response(200, items, extra)
