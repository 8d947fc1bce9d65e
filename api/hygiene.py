"""Web hygiene for every response, and an access log that keeps no applicant words.

- ``SecurityHeaders``: a pure ASGI middleware (no per-request task, unlike ``BaseHTTPMiddleware``) that adds
  ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and a
  ``frame-ancestors 'none'`` policy to every response, and ``Cache-Control: no-store`` to every ``/api/``
  response (case data must not linger in a browser's or a proxy's cache). A route that set its own
  ``Cache-Control`` or ``Content-Security-Policy`` keeps it.
- ``redact_access_log``: the access log (uvicorn's) drops query strings, where a gazetteer or time-phrase
  lookup would otherwise write down what the applicant said.
"""

from __future__ import annotations

import json
import logging
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

_ALWAYS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = str(scope.get("path", "")).startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _ALWAYS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
                if is_api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                    headers.append((b"pragma", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?[redacted]", *args[3:])
        return True


def redact_access_log() -> None:
    """Install the query-string filter on uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _DropQueryStrings) for f in logger.filters):
        logger.addFilter(_DropQueryStrings())


class RefuseNulInPath:
    """A pure ASGI middleware: a request whose path or query holds a NUL byte (``%00``) is a 400 before any
    route or static file sees it (the file system would raise ``ValueError`` → 500; issue 13, finding 8)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (
            "\x00" in str(scope.get("path", ""))
            or b"\x00" in scope.get("raw_path", b"")
            or b"%00" in bytes(scope.get("query_string", b"")).lower()
            or b"%00" in scope.get("raw_path", b"")
        ):
            from catalogue import message_pair

            body = json.dumps(message_pair("nul_in_path")).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
