"""Screenshots of every office view on the demo plant, from the real window, as a supervisor has them.

    python -m ui.screenshots_office resources/screenshots/                 # 1280x800 and 1920x1080
    python -m ui.screenshots_office /tmp/shots --size 1024x768

Builds the demo plant (app/demo.py) in a throwaway SQLite file, signs a supervisor in with
badge and PIN through the scan field, puts in each view what a person would (a certificate
chosen, its attachments listed, a serial shown, a batch's coverage checked, the audit trail
verified), then signs the administrator in for Settings, and saves the window of each as
``office_<view>_<width>x<height>.png``. ``fill_view`` is also how tests/ui/test_office_fits.py
fills the views it measures, so the pictures and the fit test show the same screens.
"""
from __future__ import annotations

import os
import sys
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget  # noqa: E402

from ui.screenshots import parse_arguments, save_png, scan, settle, station_on_demo, wait_for  # noqa: E402

SIZES = ("1280x800", "1920x1080")
SHOWN = ("certificates", "attachments", "serial", "coverage", "needs_supervisor", "audit")  # the supervisor's views the README shows
SUPERVISOR = ("B-SUP1", "111111")
ADMIN = ("B-ADM", "000000")


def pick_examples() -> dict[str, str]:
    """The material certificate attached most often (with a scanned report a supervisor approved, as a
    real one would have), a job and a kind some of its serials lack, a serial that certificate reached."""
    from app import certificates, reports, routes

    material = [c for c in certificates.list_certificates() if c.kind == "MATERIAL"]
    cert = max(material, key=lambda c: reports.count_attachments(reports.AttachmentQuery(c.id)))
    first = reports.attachment_page(reports.AttachmentQuery(cert.id), limit=1).rows[0]

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

    scan_of_report, _pages = render(Report("Mill test report", [("Certificate", cert_id)], [("a", "Element")],
                                           [{"a": "C 0.42"}], "the mill", "2026-11-23"))
    documents.add_document_bytes(cert_id, scan_of_report, f"{cert_id} mill test report.pdf", "sup1")
    documents.approve_certificate(cert_id, "sup1", "111111")
    return cert_id


# --- what a person has in each view ------------------------------------------------------------------------

def idle(window, rounds: int = 3) -> None:
    """Until the database worker has answered everything asked and the answers are laid out (an answer
    may ask again: the next page, a detail)."""
    for _ in range(rounds):
        for _ in range(400):
            if window.database.pending == 0:
                break
            settle(25)
        settle(60)


def _certificates(window, view, examples) -> None:
    table = view.findChild(QTableView, "certificateTable") or view.findChildren(QTableView)[0]
    for _ in range(400):
        if table.model().rowCount() and view.select_id(examples["documented"]):
            break
        settle(25)
    else:
        raise TimeoutError(f"{examples['documented']} never appeared in the certificate list")
    history = getattr(getattr(view, "detail", None), "history_loaded", None)
    if history is not None:
        wait_for(history)


def _attachments(window, view, examples) -> None:
    view.cert_field.setText(examples["cert"])
    QTest.keyClick(view.cert_field, Qt.Key.Key_Return)
    wait_for(view.listed)


def _serial(window, view, examples) -> None:
    view.show_serial(examples["serial"])
    wait_for(view.serial_loaded)


def _coverage(window, view, examples) -> None:
    idle(window)  # the list of jobs
    view.job.setCurrentIndex(max(0, view.job.findData(examples["job"])))
    if hasattr(view, "by_kind"):
        view.by_kind.setChecked(True)
    view.kind.setCurrentIndex(max(0, view.kind.findData(examples["kind"])))
    view.check()
    wait_for(view.checked)


def _routes(window, view, examples) -> None:
    """The demo's first route chosen (the view chooses it when its list comes), its steps listed."""
    for _ in range(400):
        if view.detail is not None:
            break
        settle(25)


def _users(window, view, examples) -> None:
    """Sara Lindqvist chosen, so every action of the row shows."""
    for _ in range(400):
        if view.select_user("sup1"):
            break
        settle(25)


def _other_system_examples(cert_id: str) -> None:
    """A token for the MES, an old one revoked, and two webhooks: the ERP's receiver down (one change
    tried and waiting to be tried again), the MES's paused. Once per plant."""
    from app import certificates, tokens, webhooks

    if tokens.list_tokens():
        return
    tokens.create_token("sup1", "MES line 3", "admin", 365, ("read", "attach"))
    old, _secret = tokens.create_token("admin", "ERP import (old server)", "admin", None, ("read", "certificates"))
    tokens.revoke_token(old.id, "admin")
    webhooks.add_subscription("http://127.0.0.1:9/hooks/certline", "admin")  # nothing listens on port 9
    mes, _secret = webhooks.add_subscription("https://mes.plant.local/certline", "admin", ["CERTIFICATE::ATTACH"])
    webhooks.set_active(mes.id, False, "admin")
    certificates.update_certificate(cert_id, {"note": "Corrected heat number from the mill"}, "admin",
                                    "The mill sent a corrected report")
    webhooks.deliver_once(webhooks.Settings(timeout=2))


