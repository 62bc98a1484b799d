"""A real HTTP server on loopback that speaks the OpenAI Chat Completions protocol (JSON and SSE).

Tests script it with ``enqueue`` (one behaviour per request, in order) and read ``requests``
(every request's headers, body and arrival time). When the queue is empty it answers with
``default`` (a callable from the request body to reply content), so long runs need no script.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    """What the server does for one request."""

    content: str | None = None          # reply text (the letter JSON); None: use the default
    status: int = 200
    error: str = ""                      # error message for non-200 replies
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0                   # before answering (timeouts)
    drop_after: int | None = None        # streaming: close the socket after this many chunks
    finish_reason: str = "stop"
    usage: tuple[int, int] = (120, 80)
    body: bytes | None = None            # send exactly these bytes (with content_type) instead of a completion
    content_type: str = "application/json"
    trickle: float = 0.0                 # send the body one byte at a time, this many seconds apart


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class FakeOpenAI:
    """The scriptable server; ``base_url`` is what clients point OPENAI_BASE_URL at."""

    def __init__(self, default: Callable[[dict[str, Any]], str] | None = None) -> None:
        self.queue: deque[Behaviour] = deque()
        self.requests: list[Recorded] = []
        self.default = default
        self.reject_json_schema = False
        self.known_models = {"test-model"}
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def enqueue(self, *behaviours: Behaviour) -> None:
        self.queue.extend(behaviours)

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next(self, body: dict[str, Any]) -> Behaviour:
        with self._lock:
            if body.get("model") not in self.known_models:
                return Behaviour(status=404, error=f"The model `{body.get('model')}` does not exist")
            fmt = (body.get("response_format") or {}).get("type")
            if self.reject_json_schema and fmt == "json_schema":
                return Behaviour(status=400, error="response_format of type json_schema is not supported")
            if self.queue:
                return self.queue.popleft()
        return Behaviour(sleep=self.delay)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    fake.requests.append(Recorded(self.path, headers, body, time.monotonic()))
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or we dropped it on purpose
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self, body: dict[str, Any]) -> None:
                b = fake._next(body)
                if b.sleep:
                    time.sleep(b.sleep)
                if b.status != 200:
                    payload = json.dumps({"error": {"message": b.error or "error", "type": "error",
                                                    "code": str(b.status)}}).encode()
                    self.send_response(b.status)
                    for k, v in b.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if b.body is not None:
                    self._raw(b)
                    return
                content = b.content if b.content is not None else (fake.default(body) if fake.default else "{}")
                if body.get("stream"):
                    self._stream(content, b)
                else:
                    self._json(content, b, body)

            def _raw(self, b: Behaviour) -> None:
                assert b.body is not None
                self.send_response(200)
                self.send_header("Content-Type", b.content_type)
                self.send_header("Content-Length", str(len(b.body)))
                self.end_headers()
                if not b.trickle:
                    self.wfile.write(b.body)
                    return
                for byte in b.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(b.trickle)

            def _json(self, content: str, b: Behaviour, body: dict[str, Any]) -> None:
                payload = json.dumps({
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": b.finish_reason}],
                    "usage": {"prompt_tokens": b.usage[0], "completion_tokens": b.usage[1],
                              "total_tokens": sum(b.usage)},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, content: str, b: Behaviour) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = [content[i : i + 40] for i in range(0, len(content), 40)] or [""]
                for n, piece in enumerate(pieces):
                    if b.drop_after is not None and n >= b.drop_after:
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.connection.close()
                        return
                    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": b.finish_reason}]}
                usage = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
                         "choices": [], "usage": {"prompt_tokens": b.usage[0], "completion_tokens": b.usage[1],
                                                  "total_tokens": sum(b.usage)}}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler
