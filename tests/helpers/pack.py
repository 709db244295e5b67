"""A plant for conformance packs: a job whose serials went the whole route with material, process and
inspection certificates behind them, each certificate documented (PDF pages, a JPEG, a DOCX) and approved.

Built through the app's own functions on top of tests/helpers/plant.py's plant, once per test module.
"""
from __future__ import annotations

import io

from fpdf import FPDF
from PIL import Image

from app import attachments, certificates, documents, routes, serials
from tests.helpers import documents_corpus as corpus
from tests.helpers.plant import build_plant

SUPERVISOR, SUPERVISOR_PIN = "sup1", "432100"
OPERATOR, OPERATOR_PIN = "op1", "1234"
JOB = "JOB-1"
GAPS_JOB = "JOB-GAPS"


def pdf_document(title: str, pages: int) -> bytes:
    """A PDF of ``pages`` pages, each saying ``title`` and its page number in text pdftotext reads back.

    Written uncompressed, so a test finds a page's own text in the pack's bytes and can change one of them.
    """
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.set_font("helvetica", size=14)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 10, f"{title} - page {number} of {pages}")
    return bytes(pdf.output())


def jpeg_document(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 90, 200 - shade)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


CERTIFICATES = (
    # id, fields, documents (name, bytes)
    ("cert_mat01", None, [("mill-test-report-HT4711.pdf", pdf_document("Mill test report HT-4711", 3))]),
    ("cert_proc01", {"name": "Heat treatment Q+T", "kind": "PROCESS", "number": "HT-PROC-17"},
     [("furnace-chart.jpg", jpeg_document(40)), ("procedure.docx", corpus.docx())]),
    ("cert_insp01", None, [("inspection-IR0001.pdf", pdf_document("Final inspection report IR-0001", 2)),
                           ("cmm-photo.jpg", jpeg_document(160))]),
)


def _document(cert_id: str, fields: dict | None, files: list[tuple[str, bytes]]) -> None:
    if fields:
        certificates.create_certificate({"id": cert_id, **fields}, "admin")
    for name, data in files:
        documents.add_document_bytes(cert_id, data, name, SUPERVISOR)
    documents.approve_certificate(cert_id, SUPERVISOR, SUPERVISOR_PIN)


def _through_route(serial_ids: list[str], by_step: list[list[str]], override: str | None = None) -> None:
    """Attach each step's certificates to every serial and move it on; the last step completes it."""
    for index, cert_ids in enumerate(by_step):
        for serial_id in serial_ids:
            for cert_id in cert_ids:
                attachments.attach(serial_id, cert_id, OPERATOR)
            if index < 2:
                serials.advance_serial(serial_id, OPERATOR)
            else:
                serials.complete_serial(serial_id, SUPERVISOR if override else OPERATOR, override)


def build_pack_plant(count: int = 20) -> list[str]:
    """The plant, documented and approved certificates, ``count`` completed serials of JOB-1 (every required
    certificate attached) and JOB-GAPS: one serial that passed Inspect without its inspection certificate
    and one still at Saw. Returns JOB-1's serial ids."""
    build_plant()
    for cert_id, fields, files in CERTIFICATES:
        _document(cert_id, fields, files)
    made = serials.create_serials(JOB, count, SUPERVISOR).serial_ids
    _through_route(made, [["cert_mat01"], ["cert_proc01"], ["cert_insp01"]])
    routes.create_job({"id": GAPS_JOB, "name": "Flanges, short of evidence", "part": "FL-200", "path": "path_a",
                       "quantity": 10}, "admin")
    short = serials.create_serials(GAPS_JOB, 2, SUPERVISOR, prefix="GS-").serial_ids
    _through_route(short[:1], [["cert_mat01"], [], []], override="Inspection report to follow")
    return made
