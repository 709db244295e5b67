"""What a conformance pack's checks catch, and how making one behaves when things go wrong.

On its own (no database): a drawn page changed with only its fingerprint replaced, a signing time moved
by a plain byte edit (earlier, later, or only where it is printed), attributes put on the page tree that
every page inherits, an embedded file added or taken out, an action added to the catalogue, and crafted
manifests, which give a report, never a traceback; the report says what the check cannot prove. Making:
a destination that cannot be replaced, a rename that fails after the pack was signed, a pack drawn while
the records of its serials change (read again; given up after three tries) or while others' do (kept),
a preview that is no longer what the pack would hold, and each kind of certificate gap.

One plant for the module (tests/helpers/pack.py, 3 serials of JOB-1) and one pack of it; the tests that
change the plant come after those that only read the pack.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject

import app.pack.make as making
from app import attachments, audit, certificates, documents, routes, serials
from app import db as app_db
from app.clock import iso_utc
from app.errors import Invalid
from app.models import AuditEntry
from app.pack import make_pack, read_pack
from app.pack.make import CHANGED_SINCE_SHOWN
from app.pack.manifest import MANIFEST_NAME, canonical, contents_hash, manifest_hash, page_digest
from app.pack.store import Pack
from app.pack.verify import ALONE_PROVES, verify_pack
from tests.helpers.pack import GAPS_JOB, JOB, OPERATOR, SUPERVISOR, SUPERVISOR_PIN, build_pack_plant, pdf_document

FIELDS = {"plant": "Werk Nord", "customer": "Acme Aerospace", "order_ref": "PO-9"}


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack-checks")
    app_db.open_database(str(folder / "certline.sqlite3"))
    build_pack_plant(3)
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, folder / "pack.pdf", job=JOB, **FIELDS)
    yield {"folder": folder, "made": made, "data": Path(made.path).read_bytes()}
    app_db.close_database()


def _manifest(path) -> dict:
    return json.loads(PdfReader(path).attachments[MANIFEST_NAME][0])


def _embedded(writer: PdfWriter) -> ArrayObject:
    return writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]  # noqa: SLF001 - the tree the pack writes


def _put_manifest(writer: PdfWriter, manifest: dict) -> None:
    """The manifest's bytes replaced where they are, as a byte-level edit of the uncompressed file would."""
    names = _embedded(writer)
    for index in range(0, len(names), 2):
        if names[index] == MANIFEST_NAME:
            names[index + 1].get_object()["/EF"]["/F"].get_object().set_data(canonical(manifest))


def _problems(path, **kwargs) -> list[str]:
    report = verify_pack(path, **kwargs)
    assert not report.ok
    return report.problems


# --- checked on its own ---------------------------------------------------------------------------------------


def test_a_pack_alone_says_what_its_check_cannot_prove(plant):
    alone = verify_pack(plant["made"].path)
    assert alone.ok and alone.note == ALONE_PROVES and "not that the plant made it" in alone.note
    assert any(line.startswith("Signing time: ") for line in alone.checked)
    assert verify_pack(plant["made"].path, db=True).note == ""


def test_a_drawn_page_changed_with_only_its_fingerprint_replaced_fails(plant, tmp_path):
    manifest = _manifest(plant["made"].path)
    writer = PdfWriter(clone_from=plant["made"].path)
    page = writer.pages[0]
    cover = DecodedStreamObject()
    cover.set_data(b"q 1 1 1 rg 0 520 595 200 re f Q")  # a white box over the customer and the order
    page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), writer._add_object(cover)])  # noqa: SLF001
    manifest["pages"]["digests"][0] = page_digest(page, manifest["signature"]["signedAt"].encode())
    _put_manifest(writer, manifest)
    writer.write(tmp_path / "covered.pdf")
    problems = _problems(tmp_path / "covered.pdf")
    assert len(problems) == 1 and problems[0].startswith("The manifest was changed after the pack was made: what "
                                                         "it states hashes to")
    # Its contents hash alone would not have seen it: drawn pages print it, so it leaves them out.
    assert contents_hash(manifest) == manifest["contentsHash"] and manifest_hash(manifest) != manifest["manifestHash"]


def _retimed(plant, tmp_path, name: str, year: str, count: int = -1) -> Path:
    old = iso_utc(plant["made"].signed_at).encode()
    new = year.encode() + old[4:]
    path = tmp_path / name
    path.write_bytes(plant["data"].replace(old, new, count))
    return path


