"""A certificate's documents over HTTP, in the shape of the seed's file attachments (``/api/v1/attachments``).

The seed's ``activity_id`` is the certificate the document belongs to (``cert_id``, Certline's name, is
accepted and answered too); Certline has no organisations, so ``org_id`` is accepted and answered as
null. A document's name cannot be changed (``PUT`` answers 405): it is the name it was added and
audited under. Every file is judged by its bytes (app.document_checks), never by its name or the type
its sender declares: ``validate`` answers from what the sender declares, before sending;
``validate-file`` and the upload itself read the bytes.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import Field

from app import documents, policy
from app.document_checks import validate_bytes, validate_declared
from app.documents import DocumentRecord
from app.errors import Invalid, NotFound
from app.ids import check_id
from app.models import CertificateDocument
from app.server.auth import Access, need
from app.server.bodies import StrictBody
from app.server.errors import Refused
from app.server.schemas import errors

router = APIRouter(prefix="/api/v1/attachments", tags=["documents"])
DocId = Annotated[str, Path(description='The document id, e.g. "doc_019ab3f2c4d1e8a3b2c7"')]
MAX_LIMIT = 1000


def document_json(record: DocumentRecord) -> dict[str, Any]:
    """The document in the seed's shape, with Certline's cert_id and sha256 beside."""
    ours = record.to_json()
    return {"id": ours["id"], "activity_id": ours["cert_id"], "cert_id": ours["cert_id"], "org_id": None,
            "file_name": ours["file_name"], "file_size": ours["file_size"], "content_type": ours["content_type"],
            "storage_path": ours["storage_path"], "uploaded_by": ours["uploaded_by"],
            "created_at": ours["created_at"], "updated_at": ours["created_at"], "sha256": ours["sha256"]}


def _document(document_id: str) -> DocumentRecord:
    check_id(document_id, "Document id")
    row = CertificateDocument.get_or_none(CertificateDocument.id == document_id)
    if row is None:
        raise NotFound(f"Document not found: {document_id}")
    return DocumentRecord.of(row)


async def _only_fields(request: Request, *names: str) -> None:
    """A form's fields are the endpoint's and no others, as a JSON body's are."""
    unknown = sorted(set((await request.form()).keys()) - set(names))
    if unknown:
        raise Invalid(f"Unknown field: {unknown[0]}", unknown[0])


@router.get("", responses=errors(400, 401, 403, 404, 500),
            summary="Documents, newest last; those of one certificate with activity_id (or cert_id)")
async def list_documents(request: Request, access: Access = need("read"),
                         activity_id: Annotated[str | None, Query(description="A certificate's id")] = None,
                         cert_id: Annotated[str | None, Query(description="The same, by Certline's name")] = None,
                         page: Annotated[int, Query(ge=1)] = 1,
                         limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20) -> Any:
    certificate = activity_id or cert_id

    def work() -> tuple[list[dict[str, Any]], int]:
        rows = CertificateDocument.select()
        if certificate is not None:
            check_id(certificate, "Certificate id", "activity_id")
            documents.list_documents(certificate)  # Certificate not found: …
            rows = rows.where(CertificateDocument.certificate == certificate)
        found = rows.order_by(CertificateDocument.uploaded_at, CertificateDocument.id).offset((page - 1) * limit)
        return [document_json(DocumentRecord.of(row)) for row in found.limit(limit)], rows.count()

    data, total = await request.app.state.threads.run(access.call, work)
    return {"data": data, "pagination": {"page": page, "limit": limit, "total": total}}


class Declared(StrictBody):
    """What the sender says of a file it is about to send."""

    model_config = {"json_schema_extra": {"examples": [
        {"file_name": "scan.heic", "file_size": 18874368, "content_type": "image/heic"}]}}
    file_name: str | None = Field(None, max_length=1000, description="Its name (not judged: the bytes are)")
    file_size: int = Field(ge=0, description="Its size in bytes")
    content_type: str = Field(max_length=255, description="The type it says it is")


