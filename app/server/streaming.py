"""A certificate's attachments (the seed's ``GET /api/certs/{id}/attachments``), streamed.

The seed's list is not paginated, and a certificate of a mill heat can be on a million serials. So the
JSON array is written as it is read: one keyset page of the supervisor's view (app.reports, the same
pages its CSV export reads) at a time, read in a database thread and sent before the next is read. The
server holds one page, whatever the length of the list; a slow client holds the pages back (the
connection's flow control), it does not pile them up in memory.

An unknown certificate is known before anything is sent: 404 ``Certificate not found: {id}``. A failure
after the first bytes went out cannot change the status any more; the connection is then cut, so the
client sees a broken answer (never a short list that looks whole), and the log says why.
"""
from __future__ import annotations

import json
import logging
from itertools import islice
from typing import Annotated, Any, AsyncIterator, Iterator

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from app import reports
from app.ids import check_id
from app.server.auth import Access, need
from app.server.schemas import ATTACHMENT_EXAMPLE, AttachmentOut, errors
from app.server.workers import DatabaseThreads

log = logging.getLogger("certline.server")
router = APIRouter(tags=["certificates"])
PAGE = 5000
_KEYS = ("id", "serialId", "certId", "stepId", "attachedAt", "attachedBy")
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _open(cert_id: str) -> Iterator[tuple[str, ...]]:
    """The rows in the list's order (oldest first, then serial id), each the record's fields as text."""
    check_id(cert_id, "Certificate id")
    return reports.attachment_csv_rows(reports.AttachmentQuery(cert_id), page_size=PAGE)


def _page(rows: Iterator[tuple[str, ...]]) -> tuple[bytes, bool]:
    """The next page as JSON objects joined by commas, and whether it was the last."""
    page = list(islice(rows, PAGE))
    text = _encode([dict(zip(_KEYS, row)) for row in page])[1:-1]  # the record's fields come first in a row
    return text.encode(), len(page) < PAGE


async def _body(threads: DatabaseThreads, cert_id: str, rows: Iterator[tuple[str, ...]], first: bytes,
                last: bool) -> AsyncIterator[bytes]:
    yield b"[" + first
    written = bool(first)
    try:
        while not last:
            chunk, last = await threads.run(_page, rows)
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
    rows = await threads.run(access.call, _open, cert_id)
    first, last = await threads.run(_page, rows)
    return StreamingResponse(_body(threads, cert_id, rows, first, last), media_type="application/json")
