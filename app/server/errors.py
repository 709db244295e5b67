"""Every refusal as one JSON shape, and every failure as a 500 whose details stay in the log.

The body is ``{"error": {"status": 404, "message": "SerialNumber not found: SN-404"}}``, as certline-cli
writes errors with ``--json``; ``field`` names the input at fault where one is known, ``code`` is a
seed's own error code where it has one (``ATTACHMENT_NOT_FOUND``). The messages are the rules' own
(app/), word for word: other systems match on them.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app.errors import CertlineError, DatabaseUnavailable, Invalid

log = logging.getLogger("certline.server")
INTERNAL = "Internal Server Error"


class Unauthenticated(CertlineError):
    """No token, or one that is not (or no longer) valid."""

    status = 401


class Refused(CertlineError):
    """A refusal with a status of its own (409 for a delete that would take other records with it, …)."""

    def __init__(self, status: int, message: str, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra or {}


def body(status: int, message: str, field: str | None = None, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "message": message}
    if field:
        error["field"] = field
    if code:
        error["code"] = code
    return {"error": error}


def response(status: int, message: str, field: str | None = None, code: str | None = None,
             extra: dict[str, Any] | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body(status, message, field, code) | (extra or {}), status_code=status, headers=headers)


@contextlib.contextmanager
def fields_named(names: dict[str, str]) -> Iterator[None]:
    """Refusals raised inside name their field as the request does (``kind`` → ``action_type``)."""
    try:
        yield
    except Invalid as refused:
        refused.field = names.get(refused.field, refused.field)
        raise


def _certline(request: Request, error: CertlineError) -> JSONResponse:
    if isinstance(error, DatabaseUnavailable):
        log.warning("%s %s: %s", request.method, request.url.path, error.message)
        return response(503, error.message)
    if isinstance(error, Refused):
        return response(error.status, error.message, code=error.code, extra=error.extra)
    return response(error.status, error.message, getattr(error, "field", None))


def _http(request: Request, error: HTTPException) -> JSONResponse:
    return response(error.status_code, str(error.detail))


def _failure(request: Request, error: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=error)
    return response(500, INTERNAL)


def _where(loc: tuple) -> str:
    """The field a validation error is about, as the request names it: ``filter.name``, ``per-page``."""
    return ".".join(str(part) for part in loc[1:]) if loc and loc[0] in ("body", "query", "path") else ""


def _sentence(error: dict[str, Any]) -> tuple[str, str]:
    """A validation error of the request's structure as a sentence naming the field, and that field."""
    kind, loc, ctx = error["type"], tuple(error.get("loc") or ()), error.get("ctx") or {}
    field = _where(loc)
    if kind == "json_invalid":
        return f"The request body is not valid JSON: {ctx.get('error', 'malformed')} (at character {loc[-1]})", ""
    if kind == "not_text":
        return f"Field {ctx['field']} {ctx['problem']}", ctx["field"]
    if not field:
        if kind == "missing":
            return "The request body is required: a JSON object", ""
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return "The request body must be a JSON object", ""
        return f"The request body: {error['msg']}", ""
    where = "Query parameter" if loc[0] == "query" else "Field"
    if kind == "missing":
        return f"{where} {field} is required", field
    if kind == "extra_forbidden":
        return f"Unknown field: {field}", field
    return f"{where} {field}: {error['msg']}", field


def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = list(error.errors())
    message, field = _sentence(errors[0]) if errors else ("The request is not understood", "")
    return response(400, message, field or None)


def install(app: FastAPI) -> None:
    app.add_exception_handler(CertlineError, _certline)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _failure)
