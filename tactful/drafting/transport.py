"""One attempt on the wire: send a Chat Completions request, read a bounded reply, or say what came back.

Everything a server can send is judged here, before any of it is trusted:

- **A deadline on the whole attempt.** ``asyncio.timeout`` covers connecting, the status line
  and every byte of the body, streamed or not, so a server that trickles a byte every few
  seconds cannot hold a draft past it (the HTTP client's own timeouts are per read).
- **A cap on what is accepted.** At most ``MAX_REPLY_BYTES`` of body are read; a runaway reply
  is cut there and reported, never buffered whole.
- **A chat completion, or a clear fault.** An HTML page, text/plain, an empty body, JSON without
  ``choices``, ``choices: []``, ``content: null`` or a reply holding a lone surrogate becomes
  ``NotACompletion``, whose message names the endpoint and what it sent instead.

The request goes through the ``openai`` client (its status errors, headers and connection
handling), asked for the raw, unread response so that the reading above is ours.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Any

import httpx2
import openai
from openai._constants import RAW_RESPONSE_HEADER

from . import Usage
from .schema import SURROGATE, MalformedReply

MAX_REPLY_BYTES = 128 * 1024  # a letter at twice its word budget is under 20 KB in any of the languages
HINT = "is the base URL the API's /v1?"


class NotACompletion(MalformedReply):
    """The server answered 200 with something that is not a chat completion (retried as transient)."""


class RunawayReply(MalformedReply):
    """The reply went past ``MAX_REPLY_BYTES`` and was cut there (retried as transient)."""


class AttemptTimedOut(Exception):
    """One attempt ran past its deadline (retried as transient)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete reply within {seconds:g} s")
        self.seconds = seconds


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """The TLS context, built once (about 20 ms); it holds no credentials."""
    return ssl.create_default_context()


def new_client(secret: str, base_url: str | None, timeout: float) -> openai.AsyncOpenAI:
    """A client for one drafter on one event loop; the key lives only in that object."""
    http = openai.DefaultAsyncHttpxClient(verify=_tls(), timeout=timeout)
    return openai.AsyncOpenAI(api_key=secret or "not-needed", base_url=base_url, timeout=timeout, max_retries=0,
                              http_client=http)


async def send(client: openai.AsyncOpenAI, body: dict[str, Any], *, endpoint: str, seconds: float,
               on_delta: Callable[[str], None] | None = None) -> tuple[str, Usage]:
    """One attempt: the reply text and usage, within ``seconds`` end to end."""
    try:
        async with asyncio.timeout(seconds):
            return await _send(client, body, endpoint, on_delta)
    except TimeoutError:
        raise AttemptTimedOut(seconds) from None


async def _send(client: openai.AsyncOpenAI, body: dict[str, Any], endpoint: str,
                on_delta: Callable[[str], None] | None) -> tuple[str, Usage]:
    if on_delta is not None:
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    response = await client.post("/chat/completions", cast_to=httpx2.Response, body=body,
                                 options={"headers": {RAW_RESPONSE_HEADER: "stream"}})
    try:
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if on_delta is not None and kind == "text/event-stream":
            return await _read_stream(_capped(response, endpoint), endpoint, on_delta)
        raw = b"".join([chunk async for chunk in _capped(response, endpoint)])
    finally:
        await response.aclose()
    text, usage = completion(raw, kind, endpoint)
    if on_delta is not None and text:
        on_delta(text)  # the server ignored "stream": the whole text is one delta
    return text, usage


async def _capped(response: httpx2.Response, endpoint: str) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in response.aiter_bytes():
        seen += len(chunk)
        if seen > MAX_REPLY_BYTES:
            raise RunawayReply(f"{endpoint} sent more than {MAX_REPLY_BYTES // 1024} KB; the reply was cut there", "")
        yield chunk


