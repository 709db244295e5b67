"""The pack put together with pypdf: the drawn pages, the documents' pages, the embedded files, the manifest.

Order: the certificate of conformance, the route of each serial, the certificates, every document's
pages in the order the certificates list them (a PDF's pages merged as they are; an image on a page of
its own; a DOC or DOCX gets no page, it is listed with its hash), the manifest. Every document is also
embedded byte for byte as a file attachment, and the manifest as ``certline-manifest.json``
(app.pack.manifest says what it holds and how pages are fingerprinted).

Nothing in the file depends on when or where it is made except the signing time: no creation date, no
random file identifier, objects numbered in the order they are added, the drawn pages' own metadata
dropped (only their pages are taken), embedded files stored as they are (no compression, so no zlib
in the way of a byte-for-byte comparison, and no time spent squeezing scans that do not shrink).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from typing import IO, Any, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from app.errors import Invalid
from app.pack import drawing
from app.pack.drawing import Facts, Frame, Placement
from app.pack.manifest import FORMAT, MANIFEST_NAME, canonical, contents_hash, manifest_hash, page_digest
from app.pack.records import IMAGE, PAGES, PackDocument, PackPreview

_MAX_LAYOUT_ROUNDS = 6


@dataclass
class Loaded:
    """A document's bytes (checked against its sha256) and, for a PDF, its pages read."""

    document: PackDocument
    data: bytes
    reader: PdfReader | None = None

    @property
    def pages(self) -> int:
        if self.document.how == PAGES:
            return len(self.reader.pages)
        return 1 if self.document.how == IMAGE else 0


def load(document: PackDocument, path) -> Loaded:
    """The stored bytes of a document, refused when they are not the ones recorded or cannot be read."""
    title = f"Document {document.file_name} of certificate {document.cert_id}"
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Invalid(f"{title}: the stored file cannot be read ({error.strerror or error}); nothing was made")
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise Invalid(f"{title}: the stored file is not the one that was uploaded (its bytes do not match the "
                      "recorded sha256); it was replaced or damaged, so no pack was made")
    if document.how != PAGES:
        return Loaded(document, data)
    try:
        reader = PdfReader(io.BytesIO(data))
        len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise Invalid(f"{title}: its pages cannot be read as PDF ({error}); nothing was made") from None
    if reader.is_encrypted:
        raise Invalid(f"{title} is encrypted: its pages cannot be merged; nothing was made")
    return Loaded(document, data, reader)


@dataclass(frozen=True)
class Layout:
    coc: int
    routes: int
    certificates: int
    appended: int
    manifest: int

    @property
    def total(self) -> int:
        return self.coc + self.routes + self.certificates + self.appended + self.manifest

    @property
    def appended_first(self) -> int:
        return self.coc + self.routes + self.certificates + 1


def _placements(loaded: Sequence[Loaded], first: int) -> list[Placement]:
    placements, page = [], first
    for number, item in enumerate(loaded, start=1):
        pages = item.pages
        placements.append(Placement(number, item.document, page if pages else None,
                                    page + pages - 1 if pages else None))
        page += pages
    return placements


def _footer(facts: Facts) -> str:
    return f"Certificate of conformance pack · {facts.customer} · order {facts.order_ref}"


def _draw(preview: PackPreview, facts: Facts, placements: Sequence[Placement], layout: Layout,
          chain: tuple[int, str]) -> tuple[Any, drawing.Body]:
    footer, total = _footer(facts), layout.total
    coc = drawing.coc_pages(preview, facts, Frame(1, total, footer))
    body = drawing.body_pages(preview, facts, placements, Frame(layout.coc + 1, total, footer), layout.appended, chain)
    return coc, body


def _image_pages(loaded: Sequence[Loaded], facts: Facts) -> dict[str, Any]:
    """Each image document's page (a pypdf page), all drawn in one document. They carry no page number:
    where a document lies in the pack depends on the pages before it, and a document's pages stay as they are."""
    items = [(Placement(number, item.document), item.data)
             for number, item in enumerate(loaded, start=1) if item.document.how == IMAGE]
    if not items:
        return {}
    data = drawing.image_pages(items, Frame(0, 0, _footer(facts))).finish()
    scratch = PdfWriter()
    return {placement.document.id: scratch.add_page(page)
            for (placement, _), page in zip(items, PdfReader(io.BytesIO(data)).pages)}


