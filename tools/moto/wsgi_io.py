"""The WSGI plumbing every extension needs: calling the wrapped app, reading a JSON body, answering JSON.

One owner for it so that each extension module says only what it emulates.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def call(
    app: Callable[[Environ, StartResponse], Iterable[bytes]], environ: Environ
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Runs one request through `app` and reads its answer fully (a WSGI app may work lazily while iterated)."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None  # WSGI's write(): the answer is collected from the iterable instead

    response = app(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
    return captured.get("status", "500 Internal Server Error"), captured.get("headers", []), body


def read_json(environ: Environ) -> dict[str, Any]:
    """The request's JSON object body; {} when it is empty or not an object."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    parsed = json.loads(raw or b"{}")
    return parsed if isinstance(parsed, dict) else {}


def answer_json(
    start_response: StartResponse, status: str, payload: Any, headers: list[tuple[str, str]] | None = None
) -> Iterable[bytes]:
    """Answers `payload` as JSON with `status` (e.g. "200 OK"), keeping `headers` but their length and type."""
    body = json.dumps(payload, default=str).encode()
    kept = [(k, v) for k, v in (headers or []) if k.lower() not in ("content-length", "content-type")]
    start_response(status, [*kept, ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def passthrough(
    start_response: StartResponse, status: str, headers: list[tuple[str, str]], body: bytes
) -> Iterable[bytes]:
    """Answers what `call` read, unchanged."""
    start_response(status, headers)
    return [body]
