"""Any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp): structured output, retries, errors.

This is the only module (with ``transport``, which reads one reply) that imports ``openai``.
One implementation, async at its core; the sync ``draft``/``repair`` (the CLI and the app) run
it on an event loop of their own, the eval runner awaits it. It owns:

- **Structured output**: a JSON schema built from the kind's section IDs is sent as
  ``response_format={"type": "json_schema", ...}``; a server that rejects it gets
  ``json_object`` with the schema described in the prompt instead (remembered per drafter).
- **One retry policy** (tenacity; the SDK's own retries are off with ``max_retries=0``):
  429 honouring Retry-After, 5xx, timeouts, dropped connections, replies that are not chat
  completions, runaway replies and malformed or truncated JSON are retried with exponential
  backoff and jitter, bounded in attempts and in total time. 401/403, 404 and 400 are not
  retried; they become one clear message.
- **Deadlines**: each attempt is bounded end to end by ``TACTFUL_TIMEOUT_S`` (``transport``);
  no attempt starts after ``TACTFUL_MAX_RETRY_WAIT_S``, and none runs past it.
- **Streaming**: deltas go to ``on_delta`` as they arrive; ``on_delta(None)`` means "discard
  what you have, a retry starts". The text is only a letter once parsed and checked.

The API key lives only in the drafter's own client; it never appears in a message, and no
process-wide cache holds it. Errors are built from the endpoint (its credentials masked),
model and status.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, Protocol, TypeVar

import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from ..config import Settings
from ..errors import ModelAuthError, ModelError, ModelNotFound, ModelOutputError, ModelRequestError, ModelUnavailable
from ..guardrails import Violation
from ..letter import Letter
from ..prompts import cached_version, render, render_repair
from . import DraftRequest, OnDelta, Reply, Usage
from .schema import MalformedReply, draft_schema, parse_reply
from .transport import AttemptTimedOut, NotACompletion, RunawayReply, new_client, send

T = TypeVar("T")


class Exchange(Protocol):
    """How a request meets the server, when not directly: the eval runner's reply cache is one
    (``tactful.evals.cache.CachedExchange``). ``send`` makes the call; ``check`` raises
    ``MalformedReply`` for a reply that must not be kept."""

    async def __call__(self, drafter: RemoteDrafter, body: dict[str, Any], params: dict[str, Any],
                       send: Callable[[], Awaitable[tuple[str, Usage]]],
                       check: Callable[[str], object]) -> tuple[str, Usage]: ...

TRANSIENT = (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError, openai.InternalServerError,
             MalformedReply, AttemptTimedOut)


def _is_transient(err: BaseException) -> bool:
    if isinstance(err, TRANSIENT):
        return True
    # A connection dropped mid-stream surfaces as the HTTP library's own error.
    return type(err).__module__.split(".")[0] in {"httpx", "httpx2", "httpcore", "httpcore2"}


def retry_after(err: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if any."""
    response = getattr(err, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None


Build = Callable[[bool], list[dict[str, str]]]  # schema_in_prompt -> chat messages


def draft_messages(request: DraftRequest) -> Build:
    """The first-draft messages, rendered with or without the schema in the prompt."""
    version = cached_version(request.prompt_version)
    return lambda schema_in_prompt: render(version, request.case, request.catalog, tone=request.tone,
                                           instruction=request.instruction, schema_in_prompt=schema_in_prompt,
                                           brief=request.brief)


def repair_messages(request: DraftRequest, letter: Letter, violations: list[Violation], failing: list[str]) -> Build:
    """The repair messages for ``failing`` sections."""
    version = cached_version(request.prompt_version)
    return lambda schema_in_prompt: render_repair(
        version, request.case, request.catalog, letter=letter, violations=violations, failing=failing,
        tone=request.tone, instruction=request.instruction, schema_in_prompt=schema_in_prompt, brief=request.brief)


def _params(request: DraftRequest) -> dict[str, Any]:
    """Sampling parameters plus what else identifies a request for the eval cache."""
    version = cached_version(request.prompt_version)
    return {**version.params.model_dump(), "prompt_digest": version.digest, "repeat": request.repeat}


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end from sync code (the CLI, the app's script thread).

    On a thread that already runs an event loop, it runs on a worker thread's own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as err:  # noqa: BLE001  (handed back to the caller's thread)
            box["error"] = err

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class RemoteDrafter:
    """Drafts through an OpenAI-compatible Chat Completions endpoint (sync interface: CLI, app)."""

    provider = "openai"

    def __init__(self, settings: Settings, *, exchange: Exchange | None = None) -> None:
        self.settings = settings
        self.exchange = exchange  # how a request meets the server: directly, or (evals) through a reply cache
        self.model = settings.model
        self.endpoint = settings.endpoint
        self._secret = settings.api_key.get_secret_value() if settings.api_key else ""
        self._aclient: openai.AsyncOpenAI | None = None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self.json_schema_ok = True
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)

    def draft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:
        """A first draft."""
        return self._sync(lambda: self.adraft(request, on_delta))

    def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
               failing: list[str]) -> Reply:
        """A rewrite asked for ``failing`` sections (the caller pins the others)."""
        return self._sync(lambda: self.arepair(request, letter, violations, failing))

    async def adraft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:
        """A first draft, awaited."""
        return await self._complete(draft_messages(request), request, on_delta)

    async def arepair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
                      failing: list[str]) -> Reply:
        """A rewrite of ``failing`` sections, awaited."""
        return await self._complete(repair_messages(request, letter, violations, failing), request, None)

    async def aclose(self) -> None:
        """Close the connection pool (the next call opens a new one)."""
        client, self._aclient, self._aclient_loop = self._aclient, None, None
        if client is not None:
            await client.close()

    def _sync(self, make: Callable[[], Awaitable[T]]) -> T:
        async def once() -> T:
            try:
                return await make()
            finally:
                await self.aclose()  # the pool belongs to this call's event loop

        return run_sync(once)

    def _client(self) -> openai.AsyncOpenAI:
        """This drafter's client on the running event loop (a pool cannot cross loops)."""
        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient_loop is not loop:
            self._aclient = new_client(self._secret, self.settings.base_url, self.settings.timeout_s)
            self._aclient_loop = loop
        return self._aclient

    def _wait(self, state: RetryCallState) -> float:
        err = state.outcome.exception() if state.outcome else None
        asked = retry_after(err) if err is not None else None
        if asked is not None:
            return min(asked, self.settings.max_retry_wait_s)
        return float(self._backoff(state))

    def _budget(self) -> float:
        """The whole draft's time: no attempt starts after it, and none runs past it."""
        return max(self.settings.max_retry_wait_s, self.settings.timeout_s)

    def _retry_policy(self) -> dict[str, Any]:
        return {"retry": retry_if_exception(_is_transient), "wait": self._wait, "reraise": True,
                "stop": stop_after_attempt(self.settings.max_attempts) | stop_after_delay(self._budget())}

    def _failure(self, err: Exception, attempts: int, last_text: str) -> Exception:
        """The one clear error for whatever ended the attempts (the original error if it is not ours)."""
        tried = f"({attempts} attempt(s))"
        if isinstance(err, NotACompletion):
            return ModelUnavailable(f"{err.detail} {tried}", attempts=attempts)
        if isinstance(err, RunawayReply):
            return ModelOutputError(f"{err.detail} {tried}", attempts=attempts)
        if isinstance(err, MalformedReply):
            return ModelOutputError(f"the model's reply was not a complete letter after {attempts} attempt(s): "
                                    f"{err.detail}", attempts=attempts, last_output=err.text)
        if isinstance(err, AttemptTimedOut):
            return ModelUnavailable(f"{self.endpoint} did not answer within {err.seconds:g} s "
                                    f"{tried}", attempts=attempts)
        if isinstance(err, openai.APIError):
            return self._map(err, attempts, last_text)
        if _is_transient(err):
            return ModelUnavailable(f"the connection to {self.endpoint} dropped {tried}", attempts=attempts)
        return err

    async def _complete(self, build: Any, request: DraftRequest, on_delta: OnDelta | None) -> Reply:
        section_ids = request.catalog.kind(request.case.kind).stage(request.case.stage).section_ids
        params = _params(request)
        usage, attempts, started, last_text = Usage(), 0, time.perf_counter(), ""
        try:
            async for attempt in AsyncRetrying(**self._retry_policy()):
                with attempt:
                    attempts += 1
                    if on_delta is not None and attempts > 1:
                        on_delta(None)
                    left = self._budget() - (time.perf_counter() - started)
                    text, call_usage = await self._call(build, section_ids, params, on_delta, left)
                    usage.add(call_usage)
                    last_text = text
                    letter = parse_reply(text, section_ids)
        except Exception as err:  # noqa: BLE001  (every error is mapped or re-raised by _failure)
            raise self._failure(err, attempts, last_text) from None
        return Reply(letter=letter, usage=usage, attempts=attempts, latency_ms=(time.perf_counter() - started) * 1000)

    async def _call(self, build: Any, section_ids: list[str], params: dict[str, Any], on_delta: OnDelta | None,
                    left: float) -> tuple[str, Usage]:
        try:
            return await self._request(build(not self.json_schema_ok), section_ids, params, on_delta, left)
        except openai.BadRequestError as err:
            if not self._fall_back(err):
                raise
            return await self._request(build(True), section_ids, params, on_delta, left)

    def _fall_back(self, err: openai.BadRequestError) -> bool:
        """True (once) when the server rejected json_schema: use json_object + the schema in the prompt."""
        if not self.json_schema_ok or not re.search(r"response_format|json_schema|schema", str(err), re.I):
            return False
        self.json_schema_ok = False
        return True

    def _body(self, messages: list[dict[str, str]], section_ids: list[str], params: dict[str, Any]) -> dict[str, Any]:
        if self.json_schema_ok:
            fmt: dict[str, Any] = {"type": "json_schema",
                                   "json_schema": {"name": "letter", "strict": True, "schema": draft_schema(section_ids)}}
        else:
            fmt = {"type": "json_object"}
        return {"model": self.model, "messages": messages, "response_format": fmt,
                "temperature": params["temperature"], "max_tokens": params["max_tokens"]}

    async def _request(self, messages: list[dict[str, str]], section_ids: list[str], params: dict[str, Any],
                       on_delta: OnDelta | None, left: float) -> tuple[str, Usage]:
        body = self._body(messages, section_ids, params)
        if self.exchange is None:
            return await self._send(body, on_delta, left)
        return await self.exchange(self, body, params, lambda: self._send(body, None, left),
                                   lambda text: parse_reply(text, section_ids))  # only complete letters are kept

    async def _send(self, body: dict[str, Any], on_delta: OnDelta | None, left: float) -> tuple[str, Usage]:
        seconds = max(0.05, min(self.settings.timeout_s, left))
        return await send(self._client(), body, endpoint=self.endpoint, seconds=seconds, on_delta=on_delta)

    async def call(self, body: dict[str, Any], params: dict[str, Any], read: Callable[[str], T]) -> tuple[T, Usage]:
        """One request ``body`` (a ready Chat Completions body), retried under the policy, through the exchange,
        its reply turned into a value by ``read`` (a ``MalformedReply`` from it is retried like a bad reply)."""
        attempts, started = 0, time.perf_counter()
        try:
            async for attempt in AsyncRetrying(**self._retry_policy()):
                with attempt:
                    attempts += 1
                    left = self._budget() - (time.perf_counter() - started)
                    if self.exchange is None:
                        text, usage = await self._send(body, None, left)
                    else:
                        text, usage = await self.exchange(self, body, params, partial(self._send, body, None, left), read)
                    value = read(text)
        except Exception as err:  # noqa: BLE001  (every error is mapped or re-raised by _failure)
            raise self._failure(err, attempts, "") from None
        return value, usage

    def _scrub(self, text: str) -> str:
        for secret in [self._secret, *self.settings.url_secrets()]:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _map(self, err: openai.APIError, attempts: int, last_text: str) -> ModelError:
        where = self.endpoint
        if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return ModelAuthError(f"the server at {where} rejected the API key (HTTP {err.status_code})")
        if isinstance(err, openai.NotFoundError):
            return ModelNotFound(f"model '{self.model}' not found on {where}")
        if isinstance(err, openai.RateLimitError):
            asked = retry_after(err)
            wait = f"; it asked to wait {asked:g} s" if asked is not None else ""
            return ModelUnavailable(f"rate limited by {where} after {attempts} attempt(s){wait}", attempts=attempts)
        if isinstance(err, openai.APITimeoutError):
            return ModelUnavailable(f"{where} did not answer within {self.settings.timeout_s:g} s "
                                    f"({attempts} attempt(s))", attempts=attempts)
        if isinstance(err, openai.APIConnectionError):
            return ModelUnavailable(f"cannot reach {where} ({attempts} attempt(s)); is the server running?",
                                    attempts=attempts)
        if isinstance(err, openai.APIStatusError):
            detail = self._scrub(_server_message(err))
            if err.status_code >= 500:
                return ModelUnavailable(f"{where} failed with HTTP {err.status_code} ({attempts} attempt(s))",
                                        attempts=attempts)
            return ModelRequestError(f"the server at {where} rejected the request (HTTP {err.status_code}): {detail}",
                                     attempts=attempts, last_output=last_text)
        return ModelError(f"model call to {where} failed: {type(err).__name__}", attempts=attempts)


def _server_message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])[:200]
    return str(err.message)[:200]


class AsyncRemoteDrafter(RemoteDrafter):
    """The same drafter with the ``AsyncDrafter`` interface (the eval runner): ``draft`` is awaited."""

    async def draft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:  # type: ignore[override]  # the async interface
        """A first draft."""
        return await self.adraft(request, on_delta)

    async def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],  # type: ignore[override]  # the async interface
                     failing: list[str]) -> Reply:
        """A rewrite of ``failing`` sections."""
        return await self.arepair(request, letter, violations, failing)
