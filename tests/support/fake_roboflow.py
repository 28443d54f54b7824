"""A fake Roboflow API (SPEC §5) on loopback, for tests and benchmarks: real HTTP, real multipart.

Implements: workspace of a key, project type, read/write Active Learning
config, image upload (multipart ``name``/``file``/``metadata``, repeated
``tag`` params, duplicates by content hash), annotation (409 when the image is
already annotated), batches and jobs; 401 for a wrong key. Fault injection:
``go_down(seconds)`` (connection refused, then back on the same port),
``fail_next(n, status)``, ``latency`` and ``reject_next(n)``.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest


@dataclass
class Image:
    id: str
    project: str
    name: str
    batch: str | None
    tags: list[str]
    inference_id: str | None
    metadata: dict[str, Any] | None
    jpeg: bytes
    content_type: str
    annotation: str | None = None
    annotation_name: str | None = None
    annotation_prediction: str | None = None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int = 0


@dataclass
class State:
    api_key: str
    workspace: str
    projects: dict[str, str]  # project -> type
    configs: dict[str, Any] = field(default_factory=dict)
    images: list[Image] = field(default_factory=list)
    by_hash: dict[str, Image] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    extra_batch_images: dict[str, int] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    wrap_config: bool = False


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str | None, str | None]]:
    """``{field: (payload, filename, content type)}`` of a ``multipart/form-data`` body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not multipart")
    out = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            raise ValueError("a part without a name")
        out[name] = (part.get_payload(decode=True) or b"", part.get_filename(), part.get_content_type())
    return out


class FakeRoboflow:
    """The server; ``url`` is its base URL. Use as a context manager or call ``stop()``."""

    def __init__(
        self,
        api_key: str = "test-key-0123456789",
        workspace: str = "ws",
        projects: dict[str, str] | None = None,
    ) -> None:
        self.state = State(api_key, workspace, dict(projects or {"proj": "object-detection"}))
        self.lock = threading.Lock()
        self.latency = 0.0
        self._fail: list[int] = []
        self._reject = 0
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self._start()

    # -- lifecycle -----------------------------------------------------------------------

    def _start(self) -> None:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def go_down(self, seconds: float) -> None:
        """Refuses connections for ``seconds``, then listens again on the same port."""
        self.stop()

        def back() -> None:
            time.sleep(seconds)
            self._start()

        threading.Thread(target=back, daemon=True).start()

    def fail_next(self, n: int, status: int = 503) -> None:
        with self.lock:
            self._fail.extend([status] * n)

    def reject_next(self, n: int) -> None:
        """The next ``n`` uploads answer ``{"success": false}`` (a rejection)."""
        with self.lock:
            self._reject += n

    def __enter__(self) -> FakeRoboflow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- views for assertions ---------------------------------------------------------

    @property
    def images(self) -> list[Image]:
        with self.lock:
            return list(self.state.images)

    def requests(self, path_part: str = "") -> list[Request]:
        with self.lock:
            return [r for r in self.state.requests if path_part in r.path]

    # -- routes ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes):
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            self.state.requests.append(Request(method, path, query))
            if self._fail:
                return self._fail.pop(0), {"error": "injected failure"}
        if query.get("api_key") != [self.state.api_key]:
            return 401, {"error": {"message": "This API key does not exist (or has been revoked)."}}
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        st = self.state
        if method == "GET" and not parts:
            return 200, {"workspace": st.workspace}
        if parts[:1] == ["dataset"] and method == "POST" and len(parts) >= 3:
            project = parts[1]
            if project not in st.projects:
                return 404, {"error": "no such project"}
            if parts[2] == "upload" and len(parts) == 3:
                return self._upload(project, query, headers, body)
            if parts[2] == "annotate" and len(parts) == 4:
                return self._annotate(parts[3], query, headers, body)
            return 404, {"error": "not found"}
        if len(parts) >= 2 and parts[0] == st.workspace:
            project = parts[1]
            if project not in st.projects:
                return 404, {"error": "no such project"}
            rest = parts[2:]
            if method == "GET" and not rest:
                return 200, {"project": {"id": f"{st.workspace}/{project}", "type": st.projects[project]}}
            if rest == ["active_learning"]:
                if method == "GET":
                    config = st.configs.get(project, {"enabled": False})
                    return 200, ({"config": config} if st.wrap_config else config)
                if method == "POST":
                    try:
                        st.configs[project] = json.loads(body)["config"]
                    except (ValueError, KeyError, TypeError):
                        return 400, {"error": "expected {'config': {...}}"}
                    return 200, {"status": "ok"}
            if method == "GET" and rest == ["batches"]:
                return 200, {"batches": self._batches(project)}
            if method == "GET" and rest == ["jobs"]:
                return 200, {"jobs": list(st.jobs)}
        return 404, {"error": "not found"}

    def _batches(self, project: str) -> list[dict[str, Any]]:
        counts: dict[str, int] = dict(self.state.extra_batch_images)
        with self.lock:
            for image in self.state.images:
                if image.project == project and image.batch:
                    counts[image.batch] = counts.get(image.batch, 0) + 1
        out = []
        for name, count in counts.items():
            jobs = [j for j in self.state.jobs if j.get("sourceBatch") == f"batch-{name}"]
            out.append({"name": name, "id": f"batch-{name}", "images": count, "numJobs": len(jobs)})
        return out

    def _upload(self, project: str, query: dict[str, list[str]], headers: Any, body: bytes):
        try:
            form = parse_multipart(headers.get("Content-Type", ""), body)
        except ValueError as e:
            return 400, {"error": f"bad multipart: {e}"}
        if "file" not in form or "name" not in form:
            return 400, {"error": "multipart needs 'name' and 'file'"}
        jpeg, _filename, content_type = form["file"]
        if not jpeg.startswith(b"\xff\xd8"):
            return 400, {"error": "file is not a JPEG"}
        metadata = json.loads(form["metadata"][0]) if "metadata" in form else None
        with self.lock:
            if self._reject:
                self._reject -= 1
                return 200, {"success": False, "message": "rejected by injection"}
            digest = hashlib.sha256(jpeg).hexdigest()
            existing = self.state.by_hash.get(digest)
            if existing is not None:
                return 200, {"duplicate": True, "id": existing.id}
            image = Image(
                id=f"img-{len(self.state.images) + 1}",
                project=project,
                name=form["name"][0].decode(),
                batch=(query.get("batch") or [None])[0],
                tags=query.get("tag", []),
                inference_id=(query.get("inference_id") or [None])[0],
                metadata=metadata,
                jpeg=jpeg,
                content_type=content_type or "",
            )
            self.state.images.append(image)
            self.state.by_hash[digest] = image
        return 200, {"success": True, "id": image.id}

    def _annotate(self, image_id: str, query: dict[str, list[str]], headers: Any, body: bytes):
        with self.lock:
            image = next((i for i in self.state.images if i.id == image_id), None)
            if image is None:
                return 404, {"error": "no such image"}
            if image.annotation is not None:
                return 409, {"error": "already annotated"}
            if "name" not in query:
                return 400, {"error": "annotation needs a name"}
            image.annotation = body.decode()
            image.annotation_name = query["name"][0]
            image.annotation_prediction = (query.get("prediction") or [None])[0]
        return 200, {"success": True}


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeRoboflow

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.server_fake.handle(method, split.path, query, self.headers, body)
        with self.server_fake.lock:
            if self.server_fake.state.requests:
                self.server_fake.state.requests[-1].status = status
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def fake_roboflow():
    """A fake Roboflow API on loopback, stopped after the test."""
    with FakeRoboflow() as server:
        yield server
