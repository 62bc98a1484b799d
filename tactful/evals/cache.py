"""Cache of model replies for evals, keyed by everything that affects a reply.

The key hashes the endpoint, model, prompt version's content hash, the rendered messages,
the sampling parameters, the response format and the repeat index. A rerun makes no model
call for a cached cell; replay mode uses only the cache and fails clearly on a miss. The
request's headers (and so the API key) are never part of the key or the stored value.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..drafting import Usage
from ..errors import CacheMiss, OutputError, output_error


class ReplyCache:
    """A SQLite file of replies; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a crash may lose the last replies, never corrupt
            self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, text TEXT NOT NULL,"
                             " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL)")
            with self._db:  # a read-only disk shows itself now, not in the middle of a run
                self._db.execute("DELETE FROM replies WHERE key = ''")
        except OSError as err:
            raise output_error(f"the reply cache {path}", err, "cannot be opened") from None
        except sqlite3.Error as err:
            raise OutputError(f"the reply cache {path} cannot be used ({err}); choose another with --cache") from None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(parts: dict[str, Any]) -> str:
        """A stable hash of the request parts."""
        return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def get(self, key: str) -> tuple[str, int, int] | None:
        """The stored reply text and token usage, if any."""
        with self._lock:
            row = self._db.execute("SELECT text, prompt_tokens, completion_tokens FROM replies WHERE key = ?",
                                   (key,)).fetchone()
            if row:
                self.hits += 1
            else:
                self.misses += 1
        return (row[0], row[1], row[2]) if row else None

    def put(self, key: str, text: str, prompt_tokens: int, completion_tokens: int) -> None:
        """Store a reply (first writer wins)."""
        try:
            with self._lock, self._db:
                self._db.execute("INSERT OR IGNORE INTO replies VALUES (?, ?, ?, ?)",
                                 (key, text, prompt_tokens, completion_tokens))
        except sqlite3.Error as err:
            raise OutputError(f"the reply cache {self.path} cannot be written ({err})") from None


class CachedExchange:
    """The remote drafter's exchange for evals: a cached reply when there is one, else the call and then
    the cache (only replies that ``check`` accepts are kept); in replay mode a miss is an error."""

    def __init__(self, cache: ReplyCache, *, replay_only: bool = False) -> None:
        self.cache, self.replay_only = cache, replay_only

    async def __call__(self, drafter: Any, body: dict[str, Any], params: dict[str, Any],
                       send: Callable[[], Awaitable[tuple[str, Usage]]], check: Callable[[str], object]) -> tuple[str, Usage]:
        key = self.cache.key({"endpoint": drafter.endpoint, "prompt": params["prompt_digest"],
                              "repeat": params["repeat"], **body})
        hit = self.cache.get(key)
        if hit is not None:
            return hit[0], Usage(hit[1], hit[2])
        if self.replay_only:
            raise CacheMiss(f"replay: no cached reply for this request in {self.cache.path} "
                            f"(model '{drafter.model}'); run once without --replay to record it")
        text, usage = await send()
        check(text)
        self.cache.put(key, text, usage.prompt_tokens, usage.completion_tokens)
        return text, usage
