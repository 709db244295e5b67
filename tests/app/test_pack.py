"""The certificate of conformance pack (app.pack): what it holds, how it is signed, refused, checked and kept.

One plant for the module (tests/helpers/pack.py): JOB-1, 20 serials through Saw, Mill and Inspect with a
material, a process and an inspection certificate, documented by PDFs (3 and 2 pages), JPEGs and a DOCX,
all approved; JOB-GAPS, one serial that passed Inspect without its inspection certificate and one still at
Saw. The pack of JOB-1 is made once and read by several tests.
"""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from app import audit
from app import db as app_db
from app.clock import iso_utc
from app.errors import Forbidden, Invalid
from app.models import AuditEntry
from app.pack import make_pack, read_pack
from app.pack.store import Pack
from app.pack.verify import verify_pack
from app.queries.packs import find_pack_of_file, list_packs
from tests.helpers.pack import (CERTIFICATES, GAPS_JOB, JOB, OPERATOR, OPERATOR_PIN, SUPERVISOR, SUPERVISOR_PIN,
                                build_pack_plant)
from tests.helpers.pdf import pdf_text

FIELDS = {"plant": "Werk Nord, Flange line", "customer": "Acme Aerospace", "order_ref": "PO-2024-0815"}


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    app_db.open_database(str(folder / "certline.sqlite3"))
    serial_ids = build_pack_plant(20)
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, folder / "job-1.pdf", job=JOB, **FIELDS)
    yield {"folder": folder, "serials": serial_ids, "made": made}
    app_db.close_database()


def appended_pages_expected() -> int:
    """Pages the documents bring, counted from the source files: a PDF's pages, one per image, none for a DOCX."""
    total = 0
    for _, _, files in CERTIFICATES:
        for name, data in files:
            if name.endswith(".pdf"):
                total += len(PdfReader(io.BytesIO(data)).pages)
            elif name.endswith(".jpg"):
                total += 1
    return total


def pack_rows() -> int:
    return Pack.select().count()


def pack_entries() -> int:
    return AuditEntry.select().where(AuditEntry.type == "pack_made").count()


def test_the_pack_lists_every_serial_certificate_and_document_page(plant):
    text = pdf_text(plant["made"].path)
    for serial_id in plant["serials"]:
        assert serial_id in text
    for cert_id, number in (("cert_mat01", "HT-4711"), ("cert_proc01", "HT-PROC-17"), ("cert_insp01", "IR-0001")):
        assert cert_id in text and number in text
    for phrase in ("Certificate of Conformance", "Werk Nord, Flange line", "Acme Aerospace", "PO-2024-0815",
                   "Sam Supervisor", "certified conforming", "No gaps", "Olga Operator",
                   "Mill test report HT-4711 - page 3 of 3", "Final inspection report IR-0001 - page 2 of 2",
                   "procedure.docx", plant["made"].contents_hash):
        assert phrase in text, phrase
    # Every serial's route: three steps each, each with its certificate.
    assert len(re.findall(r"SN-\d{5}\s+3\. Inspect\s+Passed\s+cert_insp01", text)) == 20


def test_its_pages_are_the_drawn_ones_and_the_documents_pages(plant):
    made = plant["made"]
    assert made.appended_pages == appended_pages_expected() == 7  # 3 + 2 PDF pages, 2 images, the DOCX listed
    assert len(PdfReader(made.path).pages) == made.pages == made.drawn_pages + made.appended_pages
    text = pdf_text(made.path)
    assert f"Page {made.pages} of {made.pages}" in text


def test_a_pack_verifies_on_its_own_and_against_its_database(plant):
    alone = verify_pack(plant["made"].path)
    assert alone.ok, alone.problems
    on_disk = hashlib.sha256(Path(plant["made"].path).read_bytes()).hexdigest()
    assert alone.file_sha256 == plant["made"].sha256 == on_disk
    both = verify_pack(plant["made"].path, db=True)
    assert both.ok, both.problems
    assert both.made["fileSha256"] == plant["made"].sha256
    assert any("Attachments: all 60" in line for line in both.checked)


