"""Request bodies: what every JSON body must be before a rule sees it, and how large a body may be.

A body is a JSON object of the endpoint's fields and no others (an unknown field is refused by name,
not ignored: a misspelt ``certID`` must not pass as a request without ``certId``); types are strict (no
``"2"`` for 2). Values are left to the rules in ``app/`` where a rule checks them, so a refusal reads
the same over HTTP as at the station. No text anywhere in a body may hold NUL or a lone surrogate:
neither can be stored, and PostgreSQL would fail on them instead of refusing them.
"""
from __future__ import annotations

from typing import Any, Iterator

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.bounds import not_text_problem
from app.document_checks import MAX_FILE_SIZE_BYTES

MAX_JSON_BODY = 1024 * 1024  # a certificate's data may hold 100,000 characters; a batch 100,000 serial ids
MAX_UPLOAD_BODY = MAX_FILE_SIZE_BYTES + 1024 * 1024  # a document, its form fields and the multipart framing
MAX_SERIAL_LIST_BODY = 8 * 1024 * 1024


def limit_for(method: str, path: str) -> int:
    """The largest body a request may send: a document upload takes a file, a batch a list; others JSON."""
    if method == "POST" and path.rstrip("/") in ("/api/v1/attachments", "/api/v1/attachments/validate-file"):
        return MAX_UPLOAD_BODY
    if method == "POST" and path.rstrip("/") == "/api/serials/batch":
        return MAX_SERIAL_LIST_BODY
    return MAX_JSON_BODY


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, where)
            yield from _texts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{where}[{index}]")


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        for where, text in _texts(data, ""):
            problem = not_text_problem(text)
            if problem:
                raise PydanticCustomError("not_text", "Field {field} {problem}",
                                          {"field": where or "(a key)", "problem": problem})
        return data


def ruled(description: str, type: str | list[str] = "string", **schema: Any) -> Any:
    """A field whose value a rule of app/ checks, type included (so pydantic does not check it first),
    shown in the OpenAPI document with the type the rule wants."""
    return Field(None, description=description, json_schema_extra={"type": type, **schema})