@router.post("/validate", responses=errors(400, 401, 403, 500),
             summary="Pre-flight check of a file about to be sent: allowed types and the size limit")
async def validate(body: Declared, request: Request, access: Access = need("documents")) -> Any:
    """``valid`` and every reason it is not, with the allowed types and the size limit. Answered from what
    the sender declares; the upload is judged again by its bytes."""
    return validate_declared(body.content_type, body.file_size).to_json()


@router.post("/validate-file", responses=errors(400, 401, 403, 413, 500),
             summary="Check a file by its bytes, as an upload would, without keeping it")
async def validate_file(request: Request, file: Annotated[UploadFile, File(description="The file")],
                        access: Access = need("documents")) -> Any:
    await _only_fields(request, "file")
    data = await file.read()

    def work() -> dict[str, Any]:
        return validate_bytes(data, allow_macros=policy.get_policy("allow_macro_documents")).to_json()

    return await request.app.state.threads.run(access.call, work)


@router.post("", status_code=201, responses=errors(400, 401, 403, 404, 413, 500),
             summary="Add a document to a certificate (multipart/form-data, the file in the field 'file')")
async def upload(request: Request, file: Annotated[UploadFile, File(description="The document")],
                 activity_id: Annotated[str | None, Form(description="The certificate's id")] = None,
                 cert_id: Annotated[str | None, Form(description="The same, by Certline's name")] = None,
                 org_id: Annotated[str | None, Form(description="Accepted and ignored: no organisations")] = None,
                 access: Access = need("documents")) -> Any:
    """Checked by its bytes before anything is kept; the certificate goes back to review status
    ``uploaded``. Its user is the token's (a supervisor or an administrator)."""
    await _only_fields(request, "file", "activity_id", "cert_id", "org_id")
    if activity_id is not None and cert_id is not None and activity_id != cert_id:
        raise Invalid("activity_id and cert_id name different certificates; give one", "activity_id")
    certificate = activity_id or cert_id
    data = await file.read()

    def work() -> dict[str, Any]:
        check_id(certificate, "Certificate id", "activity_id")
        record = documents.add_document_bytes(certificate, data, file.filename or "document", access.user.id)
        return document_json(record)

    return await request.app.state.threads.run(access.call, work)


@router.get("/{document_id}", responses=errors(400, 401, 403, 404, 500), summary="One document's record")
async def get_document(document_id: DocId, request: Request, access: Access = need("read")) -> Any:
    return await request.app.state.threads.run(access.call, lambda: document_json(_document(document_id)))


@router.get("/{document_id}/content", responses=errors(400, 401, 403, 404, 500),
            summary="The document's bytes, after checking they are the ones recorded")
async def document_content(document_id: DocId, request: Request, access: Access = need("read")) -> Any:
    def work() -> tuple[Any, DocumentRecord]:
        record = _document(document_id)
        return documents.checked_path(record.cert_id, record.id), record

    path, record = await request.app.state.threads.run(access.call, work)
    return FileResponse(path, media_type=record.content_type, filename=record.file_name)


@router.put("/{document_id}", responses=errors(405), summary="Not done: a document keeps its name")
async def rename(document_id: DocId, access: Access = need("documents")) -> Any:
    raise Refused(405, "A document keeps the name it was added under (its audit entry names it); "
                       "to show another name, remove it and add it again")


@router.delete("/{document_id}", responses=errors(400, 401, 403, 404, 500),
               summary="Take a document off its certificate (its bytes stay kept as evidence)")
async def remove(document_id: DocId, request: Request, access: Access = need("documents"),
                 reason: Annotated[str | None, Query(description="Why (recorded)")] = None) -> Any:
    why = access.reason(reason, "Removed")

    def work() -> dict[str, Any]:
        record = _document(document_id)
        documents.remove_document(record.cert_id, record.id, access.user.id, why)
        return {"success": True, "deleted_id": record.id}

    return await request.app.state.threads.run(access.call, work)
