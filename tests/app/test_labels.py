"""Serial labels: the PDF's codes read back (rendered by poppler, decoded by zxing-cpp), and printing audited."""
from __future__ import annotations

import json
import subprocess

import pytest
from pypdf import PdfReader

from app import integrity, label_layout, labels, routes, serials
from app.errors import Forbidden, Invalid, NotFound
from app.label_layout import Label, LabelSize
from app.models import AuditEntry, SerialNumber
from app.scan import read_scan
from tests.helpers.cli import imported, run  # noqa: F401 - imported is a fixture
from tests.helpers.labels import decode_pdf
from tests.helpers.terminal import cli_command


def printed_entries() -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.type == "labels_printed").order_by(AuditEntry.seq))


def test_twenty_serials_make_twenty_labels_whose_codes_read_back(plant, tmp_path):
    gtin, lot = "09506000134352", "H24-1187"
    routes.create_job({"id": "JOB-L", "name": "Flanges, labelled", "part": "FL-200", "path": "path_a", "quantity": 20,
                       "gtin": gtin, "lot": lot}, "sup1")
    batch = serials.create_serials("JOB-L", 20, "admin", prefix="FL-")
    target = tmp_path / "labels.pdf"
    order = labels.save_pdf(target, "sup1", job_id="JOB-L")
    assert list(order.serial_ids) == batch.serial_ids and order.reprints == ()
    assert len(PdfReader(target).pages) == 20
    decoded = decode_pdf(target, tmp_path / "pages")
    assert [d.code128 for d in decoded] == batch.serial_ids
    # The job's GTIN and lot with each serial, in a GS1 DataMatrix: FNC1 first (]d2), GS after the lot.
    assert [(d.gs1, d.symbology, d.datamatrix_hri, d.datamatrix) for d in decoded] == [
        (True, "]d2", f"(01){gtin}(10){lot}(21){s}", f"01{gtin}10{lot}\x1d21{s}") for s in batch.serial_ids]
    for d in decoded:
        assert d.page_mm == pytest.approx((50, 25), abs=0.2)
        # The station, scanning that DataMatrix (its AIM prefix and data as the scanner sends them), finds the serial.
        assert read_scan(d.symbology + d.datamatrix).code == d.code128
    entries = printed_entries()
    assert [e.serial_id for e in entries] == batch.serial_ids
    assert {(e.user_id, e.job_id, json.dumps(e.details, sort_keys=True)) for e in entries} == {
        ("sup1", "JOB-L", json.dumps({"count": 20, "output": "pdf", "reprint": False, "size": "50x25"},
                                     sort_keys=True))}
    assert integrity.verify(quick=True).ok


def test_a_job_without_gtin_or_lot_prints_ai_21_alone(plant, tmp_path):
    serials.create_serials("JOB-1", 2, "admin")
    pdf = tmp_path / "plain-job.pdf"
    labels.save_pdf(pdf, "admin", job_id="JOB-1")
    assert [(d.gs1, d.datamatrix_hri, d.code128) for d in decode_pdf(pdf, tmp_path / "pages")] == [
        (True, "(21)SN-00001", "SN-00001"), (True, "(21)SN-00002", "SN-00002")]


def test_gs1_datamatrix_carries_gtin_lot_and_serial(tmp_path):
    gtin13, lot = "9506000134352", "H4711-B"
    made = [Label(f"SN-{n:05d}", "JOB-24-0417", "FL-100", gtin13, lot) for n in (7, 8)]
    pdf = tmp_path / "gs1.pdf"
    pdf.write_bytes(label_layout.render_pdf([label_layout.layout(label) for label in made]))
    decoded = decode_pdf(pdf, tmp_path / "pages")
    for label, d in zip(made, decoded, strict=True):
        assert d.gs1 and d.symbology == "]d2"
        assert d.datamatrix_hri == f"(01)0{gtin13}(10){lot}(21){label.serial_id}"
        assert d.datamatrix == f"010{gtin13}10{lot}\x1d21{label.serial_id}"  # GS ends the variable-length lot
        scan = read_scan(d.symbology + d.datamatrix)
        assert scan.elements == (("01", "0" + gtin13), ("10", lot), ("21", label.serial_id))
        assert scan.code == label.serial_id and d.code128 == label.serial_id


