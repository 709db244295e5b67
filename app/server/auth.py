"""Who is asking: every request but the API's own documentation carries an API token (app.tokens).

``Authorization: Bearer certline_…`` (or the bare token, as one seed's clients send it). Without a valid
token: 401. A token whose scopes do not cover the endpoint: 403. The same gate bounds the body a request
may send (413) before anything reads it.

A token is checked against the database every server process shares, within the request, so a token
revoked anywhere is refused by every process from its next request on. The first request through a
token runs the whole rule (``tokens.authenticate``) in a database thread before anything else; the
process then remembers the token's and its user's rows as read (``Known``). A later request through it
is let in on that memory, and its check is made in the same database hand-off as its work
(``Access.call``): the two rows read again by primary key in one statement, the rule run again in full
whenever anything in them changed or the token expired. A request answered without reaching its work (a
refused body, an unknown address) is checked before its answer goes out, and refused with 401 instead
where its token no longer passes. So no answer, nor any work, is given to a token that is not valid at
that moment, and a request costs one hand-off to the database, not two.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Any, Callable, NamedTuple, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException

from app import audit, clock, db, tokens
from app.errors import CertlineError, DatabaseUnavailable, Forbidden
from app.models import ApiToken, User
from app.server.bodies import limit_for
from app.server.errors import INTERNAL, Unauthenticated, body
from app.server.workers import DatabaseThreads
from app.users import UserRecord

log = logging.getLogger("certline.server")
T = TypeVar("T")
OPEN_PATHS = ("/docs", "/docs/oauth2-redirect", "/openapi.json")
bearer = HTTPBearer(auto_error=False, description="An API token made with certline-cli token create")


class Entry(NamedTuple):
    """A token found valid, its user, and the two rows they were read from."""

    user: UserRecord
    token: tokens.TokenRecord
    rows: tuple


def _rows_sql() -> str:
    columns = [f't."{f.column_name}"' for f in ApiToken._meta.sorted_fields]
    columns += [f'u."{f.column_name}"' for f in User._meta.sorted_fields]
    return (f'SELECT {", ".join(columns)} FROM "api_token" t JOIN "user" u ON u."id" = t."user_id" '
            f'WHERE t."token_hash" = ?')


class Known:
    """The tokens this process found valid, by the hash of their secret (never the secret), at most ``size``.

    Only a shortcut past the Gate's own hand-off: every request's token is still checked in the
    database (``check``) before its work or its answer.
    """

    def __init__(self, size: int = 1024):
        self.size = size
        self._entries: dict[str, Entry] = {}
        self._sql = _rows_sql()
        # Several database threads remember tokens at once: forgetting the oldest walks the dict.
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def authenticate(self, key: str, secret: str) -> Entry:
        """The whole rule (in a database thread); raises Unauthenticated with its sentence."""
        rows = self._read(key)  # before the rule: rows changed meanwhile differ at the next check, never hide it
        try:
            user, token = tokens.authenticate(secret)
        except Forbidden as refused:
            with self._lock:
                self._entries.pop(key, None)
            raise Unauthenticated(refused.message) from None
        entry = Entry(user, token, rows)
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)), None)  # the oldest: a process seldom sees many tokens
            self._entries[key] = entry
        return entry

    def check(self, key: str, secret: str, entry: Entry) -> Entry:
        """``entry`` if its rows are unchanged and the token has not expired, else the rule run again."""
        if self._read(key) == entry.rows and entry.token.state(clock.now_utc()) == "active":
            return entry
        return self.authenticate(key, secret)

    def _read(self, key: str) -> tuple | None:
        row = db.execute(self._sql, (key,)).fetchone()
        return tuple(row) if row is not None else None


class Access:
    """The token a request came through and the user it acts as, checked against the database by ``check``."""

    __slots__ = ("user", "token", "scope", "checked", "_known", "_key", "_secret", "_entry")

    def __init__(self, known: Known, key: str, secret: str, entry: Entry, checked: bool):
        self._known, self._key, self._secret, self._entry = known, key, secret, entry
        self.user, self.token = entry.user, entry.token
        self.scope: str | None = None  # the endpoint's, once ``need`` has let the request in
        self.checked = checked  # in this request, in a database thread

    def check(self) -> None:
        """(In a database thread.) Raises Unauthenticated where the token no longer passes, Forbidden where
        its scopes no longer cover the endpoint."""
        try:
            entry = self._known.check(self._key, self._secret, self._entry)
            if entry is not self._entry:
                self._entry, self.user, self.token = entry, entry.user, entry.token
                if self.scope is not None:
                    tokens.require_scope(self.token, self.scope)
        finally:
            # Asked in this request: its answer is the work's, or this refusal (then not asked twice).
            self.checked = True

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn`` (in a database thread) once the token is checked, its audit entries naming this request's token."""
        self.check()
        with audit.acting("token", self.token.id):
            return fn(*args, **kwargs)

    def reason(self, given: str | None, done: str) -> str:
        """Certline records why a certificate or document changed. The seeds' requests carry no reason;
        one sent without says where it came from instead, true and checkable (the entry names the token)."""
        if given is not None:
            return given
        return f"{done} through certline-server with API token {self.token.id} ({self.token.name}); no reason given"

    def acting_user(self, user_id: object) -> object:
        """The user a write names (the body's ``userId``), after checking the token may act for them."""
        tokens.act_for(self.user, self.token, user_id)
        return user_id