def _flipped(path, marker: bytes, occurrence: int, target) -> None:
    data = bytearray(Path(path).read_bytes())
    at = -1
    for _ in range(occurrence + 1):
        at = data.index(marker, at + 1)
    data[at + len(marker) - 1] ^= 0x01  # the page's last digit: "3 of 3" becomes "3 of 2"
    target.write_bytes(bytes(data))


def test_one_byte_changed_in_an_appended_document_fails_naming_it(plant, tmp_path):
    marker = b"Mill test report HT-4711 - page 3 of 3"
    # The document is in the pack twice: its page merged (first in the file), embedded as uploaded (second).
    _flipped(plant["made"].path, marker, 1, tmp_path / "embedded.pdf")
    report = verify_pack(tmp_path / "embedded.pdf")
    assert not report.ok
    assert report.problems == [report.problems[0]] and report.problems[0].startswith(
        "Document D3, mill-test-report-HT4711.pdf of certificate “Mill test report 42CrMo4” (HT-4711) has changed")
    _flipped(plant["made"].path, marker, 0, tmp_path / "page.pdf")
    report = verify_pack(tmp_path / "page.pdf")
    assert not report.ok
    assert len(report.problems) == 1
    assert re.fullmatch(r"Page \d+ has changed: it is page 3 of document D3, mill-test-report-HT4711\.pdf of "
                        r"certificate “Mill test report 42CrMo4” \(HT-4711\)", report.problems[0])


def test_a_changed_manifest_or_a_file_made_elsewhere_fails(plant, tmp_path):
    data = Path(plant["made"].path).read_bytes()
    edited = data.replace(b'"customer":"Acme Aerospace"', b'"customer":"Acme Aerospacf"')
    assert edited != data
    (tmp_path / "manifest.pdf").write_bytes(edited)
    report = verify_pack(tmp_path / "manifest.pdf")
    assert not report.ok and report.problems[0].startswith("The manifest was changed after the pack was made")
    found = verify_pack(tmp_path / "manifest.pdf", db=True)
    assert any(p.startswith("This file is not one Certline made here") for p in found.problems)


def test_the_same_inputs_make_the_same_pack_but_for_the_signing_time(plant):
    first = plant["made"]
    second = make_pack(SUPERVISOR, SUPERVISOR_PIN, plant["folder"] / "again.pdf", job=JOB, **FIELDS)
    one, two = (Path(made.path).read_bytes() for made in (first, second))
    assert first.signed_at != second.signed_at and one != two
    assert first.contents_hash == second.contents_hash and first.sha256 != second.sha256
    # The time stands in the file as ASCII, in the signature and in the manifest: replaced, the files are equal.
    times = [iso_utc(made.signed_at).encode() for made in (first, second)]
    assert one.count(times[0]) == two.count(times[1]) == 2
    assert one.replace(times[0], b"TIME") == two.replace(times[1], b"TIME")


def test_making_a_pack_is_audited_and_listed(plant):
    made = plant["made"]
    entry = AuditEntry.get(AuditEntry.seq == made.audit_seq)
    assert (entry.type, entry.user_id, entry.job_id) == ("pack_made", SUPERVISOR, JOB)
    assert entry.details["serialIds"] == plant["serials"]
    assert entry.details["fileSha256"] == made.sha256
    assert entry.details["contentsHash"] == made.contents_hash
    assert entry.seq > made.chain_seq
    assert audit.verify().ok
    listed = {p.file_sha256: p for p in list_packs()}
    assert listed[made.sha256].customer == "Acme Aerospace" and listed[made.sha256].made_by_name == "Sam Supervisor"
    assert [p.id for p in find_pack_of_file(made.path)] == [made.pack_id]


