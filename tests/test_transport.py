"""What a server sends that is not a good reply: each a fault with a clear message, never a traceback or a hang.

Every test runs against the real loopback server of ``tests/fakes`` (no patched client).
"""

from __future__ import annotations

import json
import time

import pytest

from tactful.cli import main
from tactful.drafting.remote import RemoteDrafter
from tactful.drafting.transport import MAX_REPLY_BYTES
from tactful.errors import ModelOutputError, ModelUnavailable
from tests.fakes.openai_server import Behaviour
from tests.test_remote import CASE, KEY
from tests.test_remote import drafter as remote_drafter


def drafter(fake, **over) -> RemoteDrafter:
    """The remote drafter of ``test_remote``, with two attempts: each fault is retried once."""
    return remote_drafter(fake, **{"max_attempts": 2, **over})


def completion(**over) -> bytes:
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"}]}
    return json.dumps({**body, **over}).encode()


NOT_COMPLETIONS = {
    "html": (Behaviour(body=b"<!doctype html><html><body>Open WebUI</body></html>", content_type="text/html"),
             r"answered with an HTML page, not a chat completion: is the base URL the API's /v1\?"),
    "text": (Behaviour(body=b"Bad gateway, try later", content_type="text/plain"),
             r"answered with text/plain text, not a chat completion"),
    "empty": (Behaviour(body=b""), r"answered with an empty body, not a chat completion"),
    "no_choices": (Behaviour(body=b'{"object": "list", "data": []}'), r"answered with JSON without 'choices'"),
    "choices_empty": (Behaviour(body=completion(choices=[])), r"a chat completion that has no choices"),
    "content_null": (Behaviour(body=completion(choices=[{"index": 0, "message": {"role": "assistant", "content": None},
                                                        "finish_reason": "stop"}])),
                     r"whose message has no text content"),
    "surrogate": (Behaviour(body=completion(choices=[{"index": 0, "message": {"role": "assistant",
                                                                             "content": "x\ud800"},
                                                     "finish_reason": "stop"}])),
                  r"invalid Unicode \(a lone surrogate\)"),
}


@pytest.mark.parametrize("name", sorted(NOT_COMPLETIONS))
def test_a_200_that_is_not_a_completion_is_retried_then_one_clear_error(fake_llm, request_, name):
    behaviour, message = NOT_COMPLETIONS[name]
    fake_llm.enqueue(behaviour, behaviour)
    with pytest.raises(ModelUnavailable, match=message) as info:
        drafter(fake_llm).draft(request_)
    assert str(info.value).startswith(fake_llm.base_url)  # names the endpoint
    assert "(2 attempt(s))" in str(info.value)
    assert len(fake_llm.requests) == 2  # retried within the policy


def test_a_lone_surrogate_inside_the_letter_json_is_retried_then_an_output_error(fake_llm, request_, good):
    broken = good.replace('"greeting": "', '"greeting": "\\udc00', 1)
    fake_llm.enqueue(Behaviour(content=broken), Behaviour(content=broken))
    with pytest.raises(ModelOutputError, match=r"invalid Unicode \(a lone surrogate\) in 'greeting'"):
        drafter(fake_llm).draft(request_)


def test_a_200_that_is_not_a_completion_then_a_good_reply_recovers(fake_llm, request_, good):
    fake_llm.enqueue(NOT_COMPLETIONS["html"][0], Behaviour(content=good))
    assert drafter(fake_llm).draft(request_).attempts == 2


