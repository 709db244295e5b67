"""Where PIN digests are kept, how they are made, and how a PIN is counted: one code path, two databases.

A stored PIN is ``scheme$salt$digest`` in the table ``user_pin`` (one row per user with a PIN); the
wrong PINs in a row and the lock stay on ``user`` (``failed_pins``, ``locked_until``).

- **PostgreSQL.** The station role may not read ``user_pin``'s digests (it sees only which users have a
  PIN) nor write the counters. Three ``SECURITY DEFINER`` functions owned by the owner role stand between
  (migration 0005): ``certline_pin_salt`` gives the salt, ``certline_pin_check`` compares the digest this
  workstation computed and counts or locks in the same statement, with the server's clock and the plant's
  policy read there (clamped to its bounds), and ``certline_set_pin`` stores a new digest. Reading the
  digests needs the owner's account.
- **SQLite.** There is no server to hide them behind, so the digest mixes in a *pepper*: a random secret
  kept outside the database file (``pepper_path``), HMAC'd with the PIN before scrypt. A copy of the
  file alone cannot be tested offline. Digests made before the pepper (scheme ``scrypt``) still verify
  and are replaced by a peppered one on their next right PIN.

The counting rule is written twice, here for SQLite and in SQL for PostgreSQL; the tests run the same
lockout cases on both databases.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path as FilePath

import platformdirs

from app import clock, db
from app.errors import CertlineError
from app.models import User, UserPin
from app.policy import BOUNDS, get_policy

# scrypt's cost: about 50 ms a guess. A 4-digit PIN is still 10,000 guesses, so this alone does not
# protect it; the pepper (SQLite), the unreadable table (PostgreSQL) and the lockout do.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
PLAIN = "scrypt"  # scrypt(PIN): PostgreSQL's scheme, and SQLite's before the pepper
PEPPERED = "scrypt-hmac"  # scrypt(HMAC-SHA256(pepper, PIN))
PEPPER_FILE_NAME = "pin-pepper"


class PepperUnreadable(CertlineError):
    """The pepper file exists but is not one this program wrote; no PIN can be checked or set."""


def pepper_path() -> FilePath:
    """``CERTLINE_PEPPER_FILE`` if set (a file shared by the OS accounts that use one SQLite file),
    else ``pin-pepper`` in this OS account's configuration directory."""
    override = os.environ.get("CERTLINE_PEPPER_FILE")
    if override:
        return FilePath(override)
    return FilePath(platformdirs.user_config_dir(db.APP_NAME, db.APP_AUTHOR)) / PEPPER_FILE_NAME


_peppers: dict[FilePath, bytes] = {}


def pepper() -> bytes:
    """The 32-byte pepper, made (mode 0600) on first use."""
    path = pepper_path()
    if path not in _peppers:
        if not path.exists():
            _create_pepper(path)
        text = path.read_text(encoding="ascii", errors="replace").strip()
        try:
            value = bytes.fromhex(text)
        except ValueError:
            value = b""
        if len(value) != 32:
            raise PepperUnreadable(f"The PIN pepper file {path} is damaged: no PIN can be checked. Restore it "
                                   "from its copy, or remove it and give every user a new PIN.")
        _peppers[path] = value
    return _peppers[path]


def _create_pepper(path: FilePath) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pepper-")  # mkstemp makes it 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # never replaces a pepper another process made meanwhile
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def _stretch(pin: str, scheme: str, salt: bytes) -> str:
    secret = pin.encode()
    if scheme == PEPPERED:
        secret = hmac.new(pepper(), secret, hashlib.sha256).digest()
    elif scheme != PLAIN:
        raise PepperUnreadable(f"Unknown PIN scheme {scheme!r}: this database was written by a newer Certline")
    return hashlib.scrypt(secret, salt=salt, **_SCRYPT).hex()


def make_hash(pin: str) -> str:
    """A new ``scheme$salt$digest`` for ``pin``, in the scheme of the database in use."""
    scheme = PEPPERED if db.is_sqlite() else PLAIN
    salt = secrets.token_bytes(16)
    return f"{scheme}${salt.hex()}${_stretch(pin, scheme, salt)}"


