"""A model behind an OpenAI-compatible ``/chat/completions`` endpoint (``llm_base_url``), asked with the
standard library's HTTP client, no `llm` needed: Ollama, llama.cpp's server, llama-cpp-python's, vLLM,
LM Studio, a hosted API.

Servers differ in what they accept. The reply is asked for as JSON following a schema
(``response_format: json_schema``); a server that refuses that (llama-cpp-python's answers HTTP 500,
"Input should be 'text' or 'json_object'") is asked again at once for a JSON object with the schema
(llama-cpp-python holds its model to it), then for a plain JSON object, the schema always in the
instructions too; the first it accepts is remembered for the rest of the run. A server that refuses
``max_tokens`` is asked again without it. Any other refusal is said with the server's own message, in
one line. When mockprep gives up on a request, its connection is closed, so a server that notices stops
generating.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import TYPE_CHECKING, Any

from mockprep.core.llm_grading import ModelReplyError, one_line
from mockprep.services.models import (
    KEY_HINT,
    REPLY_BYTES,
    TOO_LARGE,
    cut_off,
    describe_failure,
    error_message,
    http_failure,
    is_local_url,
    refusal_of,
)

if TYPE_CHECKING:
    from mockprep.core.llm_grading import ModelRequest
    from mockprep.services.models import Cancel

FORMATS = ("json_schema", "json_object+schema", "json_object")  # asked for in this order


class OpenAICompatibleModel:
    """A model behind an OpenAI-compatible endpoint."""

    def __init__(self, base_url: str, model_id: str, api_key: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.model_id = model_id
        self._api_key = api_key
        self.key_hint = KEY_HINT  # where the person sets the key, for a server that refuses it
        self.local = is_local_url(base_url)
        self.destination = f"the server at {self.base_url}"
        self._lock = threading.Lock()
        self._format = 0  # the first of FORMATS this server has not refused
        self._max_tokens = True  # False once the server refuses max_tokens

    def complete(self, request: ModelRequest, timeout: float, cancel: Cancel) -> str:
        while True:
            with self._lock:
                form, capped = self._format, self._max_tokens
            body = self._body(request, form, capped)
            status, reply = _post(self._url(), body, self._headers(), timeout, cancel, self.local)
            if status < 400:
                return _content(reply, request.max_tokens)
            message = server_message(reply)
            if not (message and self._adapt(message, form, capped)):
                raise ModelReplyError(self._failure(status, message))

    def _failure(self, status: int, message: str | None) -> str:
        """The server's refusal in one line; a 404 names the address asked (a base address without
        its /v1, or with the endpoint pasted, is the usual cause), with the hint when it lacks /v1."""
        if status != 404:
            return http_failure(status, self.key_hint, message)
        hint = "" if self.base_url.endswith("/v1") else " (the base URL usually ends in /v1)"
        return f"the server answered HTTP 404 for {self._url()}{hint}" + (f": {message}" if message else "")

    def _url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _body(self, request: ModelRequest, form: int, capped: bool) -> dict[str, Any]:
        kind = FORMATS[form]
        if kind == "json_schema":
            system = request.system
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.schema},
            }
        else:
            system = request.system_with_schema()
            response_format = {"type": "json_object"}
            if kind == "json_object+schema":
                response_format["schema"] = request.schema
        body = {
            "model": self.model_id,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": request.prompt}],
            "response_format": response_format,
            "stream": False,
        }
        if capped:
            body["max_tokens"] = request.max_tokens
        return body

    def _adapt(self, message: str, form: int, capped: bool) -> bool:
        """Whether the refusal is of something this request may do without, now left out for the
        rest of the run (each once: a server refusing again is told as it is)."""
        text = message.lower()
        with self._lock:
            if capped and "max_tokens" in text:
                self._max_tokens = False
                return True
            if any(word in text for word in ("response_format", "json_schema", "json_object", "schema")):
                if self._format != form:  # another request moved on meanwhile: ask as it found
                    return True
                if form + 1 < len(FORMATS):
                    self._format = form + 1
                    return True
        return False


def _content(reply: bytes, max_tokens: int) -> str:
    try:
        completion = json.loads(reply.decode("utf-8", "replace"))
    except ValueError:
        raise ModelReplyError("the server's response was not JSON") from None
    refusal = refusal_of(completion)
    if refusal:
        raise ModelReplyError(f"it refused: {one_line(refusal, 80)}")
    try:
        choice = completion["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelReplyError("the server's response had no message") from None
    if cut_off(completion):
        raise ModelReplyError(f"its reply was cut off at the {max_tokens} tokens allowed")
    return content if isinstance(content, str) else ""


def server_message(body: bytes) -> str | None:
    """The error message of an error response's bytes, as one short line (None when there is none;
    an HTML error page says nothing useful)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        return error_message(json.loads(text))
    except ValueError:
        return None if text.startswith("<") else error_message(text)


def _post(
    url: str, body: dict[str, Any], headers: dict[str, str], timeout: float, cancel: Cancel, local: bool
) -> tuple[int, bytes]:
    """POST ``body`` as JSON: the status and the response's bytes (an error response's too). Its
    connection is shut when the caller gives up (``cancel``). A ``local`` server is reached directly,
    never through the environment's proxy (``http_proxy``), so the text stays on this machine as the
    person was told; any other goes the way the environment says."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    handlers = [_handler(urllib.request.HTTPHandler, cancel), _https(cancel)]
    if local:
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    try:
        # The caller's deadline (ModelCall) is what the person is told about; the socket's own timeout
        # only ends a thread left behind, so it is a little longer.
        with opener.open(request, timeout=timeout + 5) as response:
            return response.status, read_capped(response)
    except ModelReplyError:
        raise
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, exc.read(64 * 1024)
        except OSError:
            return exc.code, b""
    except Exception as exc:
        raise ModelReplyError(describe_failure(exc, timeout)) from None


def read_capped(response: Any, limit: int = REPLY_BYTES) -> bytes:
    """A response's body, at most ``limit`` bytes read (raise ModelReplyError when it is longer: one
    announced longer is not read at all)."""
    length = response.headers.get("Content-Length") or ""
    if length.strip().isdigit() and int(length) > limit:
        raise ModelReplyError(TOO_LARGE)
    body = response.read(limit + 1)
    if len(body) > limit:
        raise ModelReplyError(TOO_LARGE)
    return body


def _closing(base: type, cancel: Cancel) -> type:
    """``base`` (an http.client connection class) whose socket is shut when the caller gives up."""

    class Connection(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            super().connect()
            cancel.on_give_up(self._shut)

        def _shut(self) -> None:
            sock = self.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    return Connection


def _handler(base: type, cancel: Cancel) -> Any:
    import http.client

    class Handler(base):  # type: ignore[misc, valid-type]
        def http_open(self, req: Any) -> Any:
            return self.do_open(_closing(http.client.HTTPConnection, cancel), req)

    return Handler()


def _https(cancel: Cancel) -> Any:
    import http.client
    import urllib.request

    class Handler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(_closing(http.client.HTTPSConnection, cancel), req, context=self._context)  # type: ignore[attr-defined]

    return Handler()