def test_a_signing_time_moved_by_a_byte_edit_fails(plant, tmp_path):
    old = iso_utc(plant["made"].signed_at)
    assert plant["data"].count(old.encode()) == 2  # printed on page 1, and in the manifest
    earlier = _problems(_retimed(plant, tmp_path, "earlier.pdf", "2019"))
    assert len(earlier) == 1 and re.fullmatch(r"The signing time 2019-\S+ is earlier than an? (attachment|upload|"
                                              r"approval) at \S+ the pack records: the signing time was changed",
                                              earlier[0]), earlier
    later = _problems(_retimed(plant, tmp_path, "later.pdf", str(plant["made"].signed_at.year + 5)))
    assert len(later) == 1 and later[0].startswith("The signing time ") and \
        f"is not on the day the pack judged expiry on ({dt.date.today().isoformat()})" in later[0], later
    printed_only = _problems(_retimed(plant, tmp_path, "printed.pdf", "2019", count=1))  # the page, not the manifest
    assert printed_only == [
        "Page 1 has changed: it is a page Certline drew (certificate of conformance, routes, certificates or manifest)",
        f"The signing time printed is not the manifest's ({old}): the signature was changed"]


def test_attributes_put_on_the_page_tree_are_fingerprinted_with_every_page(plant, tmp_path):
    writer = PdfWriter(clone_from=plant["made"].path)
    tree = writer._root_object["/Pages"].get_object()  # noqa: SLF001 - where inherited attributes live
    tree[NameObject("/CropBox")] = ArrayObject([FloatObject(0), FloatObject(400), FloatObject(595), FloatObject(842)])
    writer.write(tmp_path / "cropped.pdf")
    assert PdfReader(tmp_path / "cropped.pdf").pages[0].cropbox.bottom == 400  # a reader applies it to page 1
    problems = _problems(tmp_path / "cropped.pdf")
    assert problems[0].startswith("Page 1 has changed") and len(problems) == plant["made"].pages
    writer = PdfWriter(clone_from=plant["made"].path)
    writer._root_object["/Pages"].get_object()[NameObject("/Rotate")] = NumberObject(180)  # noqa: SLF001
    writer.write(tmp_path / "rotated.pdf")
    assert len(_problems(tmp_path / "rotated.pdf")) == plant["made"].pages


def test_an_embedded_file_added_or_taken_out_or_an_action_added_fails(plant, tmp_path):
    writer = PdfWriter(clone_from=plant["made"].path)
    writer.add_attachment("D9-cert_mat01-replacement-mill-cert.pdf", pdf_document("Replacement", 1))
    writer.write(tmp_path / "extra.pdf")
    assert _problems(tmp_path / "extra.pdf") == [
        "The PDF holds 1 embedded file the manifest does not list, added after the pack was made: "
        "D9-cert_mat01-replacement-mill-cert.pdf"]

    manifest = _manifest(plant["made"].path)
    taken = next(d for d in manifest["documents"] if d["fileName"] == "mill-test-report-HT4711.pdf")
    writer = PdfWriter(clone_from=plant["made"].path)
    names = _embedded(writer)
    index = list(names).index(taken["attachment"])
    del names[index:index + 2]
    writer.write(tmp_path / "taken.pdf")
    assert _problems(tmp_path / "taken.pdf") == [
        f"Document D{taken['number']}, mill-test-report-HT4711.pdf of certificate “Mill test report 42CrMo4” "
        "(HT-4711) is missing: the pack no longer holds its embedded file"]

    writer = PdfWriter(clone_from=plant["made"].path)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(  # noqa: SLF001
        {NameObject("/S"): NameObject("/JavaScript")})
    writer.write(tmp_path / "action.pdf")
    assert _problems(tmp_path / "action.pdf") == [
        "The PDF holds what Certline never writes in a pack: an action run on opening; it was changed after the "
        "pack was made"]


def _rehashed_without_serials(manifest: dict) -> None:
    """What a forger who knows the format does: the serials emptied, both hashes computed again."""
    manifest["contents"]["serials"] = [1, "x"]
    manifest["contentsHash"] = contents_hash(manifest)
    manifest["manifestHash"] = manifest_hash(manifest)


@pytest.mark.parametrize("edit", [
    lambda m: m["pages"].update(digests="not a list"),
    lambda m: m["documents"][0].pop("number"),
    lambda m: m.pop("chain"),
    lambda m: m["signature"].update(signedAt=17),
    lambda m: m["documents"][0].update(firstPage="1"),
    _rehashed_without_serials,
], ids=["digests", "document-number", "chain", "signed-at", "first-page", "rehashed"])
def test_a_crafted_manifest_gives_a_report_never_a_traceback(plant, tmp_path, edit):
    manifest = _manifest(plant["made"].path)
    edit(manifest)
    writer = PdfWriter(clone_from=plant["made"].path)
    _put_manifest(writer, manifest)
    writer.write(tmp_path / "crafted.pdf")
    alone, both = (verify_pack(tmp_path / "crafted.pdf", db=against) for against in (None, True))
    assert not both.ok and both.problems
    if edit is _rehashed_without_serials:
        # Nothing self-contained tells this from a pack made so: why the report says what it cannot prove.
        assert alone.ok and alone.note == ALONE_PROVES
        assert both.problems[0].startswith("This file is not one Certline made here")
        assert "The manifest's serials cannot be read" in both.problems[-1]
    else:
        assert not alone.ok and alone.problems


