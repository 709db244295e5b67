"""Serials over HTTP: attach a certificate (the seed's ``POST /api/serials/{id}/attach-cert``), a serial
with its attachments per step, and a batch of serials created with a certificate.

Thin: each endpoint calls the rule of app/ that the station and certline-cli call, in a database thread.
"""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import Field

from app import serial_batches, serials
from app.attachments import attach
from app.errors import Invalid
from app.ids import check_id
from app.server.auth import Access, need
from app.server.bodies import StrictBody, ruled
from app.server.schemas import ATTACHMENT_EXAMPLE, AttachmentOut, ErrorOut, errors

router = APIRouter(tags=["serials"])
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # as JSONResponse writes
SerialId = Annotated[str, Path(description='The serial number, e.g. "SN-00001"', examples=["SN-00001"])]


class AttachIn(StrictBody):
    """The seed's body. Both fields are checked by the attach rule itself, in its order, with its messages."""

    model_config = {"json_schema_extra": {"required": ["certId", "userId"],
                                          "examples": [{"certId": "cert_mat01", "userId": "op1"}]}}
    certId: Any = ruled("ID of the certificate to attach. The certificate must exist.")
    userId: Any = ruled("ID of the user performing the attachment; the token must be allowed to act for them")



@router.post("/api/serials/{serial_id}/attach-cert", response_model=AttachmentOut,
             responses=errors(400, 401, 403, 404, 500) | {200: {"content": {"application/json": {
                 "example": ATTACHMENT_EXAMPLE}}}},
             summary="Attach a certificate to a serial at its current step (idempotent)")
async def attach_cert(serial_id: SerialId, body: AttachIn, request: Request,
                      access: Access = need("attach")) -> Any:
    """The attachment record, new or the one already there at this step (200 either way).

    The checks and their messages are the attach rule's, in its order: serial, its path, the
    certificate, completed, the user, then already attached, then the certificate fit to attach.
    """
    def work() -> bytes:
        user_id = access.acting_user(body.userId)
        return _encode(attach(serial_id, body.certId, user_id).attachment.to_json()).encode()

    # The record written as it is: response_model only documents it (checking and writing it again through
    # the model cost a tenth of the request's time in the event loop, which every request shares).
    return Response(await request.app.state.threads.run(access.call, work), media_type="application/json")


@router.get("/api/serials/{serial_id}", responses=errors(400, 401, 403, 404, 500),
            summary="A serial, its route, and per step the certificates attached there")
async def get_serial(serial_id: SerialId, request: Request, access: Access = need("read")) -> Any:
    def work() -> dict[str, Any]:
        check_id(serial_id, "Serial id")
        return serials.get_serial(serial_id).to_json()

    return await request.app.state.threads.run(access.call, work)


class BatchIn(StrictBody):
    """Serials for a job at the first step of its route, optionally each with a certificate attached."""

    model_config = {"json_schema_extra": {"examples": [
        {"jobId": "JOB-24-0417", "count": 20, "certId": "cert_mat01", "userId": "sup1"},
        {"jobId": "JOB-24-0417", "pattern": "SN-{job}-{n:04}", "count": 10, "certId": "cert_mat01"},
        {"jobId": "JOB-24-0417", "serialIds": ["ERP-1001", "ERP-1002"], "certId": "cert_mat01"}]}}
    jobId: str = Field(description="The job the serials belong to")
    count: int | None = Field(None, description="How many: numbered on after the prefix's last number, or "
                                                "by the pattern")
    prefix: str | None = Field(None, description='With count: the prefix of the ids (default "SN-")')
    pattern: str | None = Field(None, description="With count: a numbering pattern such as SN-{job}-{n:04}")
    start: int | None = Field(None, description="With a pattern: the first number (else after its highest)")
    serialIds: list[str] | None = Field(None, description="Or the serial numbers themselves")
    certId: str | None = Field(None, description="A certificate attached to each serial at the first step")
    userId: str | None = Field(None, description="Who creates them (a supervisor or administrator); the "
                                                 "token's user when left out")


@router.post("/api/serials/batch", status_code=201, responses=errors(400, 401, 403, 404, 500),
             summary="Create serials for a job, each with a certificate attached (one transaction)")
async def batch_create(body: BatchIn, request: Request, access: Access = need("attach")) -> Any:
    """All the serials, and each one's attachment and audit entries, or nothing."""
    def work() -> dict[str, Any]:
        user_id = access.acting_user(body.userId or access.user.id)
        check_id(body.jobId, "Job id", "jobId")
        if body.prefix is not None and (body.pattern is not None or body.serialIds is not None):
            raise Invalid("A prefix numbers serials by count alone; a pattern or a list names them itself", "prefix")
        if body.pattern is None and body.serialIds is None:
            result = serials.create_serials(body.jobId, body.count, user_id, body.certId, body.prefix or "SN-")
        else:
            result = serial_batches.create_batch(body.jobId, user_id, count=body.count, pattern=body.pattern,
                                                 start=body.start, serial_ids=body.serialIds, cert_id=body.certId)
        return result.to_json()

    return await request.app.state.threads.run(access.call, work)


__all__ = ["router", "ErrorOut"]
