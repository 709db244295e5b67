"""A certificate's attachments (the seed's ``GET /api/certs/{id}/attachments``), streamed.

The seed's list is not paginated, and a certificate of a mill heat can be on a million serials. So the
JSON array is written as it is read: one keyset page (app.attachments.attachment_pages, the pages
certline-cli's listing reads) at a time, read in a database thread and sent before the next is read. The
server holds one page, whatever the length of the list; a slow client holds the pages back (the
connection's flow control), it does not pile them up in memory.

An unknown certificate is known before anything is sent: 404 ``Certificate not found: {id}``. A failure
after the first bytes went out cannot change the status any more; the connection is then cut, so the
client sees a broken answer (never a short list that looks whole), and the log says why.

The token is checked once, before the first page: a list already being sent when its token is revoked
is sent to its end, as a file already being downloaded would be; the token's next request is refused.
"""
from __future__ import annotations

import json
import logging
from typing import Annotated, Any, AsyncIterator, Iterator

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from app.attachments import attachment_pages
from app.ids import check_id
from app.reports.attachments import _iso_text as iso_text  # a stored time as ISO text, SQLite's without parsing
from app.server.auth import Access, need
from app.server.schemas import ATTACHMENT_EXAMPLE, AttachmentOut, errors
from app.server.workers import DatabaseThreads

log = logging.getLogger("certline.server")
router = APIRouter(tags=["certificates"])
PAGE = 5000
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _open(cert_id: str) -> Iterator[list[tuple]]:
    """The pages in the list's order (oldest first, then serial id), each row as stored."""
    check_id(cert_id, "Certificate id")
    return attachment_pages(cert_id, PAGE)


def _page(pages: Iterator[list[tuple]]) -> tuple[bytes, bool]:
    """The next page as JSON objects joined by commas (AttachmentRecord.to_json's), and whether it was the last."""
    page = next(pages, [])
    text = _encode([{"id": i, "serialId": s, "certId": c, "stepId": st, "attachedAt": iso_text(at), "attachedBy": by}
                    for i, s, c, st, at, by in page])[1:-1]
    return text.encode(), len(page) < PAGE


async def _body(threads: DatabaseThreads, cert_id: str, pages: Iterator[list[tuple]], first: bytes,
                last: bool) -> AsyncIterator[bytes]:
    yield b"[" + first
    written = bool(first)
    try:
        while not last:
            chunk, last = await threads.run(_page, pages)
            if chunk:
                yield (b"," if written else b"") + chunk
                written = True
    except Exception:
        log.exception("the attachments of %s broke off while being sent", cert_id)
        raise
    yield b"]"


@router.get("/api/certs/{cert_id}/attachments", response_model=list[AttachmentOut],
            responses=errors(400, 401, 403, 404, 500) | {200: {"content": {"application/json": {
                "example": [ATTACHMENT_EXAMPLE]}}}},
            summary="Every attachment of a certificate, oldest first (streamed, not paginated)")
async def certificate_attachments(
        cert_id: Annotated[str, Path(description='The certificate id, e.g. "cert_mat01"')], request: Request,
        access: Access = need("read")) -> Any:
    """Each serial the certificate was attached to, at which step, when and by whom; ``[]`` for a
    certificate never attached. A JSON array written as it is read, in constant memory."""
    threads: DatabaseThreads = request.app.state.threads
    pages = await threads.run(access.call, _open, cert_id)
    first, last = await threads.run(_page, pages)
    return StreamingResponse(_body(threads, cert_id, pages, first, last), media_type="application/json")