def test_with_the_database_a_changed_file_is_said_to_be_changed(plant, tmp_path):
    path = _retimed(plant, tmp_path, "earlier.pdf", "2019")
    problems = verify_pack(path, db=True).problems
    assert problems[-1] == (
        f"This file is not one Certline made here: its sha256 is in no pack made. A pack stating the same contents "
        f"was made at {iso_utc(Pack.get(Pack.file_sha256 == plant['made'].sha256).made_at)} by Sam Supervisor "
        f"(sha256 {plant['made'].sha256}): this file differs from it — a page, the signing time or another byte "
        "was changed")


# --- making it (these change the plant) ---------------------------------------------------------------------


def _counts() -> tuple[int, int]:
    return Pack.select().count(), AuditEntry.select().where(AuditEntry.type == "pack_made").count()


def test_a_destination_that_cannot_be_replaced_is_refused_before_anything_is_signed(plant, tmp_path):
    before = _counts()
    (tmp_path / "taken.pdf").mkdir()
    with pytest.raises(Invalid, match="taken.pdf is a folder: choose a file name for the pack. Nothing was made"):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "taken.pdf", job=JOB, **FIELDS)
    assert _counts() == before and [p.name for p in tmp_path.iterdir()] == ["taken.pdf"]


def test_a_rename_failing_after_the_signature_keeps_the_signed_pack_and_says_where(plant, tmp_path, monkeypatch):
    real = making.os.replace

    def refused(source, target, *args, **kwargs):
        if str(target).endswith("late.pdf"):
            raise PermissionError(13, "Permission denied")
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(making.os, "replace", refused)
    before = _counts()
    with pytest.raises(Invalid) as raised:
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "late.pdf", job=JOB, **FIELDS)
    kept = tmp_path / "late.pdf.partial"
    assert f"The signed pack is kept as {kept}: rename it to late.pdf" in raised.value.message
    assert raised.value.message.startswith("The pack was made and signed (audit entry")
    assert _counts() == (before[0] + 1, before[1] + 1) and kept.exists() and not (tmp_path / "late.pdf").exists()
    assert verify_pack(kept, db=True).ok  # it is the pack listed


def _drawing_records(monkeypatch, record) -> list[int]:
    """Each drawing of the pack followed by ``record()`` committed: what another station does meanwhile."""
    real, calls = making.assemble, []

    def drawn(*args, **kwargs):
        calls.append(1)
        out = real(*args, **kwargs)
        with app_db.write_transaction():
            record(len(calls))
        return out

    monkeypatch.setattr(making, "assemble", drawn)
    return calls


def test_entries_about_other_things_while_drawing_keep_the_pack(plant, tmp_path, monkeypatch):
    calls = _drawing_records(monkeypatch, lambda n: audit.record("user_login", OPERATOR, details={}))
    head = read_pack(SUPERVISOR, job=JOB).chain_seq
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "busy.pdf", job=JOB, **FIELDS)
    assert len(calls) == 1 and made.chain_seq == head and verify_pack(made.path, db=True).ok


def test_entries_about_the_packs_records_while_drawing_draw_it_again_three_times_at_most(plant, tmp_path,
                                                                                      monkeypatch):
    calls = _drawing_records(monkeypatch, lambda n: n == 1 and audit.record("cert_updated", "admin",
                                                                            cert_id="cert_mat01", details={}))
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "again.pdf", job=JOB, **FIELDS)
    assert len(calls) == 2 and made.chain_seq > plant["made"].chain_seq and verify_pack(made.path, db=True).ok
    calls = _drawing_records(monkeypatch, lambda n: audit.record("serial_advanced", OPERATOR,
                                                                 serial_id="SN-00002", details={}))
    before = _counts()
    with pytest.raises(Invalid, match="The records of these serials kept changing while the pack was being made"):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "never.pdf", job=JOB, **FIELDS)
    assert len(calls) == 3 and _counts() == before and list(tmp_path.glob("never.pdf*")) == []


