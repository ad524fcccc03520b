"""An OpenAI-compatible server on 127.0.0.1 that answers ``POST /v1/chat/completions`` from recorded
responses (tests/fixtures/llm/*.json, in the shape OpenAI's chat completions API returns), so the
language-model paths run for real, over HTTP, without the internet.

Each request is answered by what it asks for, read from the JSON Schema it sends (grading, a follow-up
question, story feedback); a reply can be delayed (a slow model) or be an HTTP error. Every request body
is kept, so a test can check what was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).parent / "fixtures" / "llm"


def recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Reply:
    # the body, or made from the request (a body, or a status and a body)
    body: dict[str, Any] | str | Callable[[dict[str, Any]], dict[str, Any] | tuple[int, Any]]
    status: int = 200
    delay: float = 0.0  # seconds before answering (a slow model)


def completion(content: str | None, refusal: str | None = None) -> dict[str, Any]:
    """A chat completion in the recorded shape, with ``content``."""
    body = recording("grading_valid")
    body["choices"][0]["message"] |= {"content": content, "refusal": refusal}
    return body


def purpose_of(request: dict[str, Any]) -> str:
    """grading | follow_up | story, from the schema the request sends (or its instructions)."""
    schema = ((request.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
    properties = schema.get("properties") or {}
    if not properties:  # a model held to no schema is told it in the system message
        text = json.dumps(request.get("messages", []))
        properties = {"key_points": 1} if "suggested_rating" in text else {}
        properties |= {"follow_up": 1} if "follow_up" in text else {}
    if "key_points" in properties:
        return "grading"
    return "follow_up" if "follow_up" in properties else "story"


class StubServer:
    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {
            "grading": Reply(recording("grading_valid")),
            "follow_up": Reply(recording("follow_up")),
            "story": Reply(recording("story")),
        }
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.hung_up: list[float] = []  # when a client closed its connection while its reply was delayed
        self.release = threading.Event()  # ends every delay at once (teardown)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(request)
                stub.headers.append(dict(self.headers))
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                reply = stub.replies[purpose_of(request)]
                if reply.delay and not self._wait(reply.delay):
                    return
                status, body = reply.status, reply.body(request) if callable(reply.body) else reply.body
                if isinstance(body, tuple):
                    status, body = body
                self._send(status, body)

            def _wait(self, delay: float) -> bool:
                """Wait ``delay`` seconds, or until the client hangs up (False, noted in hung_up)."""
                import select
                import socket
                import time

                end = time.monotonic() + delay
                while not stub.release.is_set() and time.monotonic() < end:
                    if select.select([self.connection], [], [], 0.05)[0]:
                        try:
                            gone = self.connection.recv(1, socket.MSG_PEEK) == b""
                        except OSError:
                            gone = True
                        if gone:
                            stub.hung_up.append(time.monotonic())
                            return False
                return True

            def _send(self, status: int, body: dict[str, Any] | str) -> None:
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a slow reply past its deadline)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def answer(self, purpose: str, name: str | None = None, **reply: Any) -> None:
        """Answer ``purpose`` requests with recording ``name`` (or ``body``), a ``status``, a ``delay``."""
        body = reply.pop("body", None) or recording(name or purpose)
        self.replies[purpose] = Reply(body, **reply)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
