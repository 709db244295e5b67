"""The pages Certline draws in a pack, with fpdf2 in the fonts of app.report_pdf (DejaVu Sans, embedded).

Three fpdf2 documents, put together by app.pack.assemble: the certificate of conformance (with the gaps,
the serial list and the signature); the body — the route of each serial with its certificates, the
certificates with their fields and documents, and the manifest, which the pack places after the
documents' pages; and a page for each image document. Each is told where its pages fall in the whole
pack (``Frame``), so the footers count the pack's pages and the certificates name the pages their
documents are on. A document's pages (an image's too) carry no pack page number.

The certificate of conformance is written without stream compression and its signing time in the core
font Helvetica: so the time stands in the file as plain ASCII, and two packs of the same contents,
signed at different times, differ in those characters only (DejaVu's text is written as glyph numbers,
and a compressed stream changes throughout when one character does).
"""
from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from functools import cache
from typing import Sequence

from fontTools import ttLib
from fpdf import FPDF

from app.pack.records import IMAGE, PAGES, PackDocument, PackPreview
from app.report_pdf import (BODY_POINTS, FONT, FONT_FILES, LINE, PADDING, _column_widths, _details, _font_path,
                            _table, _text)
from app.words import CERT_KIND, REVIEW_STATUS, STEP_STATE, word

MARGIN, BOTTOM = 15, 18
TIME_FONT = "helvetica"  # the signing time: plain ASCII in the file (see the module's docstring)
RESOURCE = {"material_lot": "material lot", "person": "person", "equipment": "equipment", "other": "other"}


@dataclass(frozen=True)
class Frame:
    """Where a drawn document's pages fall in the pack, and what its footer says."""

    first_page: int  # the pack's page number of this document's first page
    total_pages: int
    footer: str
    numbers: tuple[int, ...] = ()  # the pack's number of each page, where they do not follow on

    def number(self, page: int) -> int:
        return self.numbers[page - 1] if self.numbers else self.first_page + page - 1


@dataclass(frozen=True)
class Placement:
    """Where a document lands in the pack: its number (D1, D2…) and its pages (none when listed)."""

    number: int
    document: PackDocument
    first_page: int | None = None
    last_page: int | None = None

    @property
    def label(self) -> str:
        return f"D{self.number}"

    def pages_words(self) -> str:
        if self.first_page is None:
            return "listed only (not rendered)"
        if self.first_page == self.last_page:
            return f"page {self.first_page}"
        return f"pages {self.first_page}–{self.last_page}"


@dataclass(frozen=True)
class Facts:
    """What the supervisor typed and signed, and the pack's fingerprints, as printed."""

    plant: str
    customer: str
    order_ref: str
    statement: str
    reason: str | None
    signer_name: str
    signer_id: str
    signer_role: str
    meaning: str
    signed_at: str  # ISO 8601 UTC, fixed width
    contents_hash: str


_WIDTHS: dict[tuple, float] = {}