def store(user_id: str, stored: str | None) -> None:
    """Keep ``stored`` (from ``make_hash``) as the user's PIN, or remove it (None); in the caller's transaction."""
    if not db.is_sqlite():
        db.execute("SELECT certline_set_pin(?, ?)", (user_id, stored))
    elif stored is None:
        UserPin.delete().where(UserPin.user_id == user_id).execute()
    else:
        UserPin.insert(user_id=user_id, pin_hash=stored).on_conflict(
            conflict_target=[UserPin.user_id], update={UserPin.pin_hash: stored}).execute()


def has_pin(user_id: str) -> bool:
    return db.execute('SELECT 1 FROM "user_pin" WHERE "user_id" = ?', (user_id,)).fetchone() is not None


def users_with_pin() -> set[str]:
    return {row[0] for row in db.execute('SELECT "user_id" FROM "user_pin"')}


def now() -> dt.datetime:
    """The clock locks are counted by: the database server's on PostgreSQL (see ``certline_now``)."""
    if db.is_sqlite():
        return clock.now_utc()
    return db.execute("SELECT certline_now()").fetchone()[0]


@dataclass(frozen=True)
class Attempt:
    """A PIN hashed as the user's stored PIN says, before any lock is taken (scrypt is slow)."""

    user_id: str
    digest: str | None  # None: the user has no PIN, nothing can match
    upgrade: str | None = None  # SQLite: a peppered hash to store if the PIN is right


def prepare(user_id: str, pin: str) -> Attempt:
    if db.is_sqlite():
        row = db.execute('SELECT "pin_hash" FROM "user_pin" WHERE "user_id" = ?', (user_id,)).fetchone()
        head = row[0].rpartition("$")[0] if row else None
    else:
        head = db.execute("SELECT certline_pin_salt(?)", (user_id,)).fetchone()[0]
    if not head:
        return Attempt(user_id, None)
    scheme, _, salt = head.partition("$")
    digest = _stretch(pin, scheme, bytes.fromhex(salt))
    upgrade = make_hash(pin) if db.is_sqlite() and scheme != PEPPERED else None
    return Attempt(user_id, digest, upgrade)


@dataclass(frozen=True)
class Outcome:
    """What checking a PIN did: ``right``, ``wrong`` (counted; locked when ``locked_until``) or ``locked``."""

    kind: str
    failed_pins: int
    locked_until: dt.datetime | None
    lock_minutes: int
    now: dt.datetime


def verify(attempt: Attempt) -> Outcome:
    """Compare and count, inside the caller's write transaction (PostgreSQL: in one server-side call)."""
    if not db.is_sqlite():
        row = db.execute("SELECT * FROM certline_pin_check(?, ?)", (attempt.user_id, attempt.digest)).fetchone()
        return Outcome(*row)
    user = User.get_by_id(attempt.user_id)  # as it is now: another station may have counted meanwhile
    moment = now()
    if user.locked_until is not None and user.locked_until > moment:
        return Outcome("locked", user.failed_pins, user.locked_until, 0, moment)
    row = db.execute('SELECT "pin_hash" FROM "user_pin" WHERE "user_id" = ?', (attempt.user_id,)).fetchone()
    if row and attempt.digest is not None and hmac.compare_digest(row[0].rpartition("$")[2], attempt.digest):
        if user.failed_pins or user.locked_until:
            User.update(failed_pins=0, locked_until=None).where(User.id == user.id).execute()
        if attempt.upgrade:
            store(attempt.user_id, attempt.upgrade)
        return Outcome("right", 0, None, 0, moment)
    # A lock that has run out starts a new count.
    failures = (0 if user.locked_until else user.failed_pins) + 1
    limit, minutes = _bounded("pin_attempts"), _bounded("pin_lock_minutes")
    until = moment + dt.timedelta(minutes=minutes) if failures >= limit else None
    User.update(failed_pins=failures, locked_until=until).where(User.id == user.id).execute()
    return Outcome("wrong", failures, until, minutes, moment)


def attempts_allowed() -> int:
    """Wrong PINs in a row that lock a user: the plant's ``pin_attempts``, held to its bounds as ``verify`` holds it."""
    return _bounded("pin_attempts")


def _bounded(key: str) -> int:
    # Read as the PostgreSQL function reads it: a value outside the policy's bounds is held to them.
    low, high = BOUNDS[key]
    return min(max(int(get_policy(key)), low), high)
