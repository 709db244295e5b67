"""API tokens: how a script acts as a Certline user without a person typing a PIN.

An administrator creates a token for a user; it is shown once and only its sha256 is kept. A
token acts as its user, with that user's role as it is at the moment of use (an operator's
token can do what the operator can, no more). Using a token changes nothing in the database —
no "last used" stamp — so it can be used where only appending is allowed; each write's audit
entry names the token instead (``app.audit`` ``token_id``). A revoked or expired token, or one
whose user is inactive, is refused.

Scopes say what a token may do through certline-server, each a group of its endpoints: ``read``
(look up serials, certificates, attachments, documents), ``attach`` (attach certificates, create
serials with one), ``certificates`` (create, update, delete certificates) and ``documents`` (add,
check and remove certificate documents). A scope never widens the user's role: an operator's token
with ``certificates`` still cannot create a certificate. certline-cli, which needs the database's own
credentials besides the token, is not held to scopes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Iterable

from app import audit, clock, db
from app.clock import iso_utc
from app.db import write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.ids import is_id, new_id
from app.models import ApiToken, User
from app.users import UserRecord, get_user, require_user

PREFIX = "certline_"  # so a token found in a file or a log is recognisable for what it is
MAX_NAME = 100
MAX_DAYS = 3650
SCOPES = ("read", "attach", "certificates", "documents")
DEFAULT_SCOPES = ("read",)


@dataclass(frozen=True)
class TokenRecord:
    id: str
    user_id: str
    name: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @classmethod
    def of(cls, row: ApiToken) -> "TokenRecord":
        return cls(row.id, row.user_id, row.name, row.created_at, row.created_by, row.expires_at, row.revoked_at,
                   row.revoked_by, tuple(row.scopes.split(",")) if row.scopes else ())

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def to_json(self) -> dict[str, Any]:
        stamp = lambda value: iso_utc(value) if value else None  # noqa: E731
        return {"id": self.id, "userId": self.user_id, "name": self.name, "createdAt": stamp(self.created_at),
                "createdBy": self.created_by, "expiresAt": stamp(self.expires_at),
                "revokedAt": stamp(self.revoked_at), "revokedBy": self.revoked_by,
                "scopes": list(self.scopes), "state": self.state(clock.now_utc())}


def parse_scopes(scopes: str | Iterable[str]) -> tuple[str, ...]:
    """Scopes given as ``read,attach`` or a list, in ``SCOPES`` order without repeats; raises Invalid."""
    given = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    names = [name.strip() if isinstance(name, str) else name for name in given]
    names = [name for name in names if name != ""]
    unknown = [str(name) for name in names if name not in SCOPES]
    if unknown:
        raise Invalid(f"Unknown scope {', '.join(unknown)}: a token's scopes are {', '.join(SCOPES)}", "scopes")
    if not names:
        raise Invalid(f"A token needs at least one scope: {', '.join(SCOPES)}", "scopes")
    return tuple(name for name in SCOPES if name in names)


def require_scope(token: TokenRecord, scope: str) -> None:
    """Refuse (Forbidden) a request through ``token`` that needs a scope the token was not given."""
    if scope not in token.scopes:
        raise Forbidden(f"API token {token.id} ({token.name}) has the scope{'s' if len(token.scopes) != 1 else ''} "
                        f"{', '.join(token.scopes) or 'none'}; this needs {scope}")


def digest(secret: str) -> str:
    # A plain sha256, not scrypt as for PINs: the secret is 32 random bytes (256 bits), so no
    # guessing from the hash can succeed however fast the hash is, and a fast, unsalted hash lets
    # the token be found by an index lookup on its hash instead of trying every stored one.
    # Slow salted hashes are for secrets people choose or remember, such as 4-digit PINs.
    return hashlib.sha256(secret.encode()).hexdigest()


RANKS = {"operator": 0, "supervisor": 1, "admin": 2}


def act_for(user: UserRecord, token: TokenRecord, user_id: object) -> None:
    """Refuse (Forbidden) a request through ``token`` that names ``user_id`` as the one who acts, when the
    token may not act for them: a token acts for its own user, and a supervisor's or administrator's token
    also for the active users of a lower role (the operators at the line, who sign in by badge alone and
    hold no token, whose work a line system such as an MES reports). The audit entry then names the user
    the request names, and the token it came through (whose user is on the token's record).

    A ``user_id`` that is malformed, unknown or inactive is left to the rule that receives it, which
    refuses it in its own words and order.
    """
    if user_id == user.id or not isinstance(user_id, str):
        return
    named = db.get_or_none(User, user_id) if is_id(user_id) else None
    if named is None or not named.active:
        return
    if RANKS.get(user.role, -1) > RANKS.get(named.role, 99):
        return
    raise Forbidden(f"API token {token.id} ({token.name}) acts as {user.id} ({user.role}) and may not act for "
                    f"{user_id} ({named.role}): a token acts for its own user, or for users of a lower role")


def create_token(user_id: str, name: str, by: str, expires_days: int | None = None,
                 scopes: str | Iterable[str] = DEFAULT_SCOPES) -> tuple[TokenRecord, str]:
    """A new token for ``user_id``, created by the administrator ``by``, with ``scopes``: its record and its secret.

    The secret is returned here once and stored nowhere. Raises Invalid, NotFound, Forbidden.
    """
    name = (name or "").strip()
    if not name:
        raise Invalid("A token needs a name saying what uses it, e.g. \"ERP import\"")
    if len(name) > MAX_NAME or not name.isprintable():
        raise Invalid(f"A token's name is at most {MAX_NAME} printable characters")
    if expires_days is not None and not (isinstance(expires_days, int) and 1 <= expires_days <= MAX_DAYS):
        raise Invalid(f"A token expires after 1 to {MAX_DAYS} days: {expires_days}")
    scopes = parse_scopes(scopes)
    secret = PREFIX + secrets.token_urlsafe(32)
    with write_transaction():
        require_user(by, roles=("admin",), action="create API tokens")
        owner = require_user(user_id, action="hold an API token")
        now = clock.now_utc()
        row = {"id": new_id("tok_"), "user": owner.id, "name": name, "token_hash": digest(secret),
               "created_at": now, "created_by": by,
               "expires_at": now + dt.timedelta(days=expires_days) if expires_days else None,
               "scopes": ",".join(scopes)}
        ApiToken.insert(row).execute()
        audit.record("token_created", by, record_id=row["id"], details={
            "tokenId": row["id"], "userId": owner.id, "role": owner.role, "name": name,
            "expiresAt": iso_utc(row["expires_at"]) if row["expires_at"] else None, "scopes": list(scopes)})
    return get_token(row["id"]), secret


def get_token(token_id: str) -> TokenRecord:
    row = ApiToken.get_or_none(ApiToken.id == token_id)
    if row is None:
        raise NotFound(f"API token not found: {token_id}")
    return TokenRecord.of(row)


def list_tokens(user_id: str | None = None) -> list[TokenRecord]:
    """Every token (or one user's), newest first; secrets are never kept, so never listed."""
    query = ApiToken.select().order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user == user_id)
    return [TokenRecord.of(row) for row in query]


def revoke_token(token_id: str, by: str) -> TokenRecord:
    """Refuse ``token_id`` from now on. An administrator may revoke any token, a user their own."""
    with write_transaction():
        row = ApiToken.get_or_none(ApiToken.id == token_id)
        if row is None:
            raise NotFound(f"API token not found: {token_id}")
        who = require_user(by, action="revoke API tokens")
        if who.role != "admin" and who.id != row.user_id:
            raise Forbidden(f"User {by} ({who.role}) may revoke only their own API tokens")
        if row.revoked_at is not None:
            raise Invalid(f"API token {token_id} was already revoked on {iso_utc(row.revoked_at)}")
        now = clock.now_utc()
        ApiToken.update(revoked_at=now, revoked_by=who.id).where(ApiToken.id == token_id).execute()
        audit.record("token_revoked", who.id, record_id=token_id,
                     details={"tokenId": token_id, "userId": row.user_id, "name": row.name})
    return get_token(token_id)


def authenticate(secret: str) -> tuple[UserRecord, TokenRecord]:
    """The user a token acts as, and the token. Writes nothing.

    Raises Forbidden with the sentence for the person: an unknown, revoked or expired token, or
    one whose user is no longer active.
    """
    secret = secret.strip()
    row = ApiToken.get_or_none(ApiToken.token_hash == digest(secret)) if secret else None
    if row is None:
        raise Forbidden("Unknown API token: it was mistyped, or belongs to another database")
    token = TokenRecord.of(row)
    state = token.state(clock.now_utc())
    if state == "revoked":
        raise Forbidden(f"API token {token.id} ({token.name}) was revoked on {iso_utc(token.revoked_at)}")
    if state == "expired":
        raise Forbidden(f"API token {token.id} ({token.name}) expired on {iso_utc(token.expires_at)}")
    try:
        user = get_user(token.user_id)
    except NotFound:
        user = None
    if user is None or not user.active:
        raise Forbidden(f"API token {token.id} belongs to {token.user_id}, who is no longer active")
    return user, token