def need(scope: str) -> Any:
    """The dependency of an endpoint that needs ``scope``: the request's Access, or 403."""

    async def check(request: Request, _: Any = Security(bearer)) -> Access:
        access: Access = request.state.access
        tokens.require_scope(access.token, scope)
        access.scope = scope
        return access

    return Depends(check)


def _secret(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, rest = text.partition(" ")
            return rest.strip() if scheme.lower() == "bearer" else text
    return None


class _Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class _TooLarge(HTTPException):
    """Raised from the body as it is read: an HTTPException, so the framework answers it as such."""

    def __init__(self, limit: int):
        super().__init__(413, _too_large(limit))


class Gate:
    """ASGI middleware: a token for every request (401), a bounded body (413), an address without NUL (400)."""

    def __init__(self, app, threads: DatabaseThreads, known: Known | None = None):
        self.app, self.threads = app, threads
        self.known = known if known is not None else Known()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        try:
            access = await self._access(scope)
        except _Refusal as refused:
            return await _answer(send, refused.status, refused.message)
        except CertlineError as error:
            return await self._refuse(scope, send, error)
        except Exception:  # noqa: BLE001 - details in the log only
            log.exception("authenticating %s %s failed", scope["method"], scope["path"])
            return await _answer(send, 500, INTERNAL)
        scope.setdefault("state", {})["access"] = access
        limit = limit_for(scope["method"], scope["path"])
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            if await self._still_valid(access, scope, send):
                await _answer(send, 413, _too_large(limit))
            return
        received, started, refused = 0, False, False

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge(limit)
            return message

        async def watched_send(message):
            nonlocal started, refused
            if refused:
                return  # the app's answer to a request whose token was refused in its stead
            if message["type"] == "http.response.start":
                if not await self._still_valid(access, scope, send):
                    refused = True
                    return
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if started or refused:
                raise
            if await self._still_valid(access, scope, send):
                await _answer(send, 413, _too_large(limit))

    async def _access(self, scope) -> Access:
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            raise _Refusal(400, "The request's address holds a NUL character")
        secret = _secret(scope["headers"])
        if not secret:
            raise _Refusal(401, "An API token is required: send it as Authorization: Bearer <token> "
                                "(an administrator makes one with certline-cli token create)")
        key = tokens.digest(secret)
        entry = self.known.get(key)
        if entry is not None:  # checked later, in the hand-off of the request's work
            return Access(self.known, key, secret, entry, checked=False)
        entry = await self.threads.run(self.known.authenticate, key, secret)
        return Access(self.known, key, secret, entry, checked=True)

    async def _still_valid(self, access: Access, scope, send) -> bool:
        """Before an answer that no database hand-off of the request checked: the token checked now; where it
        no longer passes, its refusal is sent instead and False returned."""
        if access.checked:
            return True
        try:
            await self.threads.run(access.check)
        except CertlineError as error:
            await self._refuse(scope, send, error)
            return False
        except Exception:  # noqa: BLE001 - details in the log only
            log.exception("authenticating %s %s failed", scope["method"], scope["path"])
            await _answer(send, 500, INTERNAL)
            return False
        return True

    async def _refuse(self, scope, send, error: CertlineError) -> None:
        if isinstance(error, DatabaseUnavailable):
            log.warning("%s %s: %s", scope["method"], scope["path"], error.message)
            return await _answer(send, 503, error.message)
        await _answer(send, error.status, error.message)


def _too_large(limit: int) -> str:
    return f"The request body is larger than this endpoint takes ({limit} bytes)"


async def _answer(send, status: int, message: str) -> None:
    payload = json.dumps(body(status, message), separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
