"""What the answers look like, for the OpenAPI document (the records themselves come from app/)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

ATTACHMENT_EXAMPLE = {"id": "ca_019ab3f2c4d1e8a3b2c7", "serialId": "SN-00001", "certId": "cert_mat01",
                      "stepId": "fl_saw", "attachedAt": "2026-11-23T10:30:00.000Z", "attachedBy": "op1"}
_STATUS_WORDS = {400: "Bad request: the message names the field or the rule", 401: "No valid API token",
                 403: "The token's scopes or its user's role do not allow it", 404: "Not found",
                 405: "Not done by Certline: the message says why", 409: "Not done: the answer says why", 413: "The request body is too large",
                 500: "Internal Server Error (the details are in the server's log)",
                 503: "The database cannot be reached or is busy; nothing was changed"}


class AttachmentOut(BaseModel):
    """An attachment record as it leaves Certline (camelCase, ISO 8601 UTC with milliseconds)."""

    id: str = Field(description="Server-generated attachment ID")
    serialId: str
    certId: str
    stepId: str = Field(description="The step of the serial's route where it was attached")
    attachedAt: str = Field(description="ISO 8601 UTC, e.g. 2026-11-23T10:30:00.000Z")
    attachedBy: str = Field(description="The user ID who performed the attachment")


class ErrorDetail(BaseModel):
    status: int
    message: str = Field(description="The rule's own sentence, word for word")
    field: str | None = Field(None, description="The input at fault, where one is")
    code: str | None = Field(None, description="A seed's error code, where it has one")


class ErrorOut(BaseModel):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of an endpoint, for ``responses=``."""
    return {status: {"model": ErrorOut, "description": _STATUS_WORDS[status]} for status in statuses}
