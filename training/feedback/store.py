"""The feedback app's storage: tasks, who holds them, what people submitted. SQLite, WAL.

    store = FeedbackStore(Path("feedback/feedback.sqlite"))
    store.add_tasks("demonstrate", [{"question": "…", "answers": […]}])
    task = store.claim("demonstrate", labeler="ana")      # the next task nobody holds
    store.submit(task.id, "ana", record={…})              # durable when this returns

A task is ``open``, ``held`` by one labeler until ``held_until`` (then open again), or
``done``/``skipped``. Claiming happens in one write transaction, so two labelers never get
the same task; submitting checks that the task is still held by that labeler, so a task is
submitted once. Every write commits with ``synchronous=FULL`` before the call returns: a
server killed after it acknowledged a submission has it on disk, and on restart hands out
nothing that was done.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

TaskKind = Literal["demonstrate", "compare"]
HOLD_SECONDS = 30 * 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    holder TEXT,
    held_until REAL,
    UNIQUE (kind, payload)
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL UNIQUE REFERENCES tasks (id),
    labeler TEXT NOT NULL,
    kind TEXT NOT NULL,
    record TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS skips (
    task_id INTEGER NOT NULL, labeler TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
    task_id INTEGER PRIMARY KEY, labeler TEXT NOT NULL, actions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS labelers (name TEXT PRIMARY KEY, token_hash TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Task:
    """A task as handed out: its id, kind and payload (a question, or a pair to compare)."""

    id: int
    kind: str
    payload: dict[str, Any]


class FeedbackStore:
    """The SQLite file of one labelling project (see the module doc)."""

    def __init__(self, path: Path, *, hold_seconds: float = HOLD_SECONDS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.hold_seconds = hold_seconds
        self._local = threading.local()
        self._db().executescript(_SCHEMA)  # executescript commits by itself

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
            self._local.db = db
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (no other writer can interleave)."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- tasks ----------------------------------------------------------------------------

    def add_tasks(self, kind: TaskKind, payloads: Iterable[dict[str, Any]]) -> int:
        """Add tasks; one already there (same kind and payload) is not added twice."""
        rows = [(kind, json.dumps(p, sort_keys=True, ensure_ascii=False)) for p in payloads]
        with self._write() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO tasks (kind, payload) VALUES (?, ?)", rows)
            return db.total_changes - before

    def claim(self, kind: TaskKind, labeler: str) -> Task | None:
        """The task ``labeler`` holds, else the next one nobody holds (held now until
        ``hold_seconds`` from now), else None when there is none left."""
        now = time.time()
        with self._write() as db:
            row = db.execute(
                "SELECT id, kind, payload FROM tasks WHERE kind = ? AND state = 'held' "
                "AND holder = ? AND held_until > ? ORDER BY id LIMIT 1",
                (kind, labeler, now),
            ).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT id, kind, payload FROM tasks WHERE kind = ? AND (state = 'open' OR "
                    "(state = 'held' AND held_until <= ?)) AND id NOT IN "
                    "(SELECT task_id FROM skips WHERE labeler = ?) ORDER BY id LIMIT 1",
                    (kind, now, labeler),
                ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE tasks SET state = 'held', holder = ?, held_until = ? WHERE id = ?",
                (labeler, now + self.hold_seconds, row[0]),
            )
        return Task(row[0], row[1], json.loads(row[2]))

    def holds(self, task_id: int, labeler: str) -> Task | None:
        """The task when ``labeler`` holds it now, else None."""
        row = (
            self._db()
            .execute(
                "SELECT id, kind, payload FROM tasks "
                "WHERE id = ? AND state = 'held' AND holder = ? "
                "AND held_until > ?",
                (task_id, labeler, time.time()),
            )
            .fetchone()
        )
        return Task(row[0], row[1], json.loads(row[2])) if row else None

    def submit(self, task_id: int, labeler: str, record: dict[str, Any]) -> bool:
        """Store ``record`` as the task's result and close it; False (nothing stored) when
        the task is not held by ``labeler`` any more. Durable when it returns True."""
        with self._write() as db:
            held = db.execute(
                "SELECT kind FROM tasks WHERE id = ? AND state = 'held' AND holder = ?",
                (task_id, labeler),
            ).fetchone()
            if held is None:
                return False
            db.execute(
                "INSERT INTO submissions (task_id, labeler, kind, record, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (task_id, labeler, held[0], json.dumps(record, ensure_ascii=False), time.time()),
            )
            db.execute("UPDATE tasks SET state = 'done', holder = NULL WHERE id = ?", (task_id,))
            db.execute("DELETE FROM drafts WHERE task_id = ?", (task_id,))
        return True

    def skip(self, task_id: int, labeler: str, reason: str) -> None:
        """Give the task back with a reason; it goes to the others, not to this labeler."""
        with self._write() as db:
            db.execute(
                "INSERT INTO skips (task_id, labeler, reason, at) VALUES (?, ?, ?, ?)",
                (task_id, labeler, reason, time.time()),
            )
            db.execute(
                "UPDATE tasks SET state = 'open', holder = NULL, held_until = NULL "
                "WHERE id = ? AND holder = ?",
                (task_id, labeler),
            )
            db.execute("DELETE FROM drafts WHERE task_id = ?", (task_id,))

    # -- demonstrations in progress -------------------------------------------------------

    def draft(self, task_id: int) -> list[str]:
        """The commands issued so far on a demonstration task."""
        row = self._db().execute("SELECT actions FROM drafts WHERE task_id = ?", (task_id,))
        found = row.fetchone()
        return list(json.loads(found[0])) if found else []

    def save_draft(self, task_id: int, labeler: str, actions: list[str]) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO drafts (task_id, labeler, actions) VALUES (?, ?, ?)",
                (task_id, labeler, json.dumps(actions, ensure_ascii=False)),
            )

    # -- reading back ---------------------------------------------------------------------

    def submissions(self, kind: TaskKind) -> list[dict[str, Any]]:
        """Every submitted record of ``kind``, in submission order."""
        rows = (
            self._db()
            .execute("SELECT record FROM submissions WHERE kind = ? ORDER BY id", (kind,))
            .fetchall()
        )
        return [json.loads(row[0]) for row in rows]

    def progress(self) -> dict[str, dict[str, int]]:
        """Per labeler: tasks submitted and skipped; and the tasks per state (``_tasks``)."""
        db = self._db()
        found: dict[str, dict[str, int]] = {}
        for labeler, count in db.execute(
            "SELECT labeler, count(*) FROM submissions GROUP BY labeler"
        ):
            found.setdefault(labeler, {"submitted": 0, "skipped": 0})["submitted"] = count
        for labeler, count in db.execute("SELECT labeler, count(*) FROM skips GROUP BY labeler"):
            found.setdefault(labeler, {"submitted": 0, "skipped": 0})["skipped"] = count
        states = dict(db.execute("SELECT state, count(*) FROM tasks GROUP BY state").fetchall())
        found["_tasks"] = {state: int(count) for state, count in states.items()}
        return found

    # -- who may label --------------------------------------------------------------------

    def issue_token(self, labeler: str) -> str:
        """A new secret token for ``labeler`` (replacing any earlier one); only its hash is kept."""
        token = secrets.token_urlsafe(24)
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO labelers (name, token_hash) VALUES (?, ?)",
                (labeler, _hash(token)),
            )
        return token

    def labeler_for(self, token: str) -> str | None:
        """The labeler a token belongs to, or None."""
        row = (
            self._db()
            .execute("SELECT name FROM labelers WHERE token_hash = ?", (_hash(token),))
            .fetchone()
        )
        return str(row[0]) if row else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
