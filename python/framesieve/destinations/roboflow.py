"""The Roboflow HTTP API (SPEC §5), over a pooled ``httpx`` client.

Every call carries ``api_key`` as a query parameter, as the API demands; the
key is kept out of logs (a filter on the HTTP libraries' loggers), exception
messages (every transport error is re-raised with the key masked and without
its chained cause, whose request URL holds the key) and reprs.

Errors: HTTP 429, 5xx, timeouts and connection errors raise
:class:`TransientDeliveryError` (the engine retries them with backoff);
400/401/403/404 and rejected uploads raise :class:`PermanentDeliveryError`.

Answers are bounded (SPEC §6): at most ``MAX_ANSWER_BYTES`` of body are read, and
the body must arrive within ``timeout`` of the request's start in total (httpx's
timeouts are per read, so a server trickling a byte at a time would otherwise
hold a sender for ever); either is a transient failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from framesieve._util.redact import redact, redact_url, register_secret
from framesieve.destinations.base import Delivery
from framesieve.destinations.datapoint import Datapoint
from framesieve.errors import PermanentDeliveryError, TransientDeliveryError

DEFAULT_API_URL = "https://api.roboflow.com"
#: the most of an answer's body that is read (an answer of the API is a few KiB)
MAX_ANSWER_BYTES = 1 << 20
#: how much of an error body goes into an exception message (after redaction)
EXCERPT_CHARS = 300


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer whose body was read within the bounds of the module docstring."""

    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def excerpt(self) -> str:
        """The start of the body for a message: redacted first, then cut."""
        return redact(self.text)[:EXCERPT_CHARS]


