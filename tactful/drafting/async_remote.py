"""The remote drafter for asyncio callers (the eval runner), and the eval judge.

Everything but the awaits comes from ``remote.RemoteDrafter``: request bodies, the reply
cache, the retry policy, the json_schema fallback and the error messages. One client per
instance, so it belongs to the event loop that created it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from tenacity import AsyncRetrying

from ..config import Settings
from ..guardrails import Violation
from ..letter import Letter
from . import DraftRequest, OnDelta, Reply, Usage
from .remote import RemoteDrafter, _from_completion, _params, draft_messages, repair_messages
from .schema import MalformedReply, parse_reply


class AsyncRemoteDrafter(RemoteDrafter):
    """The same drafter for asyncio callers (the eval runner): one client per instance and event loop.

    Everything but the awaits is inherited: request bodies, the cache, the retry policy, the
    json_schema fallback and the error messages are the sync drafter's.
    """

    def __init__(self, settings: Settings, *, cache: Any = None, replay_only: bool = False) -> None:
        super().__init__(settings, cache=cache, replay_only=replay_only)
        self.aclient = AsyncOpenAI(api_key=self._secret or "not-needed", base_url=settings.base_url,
                                   timeout=settings.timeout_s, max_retries=0)

    async def draft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:  # type: ignore[override]  # async twin
        """A first draft."""
        return await self._acomplete(draft_messages(request), request)

    async def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],  # type: ignore[override]  # async twin
                     failing: list[str]) -> Reply:
        """A rewrite asked for ``failing`` sections."""
        return await self._acomplete(repair_messages(request, letter, violations, failing), request)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.aclient.close()

    async def _acomplete(self, build: Any, request: DraftRequest) -> Reply:
        section_ids = request.catalog.kind(request.case.kind).stage(request.case.stage).section_ids
        params = _params(request)
        usage, attempts, started, last_text = Usage(), 0, time.perf_counter(), ""
        try:
            async for attempt in AsyncRetrying(**self._retry_policy()):
                with attempt:
                    attempts += 1
                    text, call_usage = await self._acall(build, section_ids, params)
                    usage.add(call_usage)
                    last_text = text
                    letter = parse_reply(text, section_ids)
        except Exception as err:  # noqa: BLE001  (every error is mapped or re-raised by _failure)
            raise self._failure(err, attempts, last_text) from None
        return Reply(letter=letter, usage=usage, attempts=attempts, latency_ms=(time.perf_counter() - started) * 1000)

    async def _acall(self, build: Any, section_ids: list[str], params: dict[str, Any]) -> tuple[str, Usage]:
        try:
            return await self._arequest(build(not self.json_schema_ok), section_ids, params)
        except openai.BadRequestError as err:
            if not self._fall_back(err):
                raise
            return await self._arequest(build(True), section_ids, params)

    async def _arequest(self, messages: list[dict[str, str]], section_ids: list[str],
                        params: dict[str, Any]) -> tuple[str, Usage]:
        body = self._body(messages, section_ids, params)
        key, hit = self._lookup(body, params) if self.cache is not None else ("", None)
        if hit is not None:
            return hit
        text, usage = _from_completion(await self.aclient.post("/chat/completions", cast_to=ChatCompletion, body=body))
        if self.cache is not None:
            self._store(key, text, usage, section_ids)
        return text, usage

    async def judge(self, messages: list[dict[str, str]], keys: list[str], *, repeat: int = 0) -> tuple[dict[str, Any], Usage]:
        """A JSON object with ``keys`` from the model (the eval rubric), retried and cached like drafts."""
        schema = {"type": "object", "properties": {k: {"type": "integer" if k != "reason" else "string"} for k in keys},
                  "required": keys, "additionalProperties": False}
        body = {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": 300,
                "response_format": {"type": "json_schema", "json_schema": {"name": "rubric", "strict": True,
                                                                            "schema": schema}}}
        params = {"prompt_digest": "rubric", "repeat": repeat}
        attempts = 0
        try:
            async for attempt in AsyncRetrying(**self._retry_policy()):
                with attempt:
                    attempts += 1
                    key, hit = self._lookup(body, params) if self.cache is not None else ("", None)
                    text, usage = hit or _from_completion(
                        await self.aclient.post("/chat/completions", cast_to=ChatCompletion, body=body))
                    data = _json_object(text, keys)
                    if self.cache is not None and hit is None:
                        self.cache.put(key, text, usage.prompt_tokens, usage.completion_tokens)
        except Exception as err:  # noqa: BLE001  (every error is mapped or re-raised by _failure)
            raise self._failure(err, attempts, "") from None
        return data, usage


def _json_object(text: str, keys: list[str]) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedReply(f"invalid JSON at character {err.pos}", text) from None
    if not isinstance(data, dict) or any(k not in data for k in keys):
        raise MalformedReply(f"expected the keys {keys}", text)
    return data
