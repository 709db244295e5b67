"""The audit trail: append-only, hash-chained, written in the same transaction as the change.

Every entry stores the hash of the one before it, so an edit made behind the
application's back (triggers dropped, a row rewritten) breaks the chain and
``verify`` names the first entry that no longer matches.

Who: besides the Certline user an entry names (``user_id``), each entry since schema 0006 says
which operating-system account on which host ran the process (``os_account``, e.g.
``jdoe@line-3``), how that user was authenticated (``auth``: ``pin`` or ``token`` for
certline-cli, ``bootstrap`` for the first user of an empty database, the station's sign-in
method such as ``badge`` or ``badge+PIN``) and the API token used (``token_id``). These columns
were added nullable and are sealed into the hash only when not null (``OPTIONAL_HASHED``): an
entry written before them hashes exactly as it did, so existing chains still verify without
being rewritten (they could not be: the trail is append-only), while on a new entry removing,
adding or changing any of the three breaks its hash like any other field. Sealing them always
(as null) would have changed every old entry's hash; a second chain or a version number per
entry would have said the same thing with more machinery.
"""
from __future__ import annotations

import contextlib
import contextvars
import getpass
import hashlib
import json
import operator
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from peewee import JOIN

from app import db, outbox
from app.clock import iso_utc
from app.ids import new_id
from app.models import AuditEntry, CertAttachment

GENESIS_HASH = "0" * 64
_BATCH = 5000

HASHED_FIELDS = (
    "seq", "id", "type", "at", "user_id", "serial_id", "cert_id", "job_id",
    "path_id", "step_id", "record_id", "workstation", "reason", "details",
)
# Sealed only when not null, so entries written before these columns existed keep their hashes.
OPTIONAL_HASHED = ("os_account", "auth", "token_id", "scanned_at", "station")  # the last two: schema 0012


def workstation() -> str:
    """Where this process runs, as recorded in each entry."""
    return os.environ.get("CERTLINE_WORKSTATION") or socket.gethostname()


def _account_name() -> str:
    # The effective uid's name rather than getpass.getuser() first: getuser() believes LOGNAME
    # and USER, which anyone can set (USER=admin certline-cli …). A uid without a passwd entry
    # (containers) has no name; its number is still the truth.
    if sys.platform != "win32":
        import pwd

        uid = os.geteuid()
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return f"uid {uid}"
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no USERNAME and no account database: say so rather than fail a write
        return "unknown"


_os_account: str | None = None


def os_account() -> str:
    """``account@host`` of this process, as recorded in each entry; looked up once per process."""
    global _os_account
    if _os_account is None:
        _os_account = f"{_account_name()}@{socket.gethostname()}"
    return _os_account


# How the user acting in this process was authenticated, and the token used: set by certline-cli
# once it has authenticated, and by the station at each sign-in (app.sign_in).
_auth: tuple[str | None, str | None] = (None, None)


def set_auth(method: str | None, token_id: str | None = None) -> None:
    """From now on this process's entries say ``method`` (``pin``, ``token``, ``badge``…) and ``token_id``."""
    global _auth
    _auth = (method, token_id)


def current_auth() -> str | None:
    """How the person these entries name proved who they are, as the next entry will say."""
    return (_acting.get() or _auth)[0]


# certline-server serves requests through different tokens at once, each in its own context; where set,
# this wins over the process-wide value, which serves the station and certline-cli (one user at a time).
_acting: contextvars.ContextVar[tuple[str | None, str | None] | None] = contextvars.ContextVar("acting",
                                                                                              default=None)


@contextlib.contextmanager
def acting(method: str | None, token_id: str | None = None):
    """Entries written inside say ``method`` and ``token_id``, in this context only (one request)."""
    reset = _acting.set((method, token_id))
    try:
        yield
    finally:
        _acting.reset(reset)


# json.dumps with these options builds a new encoder on every call; this one gives the same text.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_last_at: tuple[Any, str] = (None, "")


def entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The seal of one entry: sha256 over the previous hash and the entry's canonical JSON."""
    global _last_at
    payload = {name: row.get(name) for name in HASHED_FIELDS}
    for name in OPTIONAL_HASHED:
        value = row.get(name)
        if value is not None:
            payload[name] = value
    at, text = _last_at
    if row["at"] is not at:  # a batch's entries share one timestamp
        _last_at = at, text = row["at"], iso_utc(row["at"])
    payload["at"] = text
    canonical = _CANONICAL(payload)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


# The last entry and the insert, written out: they run inside every attach (see app.db.execute).
_HEAD_SQL = 'SELECT "seq", "hash" FROM "audit_entry" ORDER BY "seq" DESC LIMIT 1'
_COLUMNS = HASHED_FIELDS + OPTIONAL_HASHED + ("prev_hash", "hash")
_INSERT_SQL = ('INSERT INTO "audit_entry" (' + ", ".join('"%s"' % name for name in _COLUMNS) + ") VALUES ("
               + ", ".join("?" for _ in _COLUMNS) + ")")