def _manifest(preview: PackPreview, facts: Facts, placements: Sequence[Placement], digests: list[str],
              drawn_pages: list[int], chain: tuple[int, str]) -> dict[str, Any]:
    manifest = {
        "format": FORMAT,
        "plant": facts.plant, "customer": facts.customer, "orderRef": facts.order_ref,
        "statement": facts.statement, "reason": facts.reason,
        "signature": {"printedName": facts.signer_name, "userId": facts.signer_id, "role": facts.signer_role,
                      "meaning": facts.meaning, "signedAt": facts.signed_at},
        "chain": {"seq": chain[0], "hash": chain[1]},
        "contents": preview.to_json(),
        "documents": [{"number": p.number, "certId": p.document.cert_id, "documentId": p.document.id,
                       "fileName": p.document.file_name, "contentType": p.document.content_type,
                       "size": p.document.size, "sha256": p.document.sha256, "how": p.document.how,
                       "attachment": attachment_name(p), "firstPage": p.first_page, "lastPage": p.last_page}
                      for p in placements],
        "drawnPages": drawn_pages,
        "pages": {"count": len(digests), "digests": digests},
    }
    for document in manifest["contents"]["certificates"]:
        for item in document["documents"]:
            item.pop("available", None)  # where a file is stored is the plant's business, not the pack's
    manifest["contentsHash"] = contents_hash(manifest)
    manifest["manifestHash"] = manifest_hash(manifest)
    return manifest


def attachment_name(placement: Placement) -> str:
    return f"{placement.label}-{placement.document.cert_id}-{placement.document.file_name}"


@dataclass(frozen=True)
class Assembled:
    manifest: dict[str, Any]
    layout: Layout


def assemble(preview: PackPreview, facts: Facts, loaded: Sequence[Loaded], out: IO[bytes]) -> Assembled:
    """Write the whole pack to ``out``; ``facts.contents_hash`` is filled in here.

    Drawn until the page numbers printed are the pages things are on: a first round learns how many pages
    each part takes, a second prints the right numbers (and, rarely, a third when they changed a count).
    The contents hash printed needs the page numbers and the appended pages' fingerprints, not the drawn
    pages, so each round computes it before drawing.
    """
    chain = (preview.chain_seq, preview.chain_hash)
    # Fingerprinted as the pack holds them: pypdf writes a page's inherited attributes (its MediaBox
    # from the page tree, say) into the page itself, so a page is taken into a writer first.
    scratch = PdfWriter()
    documents_pages = {item.document.id: [scratch.add_page(page) for page in item.reader.pages]
                       for item in loaded if item.document.how == PAGES}
    images = _image_pages(loaded, facts)
    masked = facts.signed_at.encode()
    for key, page in images.items():
        documents_pages[key] = [page]
    appended_digests = [page_digest(page, masked) for item in loaded
                        for page in documents_pages.get(item.document.id, ())]
    layout = Layout(0, 0, 0, len(appended_digests), 0)
    for _ in range(_MAX_LAYOUT_ROUNDS):
        placements = _placements(loaded, layout.appended_first)
        drawn_pages = (list(range(1, layout.appended_first))
                       + list(range(layout.appended_first + layout.appended, layout.total + 1)))
        blank = [None] * (layout.appended_first - 1) + appended_digests + [None] * layout.manifest
        draft = _manifest(preview, facts, placements, blank, drawn_pages, chain)
        facts = replace(facts, contents_hash=draft["contentsHash"])
        coc, body = _draw(preview, facts, placements, layout, chain)
        found = Layout(coc.page_no(), body.routes, body.certificates, layout.appended, body.manifest)
        if found == layout:
            break
        layout = found
    else:
        raise RuntimeError("the pack's page numbers did not settle")  # a layout that never converges is a bug here
    writer = PdfWriter()
    body_pages = PdfReader(io.BytesIO(body.pdf.finish())).pages
    before = body.routes + body.certificates
    pages = [writer.add_page(page) for page in PdfReader(io.BytesIO(coc.finish())).pages]
    pages += [writer.add_page(body_pages[index]) for index in range(before)]
    for item in loaded:
        pages += [writer.add_page(page) for page in documents_pages.get(item.document.id, ())]
    pages += [writer.add_page(body_pages[index]) for index in range(before, len(body_pages))]
    digests = [page_digest(page, masked) for page in pages]
    if digests[layout.appended_first - 1:layout.appended_first - 1 + layout.appended] != appended_digests:
        raise RuntimeError("an appended page changed on its way into the pack")
    manifest = _manifest(preview, facts, placements, digests, drawn_pages, chain)
    if manifest["contentsHash"] != facts.contents_hash:
        raise RuntimeError("the contents hash printed is not the one computed")
    for item, placement in zip(loaded, placements):
        writer.add_attachment(attachment_name(placement), item.data)
    writer.add_attachment(MANIFEST_NAME, canonical(manifest))
    writer.add_metadata({"/Title": f"Certificate of conformance pack: {facts.customer}, order {facts.order_ref}",
                         "/Author": facts.signer_name, "/Creator": "Certline",
                         "/Subject": f"contents hash {facts.contents_hash}"})
    writer._info.get_object().pop(NameObject("/CreationDate"), None)  # noqa: SLF001 - no date but the signature's
    writer.write(out)
    return Assembled(manifest, layout)
