"""Who is asking: every request but the API's own documentation carries an API token (app.tokens).

``Authorization: Bearer certline_…`` (or the bare token, as one seed's clients send it). The token is
looked up by its hash at every request, in the database every server process shares, so a token
revoked anywhere is refused by every process from its next request on; nothing about tokens is kept
in a process. Without a valid token: 401. A token whose scopes do not cover the endpoint: 403. The
same gate bounds the body a request may send (413) before anything reads it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException

from app import audit, tokens
from app.errors import CertlineError, DatabaseUnavailable, Forbidden
from app.server.bodies import limit_for
from app.server.errors import INTERNAL, body
from app.server.workers import DatabaseThreads
from app.users import UserRecord

log = logging.getLogger("certline.server")
T = TypeVar("T")
OPEN_PATHS = ("/docs", "/docs/oauth2-redirect", "/openapi.json")
bearer = HTTPBearer(auto_error=False, description="An API token made with certline-cli token create")


@dataclass(frozen=True)
class Access:
    """The token a request came through and the user it acts as."""

    user: UserRecord
    token: tokens.TokenRecord

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn`` (in a database thread), its audit entries naming this request's token."""
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
        return access

    return Depends(check)


def _secret(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, rest = text.partition(" ")
            return rest.strip() if scheme.lower() == "bearer" else text
    return None


def _authenticate(secret: str) -> Access:
    try:
        user, token = tokens.authenticate(secret)
    except Forbidden as refused:
        raise _Refusal(401, refused.message) from None
    return Access(user, token)


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

    def __init__(self, app, threads: DatabaseThreads):
        self.app, self.threads = app, threads

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        try:
            access = await self._access(scope)
        except _Refusal as refused:
            return await _answer(send, refused.status, refused.message)
        except DatabaseUnavailable as error:
            log.warning("%s %s: %s", scope["method"], scope["path"], error.message)
            return await _answer(send, 503, error.message)
        except CertlineError as error:
            return await _answer(send, error.status, error.message)
        except Exception:  # noqa: BLE001 - details in the log only
            log.exception("authenticating %s %s failed", scope["method"], scope["path"])
            return await _answer(send, 500, INTERNAL)
        scope.setdefault("state", {})["access"] = access
        limit = limit_for(scope["method"], scope["path"])
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _answer(send, 413, _too_large(limit))
        received, started = 0, False

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge(limit)
            return message

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await _answer(send, 413, _too_large(limit))

    async def _access(self, scope) -> Access:
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            raise _Refusal(400, "The request's address holds a NUL character")
        secret = _secret(scope["headers"])
        if not secret:
            raise _Refusal(401, "An API token is required: send it as Authorization: Bearer <token> "
                                "(an administrator makes one with certline-cli token create)")
        return await self.threads.run(_authenticate, secret)


def _too_large(limit: int) -> str:
    return f"The request body is larger than this endpoint takes ({limit} bytes)"


async def _answer(send, status: int, message: str) -> None:
    payload = json.dumps(body(status, message), separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
