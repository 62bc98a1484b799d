"""Drafting history in SQLite: every draft with its case, provider, model, prompt version and report.

Append-only rows; the schema is an ordered list of migrations (``MIGRATIONS``), applied once
each and recorded in ``_migrations``, so an old database is upgraded on open. Each browser
session writes under its own ``session_id``; lists default to one session, so several sessions
at once never mix their drafts. No API key is ever part of a row: rows are built from the
case, the result and the provider/model names only.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TactfulError
from .letter import Letter
from .repair import DraftReport, TokenUsage

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []
migration = MIGRATIONS.append


@migration
def m001_drafts(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE drafts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            created REAL NOT NULL,
            kind TEXT NOT NULL, lang TEXT NOT NULL, stage TEXT, tone TEXT NOT NULL,
            instruction TEXT NOT NULL DEFAULT '',
            provider TEXT NOT NULL, model TEXT NOT NULL,
            prompt_version TEXT NOT NULL, prompt_digest TEXT NOT NULL DEFAULT '',
            passed INTEGER NOT NULL, attempts INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
            latency_ms REAL NOT NULL,
            case_json TEXT NOT NULL, letter_json TEXT NOT NULL, report_json TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX drafts_session ON drafts (session_id, created)")


def migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations this database has not seen yet, under SQLite's write lock.

    ``BEGIN IMMEDIATE`` takes the lock before the list of applied steps is read, so when several
    processes open a fresh database at once, one applies the steps and the others find them
    applied (they wait for the lock, up to the connection's timeout).
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
        done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
        for step in MIGRATIONS:
            if step.__name__ not in done:
                step(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (step.__name__, time.time()))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


class HistoryError(TactfulError):
    """The history database cannot be opened or written (names the file)."""


def _unusable(path: Path, err: Exception) -> HistoryError:
    reason = getattr(err, "strerror", None) or str(err)
    return HistoryError(f"the history database {path} cannot be used ({reason})")


@dataclass
class Row:
    """One stored draft."""

    id: int
    session_id: str
    created: float
    kind: str
    lang: str
    stage: str | None
    tone: str
    instruction: str
    provider: str
    model: str
    prompt_version: str
    passed: bool
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    case: dict[str, Any]
    letter: dict[str, Any]
    report: dict[str, Any]


    def stored_letter(self) -> Letter:
        """The stored letter (its sections in the order they were stored)."""
        return Letter.from_flat(self.letter, [k for k in self.letter if k not in {"greeting", "sign_off"}])

    def report_result(self) -> DraftReport:
        """The stored draft as the app's versions hold it (its transcript is not stored)."""
        return DraftReport(
            letter=self.stored_letter().text, sections=self.letter, report=self.report, passed=self.passed,
            attempts=self.attempts, provider=self.provider, model=self.model, prompt_version=self.prompt_version,
            latency_ms=self.latency_ms,
            usage=TokenUsage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens,
                             total_tokens=self.prompt_tokens + self.completion_tokens))


class History:
    """The SQLite store (one file; safe for several sessions through SQLite's own locking)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False, timeout=10)
            self.db.row_factory = sqlite3.Row  # columns by name: a migration that adds one moves no other
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.execute("PRAGMA journal_mode=WAL")
            migrate(self.db)
        except (sqlite3.Error, OSError) as err:
            raise _unusable(path, err) from None

    def add(self, session_id: str, *, case: dict[str, Any], result: DraftReport, tone: str,
            instruction: str = "", prompt_digest: str = "") -> int:
        """Store a draft; returns its id."""
        try:
            cur = self._insert(session_id, case, result, tone, instruction, prompt_digest)
        except (sqlite3.Error, OSError) as err:
            raise _unusable(self.path, err) from None
        return int(cur.lastrowid or 0)

    def _insert(self, session_id: str, case: dict[str, Any], result: DraftReport, tone: str, instruction: str,
                prompt_digest: str) -> sqlite3.Cursor:
        with self.db:
            return self.db.execute(
                "INSERT INTO drafts (session_id, created, kind, lang, stage, tone, instruction, provider, model,"
                " prompt_version, prompt_digest, passed, attempts, prompt_tokens, completion_tokens, latency_ms,"
                " case_json, letter_json, report_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (session_id, time.time(), case["kind"], case["lang"], case.get("stage"), tone, instruction,
                 result.provider, result.model, result.prompt_version, prompt_digest, int(result.passed),
                 result.attempts, result.usage.prompt_tokens, result.usage.completion_tokens, result.latency_ms,
                 json.dumps(case, ensure_ascii=False), json.dumps(result.sections, ensure_ascii=False),
                 json.dumps(result.report, ensure_ascii=False)))

    def list(self, session_id: str | None = None, limit: int = 200) -> list[Row]:
        """Newest first; one session's drafts, or every session's when ``session_id`` is None."""
        if session_id:
            cur = self.db.execute("SELECT * FROM drafts WHERE session_id = ? ORDER BY id DESC LIMIT ?", (session_id, limit))
        else:
            cur = self.db.execute("SELECT * FROM drafts ORDER BY id DESC LIMIT ?", (limit,))
        return [self._row(r) for r in cur]

    def get(self, draft_id: int) -> Row | None:
        """One draft by id."""
        row = self.db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        return self._row(row) if row else None

    def delete(self, draft_id: int, session_id: str | None = None) -> bool:
        """Delete a draft (only within ``session_id`` when given)."""
        with self.db:
            if session_id:
                cur = self.db.execute("DELETE FROM drafts WHERE id = ? AND session_id = ?", (draft_id, session_id))
            else:
                cur = self.db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        return cur.rowcount > 0

    @staticmethod
    def _row(r: sqlite3.Row) -> Row:
        return Row(id=r["id"], session_id=r["session_id"], created=r["created"], kind=r["kind"], lang=r["lang"],
                   stage=r["stage"], tone=r["tone"], instruction=r["instruction"], provider=r["provider"],
                   model=r["model"], prompt_version=r["prompt_version"], passed=bool(r["passed"]),
                   attempts=r["attempts"], prompt_tokens=r["prompt_tokens"], completion_tokens=r["completion_tokens"],
                   latency_ms=r["latency_ms"], case=json.loads(r["case_json"]), letter=json.loads(r["letter_json"]),
                   report=json.loads(r["report_json"]))