def _other_systems(window, view, examples) -> None:
    """The examples above made, the ERP's webhook chosen with its failed try in the log."""
    window.database.submit(_other_system_examples, examples["cert_id"], owner=view,
                           on_done=lambda _: (view.reload_tokens(), view.reload_webhooks()))
    idle(window)
    for _ in range(400):
        if view.log:
            break
        settle(25)


def _nothing(window, view, examples) -> None:
    """The audit trail lists and verifies itself when first shown, as Needs a supervisor lists what waits;
    Settings reads the plant's rules when built."""


# Each view by what it offers (its module and class may move; its part in the office does not), with its
# name in the screenshots' file names, in the order the README shows them.
VIEWS: tuple[tuple[str, Callable[[QWidget], bool], Callable], ...] = (
    ("certificates", lambda v: hasattr(v, "select_id"), _certificates),
    ("attachments", lambda v: hasattr(v, "cert_field") and hasattr(v, "listed"), _attachments),
    ("serial", lambda v: hasattr(v, "show_serial"), _serial),
    ("coverage", lambda v: hasattr(v, "check") and hasattr(v, "checked") and hasattr(v, "job"), _coverage),
    ("needs_supervisor", lambda v: hasattr(v, "dismiss_button") and hasattr(v, "resolved"), _nothing),
    ("audit", lambda v: hasattr(v, "verified"), _nothing),
    ("settings", lambda v: hasattr(v, "plant_policy_changed"), _nothing),
    ("routes", lambda v: hasattr(v, "select_route"), _routes),
    ("users", lambda v: hasattr(v, "select_user"), _users),
    ("other_systems", lambda v: hasattr(v, "secret_shown"), _other_systems),
    ("jobs", lambda v: hasattr(v, "select_job"), lambda *a: _jobs_module().fill_jobs(*a)),
    ("serials", lambda v: hasattr(v, "batch_done"), lambda *a: _jobs_module().fill_serials(*a)),
    ("packs", lambda v: hasattr(v, "pack_checked"), lambda *a: _pack_module().fill_packs(*a)),
)


def _pack_module():
    from ui.office import screenshots_pack  # the Packs view is filled where its shots are made

    return screenshots_pack


def _jobs_module():
    from ui.office import screenshots_jobs  # the Jobs and Serials views are filled where their shots are made

    return screenshots_jobs


def kind_of(view: QWidget) -> str | None:
    return next((name for name, matches, _fill in VIEWS if matches(view)), None)


def fill_view(window, view: QWidget, examples: dict[str, str]) -> str | None:
    """Put in ``view`` (the tab in front) what a person would have in it; its name. A view nobody taught
    this module is taken as a list that loads itself, and its first row is chosen: "view", or None when
    it showed nothing to choose."""
    idle(window)
    for name, matches, fill in VIEWS:
        if matches(view):
            fill(window, view, examples)
            idle(window)
            return name
    for table in view.findChildren(QAbstractItemView):
        model = table.model()
        if table.isVisible() and model is not None and model.rowCount() > 0:
            table.setCurrentIndex(model.index(0, 0))
            idle(window)
            return "view"
    return None


def sign_in(window, badge: str, pin: str) -> None:
    scan(window, badge, window.pin_requested)
    QTest.keyClicks(window.pin_field, pin)
    QTest.keyClick(window.pin_field, Qt.Key.Key_Return)
    wait_for(window.signed_in)
    settle()


def office_tabs(window) -> list[tuple[str, QWidget]]:
    """The office's views (title, view), after the station's own, those inside a group's tab too."""
    return window.office_views()


def main(argv: list[str] | None = None) -> int:
    out, sizes = parse_arguments("python -m ui.screenshots_office", argv, SIZES)
    for width, height in sizes:
        with station_on_demo((width, height), pick_examples) as (window, examples):
            def shot(name: str) -> None:
                settle(300)
                path = out / f"office_{name}_{width}x{height}.png"
                save_png(window.grab().toImage(), path)
                print(path)

            sign_in(window, *SUPERVISOR)
            for _title, view in office_tabs(window):
                window.show_office_view(view)
                name = fill_view(window, view, examples)
                if name in SHOWN:  # the others have pictures of their own (setup_*.png)
                    shot(name)
            window.tabs.setCurrentIndex(0)
            sign_in(window, *ADMIN)  # a badge scanned at the station switches the user
            for _title, view in office_tabs(window):
                if kind_of(view) in ("settings", "other_systems"):
                    window.show_office_view(view)
                    shot(fill_view(window, view, examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