_DETAILS = _COLUMNS.index("details")
_SEALED = HASHED_FIELDS + OPTIONAL_HASHED
_details_db_value = AuditEntry.details.db_value
_values_of = operator.itemgetter(*_COLUMNS)


def chain_head() -> tuple[int, str]:
    """The seq and hash of the last entry; (0, GENESIS_HASH) for an empty trail."""
    last = db.execute(_HEAD_SQL).fetchone()
    return (last[0], last[1]) if last else (0, GENESIS_HASH)


def _params(row: dict[str, Any], dumped: dict[int, str]) -> list[Any]:
    """The row's values in ``_COLUMNS`` order, as peewee would store them (details as canonical JSON).

    ``dumped`` remembers the JSON of details objects already seen: a batch's entries share a few.
    """
    values = list(_values_of(row))
    details = values[_DETAILS]
    text = dumped.get(id(details))
    if text is None:
        text = dumped[id(details)] = _details_db_value(details)
    values[_DETAILS] = text
    return values


def new_entry(type: str, user_id: str | None, **fields: Any) -> dict[str, Any]:
    """An unsealed entry; ``append`` gives it its place in the chain."""
    fields.setdefault("details", {})
    if "at" not in fields:
        fields["at"] = db.now()
    method, token_id = _acting.get() or _auth
    return {"id": new_id("ae_"), "type": type, "user_id": user_id, "workstation": workstation(),
            "os_account": _os_account or os_account(), "auth": method, "token_id": token_id, **fields}


def like(entry: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Another unsealed entry as ``entry`` (by the same person, at the same time and place), with its own id
    and ``fields`` changed: a batch's thousands of entries differ in a serial or a record id only."""
    return {**entry, "id": new_id("ae_"), **fields}


_UNSET = dict.fromkeys(_SEALED)


def append(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seal and insert entries at the end of the chain. Call inside ``write_transaction``."""
    seq, prev_hash = chain_head()
    rows = []
    for entry in entries:
        seq += 1
        row = _UNSET.copy()
        row.update(entry)
        row["seq"], row["prev_hash"] = seq, prev_hash
        row["hash"] = prev_hash = entry_hash(prev_hash, row)
        rows.append(row)
    dumped: dict[int, str] = {}  # keyed by id(): every details object stays alive in rows meanwhile
    db.executemany(_INSERT_SQL, [_params(row, dumped) for row in rows])
    # Here, in the change's own transaction: the events of a change exist exactly when it does.
    outbox.emit(rows)
    return rows


def record(type: str, user_id: str | None, **fields: Any) -> dict[str, Any]:
    """Append one entry; see ``new_entry`` for the fields."""
    return append([new_entry(type, user_id, **fields)])[0]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    attachments: int
    problem: str | None = None
    entry_id: str | None = None
    seq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "attachments": self.attachments,
                "problem": self.problem, "entryId": self.entry_id, "seq": self.seq}


def entries_in_order() -> Iterator[dict[str, Any]]:
    """Every audit entry as a dict, oldest first, read in keyset pages."""
    # Keyset pages rather than one cursor: PostgreSQL's client cursor would hold it all.
    after = 0
    while True:
        page = list(AuditEntry.select().where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(_BATCH).dicts())
        if not page:
            return
        yield from page
        after = page[-1]["seq"]


def verify() -> VerifyResult:
    """Walk the chain from the first entry; report the first one that does not match.

    Also checks that every attachment has the ``cert_attached`` entry that recorded it,
    with the same serial, certificate, step, user and time.
    """
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for row in entries_in_order():
        if row["seq"] != expected_seq:
            return VerifyResult(False, count, 0, f"entry {expected_seq} is missing: the chain jumps to {row['seq']}",
                                row["id"], row["seq"])
        if row["prev_hash"] != prev_hash:
            return VerifyResult(False, count, 0, "its link to the previous entry does not match",
                                row["id"], row["seq"])
        if entry_hash(prev_hash, row) != row["hash"]:
            return VerifyResult(False, count, 0, "its content does not match its hash (altered after it was written)",
                                row["id"], row["seq"])
        prev_hash, expected_seq, count = row["hash"], expected_seq + 1, count + 1
    attachments, problem = _check_attachments()
    if problem:
        return VerifyResult(False, count, attachments, problem)
    return VerifyResult(True, count, attachments)


def _check_attachments() -> tuple[int, str | None]:
    a, e = CertAttachment, AuditEntry
    total = a.select().count()
    entries = e.select().where(e.type == "cert_attached").count()
    mismatch = (
        a.select(a.id)
        .join(e, on=((e.record_id == a.id) & (e.type == "cert_attached")), join_type=JOIN.LEFT_OUTER)
        .where(
            e.seq.is_null()
            | (e.serial_id != a.serial)
            | (e.cert_id != a.certificate)
            | (e.step_id != a.step)
            | (e.user_id != a.attached_by)
            | (e.at != a.attached_at)
        )
        .limit(1)
        .first()
    )
    if mismatch:
        return total, f"attachment {mismatch.id} does not match the cert_attached entry that recorded it"
    if entries != total:
        return total, f"{entries} cert_attached entries but {total} attachments"
    return total, None
