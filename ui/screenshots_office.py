"""Screenshots of the supervisor's views on the demo plant, from the real window.

    python -m ui.screenshots_office resources/screenshots/            # 1280x800

Builds the demo plant (app/demo.py) in a throwaway SQLite file, signs a supervisor in
with badge and PIN through the scan field, fills each office view as a person would and
saves ``QWidget.grab()`` of the window as ``office_*.png``.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from ui.screenshots import demo_station, scan, settle, wait_for  # noqa: E402


def pick_examples() -> dict[str, str]:
    """The material certificate attached most often (given a scanned page, approved by a supervisor,
    as a real one would be), a job and a kind some of its serials lack, a serial that certificate reached."""
    from app import certificates, documents, reports, routes
    from ui.screenshots import _document_image

    material = [c for c in certificates.list_certificates() if c.kind == "MATERIAL"]
    cert = max(material, key=lambda c: reports.count_attachments(reports.AttachmentQuery(c.id)))
    first = reports.attachment_page(reports.AttachmentQuery(cert.id), limit=1).rows[0]
    documents.add_document_bytes(cert.id, _document_image(), f"{cert.number or cert.id}.png", "sup1")
    documents.approve_certificate(cert.id, "sup1", "111111")

    def lacking(job_id: str, kind: str) -> int:
        count = reports.coverage_count(reports.CoverageSpec(job_id=job_id, kind=kind))
        missing = count.total - count.covered
        return missing if missing < count.total else 0  # some lacking, not all: a telling picture

    job, kind = max(((j.id, k) for j in routes.list_jobs() for k in ("MATERIAL", "PROCESS", "INSPECTION")),
                    key=lambda pair: lacking(*pair))
    return {"cert": cert.number or cert.id, "cert_id": cert.id, "job": job, "kind": kind, "serial": first.serial_id,
            "documented": _documented_certificate(cert.id)}


def _documented_certificate(cert_id: str) -> str:
    """``cert_id`` with a scanned report, approved by Sara Lindqvist: the Certificates shot's example."""
    from app import documents
    from app.report_pdf import Report, render

    scan, _pages = render(Report("Mill test report", [("Certificate", cert_id)], [("a", "Element")],
                                 [{"a": "C 0.42"}], "the mill", "2026-11-23"))
    documents.add_document_bytes(cert_id, scan, f"{cert_id} mill test report.pdf", "sup1")
    documents.approve_certificate(cert_id, "sup1", "111111")
    return cert_id


def main(argv: list[str] | None = None) -> int:
    from ui.office.attachments import AttachmentsView
    from ui.office.audit_trail import AuditView
    from ui.office.certificates import CertificatesView
    from ui.office.coverage import CoverageView
    from ui.office.serial import SerialView

    with demo_station("python -m ui.screenshots_office", argv, pick_examples) as (window, examples, out, app):
        scan(window, "B-SUP1", window.pin_requested)
        QTest.keyClicks(window.pin_field, "111111")
        QTest.keyClick(window.pin_field, Qt.Key.Key_Return)
        wait_for(window.signed_in)
        settle()

        def tab(cls):
            view = next(window.tabs.widget(i) for i in range(window.tabs.count())
                        if isinstance(window.tabs.widget(i), cls))
            window.tabs.setCurrentWidget(view)
            return view

        def shot(name: str) -> None:
            settle(300)
            path = out / f"office_{name}.png"
            window.grab().save(str(path))
            print(path)

        view = tab(AttachmentsView)
        view.cert_field.setText(examples["cert"])
        QTest.keyClick(view.cert_field, Qt.Key.Key_Return)
        wait_for(view.listed)
        shot("attachments")

        serial = tab(SerialView)
        serial.show_serial(examples["serial"])
        wait_for(serial.serial_loaded)
        shot("serial")

        coverage = tab(CoverageView)
        settle()
        coverage.job.setCurrentIndex(max(0, coverage.job.findData(examples["job"])))
        coverage.kind.setCurrentIndex(coverage.kind.findData(examples["kind"]))
        coverage.check()
        wait_for(coverage.checked)
        shot("coverage")

        register = tab(CertificatesView)
        register.search.setText(examples["documented"])
        wait_for(register.detail.shown)
        shot("certificates")

        trail = tab(AuditView)
        wait_for(trail.verified)
        shot("audit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