def test_the_cli_exits_3_with_one_line_for_an_html_page(fake_llm, tmp_path, capsys, monkeypatch):
    page = NOT_COMPLETIONS["html"][0]
    fake_llm.enqueue(page, page, page)
    monkeypatch.setenv("TACTFUL_MAX_ATTEMPTS", "3")
    code = main(["draft", str(CASE), "--provider", "openai", "--base-url", fake_llm.base_url,
                 "--model", "test-model"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1 and "answered with an HTML page" in err[0] and fake_llm.base_url in err[0]
    assert "Traceback" not in "\n".join(err)


def test_a_trickling_server_is_cut_at_the_deadline_not_left_running(fake_llm, request_, good):
    slow = Behaviour(body=completion(), trickle=0.5)  # a byte every 0.5 s: every read succeeds
    fake_llm.enqueue(slow, slow)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match=r"did not answer within 1 s \(2 attempt\(s\)\)"):
        drafter(fake_llm, timeout_s=1.0).draft(request_)
    assert time.monotonic() - started < 6  # two attempts of 1 s plus backoff, not the minutes a trickle takes


def test_a_trickling_stream_is_cut_at_the_deadline(fake_llm, request_):
    slow = Behaviour(body=b"data: " + b" " * 400, content_type="text/event-stream", trickle=0.2)
    fake_llm.enqueue(slow, slow)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match="did not answer within 1 s"):
        drafter(fake_llm, timeout_s=1.0).draft(request_, on_delta=lambda d: None)
    assert time.monotonic() - started < 6


def test_the_retry_policy_bounds_the_whole_draft(fake_llm, request_):
    slow = Behaviour(body=completion(), trickle=0.5)
    fake_llm.enqueue(*[slow] * 10)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable):
        drafter(fake_llm, timeout_s=1.0, max_attempts=10, max_retry_wait_s=2.5).draft(request_)
    assert time.monotonic() - started < 4.5  # the 2.5 s budget, not ten attempts of 1 s


def test_a_runaway_reply_is_cut_at_the_cap(fake_llm, request_):
    huge = completion(choices=[{"index": 0, "message": {"role": "assistant", "content": "x" * 1_000_000},
                                "finish_reason": "stop"}])
    fake_llm.enqueue(Behaviour(body=huge), Behaviour(body=huge))
    started = time.monotonic()
    with pytest.raises(ModelOutputError, match=rf"sent more than {MAX_REPLY_BYTES // 1024} KB; the reply was cut"):
        drafter(fake_llm).draft(request_)
    assert time.monotonic() - started < 5


def test_a_long_token_under_the_cap_is_judged_in_seconds(fake_llm, request_, good):
    from tactful.repair import guarded_draft

    letter = json.loads(good)
    letter["bad_news"] = "Unfortunately " + "a" * 100_000
    fake_llm.enqueue(Behaviour(content=json.dumps(letter)), Behaviour(content=good))
    started = time.monotonic()
    result = guarded_draft(drafter(fake_llm), request_, max_repairs=1, token_budget=100_000)
    assert time.monotonic() - started < 10
    assert result.transcript[0].failing_rules  # the long token was a violation, and was repaired
    assert result.passed


def test_a_stream_that_sends_an_error_event_is_a_clear_fault(fake_llm, request_):
    err = Behaviour(body=b'data: {"error": {"message": "model overloaded"}}\n\n', content_type="text/event-stream")
    fake_llm.enqueue(err, err)
    with pytest.raises(ModelUnavailable, match="sent an error in the stream: model overloaded"):
        drafter(fake_llm).draft(request_, on_delta=lambda d: None)


def test_a_server_that_ignores_stream_still_gives_a_letter(fake_llm, request_, good):
    fake_llm.enqueue(Behaviour(body=completion(choices=[{"index": 0, "message": {"role": "assistant",
                                                                               "content": good},
                                                        "finish_reason": "stop"}])))
    seen: list[str | None] = []
    reply = drafter(fake_llm).draft(request_, on_delta=seen.append)
    assert reply.letter.sections and seen == [good]


def test_no_client_holding_the_key_outlives_the_drafter(fake_llm, request_, good):
    import gc

    import openai

    fake_llm.enqueue(Behaviour(content=good))
    d = drafter(fake_llm)
    d.draft(request_)
    del d
    gc.collect()
    clients = [o for o in gc.get_objects() if isinstance(o, (openai.OpenAI, openai.AsyncOpenAI))]
    assert not [c for c in clients if c.api_key == KEY]  # no process-wide cache keeps the key