def test_a_serial_gs1_cannot_carry_gets_a_plain_datamatrix_that_still_reads(tmp_path):
    odd = [Label("SN#0001", "J", "P"), Label("SN-" + "7" * 19, "J", "P")]  # '#' is not GS1's; 22 > 20 characters
    layouts = [label_layout.layout(label, LabelSize(80, 30)) for label in odd]
    assert [item.gs1 for item in layouts] == [False, False]
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(label_layout.render_pdf(layouts))
    decoded = decode_pdf(pdf, tmp_path / "pages")
    assert [(d.code128, d.datamatrix, d.gs1) for d in decoded] == [(label.serial_id, label.serial_id, False)
                                                                    for label in odd]
    assert [read_scan(d.symbology + d.datamatrix).code for d in decoded] == [label.serial_id for label in odd]


def test_every_bar_and_cell_is_at_least_a_quarter_millimetre(tmp_path):
    item = label_layout.layout(Label("SN-00001", "JOB-1", "FL-100", "9506000134352", "H4711"))
    bars, cells = item.module_mm
    assert bars >= label_layout.MIN_MODULE and cells >= label_layout.MIN_MODULE
    assert min(box.w for box in item.boxes) >= label_layout.MIN_MODULE - 1e-9
    assert all(0 <= box.x and box.x + box.w <= 50 and 0 <= box.y and box.y + box.h <= 25 for box in item.boxes)


def test_refusals_say_what_to_do():
    long_serial = Label("SN-JOB-24-0417-000001", "JOB-24-0417", "FL-100")
    with pytest.raises(Invalid, match=r"too long for a Code 128 on a label 50 mm wide: it needs \d+ mm .* wider"):
        label_layout.layout(long_serial)
    assert label_layout.layout(long_serial, LabelSize(80, 25)).module_mm[0] >= label_layout.MIN_MODULE
    with pytest.raises(Invalid, match=r"Job JOB-9's GTIN or lot cannot go on a GS1 label .*check digit"):
        label_layout.layout(Label("SN-1", "JOB-9", "P", gtin="9506000134353"))
    with pytest.raises(Invalid, match="Label size must be width x height in millimetres, such as 50x25"):
        label_layout.parse_size("fifty by 25")
    with pytest.raises(Invalid, match="outside that"):
        label_layout.parse_size("500x25")
    assert label_layout.parse_size(" 62 x 29 mm") == LabelSize(62, 29)


def test_reprints_are_named_and_audited(plant, tmp_path):
    serials.create_serials("JOB-1", 5, "admin")
    first = labels.print_order("sup1", serial_ids=["SN-00001", "SN-00002"])
    assert first.reprints == () and first.output == "printer" and len(first.layouts) == 2
    again = labels.save_pdf(tmp_path / "again.pdf", "admin", LabelSize(60, 30),
                            serial_ids=["SN-00002", "SN-00003", "SN-00002"])  # a serial listed twice prints once
    assert again.serial_ids == ("SN-00002", "SN-00003") and again.reprints == ("SN-00002",)
    rows = [(e.serial_id, e.user_id, e.details["reprint"], e.details["count"], e.details["output"], e.details["size"])
            for e in printed_entries()]
    assert rows == [("SN-00001", "sup1", False, 2, "printer", "50x25"),
                    ("SN-00002", "sup1", False, 2, "printer", "50x25"),
                    ("SN-00002", "admin", True, 2, "pdf", "60x30"),
                    ("SN-00003", "admin", False, 2, "pdf", "60x30")]
    assert integrity.verify(quick=True).ok