def _what(raw: bytes, kind: str) -> str:
    """What a non-completion body is, in words."""
    head = raw.lstrip()[:64].lower()
    if not head:
        return "an empty body"
    if "html" in kind or head.startswith(b"<"):
        return "an HTML page"
    if kind and "json" not in kind:
        return f"{kind} text"
    return "something that is not JSON"


def _fault(endpoint: str, what: str, text: str = "") -> NotACompletion:
    return NotACompletion(f"{endpoint} answered with {what}, not a chat completion: {HINT}", text)


def completion(raw: bytes, kind: str, endpoint: str) -> tuple[str, Usage]:
    """The text and usage of a non-streamed reply, or ``NotACompletion`` saying what it was."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _fault(endpoint, _what(raw, kind), raw[:500].decode("utf-8", "replace")) from None
    if not isinstance(data, dict) or "choices" not in data:
        raise _fault(endpoint, "JSON without 'choices'")
    choices = data["choices"]
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise NotACompletion(f"{endpoint} answered with a chat completion that has no choices", "")
    message = choices[0].get("message")
    text = message.get("content") if isinstance(message, dict) else None
    if not isinstance(text, str):
        raise NotACompletion(f"{endpoint} answered with a chat completion whose message has no text content", "")
    _valid_text(text, endpoint)
    if choices[0].get("finish_reason") == "length":
        raise MalformedReply("the reply was cut off (max_tokens reached)", text)
    return text, _usage(data.get("usage"))


def _valid_text(text: str, endpoint: str) -> None:
    if SURROGATE.search(text):
        raise NotACompletion(f"{endpoint} sent text holding invalid Unicode (a lone surrogate)", "")


def _usage(value: Any) -> Usage:
    if not isinstance(value, dict):
        return Usage()
    prompt, completion_ = value.get("prompt_tokens"), value.get("completion_tokens")
    return Usage(prompt if isinstance(prompt, int) else 0, completion_ if isinstance(completion_, int) else 0)


async def _read_stream(chunks: AsyncIterator[bytes], endpoint: str,
                       on_delta: Callable[[str], None]) -> tuple[str, Usage]:
    """The text of a server-sent event stream, handed to ``on_delta`` as it arrives."""
    parts: list[str] = []
    usage, finish, buffer = Usage(), None, b""
    async for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            event = _event(line, endpoint)
            if event is None:
                continue
            if event == "[DONE]":
                return _finished(parts, usage, finish, endpoint)
            if isinstance(event.get("usage"), dict):
                usage = _usage(event["usage"])
            for choice in event.get("choices") or []:
                delta = (choice.get("delta") or {}).get("content") if isinstance(choice, dict) else None
                if isinstance(delta, str) and delta:
                    _valid_text(delta, endpoint)
                    parts.append(delta)
                    on_delta(delta)
                if isinstance(choice, dict) and choice.get("finish_reason"):
                    finish = choice["finish_reason"]
    return _finished(parts, usage, finish, endpoint)


def _event(line: bytes, endpoint: str) -> Any:
    """One ``data:`` line: ``"[DONE]"``, a JSON object, or None for anything else (comments, blanks)."""
    line = line.strip()
    if not line.startswith(b"data:"):
        return None
    data = line[5:].strip()
    if data == b"[DONE]":
        return "[DONE]"
    try:
        event = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise NotACompletion(f"{endpoint} sent a stream event that is not JSON: {HINT}", "") from None
    if not isinstance(event, dict):
        raise NotACompletion(f"{endpoint} sent a stream event that is not a chat completion chunk", "")
    if "error" in event:
        error = event["error"]
        detail = error.get("message") if isinstance(error, dict) else error
        raise NotACompletion(f"{endpoint} sent an error in the stream: {str(detail)[:200]}", "")
    return event


def _finished(parts: list[str], usage: Usage, finish: Any, endpoint: str) -> tuple[str, Usage]:
    text = "".join(parts)
    if finish == "length":
        raise MalformedReply("the reply was cut off (max_tokens reached)", text)
    if not text:
        raise NotACompletion(f"{endpoint} sent a stream with no text", "")
    return text, usage