def test_a_pack_is_made_only_from_what_was_shown(plant, tmp_path, monkeypatch):
    reason = {"reason": "Inspection follows"}
    shown = read_pack(SUPERVISOR, job=GAPS_JOB)
    with pytest.raises(Invalid, match=re.escape(CHANGED_SINCE_SHOWN)):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "x.pdf", job=GAPS_JOB, expected="0" * 64,
                  **FIELDS, **reason)
    # A serial added to the job while the pack is drawn (not an audited entry): read again, no longer as shown.
    calls = _drawing_records(monkeypatch, lambda n: serials.create_serials(GAPS_JOB, 1, SUPERVISOR, prefix="GX-"))
    before = _counts()
    with pytest.raises(Invalid, match=re.escape(CHANGED_SINCE_SHOWN)):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "x.pdf", job=GAPS_JOB, expected=shown.digest(),
                  **FIELDS, **reason)
    assert len(calls) == 1 and _counts() == before and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    now = read_pack(SUPERVISOR, job=GAPS_JOB)
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "x.pdf", job=GAPS_JOB, expected=now.digest(),
                     **FIELDS, **reason)
    assert made.serial_count == 3


def test_each_kind_of_certificate_gap_is_named_and_a_replaced_document_refuses_the_pack(plant, tmp_path):
    routes.create_job({"id": "JOB-EV", "name": "Evidence", "part": "FL-300", "path": "path_a", "quantity": 5}, "admin")
    serial = serials.create_serials("JOB-EV", 1, SUPERVISOR, prefix="EV-").serial_ids[0]
    stored = {}
    for cert_id, name, document, approve in (("ev_rev", "Withdrawn mill cert", True, True),
                                             ("ev_nodoc", "Undocumented test", False, False),
                                             ("ev_unapp", "Unreviewed test", True, False),
                                             ("ev_gone", "Lost scan", True, True),
                                             ("ev_swap", "Swapped scan", True, True)):
        certificates.create_certificate({"id": cert_id, "name": name, "kind": "MATERIAL", "number": cert_id.upper()},
                                        "admin")
        if document:
            stored[cert_id] = documents.add_document_bytes(cert_id, pdf_document(name, 1), f"{cert_id}.pdf",
                                                           SUPERVISOR).path
        if approve:
            documents.approve_certificate(cert_id, SUPERVISOR, SUPERVISOR_PIN)
        attachments.attach(serial, cert_id, OPERATOR)
    certificates.revoke_certificate("ev_rev", "admin", "Supplier withdrew it")
    stored["ev_gone"].unlink()
    original = stored["ev_swap"].read_bytes()
    stored["ev_swap"].write_bytes(original[:-2] + b"%\n")  # same size, other bytes
    gaps = {gap.kind: gap.sentence for gap in read_pack(SUPERVISOR, serials=[serial]).gaps}
    assert gaps == {
        "not_completed": f"Not completed: serial {serial} is still at Flange machining, step 1 of 3 “Saw”",
        "revoked": f"Certificate “Withdrawn mill cert” (EV_REV) is revoked; it stands behind serial {serial}",
        "no_document": "Certificate “Undocumented test” (EV_NODOC) has no document: the pack cannot show it",
        "not_approved": "The documents of certificate “Unreviewed test” (EV_UNAPP) are not approved (nobody has "
                        "signed their review)",
        "document_missing": "Document ev_gone.pdf of certificate “Lost scan” (EV_GONE): its stored file is "
                            "missing, so it is not appended"}
    before = _counts()
    with pytest.raises(Invalid, match="the stored file is not the one that was uploaded"):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "ev.pdf", serials=[serial], reason="Known", **FIELDS)
    assert _counts() == before and list(tmp_path.iterdir()) == []
    stored["ev_swap"].write_bytes(original)
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "ev.pdf", serials=[serial], reason="Known", **FIELDS)
    assert len(made.gaps) == 5 and made.document_count == 3 and verify_pack(made.path).ok


def test_expiry_is_judged_on_the_plants_date_of_the_attach_not_the_utc_date(plant, monkeypatch):
    """Attached at 12:00 UTC on the day before expiry: on the floor at UTC+14 that is the expiry date itself."""
    import dataclasses
    import time

    from app.pack.gaps import find_gaps

    preview = read_pack(SUPERVISOR, serials=["SN-00001"])
    attached = dt.datetime(2026, 1, 1, 12, 0)

    def at(cert):
        return dataclasses.replace(cert, attached_at=attached)

    preview = dataclasses.replace(preview, serials=tuple(dataclasses.replace(s, steps=tuple(
        dataclasses.replace(step, certificates=tuple(at(c) for c in step.certificates)) for step in s.steps))
        for s in preview.serials), certificates=tuple(
        dataclasses.replace(c, date_expire=dt.date(2026, 1, 2)) if c.id == "cert_mat01" else c
        for c in preview.certificates))
    for zone, expired in (("UTC", []), ("Etc/GMT-14", [("expired", "cert_mat01")])):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        assert [(g.kind, g.cert_id) for g in find_gaps(preview)] == expired, zone
    monkeypatch.undo()
    time.tzset()
