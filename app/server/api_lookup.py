"""A certificate looked up by its code, with the review status of its documents (the seed's ``GET
/attachments?package=…|code=…[&userId=…]``).

The seed's process is Certline's certificate, its signers the people who added its documents, its
files those documents, and its status the certificate's review status: ``pending`` (no document yet),
``uploaded`` (not yet approved), ``approved`` (a supervisor approved them). ``package`` is a
certificate's id; ``code`` is what a person scans, its id or its issuer's number (a heat number).
``finish`` is true once the documents are approved. Certline keeps no e-mail addresses: a signer has
its user id and name. Refusals are the seed's: 400, with ``code`` ``ATTACHMENT_NOT_FOUND`` when the
certificate (or the user) is not found.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app import certificate_list, certificates, documents, users
from app.errors import NotFound
from app.server.auth import Access, need
from app.server.errors import Refused
from app.server.schemas import errors

router = APIRouter(tags=["certificates"])
NOT_FOUND = "ATTACHMENT_NOT_FOUND"


def _lookup(package: str | None, code: str | None, user_id: str | None, base: str) -> dict[str, Any]:
    try:
        cert = certificates.get_certificate(package) if package else certificate_list.resolve_certificate(code)
    except NotFound as missing:
        raise Refused(400, missing.message, NOT_FOUND) from None
    kept = documents.list_documents(cert.id)
    answer: dict[str, Any] = {"package": cert.id, "code": cert.number, "name": cert.name,
                              "finish": cert.review_status == "approved", "status": cert.review_status}
    if user_id is None:
        signers = list(dict.fromkeys(document.uploaded_by for document in kept))
        answer["signers"] = [_person(signer) for signer in signers]
        return answer
    try:
        person = _person(user_id)
    except NotFound as missing:
        raise Refused(400, missing.message, NOT_FOUND) from None
    theirs = [document for document in kept if document.uploaded_by == user_id]
    person["status"] = cert.review_status if theirs else "pending"
    if theirs:  # the seed gives files, with their addresses, only once there are some
        person["files"] = [{"name": d.file_name, "url": f"{base}api/v1/attachments/{d.id}/content"} for d in theirs]
    answer["signer"] = person
    return answer


def _person(user_id: str) -> dict[str, Any]:
    user = users.get_user(user_id)
    return {"userId": user.id, "name": user.name}


@router.get("/attachments", responses=errors(400, 401, 403, 500),
            summary="A certificate by id (package) or code, with its documents' review status")
async def lookup(request: Request, access: Access = need("read"),
                 package: Annotated[str | None, Query(description="A certificate's id")] = None,
                 code: Annotated[str | None, Query(description="A certificate's id or issuer number")] = None,
                 userId: Annotated[str | None, Query(description="One signer: their documents")] = None) -> Any:
    """Only one of package or code is needed; given both, package is used and code ignored."""
    if not package and not code:
        raise Refused(400, "Missing package or code")
    base = str(request.base_url)
    return await request.app.state.threads.run(access.call, _lookup, package or None, code, userId, base)