def test_a_job_leaves_out_scrapped_serials(plant):
    serials.create_serials("JOB-1", 3, "admin")
    serials.scrap_serial("SN-00002", "sup1", reason="cracked")
    order = labels.print_order("sup1", job_id="JOB-1")
    assert order.serial_ids == ("SN-00001", "SN-00003") and order.skipped == 1


def test_nothing_is_recorded_or_written_when_printing_is_refused(plant, tmp_path):
    serials.create_serials("JOB-1", 2, "admin")
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "refused.pdf"
    with pytest.raises(Forbidden, match=r"op1 \(operator\) may not print labels"):
        labels.save_pdf(target, "op1", job_id="JOB-1")
    with pytest.raises(NotFound, match="Serials not found: SN-404, SN-405"):
        labels.save_pdf(target, "sup1", serial_ids=["SN-00001", "SN-404", "SN-405"])
    with pytest.raises(NotFound, match="Job not found: JOB-404"):
        labels.print_order("sup1", job_id="JOB-404")
    with pytest.raises(Invalid, match="Cannot write"):
        labels.save_pdf(folder / "no-such-folder" / "labels.pdf", "sup1", job_id="JOB-1")
    SerialNumber.update(id="SN-WITH-A-VERY-LONG-NUMBER-0001").where(SerialNumber.id == "SN-00002").execute()
    with pytest.raises(Invalid, match="choose a wider label"):
        labels.save_pdf(target, "sup1", job_id="JOB-1")
    assert printed_entries() == [] and list(folder.iterdir()) == []


def test_cli_labels_from_a_file_and_with_json(capsys, imported, tmp_path):
    listed = tmp_path / "serials.txt"
    listed.write_text("SN-00001\n\nSN-00002\n")
    out = tmp_path / "cli.pdf"
    code, text, err = run(capsys, imported, "labels", "--from-file", str(listed), "--out", str(out), "--user", "sup1")
    assert (code, err) == (0, "")
    assert text == f"Printed 2 labels (50x25 mm) to {out}\n"
    assert [d.code128 for d in decode_pdf(out, tmp_path / "pages")] == ["SN-00001", "SN-00002"]
    code, text, err = run(capsys, imported, "labels", "--serials", "SN-00002", "SN-00003", "--size", "62x29",
                          "--out", str(out), "--user", "sup1", "--json")
    assert (code, err) == (0, "")
    assert json.loads(text) == {"count": 2, "serialIds": ["SN-00002", "SN-00003"], "reprints": ["SN-00002"],
                                "size": "62x29", "output": "pdf", "skippedScrapped": 0, "out": str(out)}
    code, text, err = run(capsys, imported, "labels", "--job", "JOB-1", "--out", str(out), "--user", "op1")
    assert (code, text, err) == (3, "", "certline-cli: User op1 (operator) may not print labels\n")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_labels_pdf_on_standard_output_is_the_whole_file(imported, tmp_path):
    # The installed command in its own process: standard output carries the PDF's bytes and nothing else.
    done = subprocess.run([cli_command(), "labels", "--serials", "SN-00004", "--out", "-", "--user", "sup1",
                           "--db", imported], capture_output=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.startswith(b"%PDF-") and done.stdout.rstrip().endswith(b"%%EOF")
    pdf = tmp_path / "stdout.pdf"
    pdf.write_bytes(done.stdout)
    assert [d.code128 for d in decode_pdf(pdf, tmp_path / "pages")] == ["SN-00004"]


def test_cli_refusal_is_one_sentence(capsys, imported, tmp_path):
    code, out, err = run(capsys, imported, "labels", "--job", "JOB-1", "--size", "50 by 25", "--out",
                         str(tmp_path / "x.pdf"), "--user", "sup1")
    assert (code, out) == (3, "")
    assert err == "certline-cli: Label size must be width x height in millimetres, such as 50x25: '50 by 25'\n"