class _Pages(FPDF):
    frame: Frame

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, _font_path(name))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM + 4)
        self.alias_nb_pages(None)  # people's text is printed as typed, never as a page count

    def footer(self) -> None:
        self.set_y(-BOTTOM + 4)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, self.frame.footer, align="L")
        if not self.frame.total_pages:  # a document's page: where it lies in the pack depends on the rest
            return
        self.set_x(self.l_margin)
        number = self.frame.number(self.page_no()) + (self.skip if self.page_no() > self.skip_after else 0)
        self.cell(0, 4, f"Page {number} of {self.frame.total_pages}", align="R")

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        # Measured once per text, font and size: a pack of 1,000 serials measures some 90,000 cells, most
        # of them the same step, kind, name or date again, and fpdf2 takes 20 µs a measure.
        key = (self.font_family, self.font_style, self.font_size_pt, s, normalized, markdown)
        width = _WIDTHS.get(key)
        if width is None:
            if len(_WIDTHS) > 500_000:
                _WIDTHS.clear()
            width = _WIDTHS[key] = super().get_string_width(s, normalized, markdown)
        return width

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font(FONT, "", 8)

    def paragraph(self, text: str, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", 8)
        self.multi_cell(0, LINE + 0.6, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 8)

    def finish(self) -> bytes:
        """The file; drawn documents are counted (``page_no``) before any is written, which takes longer."""
        return bytes(self.output())


@cache
def _font_bytes(path) -> bytes:
    with open(path, "rb") as handle:  # read whole: a font opened lazily from its file keeps the file open
        return handle.read()


@cache
def _blank() -> _Pages:
    return _Pages()


def _new(frame: Frame, compress: bool = True) -> _Pages:
    """A new document with the fonts loaded: a copy of one made once, as reading the font files takes
    fifty times longer than copying what was read (a pack draws a dozen documents)."""
    pdf = copy.deepcopy(_blank())
    for font in pdf.fonts.values():
        # fpdf2's copy shares the parsed font file, which writing the file cuts down to the glyphs used:
        # each document gets its own (opened lazily, a fraction of a millisecond).
        font.ttfont = ttLib.TTFont(io.BytesIO(_font_bytes(font.ttffile)), recalcTimestamp=False, lazy=True)
    pdf.frame = frame
    pdf.skip, pdf.skip_after = 0, 1 << 30  # pages of the pack that lie between two parts of this document
    pdf.set_compression(compress)
    return pdf


def _hash_lines(digest: str) -> str:
    """A sha256 as two lines of 32 digits, split where a reader sees it is split: one that wraps wherever
    the column ends is misread when compared digit by digit."""
    return f"{digest[:32]}\n{digest[32:]}"


def coc_pages(preview: PackPreview, facts: Facts, frame: Frame) -> _Pages:
    """The certificate of conformance: who, for whom, what, the statement, the gaps, the serials, the signature."""
    pdf = _new(frame, compress=False)
    pdf.add_page()
    pdf.heading("Certificate of Conformance", 16)
    parts = ", ".join(f"{part} ({count:,})" if len(preview.parts) > 1 else part for part, count in preview.parts)
    _details(pdf, [("Plant", facts.plant), ("Customer", facts.customer), ("Customer order reference", facts.order_ref),
                   ("Part", parts), ("Quantity", f"{preview.quantity:,}"), ("Selection", preview.selection),
                   ("Certificates", f"{len(preview.certificates):,}, with {len(preview.documents):,} documents"),
                   ("Evidence", f"audit trail entry {preview.chain_seq:,}, hash {preview.chain_hash}"),
                   ("Pack contents hash", facts.contents_hash)])
    pdf.ln(3)
    pdf.heading("Statement", 11)
    pdf.paragraph(facts.statement)
    pdf.ln(3)
    if preview.gaps:
        pdf.heading(f"Gaps ({len(preview.gaps)})", 11)
        pdf.paragraph("This pack was made knowing that the evidence below is missing or not as it should be.")
        pdf.paragraph(f"Reason given by {facts.signer_name}: {facts.reason}", bold=True)
        pdf.ln(1)
        for gap in preview.gaps:
            text = f"• {gap.sentence}"
            if len(gap.serial_ids) > 5 and gap.kind in ("missing", "not_completed", "scrapped"):
                text += f"\n  All of them: {', '.join(gap.serial_ids)}"
            pdf.paragraph(text)
        pdf.ln(3)
    else:
        pdf.paragraph("No gaps: every step each serial passed has the certificates it requires, every serial is "
                      "completed, and every certificate is in force, documented and approved.")
        pdf.ln(3)
    if preview.scrapped_left_out:
        pdf.paragraph(f"Scrapped serials of the job, not in this pack: {', '.join(preview.scrapped_left_out)}")
        pdf.ln(2)
    pdf.heading(f"Serials ({preview.quantity:,})", 11)
    columns = 6
    ids = list(preview.serial_ids)
    rows = [ids[i:i + columns] for i in range(0, len(ids), columns)]
    rows[-1] += [""] * (columns - len(rows[-1]))
    _table(pdf, ["Serial"] * columns, rows, [pdf.epw / columns] * columns)
    pdf.ln(6)
    if pdf.y > pdf.page_break_trigger - 40:
        pdf.add_page()
    pdf.heading("Signature", 11)
    signature = [("Signed by", f"{facts.signer_name} ({facts.signer_id}), {facts.signer_role}"),
                 ("Meaning", facts.meaning)]
    _details(pdf, signature)
    # The time in a font of its own (the page fingerprints read it as blanks), its label and value lined up
    # with the rows above (app.report_pdf._details' key column).
    pdf.set_font(FONT, "B", BODY_POINTS)
    key_width = max(pdf.get_string_width(key) for key, _ in signature) + 2 * PADDING + 4
    pdf.cell(key_width, LINE + 1, "Signed at")
    pdf.set_font(TIME_FONT, "", 9)
    pdf.cell(pdf.get_string_width(facts.signed_at) + 2 * pdf.c_margin, LINE + 1, facts.signed_at)
    pdf.set_font(FONT, "", BODY_POINTS)
    pdf.cell(0, LINE + 1, "(UTC)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.ln(2)
    pdf.paragraph(f"Signed with {facts.signer_name}'s PIN in Certline. The pack's manifest is embedded in this file "
                  "(certline-manifest.json) with every appended document; the command certline-cli pack verify checks them.")
    return pdf


def route_pages(preview: PackPreview, frame: Frame, pdf: _Pages | None = None) -> _Pages:
    """Per serial, each step of its route with the certificates attached there."""
    pdf = pdf if pdf is not None else _new(frame)
    pdf.add_page()
    pdf.heading("Route and certificates of each serial")
    headings = ["Serial", "Step", "State", "Certificate", "Kind", "Issuer number", "Attached by", "Attached at (UTC)"]
    rows: list[list[str]] = []
    for serial in preview.serials:
        for step in serial.steps:
            state = word(STEP_STATE, step.state)
            if not step.certificates:
                needs = f"none (requires {', '.join(word(CERT_KIND, k) for k in step.requires)})" \
                    if step.requires else "none"
                rows.append([serial.serial_id, f"{step.position + 1}. {step.name}", state, needs, "", "", "", ""])
            for cert in step.certificates:
                rows.append([serial.serial_id, f"{step.position + 1}. {step.name}", state, cert.cert_id,
                             word(CERT_KIND, cert.kind), cert.number or "", cert.attached_by_name,
                             cert.attached_at.isoformat(sep=" ", timespec="seconds")])
    _table(pdf, headings, rows, _column_widths(pdf, headings, rows))
    return pdf


def certificate_pages(preview: PackPreview, placements: dict[str, Placement], frame: Frame,
                      pdf: _Pages | None = None) -> _Pages:
    """Every certificate used, once: its fields and its documents, and where in the pack each document is."""
    pdf = pdf if pdf is not None else _new(frame)
    pdf.add_page()
    pdf.heading(f"Certificates ({len(preview.certificates):,})")
    for cert in preview.certificates:
        if pdf.y > pdf.page_break_trigger - 50:
            pdf.add_page()
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 5, _text(cert.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 8)
        review = word(REVIEW_STATUS, cert.review_status)
        if cert.review_status == "approved" and cert.approved_by_name:
            review += f" by {cert.approved_by_name}, {cert.approved_at.isoformat(sep=' ', timespec='seconds')} UTC"
        fields = [("Kind", word(CERT_KIND, cert.kind)), ("Issuer number", cert.number or "—")]
        if cert.en10204_type or cert.heat_lot:
            fields += [("EN 10204 type", cert.en10204_type or "—"), ("Heat / lot", cert.heat_lot or "—")]
        if cert.resource_type != "other" or cert.resource_id:
            fields += [("Certifies", RESOURCE.get(cert.resource_type, cert.resource_type)
                        + (f" {cert.resource_id}" if cert.resource_id else ""))]
        fields += [
                   ("Released", cert.date_release.isoformat() if cert.date_release else "—"),
                   ("Expires", cert.date_expire.isoformat() if cert.date_expire else "never"),
                   ("State", cert.state), ("Review", review), ("Serials in this pack", f"{cert.serial_count:,}")]
        _details(pdf, fields)
        if cert.documents:
            rows = []
            for document in cert.documents:
                placed = placements.get(document.id)
                where = placed.pages_words() if placed else "not appended: the stored file is missing"
                rows.append([placed.label if placed else "—", document.file_name, _kind_of(document),
                             f"{document.size:,}", _hash_lines(document.sha256), where])
            headings = ["No.", "Document", "Type", "Bytes", "sha256", "In this pack"]
            pdf.ln(1)
            _table(pdf, headings, rows, _column_widths(pdf, headings, rows))
        else:
            pdf.paragraph("No document.")
        pdf.ln(5)
    return pdf


def _kind_of(document: PackDocument) -> str:
    return {PAGES: "PDF", IMAGE: "image"}.get(document.how, "Word (listed)")


def image_pages(items: Sequence[tuple[Placement, bytes]], frame: Frame) -> _Pages:
    """One page per image document: a caption naming it, then the image as large as the page allows."""
    pdf = _new(frame)
    for placement, data in items:
        document = placement.document
        pdf.add_page()
        pdf.set_font(FONT, "B", 8)
        pdf.multi_cell(0, LINE + 0.6, _text(f"{placement.label}: {document.file_name} of certificate "
                                            f"{document.cert_id}, sha256 {document.sha256}"),
                       new_x="LMARGIN", new_y="NEXT")
        top = pdf.y + 2
        pdf.image(io.BytesIO(data), x=MARGIN, y=top, w=pdf.epw, h=pdf.page_break_trigger - top - 2,
                  keep_aspect_ratio=True)
    return pdf


def manifest_pages(preview: PackPreview, facts: Facts, placements: Sequence[Placement], frame: Frame,
                   chain: tuple[int, str], pdf: _Pages | None = None) -> _Pages:
    """The manifest as people read it; the same facts are embedded as certline-manifest.json."""
    pdf = pdf if pdf is not None else _new(frame)
    pdf.add_page()
    pdf.heading("Manifest")
    _details(pdf, [("Pack contents hash", facts.contents_hash),
                   ("Audit trail position", f"entry {chain[0]:,}, hash {chain[1]}"),
                   ("Serials", f"{preview.quantity:,}"), ("Certificates", f"{len(preview.certificates):,}"),
                   ("Documents", f"{len(placements):,}")])
    pdf.ln(2)
    pdf.paragraph("Every document below is also embedded in this PDF as a file attachment, byte for byte as it was "
                  "uploaded: its sha256 can be checked with any tool (sha256sum) after saving it from the "
                  "attachments panel. The contents hash covers what the pack states (the serials, their routes and "
                  "certificates, the documents' hashes and their pages, the gaps, the references and the signer), "
                  "not the time it was signed.")
    pdf.ln(2)
    if placements:
        headings = ["No.", "Certificate", "Document", "Bytes", "sha256", "In this pack"]
        rows = [[p.label, p.document.cert_id, p.document.file_name, f"{p.document.size:,}",
                 _hash_lines(p.document.sha256), p.pages_words()] for p in placements]
        _table(pdf, headings, rows, _column_widths(pdf, headings, rows))
    return pdf



@dataclass
class Body:
    """Routes, certificates and manifest drawn in one document (one set of fonts to write, not three)."""

    pdf: _Pages
    routes: int
    certificates: int
    manifest: int


def body_pages(preview: PackPreview, facts: Facts, placements: Sequence[Placement], frame: Frame,
               appended: int, chain: tuple[int, str]) -> Body:
    """The pages after the certificate of conformance; the manifest's are numbered after the ``appended``
    pages of the documents, which the pack puts between the certificates and the manifest."""
    pdf = route_pages(preview, frame)
    routes = pdf.page_no()
    certificate_pages(preview, {p.document.id: p for p in placements}, frame, pdf)
    certificates = pdf.page_no() - routes
    pdf.skip, pdf.skip_after = appended, pdf.page_no()
    manifest_pages(preview, facts, placements, frame, chain, pdf)
    return Body(pdf, routes, certificates, pdf.page_no() - routes - certificates)
