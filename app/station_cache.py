"""What a station knows when the database cannot be reached: the serials it has seen, every certificate,
the plant's approval policy and who may sign in by badge alone, as last read while online.

A SQLite file in the station's data directory, one per database. Serials are written as the station loads
them; certificates, the policy and the users are refreshed from the database (``refresh``) while it is
reachable. Offline, the station's card and its certificate checks (revoked, expired, approval as last
known) read this cache; a serial the station never saw is not in it, and is said to be so.

Qt-free; plain ``sqlite3``, one connection per call. A cache is only a convenience (the database decides
every attach when it is sent), so it is written with ``synchronous=NORMAL``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from app import db
from app.attachments import AttachmentRecord
from app.certificates import CertificateRecord
from app.models import Certificate, User
from app.policy import get_policy
from app.routes import StepRecord
from app.serials import SerialDetail, StepAttachment, StepState
from app.users import UserRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS serial (id TEXT PRIMARY KEY, body TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificate (id TEXT PRIMARY KEY, number TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS certificate_number ON certificate (number);
CREATE TABLE IF NOT EXISTS badge_user (badge TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def cache_file(database: str) -> Path:
    """Where this workstation caches what it saw of ``database`` (a URL or a file path)."""
    name = db.describe(database) if db.is_postgres_url(database) else str(Path(database).resolve())
    key = hashlib.sha256(name.encode()).hexdigest()[:16]
    return db.data_dir() / "offline" / f"cache-{key}.sqlite3"


def _default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_default, sort_keys=True)


def _serial_body(serial: SerialDetail) -> dict[str, Any]:
    """The serial as plain data; an attachment record (a named tuple, which ``asdict`` leaves a tuple) as a dict."""
    body = asdict(serial)
    for step in body["steps"]:
        for attached in step["attachments"]:
            attached["attachment"] = attached["attachment"]._asdict()
    return body


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _datetime(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def serial_from_json(data: dict[str, Any]) -> SerialDetail:
    steps = []
    for state in data["steps"]:
        attached = [StepAttachment(AttachmentRecord(**(a["attachment"] | {
            "attached_at": _datetime(a["attachment"]["attached_at"])})), a["cert_name"], a["cert_kind"],
            a["cert_status"], a["attached_by_name"]) for a in state["attachments"]]
        steps.append(StepState(StepRecord(**state["step"]), state["state"], attached))
    return SerialDetail(**(data | {"created_at": _datetime(data["created_at"]), "steps": steps}))


def certificate_from_json(data: dict[str, Any]) -> CertificateRecord:
    return CertificateRecord(**(data | {"date_release": _date(data["date_release"]),
                                        "date_expire": _date(data["date_expire"]),
                                        "approved_at": _datetime(data.get("approved_at"))}))


class StationCache:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.executescript(_SCHEMA)

    @staticmethod
    def has_data(path: Path | str) -> bool:
        """Whether a cache at ``path`` was ever refreshed: enough to work offline with."""
        if not Path(path).exists():
            return False
        return StationCache(path).refreshed_at() is not None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            with conn:
                yield conn
        finally:
            conn.close()

    # ---- writing, while online ------------------------------------------------------------------------------

    def remember_serial(self, serial: SerialDetail) -> None:
        with self._connection() as conn:
            conn.execute("INSERT OR REPLACE INTO serial (id, body, seen_at) VALUES (?, ?, ?)",
                         (serial.id, _dumps(_serial_body(serial)), dt.datetime.now(dt.timezone.utc).isoformat()))

    def remember_certificates(self, records: list[CertificateRecord], complete: bool = False) -> None:
        """Store ``records``; ``complete``: they are every certificate there is, so any other one goes."""
        with self._connection() as conn:
            if complete:
                conn.execute("DELETE FROM certificate")
            conn.executemany("INSERT OR REPLACE INTO certificate (id, number, body) VALUES (?, ?, ?)",
                             [(r.id, r.number, _dumps(asdict(r))) for r in records])

    def remember_plant(self, require_approved: bool, badge_and_pin: bool, users: list[UserRecord]) -> None:
        """The approval policy, the sign-in policy and the active users who sign in by badge alone."""
        with self._connection() as conn:
            conn.execute("DELETE FROM badge_user")
            conn.executemany("INSERT INTO badge_user (badge, body) VALUES (?, ?)",
                             [(u.badge, _dumps(asdict(u))) for u in users if u.active and not u.has_pin])
            for key, value in (("require_approved", require_approved), ("badge_and_pin", badge_and_pin),
                               ("refreshed_at", dt.datetime.now(dt.timezone.utc).isoformat())):
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # ---- reading, offline -----------------------------------------------------------------------------------

    def serial(self, serial_id: str) -> SerialDetail | None:
        with self._connection() as conn:
            row = conn.execute("SELECT body FROM serial WHERE id = ?", (serial_id,)).fetchone()
        return serial_from_json(json.loads(row[0])) if row else None

    def certificate(self, code: str) -> CertificateRecord | None:
        """By id, else by number when exactly one certificate carries it."""
        with self._connection() as conn:
            rows = conn.execute("SELECT body FROM certificate WHERE id = ?", (code,)).fetchall() or \
                conn.execute("SELECT body FROM certificate WHERE number = ? LIMIT 2", (code,)).fetchall()
        return certificate_from_json(json.loads(rows[0][0])) if len(rows) == 1 else None

    def certificates(self, text: str = "", limit: int = 200) -> list[CertificateRecord]:
        """Certificates whose id, number or name contains ``text``, by id (the offline picker)."""
        like = f"%{text.strip()}%"
        with self._connection() as conn:
            rows = conn.execute("SELECT body FROM certificate WHERE id LIKE ? OR number LIKE ? OR body LIKE ? "
                                "ORDER BY id LIMIT ?", (like, like, like, limit)).fetchall()
        return [certificate_from_json(json.loads(body)) for (body,) in rows]

    def badge_user(self, badge: str) -> UserRecord | None:
        with self._connection() as conn:
            row = conn.execute("SELECT body FROM badge_user WHERE badge = ?", (badge,)).fetchone()
        return UserRecord(**json.loads(row[0])) if row else None

    def _meta(self, key: str) -> Any:
        with self._connection() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def require_approved(self) -> bool:
        return bool(self._meta("require_approved"))

    def badge_and_pin(self) -> bool:
        return bool(self._meta("badge_and_pin"))

    def refreshed_at(self) -> str | None:
        return self._meta("refreshed_at")


def refresh(cache: StationCache) -> int:
    """Copy every certificate, the policies and the badge-only users from the bound database; how many
    certificates. Revoked ones too: offline, a revoked certificate must be refused as revoked."""
    from app import sign_in  # the sign-in policy's one reader

    records = [CertificateRecord.of(c) for c in Certificate.select().iterator()]
    cache.remember_certificates(records, complete=True)
    users = [UserRecord.of(u) for u in User.select().where(User.active == True)]  # noqa: E712 - peewee
    cache.remember_plant(bool(get_policy("require_approved")), bool(sign_in.badge_and_pin_required()), users)
    return len(records)