class RoboflowDestination:
    """Uploads datapoints into a Roboflow project, and speaks the rest of SPEC §5.

    ``workspace`` defaults to the key's workspace (asked once, lazily);
    ``api_url`` to ``$ROBOFLOW_API_URL`` or ``https://api.roboflow.com``.
    ``timeout`` (seconds) bounds every request; ``max_connections`` the pool.
    """

    def __init__(
        self,
        api_key: str,
        project: str,
        *,
        workspace: str | None = None,
        api_url: str | None = None,
        timeout: float = 20.0,
        max_connections: int = 16,
    ) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("RoboflowDestination: api_key must be a non-empty str")
        for label, value in (("project", project), ("workspace", workspace)):
            if value is None and label == "workspace":
                continue
            if (
                not isinstance(value, str)
                or not value
                or any(c in value for c in "/\\?#")
                or value.strip() != value
            ):
                raise ValueError(
                    f"RoboflowDestination: {label} must be a plain non-empty name, got {value!r}"
                )
        register_secret(api_key)
        self._api_key = api_key
        self.project = project
        self._workspace = workspace
        self._timeout = float(timeout)
        self.api_url = (api_url or os.environ.get("ROBOFLOW_API_URL") or DEFAULT_API_URL).rstrip("/")
        self._client = httpx.Client(
            base_url=self.api_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
        )
        self._workspace_lock = threading.Lock()

    # -- identity ------------------------------------------------------------------------

    @property
    def key(self) -> str:
        """``roboflow-<hash>``: names outbox and limits scope; the hash covers URL, key and project."""
        digest = hashlib.sha256(f"{self.api_url}\0{self._api_key}\0{self.project}".encode()).hexdigest()
        return f"roboflow-{self.project}-{digest[:16]}"

    def __repr__(self) -> str:
        ws = f", workspace={self._workspace!r}" if self._workspace else ""
        return (
            f"RoboflowDestination(project={self.project!r}{ws}, api_url={redact(redact_url(self.api_url))!r})"
        )

    # -- transport -----------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None = None, **kw: Any
    ) -> Answer:
        query: list[tuple[str, Any]] = [("api_key", self._api_key), *(params or [])]
        what = f"{method} {path}"
        deadline = time.monotonic() + self._timeout
        try:
            with self._client.stream(method, path, params=query, **kw) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise TransientDeliveryError(
                            f"Roboflow API {what}: HTTP {response.status_code}: "
                            f"answer over {MAX_ANSWER_BYTES} bytes, not read further"
                        )
                    if time.monotonic() > deadline:
                        raise TransientDeliveryError(
                            f"Roboflow API {what}: timed out (the answer took over {self._timeout:g} s)"
                        )
                return Answer(response.status_code, bytes(body))
        except httpx.TimeoutException as e:
            raise TransientDeliveryError(
                redact(f"Roboflow API {what}: timed out ({type(e).__name__})")
            ) from None
        except httpx.TransportError as e:
            raise TransientDeliveryError(redact(f"Roboflow API {what}: {type(e).__name__}: {e}")) from None
        except httpx.HTTPError as e:
            raise PermanentDeliveryError(redact(f"Roboflow API {what}: {type(e).__name__}: {e}")) from None

    def _json(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        response = self._request(method, path, **kw)
        self._check(response, f"{method} {path}", ok)
        try:
            return response.json()
        except ValueError:
            raise PermanentDeliveryError(f"Roboflow API {method} {path}: answer is not JSON") from None

    @staticmethod
    def _check(response: Answer, what: str, ok: tuple[int, ...]) -> None:
        status = response.status_code
        if status in ok:
            return
        message = f"Roboflow API {what}: HTTP {status}: {response.excerpt()}"
        if status == 429 or status >= 500 or status == 408:
            raise TransientDeliveryError(message)
        if status == 401:
            message = f"Roboflow API {what}: HTTP 401: the API key was refused"
        raise PermanentDeliveryError(message)

    # -- SPEC §5 calls -------------------------------------------------------------------

    @property
    def workspace(self) -> str:
        """The workspace (given, or the API key's: ``GET /``)."""
        with self._workspace_lock:
            if self._workspace is None:
                answer = self._json("GET", "/")
                ws = answer.get("workspace") if isinstance(answer, dict) else None
                if not isinstance(ws, str) or not ws:
                    raise PermanentDeliveryError("Roboflow API GET /: no workspace in the answer")
                self._workspace = ws
            return self._workspace

    def project_type(self) -> str:
        """The project's type, e.g. ``object-detection`` (``GET /{ws}/{project}``)."""
        answer = self._json("GET", f"/{self.workspace}/{self.project}")
        project = answer.get("project") if isinstance(answer, dict) else None
        kind = project.get("type") if isinstance(project, dict) else None
        if not isinstance(kind, str):
            raise PermanentDeliveryError("Roboflow API: the project answer has no project.type")
        return kind

    def get_config(self) -> dict[str, Any]:
        """The project's Active Learning config (the object, or the one wrapped in ``config``)."""
        answer = self._json("GET", f"/{self.workspace}/{self.project}/active_learning")
        if isinstance(answer, dict) and isinstance(answer.get("config"), dict):
            answer = answer["config"]
        if not isinstance(answer, dict):
            raise PermanentDeliveryError("Roboflow API: the active_learning answer is not an object")
        return answer

    def set_config(self, config: dict[str, Any]) -> Any:
        """Writes the project's Active Learning config (``POST .../active_learning``)."""
        if hasattr(config, "to_dict"):
            config = config.to_dict()
        return self._json(
            "POST", f"/{self.workspace}/{self.project}/active_learning", json={"config": config}
        )

    def batches(self) -> list[dict[str, Any]]:
        answer = self._json("GET", f"/{self.workspace}/{self.project}/batches")
        batches = answer.get("batches", []) if isinstance(answer, dict) else []
        return [b for b in batches if isinstance(b, dict)]

    def jobs(self) -> list[dict[str, Any]]:
        answer = self._json("GET", f"/{self.workspace}/{self.project}/jobs")
        jobs = answer.get("jobs", []) if isinstance(answer, dict) else []
        return [j for j in jobs if isinstance(j, dict)]

    def batch_image_count(self, batch: str) -> int | None:
        """Images in ``batch`` plus images in labeling jobs made from it (0: no such batch)."""
        for entry in self.batches():
            if entry.get("name") == batch:
                images = int(entry.get("images") or 0)
                batch_id = str(entry.get("id", ""))
                in_jobs = sum(
                    int(job.get("numImages") or 0)
                    for job in self.jobs()
                    if batch_id and batch_id in str(job.get("sourceBatch", ""))
                )
                return images + in_jobs
        return 0

    def upload_image(
        self,
        jpeg: bytes,
        name: str,
        batch: str,
        tags: list[str],
        *,
        inference_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Delivery:
        """``POST /dataset/{project}/upload``; a ``duplicate`` answer is a :class:`Delivery` too."""
        params = [("batch", batch), *(("tag", t) for t in tags)]
        if inference_id is not None:
            params.append(("inference_id", str(inference_id)))
        data = {"name": name}
        if metadata:
            data["metadata"] = json.dumps(metadata)
        answer = self._json(
            "POST",
            f"/dataset/{self.project}/upload",
            params=params,
            data=data,
            files={"file": (name, jpeg, "image/jpeg")},
        )
        if not isinstance(answer, dict):
            raise PermanentDeliveryError("Roboflow API upload: the answer is not an object")
        image_id = answer.get("id")
        image_id = str(image_id) if image_id is not None else None
        if answer.get("duplicate"):
            return Delivery(duplicate=True, image_id=image_id)
        if answer.get("success") and image_id:
            return Delivery(duplicate=False, image_id=image_id)
        raise PermanentDeliveryError(
            f"Roboflow API upload: rejected: {redact(json.dumps(answer))[:EXCERPT_CHARS]}"
        )

    def annotate(self, image_id: str, annotation: str, name: str) -> bool:
        """``POST /dataset/{project}/annotate/{image_id}``; ``False`` when already annotated (409)."""
        response = self._request(
            "POST",
            f"/dataset/{self.project}/annotate/{image_id}",
            params=[("name", name), ("prediction", "true")],
            content=annotation.encode(),
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code == 409:
            return False
        self._check(response, "annotate", (200, 201))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("success") is False:
            raise PermanentDeliveryError(f"Roboflow API annotate: rejected: {response.excerpt()}")
        return True

    # -- the engine's entry point -----------------------------------------------------

    def deliver(self, datapoint: Datapoint, progress: dict[str, Any], save_progress: Any) -> Delivery:
        """Uploads the image (once: the saved image id skips it on a retry), then the annotation."""
        image_id = progress.get("image_id")
        duplicate = bool(progress.get("duplicate", False))
        if image_id is None:
            result = self.upload_image(
                datapoint.jpeg,
                datapoint.upload_name,
                datapoint.batch,
                datapoint.tags,
                inference_id=datapoint.inference_id,
                metadata=datapoint.metadata,
            )
            image_id, duplicate = result.image_id, result.duplicate
            if image_id is not None and datapoint.annotation is not None:
                save_progress({"image_id": image_id, "duplicate": duplicate})
        # A duplicate of another image is not annotated (as the reference); a duplicate of
        # this very datapoint (re-sent after a crash) is, and 409 then means "done".
        annotate = not duplicate or bool(progress.get("recovered"))
        if annotate and datapoint.annotation is not None and image_id is not None:
            self.annotate(image_id, datapoint.annotation, datapoint.annotation_name)
        return Delivery(duplicate=duplicate, image_id=image_id)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RoboflowDestination:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
