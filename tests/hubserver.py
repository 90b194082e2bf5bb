"""A small Hugging Face Hub-compatible HTTP server for tests (stdlib only).

Point the real ``huggingface_hub`` client at it::

    with HubServer() as hub:
        hub.add_repo("org/model", {"config.json": {"model_type": "bert"}}, pipeline_tag="fill-mask")
        HfApi(endpoint=hub.url).model_info("org/model", token=False)
        hf_hub_download("org/model", "config.json", endpoint=hub.url, cache_dir=tmp_path, token=False)

Served endpoints (GET and HEAD):

- ``/api/models/{repo_id}[/revision/{revision}]`` (model_info / repo_info, ``expand``/``expand[]`` supported;
  ``blobs=true``, i.e. ``files_metadata=True``, gives each sibling its size, blobId and, for LFS files, ``lfs``)
- ``/api/models/{repo_id}/tree/{revision}[/{path}]`` (list_repo_tree, used by snapshot_download)
- ``/{repo_id}/resolve/{revision}/{path}`` (hf_hub_download; ETag, X-Repo-Commit, Content-Length, Range)

Errors carry the ``X-Error-Code`` / ``X-Error-Message`` headers the client maps to its typed errors.

Hostile modes, for time-out tests: ``hang()`` reads the request and never answers,
``trickle()`` sends the response one byte every ``interval`` seconds, without end, and
``hang_on_download()`` answers model info but hangs the file requests. ``SilentServer`` is a bare
socket that accepts connections (the kernel completes them) and never reads or answers.
Like the real Hub, a gated repo's metadata is public and only its files are gated; a private repo is
invisible (RepoNotFound) without a valid token. A token is valid when it starts with ``hf_valid``.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["HubServer", "RecordedRequest", "SilentServer"]

FileValue = bytes | str | dict[str, Any]

VALID_TOKEN_PREFIX = "hf_valid"
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_TIMESTAMP = "2024-01-01T00:00:00.000Z"
# Files the Hub's default .gitattributes stores in LFS (model_info(files_metadata=True) gives them an `lfs` entry).
_LFS_SUFFIXES = (
    ".safetensors",
    ".bin",
    ".onnx",
    ".onnx_data",
    ".gguf",
    ".h5",
    ".msgpack",
    ".pt",
    ".pth",
    ".ckpt",
    ".ot",
)
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")
# Fields of the model_info payload, in the order the Hub sends them.
_INFO_FIELDS = (
    "modelId",
    "author",
    "sha",
    "lastModified",
    "createdAt",
    "private",
    "gated",
    "disabled",
    "downloads",
    "likes",
    "library_name",
    "pipeline_tag",
    "tags",
    "config",
    "cardData",
    "transformersInfo",
    "siblings",
    "spaces",
    "usedStorage",
    "gguf",
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request received by the server (header names are lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def kind(self) -> str:
        """``"api"`` for /api/models/..., ``"file"`` for .../resolve/..., else ``"other"``."""
        if self.path.startswith("/api/models/"):
            return "api"
        if "/resolve/" in self.path:
            return "file"
        return "other"


@dataclass
class _Snapshot:
    """Files and metadata of one commit."""

    files: dict[str, bytes]
    info: dict[str, Any]


@dataclass
class _Repo:
    """A repository: its commits, refs and access settings."""

    repo_id: str
    commits: dict[str, _Snapshot] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    gated: bool | str = False
    private: bool = False

    def resolve(self, revision: str) -> str | None:
        """Return the commit sha for a branch, tag or full sha, or None."""
        if revision in self.refs:
            return self.refs[revision]
        return revision if revision in self.commits else None


@dataclass
class _Failure:
    """A failure to inject into the next ``times`` matching requests (None: every one)."""

    status: int
    times: int | None
    path_contains: str
    headers: dict[str, str | None]
    body: bytes | None
    delay: float
    mode: str = "respond"  # "respond", "hang" (never answer) or "trickle" (one byte per interval, forever)
    method: str | None = None  # only requests of this method (GET, HEAD); None: all
    interval: float = 2.0
    head_too: bool = False  # trickle the status line and headers too, not only the body


@dataclass
class Response:
    """A response about to be sent."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _encode_file(value: FileValue) -> bytes:
    """Encode a file value: bytes as-is, str as UTF-8, dict as JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, indent=2).encode()


def _git_blob_oid(content: bytes) -> str:
    """Return the git blob sha1 of content (the Hub's ETag for non-LFS files)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _config_summary(raw: bytes) -> dict[str, Any] | None:
    """Summarise config.json the way model_info's ``config`` field does."""
    try:
        cfg = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(cfg, dict):
        return None
    return {k: cfg[k] for k in ("architectures", "model_type", "auto_map") if k in cfg}


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """Build a JSON response."""
    body = json.dumps(payload).encode()
    return Response(
        status,
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        body,
    )


def _error(status: int, code: str | None, message: str, headers: dict[str, str] | None = None) -> Response:
    """Build an error response the way the Hub sends it (headers + JSON body)."""
    extra = {"X-Error-Message": message, **(headers or {})}
    if code is not None:
        extra["X-Error-Code"] = code
    return json_response(status, {"error": message}, extra)


class HubServer:
    """A Hub-compatible HTTP server bound to 127.0.0.1 on a free port, running in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._repos: dict[str, _Repo] = {}
        self._failures: list[_Failure] = []
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.hub = self
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="HubServer",
            daemon=True,
        )
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join(timeout=5)

    # --- content -------------------------------------------------------------

    def add_repo(
        self,
        repo_id: str,
        files: dict[str, FileValue] | None = None,
        *,
        pipeline_tag: str | None = None,
        library_name: str | None = None,
        tags: list[str] | None = None,
        transformers_info: dict[str, Any] | None = None,
        card_data: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        sha: str | None = None,
        revisions: dict[str, str] | None = None,
        gated: bool | str = False,
        private: bool = False,
        extra_info: dict[str, Any] | None = None,
    ) -> str:
        """Add a repo (or a new commit of it, moving ``main``) and return its commit sha.

        ``revisions`` maps branch/tag names to shas; a sha not yet known gets this call's content.
        ``gated`` may be True (shown as ``"auto"``) or ``"auto"``/``"manual"``.
        """
        encoded = {path: _encode_file(value) for path, value in sorted((files or {}).items())}
        if config is None and "config.json" in encoded:
            config = _config_summary(encoded["config.json"])
        info: dict[str, Any] = {
            "pipeline_tag": pipeline_tag,
            "library_name": library_name,
            "tags": list(tags or []),
            "transformersInfo": transformers_info,
            "cardData": card_data,
            "config": config,
            **(extra_info or {}),
        }
        if sha is None:
            digest = hashlib.sha1()
            digest.update(json.dumps([repo_id, info], sort_keys=True, default=str).encode())
            for path, content in encoded.items():
                digest.update(f"\0{path}\0{_git_blob_oid(content)}".encode())
            sha = digest.hexdigest()
        refs = {**(revisions or {}), "main": sha}
        for value in refs.values():
            if not _SHA_RE.match(value):
                raise ValueError(f"Not a 40-hex commit sha: {value!r}")
        snapshot = _Snapshot(files=encoded, info=info)
        with self._lock:
            repo = self._repos.setdefault(repo_id, _Repo(repo_id))
            repo.gated, repo.private = gated, private
            for value in refs.values():
                if value == sha or value not in repo.commits:
                    repo.commits[value] = snapshot
            repo.refs.update(refs)
        return sha

    # --- failures --------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        path_contains: str = "",
        headers: dict[str, str | None] | None = None,
        body: bytes | None = None,
        delay: float = 0.0,
    ) -> None:
        """Inject a response into the next ``times`` requests whose path contains ``path_contains``.

        The server waits ``delay`` seconds first. A status < 300 without ``body`` serves the normal
        response (with ``headers`` added; a None value removes a header): use it for slow responses.
        Otherwise ``status`` is sent with ``body`` (default: a JSON error) and ``headers``, e.g.
        ``fail(429, headers={"Retry-After": "1"})`` or ``fail(200, body=b"{not json")``.
        """
        self._add(_Failure(status, times, path_contains, dict(headers or {}), body, delay))

    def hang(self, *, path_contains: str = "", method: str | None = None, times: int | None = None) -> None:
        """Read matching requests and never answer them (until the server stops); default: every one."""
        self._add(_Failure(200, times, path_contains, {}, None, 0.0, mode="hang", method=method))

    def trickle(
        self,
        *,
        interval: float = 2.0,
        path_contains: str = "",
        method: str | None = None,
        times: int | None = None,
        head_too: bool = False,
    ) -> None:
        """Answer matching requests one byte every ``interval`` seconds, without end (until the server stops).

        The status line and headers (a Content-Length of 1 GB) come at once, then the real body and
        spaces after it, byte by byte; with ``head_too`` the status line and headers trickle too.
        """
        failure = _Failure(200, times, path_contains, {}, None, 0.0, mode="trickle", method=method)
        failure.interval, failure.head_too = interval, head_too
        self._add(failure)

    def hang_on_download(self, *, method: str | None = None, times: int | None = None) -> None:
        """Model info answers; file requests (``/resolve/``, HEAD and GET, or only ``method``) hang."""
        self.hang(path_contains="/resolve/", method=method, times=times)

    def _add(self, failure: _Failure) -> None:
        with self._lock:
            self._failures.append(failure)

    def _take_failure(self, path: str, method: str = "GET") -> _Failure | None:
        """Pop one use of the first failure matching path (raw or decoded) and method."""
        with self._lock:
            for failure in self._failures:
                if failure.method is not None and failure.method != method:
                    continue
                if failure.path_contains in path or failure.path_contains in unquote(path):
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self._failures.remove(failure)
                    return failure
        return None

    # --- request log -------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far."""
        with self._lock:
            return list(self._requests)

    def count(self, kind: str | None = None) -> int:
        """Count requests: ``"api"``, ``"file"`` or None for all."""
        if kind not in (None, "api", "file"):
            raise ValueError(f"Unknown kind {kind!r}: use 'api', 'file' or None")
        return sum(1 for r in self.requests if kind is None or r.kind == kind)

    def reset_requests(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # --- routing -------------------------------------------------------------

    def _get_repo(self, segments: list[str], *, api: bool) -> tuple[_Repo | None, str, list[str]]:
        """Split path segments into (repo, repo_id, rest), accepting 1- or 2-part repo ids."""
        markers = ("revision", "tree") if api else ("resolve",)
        with self._lock:
            if len(segments) >= 2 and f"{segments[0]}/{segments[1]}" in self._repos:
                size = 2
            elif segments[0] in self._repos:
                size = 1
            else:
                size = 2 if len(segments) >= 2 and segments[1] not in markers else 1
            repo_id = "/".join(segments[:size])
            return self._repos.get(repo_id), repo_id, segments[size:]

    def _access_error(self, repo: _Repo | None, repo_id: str, auth: str | None, *, files: bool) -> Response | None:
        """Return the error for a missing, private or (for files) gated repo, else None."""
        valid = auth is not None and auth.startswith(VALID_TOKEN_PREFIX)
        if repo is None or (repo.private and not valid):
            if repo is not None and auth is None:
                return _error(401, "RepoNotFound", "Invalid username or password.")
            return _error(404, "RepoNotFound", "Repository not found")
        if files and repo.gated and not valid:
            if auth is None:
                message = (
                    f"Access to model {repo_id} is restricted. You must have access to it and be"
                    " authenticated to access it. Please log in."
                )
                return _error(401, "GatedRepo", message)
            message = (
                f"Access to model {repo_id} is restricted and you are not in the authorized list."
                f" Visit https://huggingface.co/{repo_id} to ask for access."
            )
            return _error(403, "GatedRepo", message)
        return None

    def _route(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
        """Route a GET/HEAD request to a response (under the lock: add_repo may run)."""
        with self._lock:
            return self._route_locked(path, query, headers)

    def _route_locked(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
        segments = [unquote(s) for s in path.lstrip("/").split("/")]
        auth_header = headers.get("authorization", "")
        auth = auth_header[7:].strip() if auth_header.lower().startswith("bearer ") else None
        if len(segments) >= 3 and segments[:2] == ["api", "models"] and segments[2]:
            repo, repo_id, rest = self._get_repo(segments[2:], api=True)
            if error := self._access_error(repo, repo_id, auth, files=False):
                return error
            assert repo is not None
            if not rest:
                return self._model_info(repo, "main", query)
            if rest[0] == "revision" and len(rest) >= 2:
                return self._model_info(repo, "/".join(rest[1:]), query)
            if rest[0] == "tree" and len(rest) >= 2:
                return self._tree(repo, rest[1], "/".join(rest[2:]).strip("/"), query)
        elif "resolve" in segments[1:3] and segments[0] != "api":
            index = segments.index("resolve", 1)
            repo, repo_id, _ = self._get_repo(segments[:index], api=False)
            if error := self._access_error(repo, repo_id, auth, files=True):
                return error
            assert repo is not None
            if len(segments) > index + 2:
                return self._resolve(repo, segments[index + 1], "/".join(segments[index + 2 :]), headers)
        return _error(404, None, "Not Found")

    def _model_info(self, repo: _Repo, revision: str, query: dict[str, list[str]]) -> Response:
        """Build the /api/models/... payload."""
        sha = repo.resolve(revision)
        if sha is None:
            return _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        snapshot = repo.commits[sha]
        blobs = query.get("blobs", ["false"])[-1].lower() in ("1", "true")
        siblings = []
        for path, content in snapshot.files.items():
            sibling: dict[str, Any] = {"rfilename": path}
            if blobs:
                sibling.update(size=len(content), blobId=_git_blob_oid(content))
                if path.endswith(_LFS_SUFFIXES):  # stored in LFS, as the default .gitattributes says
                    digest = hashlib.sha256(content).hexdigest()
                    sibling["lfs"] = {"sha256": digest, "size": len(content), "pointerSize": 134}
            siblings.append(sibling)
        full: dict[str, Any] = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0] if "/" in repo.repo_id else None,
            "sha": sha,
            "lastModified": _TIMESTAMP,
            "createdAt": _TIMESTAMP,
            "private": repo.private,
            "gated": "auto" if repo.gated is True else repo.gated,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "siblings": siblings,
            "spaces": [],
            "usedStorage": sum(len(c) for c in snapshot.files.values()),
            **snapshot.info,
        }
        expand = query.get("expand", []) + query.get("expand[]", [])
        if expand:
            unknown = [name for name in expand if name not in _INFO_FIELDS and name not in full]
            if unknown:
                return _error(
                    400,
                    None,
                    f'"expand" must be one of {list(_INFO_FIELDS)}, got {unknown}',
                )
            payload = {k: full.get(k) for k in ("_id", "id", *expand)}
        else:
            payload = {k: v for k, v in full.items() if v is not None}
        return json_response(200, payload)

    def _tree(self, repo: _Repo, revision: str, prefix: str, query: dict[str, list[str]]) -> Response:
        """Build the /api/models/.../tree/... listing."""
        sha = repo.resolve(revision)
        if sha is None:
            return _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        files = repo.commits[sha].files
        recursive = query.get("recursive", ["false"])[-1].lower() in ("1", "true")
        base = f"{prefix}/" if prefix else ""
        if prefix and prefix not in files and not any(p.startswith(base) for p in files):
            return _error(
                404,
                "EntryNotFound",
                f"{prefix} does not exist on {revision}",
                {"X-Repo-Commit": sha},
            )
        entries: dict[str, dict[str, Any]] = {}
        for path, content in files.items():
            if not path.startswith(base) or path == prefix:
                continue
            parts = path[len(base) :].split("/")
            depth = len(parts) if recursive else 1
            for i in range(1, min(depth, len(parts) - 1) + 1):
                folder = base + "/".join(parts[:i])
                oid = hashlib.sha1(folder.encode()).hexdigest()
                entries[folder] = {
                    "type": "directory",
                    "oid": oid,
                    "size": 0,
                    "path": folder,
                }
            if recursive or len(parts) == 1:
                entries[path] = {
                    "type": "file",
                    "oid": _git_blob_oid(content),
                    "size": len(content),
                    "path": path,
                }
        return json_response(200, [entries[k] for k in sorted(entries)])

    def _resolve(self, repo: _Repo, revision: str, path: str, headers: dict[str, str]) -> Response:
        """Serve a file like /{repo_id}/resolve/{revision}/{path}."""
        sha = repo.resolve(revision)
        if sha is None:
            return _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        content = repo.commits[sha].files.get(path)
        if content is None:
            return _error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": sha})
        content_type = "application/json" if path.endswith(".json") else mimetypes.guess_type(path)[0]
        response = Response(
            200,
            {
                "Content-Type": content_type or "application/octet-stream",
                "ETag": f'"{_git_blob_oid(content)}"',
                "X-Repo-Commit": sha,
                "Accept-Ranges": "bytes",
            },
            content,
        )
        match = _RANGE_RE.match(headers.get("range", ""))
        if match and (match.group(1) or match.group(2)):
            start_s, end_s = match.groups()
            size = len(content)
            start, end = (int(start_s), int(end_s) if end_s else size - 1) if start_s else (size - int(end_s), size - 1)
            start, end = max(start, 0), min(end, size - 1)
            if start > end:
                return _error(
                    416,
                    None,
                    "Range Not Satisfiable",
                    {"Content-Range": f"bytes */{size}"},
                )
            response.status = 206
            response.body = content[start : end + 1]
            response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return response


class _Server(ThreadingHTTPServer):
    """Threading server that does not wait for (possibly delayed) handlers on close."""

    daemon_threads = True
    block_on_close = False
    hub: HubServer

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut kept-alive connections so pooled clients cannot reach a stopped server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when clients hang up (e.g. after a client-side time-out)."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Request handler delegating to the owning HubServer."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall each
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        hub = self.server.hub
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        hub._record(RecordedRequest(self.command, split.path, query, headers))

        failure = hub._take_failure(split.path, self.command)
        if failure is not None and failure.mode == "hang":
            hub._stopping.wait()  # never answer; the server's stop() cuts the connection
            self.close_connection = True
            return
        if failure is not None and failure.delay > 0 and hub._stopping.wait(failure.delay):
            self.close_connection = True  # server stopping: drop the connection
            return
        if failure is None or (failure.status < 300 and failure.body is None):
            response = hub._route(split.path, query, headers)
        elif failure.body is None:
            response = _error(failure.status, None, f"Injected failure ({failure.status})")
        else:
            response = Response(failure.status, {"Content-Type": "application/json"}, failure.body)
        if failure is not None and failure.mode == "trickle":
            self._trickle(response, failure, send_body=send_body)
            return
        if failure is not None:
            response.headers["Content-Length"] = str(len(response.body))
            for name, value in failure.headers.items():
                for existing in [k for k in response.headers if k.lower() == name.lower()]:
                    del response.headers[existing]
                if value is not None:
                    response.headers[name] = value
        self._send(response, send_body=send_body)

    def _trickle(self, response: Response, failure: _Failure, *, send_body: bool) -> None:
        """One byte every interval, without end: the head at once (unless head_too), then body and padding."""
        hub = self.server.hub
        self.close_connection = True
        lines = [f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}"]
        headers = {**response.headers, "Content-Length": str(1 << 30), "Connection": "close"}
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = response.body if send_body else b""
        try:
            if not failure.head_too:
                self.wfile.write(head)
                self.wfile.flush()
                head = b""
            data = head + body
            sent = 0
            while not hub._stopping.wait(failure.interval):
                self.wfile.write(data[sent : sent + 1] if sent < len(data) else b" ")
                self.wfile.flush()
                sent += 1
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def _send(self, response: Response, *, send_body: bool) -> None:
        headers = dict(response.headers)
        length = headers.setdefault("Content-Length", str(len(response.body)))
        if length != str(len(response.body)):
            headers["Connection"] = "close"  # a tampered length desynchronises keep-alive
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class SilentServer:
    """A listening socket on 127.0.0.1 that never accepts: connections complete (the kernel's backlog), no answer ever comes."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close the socket: the connections waiting in the backlog are reset."""
        self._socket.close()