def test_gaps_are_shown_and_refuse_a_pack_without_a_reason(plant, tmp_path):
    preview = read_pack(SUPERVISOR, job=GAPS_JOB)
    sentences = [gap.sentence for gap in preview.gaps]
    assert sentences == [
        "Flange machining, step 3 “Inspect”: no Inspection certificate attached for serial GS-00001",
        "Not completed: serial GS-00002 is still at Flange machining, step 1 of 3 “Saw”"]
    rows, entries = pack_rows(), pack_entries()
    with pytest.raises(Invalid) as refused:
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "gaps.pdf", job=GAPS_JOB, **FIELDS)
    assert all(sentence in refused.value.message for sentence in sentences)
    assert not (tmp_path / "gaps.pdf").exists() and (pack_rows(), pack_entries()) == (rows, entries)
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "gaps.pdf", job=GAPS_JOB,
                     reason="Inspection report IR-0002 follows with the next delivery", **FIELDS)
    text = " ".join(pdf_text(made.path, layout=False).split())
    assert "Gaps (2)" in text
    assert "Reason given by Sam Supervisor: Inspection report IR-0002 follows with the next delivery" in text
    for sentence in sentences:
        assert sentence in text
    assert AuditEntry.get(AuditEntry.seq == made.audit_seq).reason.startswith("Inspection report IR-0002")


def test_the_preview_names_what_is_wrong_with_a_certificate(plant):
    preview = read_pack(SUPERVISOR, serials=["SN-00001", "SN-00002", "SN-00001"])
    assert preview.serial_ids == ("SN-00001", "SN-00002") and preview.selection == "2 listed serials"
    assert [c.id for c in preview.certificates] == ["cert_insp01", "cert_mat01", "cert_proc01"]
    assert [(d.file_name, d.how) for d in preview.certificates[2].documents] == [
        ("furnace-chart.jpg", "image"), ("procedure.docx", "listed")]
    step = preview.serials[0].steps[0]
    assert (step.name, step.state, step.certificates[0].cert_id, step.certificates[0].attached_by_name) == (
        "Saw", "passed", "cert_mat01", "Olga Operator")
    assert preview.gaps == ()


def test_a_certificate_is_a_gap_for_expiry_only_where_it_was_attached_after_its_expiry_date(plant):
    """A gauge's calibration valid when it measured is evidence still; attached on its expiry date, it is not."""
    import dataclasses
    import datetime as dt

    from app.pack.gaps import find_gaps

    preview = read_pack(SUPERVISOR, serials=["SN-00001", "SN-00002"])
    used = min(c.attached_at for s in preview.serials for step in s.steps for c in step.certificates
               if c.cert_id == "cert_mat01").date()

    def expiring(on: dt.date):
        return dataclasses.replace(preview, certificates=tuple(
            dataclasses.replace(c, date_expire=on) if c.id == "cert_mat01" else c for c in preview.certificates))

    assert find_gaps(expiring(used + dt.timedelta(days=1))) == []  # expired since: no gap
    late = find_gaps(expiring(used))
    assert [(g.kind, g.serial_ids) for g in late] == [("expired", ("SN-00001", "SN-00002"))]
    assert late[0].sentence == (f"Certificate “Mill test report 42CrMo4” (HT-4711) had expired on "
                                f"{used.isoformat()} when it was attached to 2 serials: SN-00001 and SN-00002")


def test_an_operator_or_a_wrong_pin_makes_nothing(plant, tmp_path):
    rows, entries = pack_rows(), pack_entries()
    with pytest.raises(Forbidden, match="op1 \\(operator\\) may not make conformance packs"):
        make_pack(OPERATOR, OPERATOR_PIN, tmp_path / "op.pdf", job=JOB, **FIELDS)
    with pytest.raises(Forbidden, match="may not make conformance packs"):
        read_pack(OPERATOR, job=JOB)
    with pytest.raises(Forbidden, match="Wrong PIN: the pack was not made"):
        make_pack(SUPERVISOR, "999999", tmp_path / "wrong.pdf", job=JOB, **FIELDS)
    assert list(tmp_path.iterdir()) == []
    assert (pack_rows(), pack_entries()) == (rows, entries)


def test_required_fields_and_a_pack_never_changed(plant, tmp_path):
    with pytest.raises(Invalid, match="Customer order reference is required"):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "x.pdf", job=JOB, **(FIELDS | {"order_ref": "  "}))
    with pytest.raises(Exception, match="pack is append-only"):
        Pack.update(customer="Someone else").execute()
