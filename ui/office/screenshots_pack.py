"""Screenshots of conformance packs on the demo plant, as a supervisor makes them:

    python -m ui.office.screenshots_pack resources/screenshots/            # 1280x800
    python -m ui.office.screenshots_pack /tmp/shots --size 1024x768

Signs the supervisor in with badge and PIN; in the Packs tab, makes a pack of a shipment (a job's
completed serials whose evidence is whole, their certificates given a supplier's document each and
approved, as a real plant's would be) and checks its file with "Is this the pack we sent?"; saves the
list (``pack_list_<size>.png``), then the pack dialog with the gaps of a whole job, half of it still in
work (``pack_dialog_<size>.png``), and the made pack's first three pages (``pack_page-1.png`` …, with
pdftoppm at 60 dpi). ``fill_packs`` is also how ui/screenshots_office.py fills the Packs view.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QWidget  # noqa: E402

from ui.screenshots import parse_arguments, save_png, settle, station_on_demo, wait_for  # noqa: E402
from ui.screenshots_office import SUPERVISOR, idle, kind_of, office_tabs, pick_examples, sign_in  # noqa: E402

SIZES = ("1280x800",)
FIELDS = {"plant": "Certline Works, Line 3, Gothenburg", "customer": "Nordic Pumps AB",
          "order_ref": "PO-2026-4711"}
REASON = "Open inspections are released under concession C-118, agreed with the customer"


def supplier_document(title: str, issuer: str, number: str, lines: list[tuple[str, str]]) -> bytes:
    """A one-page document such as a supplier sends with a certificate: its letterhead, number, fields and
    signature. The pack appends it as it is."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_fill_color(230, 236, 244)
    pdf.rect(0, 0, 210, 28, "F")
    pdf.set_font("helvetica", "B", 16)
    pdf.set_xy(15, 9)
    pdf.cell(0, 10, issuer)
    pdf.set_font("helvetica", "B", 14)
    pdf.set_xy(15, 40)
    pdf.cell(0, 10, title)
    pdf.set_font("helvetica", "", 11)
    pdf.set_xy(15, 50)
    pdf.cell(0, 8, f"No. {number}")
    y = 66
    for label, value in lines:
        pdf.set_xy(15, y)
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(55, 8, label)
        pdf.set_font("helvetica", "", 11)
        pdf.cell(0, 8, value)
        y += 9
    pdf.line(15, y + 30, 85, y + 30)
    pdf.set_xy(15, y + 32)
    pdf.set_font("helvetica", "I", 9)
    pdf.cell(0, 6, f"Signed for {issuer}")
    return bytes(pdf.output())


def _shipment(job_id: str) -> list[str]:
    """The job's completed serials no gap concerns: what ships today."""
    from app.pack import read_pack

    preview = read_pack("sup1", job_id)
    short = {serial for gap in preview.gaps if gap.kind in ("missing", "not_completed", "scrapped")
             for serial in gap.serial_ids}
    return [s.serial_id for s in preview.serials if s.status == "completed" and s.serial_id not in short]


def _document(serial_ids: list[str]) -> None:
    """Each certificate behind the shipment gets its supplier's document and a supervisor's approval."""
    from app import documents
    from app.pack import read_pack

    for cert in read_pack("sup1", serials=serial_ids).certificates:
        if cert.documents or cert.status == "revoked":
            continue
        lines = [("Certificate", cert.name), ("Kind", cert.kind.title())]
        lines += [("EN 10204 type", cert.en10204_type)] if cert.en10204_type else []
        lines += [("Heat / lot", cert.heat_lot)] if cert.heat_lot else []
        lines += [("Issued", cert.date_release.isoformat())] if cert.date_release else []
        data = supplier_document(cert.name, "Supplier of " + cert.kind.lower(), cert.number or cert.id, lines)
        documents.add_document_bytes(cert.id, data, f"{cert.number or cert.id}.pdf", "sup1")
        documents.approve_certificate(cert.id, "sup1", SUPERVISOR[1])


def make_demo_pack(job_id: str, folder: str):
    """The pack of ``job_id``'s shipment, documented, signed by Sara Lindqvist, written in ``folder``; the
    pack made (app.pack.PackResult). With a reason only if gaps remain (an expired certificate, say)."""
    from app.pack import make_pack, read_pack

    serial_ids = _shipment(job_id)
    _document(serial_ids)
    gaps = read_pack("sup1", serials=serial_ids).gaps
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = Path(folder) / f"Conformance pack {FIELDS['customer']} {FIELDS['order_ref']}.pdf"
    return make_pack("sup1", SUPERVISOR[1], out, serials=serial_ids, **FIELDS, reason=REASON if gaps else None)


def _pack_folder() -> str:
    from app.db import data_dir

    return str(data_dir() / "packs")


def fill_packs(window, view, examples) -> None:
    """A pack made (once per plant) and its file checked: the list shows it, the notice says whose it is."""
    made: list = []

    def make_once():
        from app.queries.packs import list_packs

        return None if list_packs(1) else make_demo_pack(examples["job"], _pack_folder())

    window.database.submit(make_once, owner=view, on_done=made.append, on_failed=made.append)
    for _ in range(800):
        if made:
            break
        settle(25)
    view.refresh()
    idle(window)
    files = sorted(Path(_pack_folder()).glob("*.pdf"))
    if files:
        view.check_file(str(files[0]))
        wait_for(view.pack_checked)


def _dialog(window, view, examples) -> QWidget:
    """The dialog on the job whose pack has the most to say: serials still in work, steps without a kind."""
    view.make()
    dialog = view.dialog
    wait_for(dialog.choices_loaded)
    dialog.job.setCurrentIndex(max(0, dialog.job.findData(examples["job"])))
    dialog.show_contents()
    wait_for(dialog.previewed)
    for field, value in FIELDS.items():
        getattr(dialog, field).setText(value)
    dialog.resize(1000, 720)  # as it opens on a 1024x768 screen
    dialog.pin.setFocus()
    idle(window)
    return dialog


def main(argv: list[str] | None = None) -> int:
    out, sizes = parse_arguments("python -m ui.office.screenshots_pack", argv, SIZES)
    for width, height in sizes:
        with station_on_demo((width, height), pick_examples) as (window, examples):
            def shot(name: str, widget: QWidget | None = None) -> None:
                settle(300)
                path = out / f"{name}_{width}x{height}.png"
                save_png((widget or window).grab().toImage(), path)
                print(path)

            sign_in(window, *SUPERVISOR)
            view = next(v for _title, v in office_tabs(window) if kind_of(v) == "packs")
            window.show_office_view(view)
            fill_packs(window, view, examples)
            shot("pack_list")
            dialog = _dialog(window, view, examples)
            shot("pack_dialog", dialog)
            dialog.reject()
            made = sorted(Path(_pack_folder()).glob("*.pdf"))[0]
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(made),
                                str(out / "pack_page")], check=True)
                print(*sorted(out.glob("pack_page-*.png")), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
