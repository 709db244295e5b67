"""Serial batches by pattern or list, with a certificate; progress, cancel; many serials moved at once."""
from __future__ import annotations

import pytest

from app import attachments, integrity, serial_batches, serials
from app.errors import Forbidden, Invalid, NotFound
from app.models import CertAttachment, SerialNumber
from tests.helpers.state import entries, row_counts


def test_a_batch_by_pattern_with_a_certificate_writes_every_row_and_entry(plant):
    seen: list[tuple[int, int]] = []
    batch = serial_batches.create_batch("JOB-1", "sup1", count=2500, pattern="SN-{job}-{n:04}",
                                        cert_id="cert_mat01", progress=lambda done, total: seen.append((done, total)))
    assert batch.serial_ids[:2] == ["SN-JOB-1-0001", "SN-JOB-1-0002"] and batch.serial_ids[-1] == "SN-JOB-1-2500"
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert SerialNumber.select().count() == 2500
    assert CertAttachment.select().where(CertAttachment.step == "step_001").count() == 2500
    assert len(entries("serial_created")) == len(entries("cert_attached")) == 2500
    assert attachments.attachments_of_serial("SN-JOB-1-1234")[0].cert_id == "cert_mat01"
    report = integrity.verify(quick=True)
    assert report.ok and report.chain.attachments == 2500, report.problems
    # The next batch of the pattern numbers on after the highest.
    assert serial_batches.create_batch("JOB-1", "sup1", count=1, pattern="SN-{job}-{n:04}").serial_ids == [
        "SN-JOB-1-2501"]


def test_a_batch_from_an_erp_csv_or_a_pasted_list(plant, tmp_path):
    export = tmp_path / "erp.csv"
    export.write_bytes("\ufeffOrder;Serial number;Qty\r\n4711;ERP-001;1\r\n4711;ERP-002;1\r\n\r\n".encode())
    listed = serial_batches.read_serial_file(export)
    assert listed == [(2, "ERP-001"), (3, "ERP-002")]
    batch = serial_batches.create_batch("JOB-1", "sup1", serial_ids=listed, cert_id="cert_mat01")
    assert batch.serial_ids == ["ERP-001", "ERP-002"]
    assert serial_batches.read_serial_list("P-1\nP-2  P-3\n\n") == [(1, "P-1"), (2, "P-2"), (2, "P-3")]
    assert serial_batches.read_serial_list("serial\nQ-1\nQ-2\n") == [(2, "Q-1"), (3, "Q-2")]
    assert serial_batches.read_serial_list("R-1,\nR-2,\n") == [(1, "R-1"), (2, "R-2")]
    with pytest.raises(Invalid, match="^This CSV has 2 columns and none is headed 'serial'"):
        serial_batches.read_serial_list("a,b\nc,d\n")
    assert integrity.verify(quick=True).ok


@pytest.mark.parametrize("pattern, message", [
    ("SN-", "The numbering pattern needs {n} once, where the number goes, e.g. SN-{job}-{n:04}: SN-"),
    ("SN-{n}-{n}", "The numbering pattern needs {n} once"),
    ("SN-{part}-{n}", "The numbering pattern may hold only {job} and {n} (or {n:04} for 4 digits): SN-{part}-{n}"),
    ("SN-{n:4}", "The number in a pattern is {n}, or {n:04} for at least 4 digits with leading zeros: SN-{n:4}"),
    ("SN-{n", "The numbering pattern is not well formed (a brace without its pair): SN-{n"),
    ("SN {n}", "A serial number of this pattern may hold only printable ASCII without spaces: 'SN 1'"),
    ("", "Give a numbering pattern, e.g. SN-{job}-{n:04}"),
])
def test_a_bad_pattern_is_refused_in_a_sentence(plant, pattern, message):
    before = row_counts()
    with pytest.raises(Invalid) as refused:
        serial_batches.create_batch("JOB-1", "sup1", count=3, pattern=pattern)
    assert refused.value.message.startswith(message) and refused.value.field == "pattern", refused.value.message
    assert row_counts() == before


def test_collisions_and_bad_lists_are_refused_naming_them(plant):
    serial_batches.create_batch("JOB-1", "sup1", count=3, pattern="P-{n:03}")
    before = row_counts()
    cases = [
        (dict(count=2, pattern="P-{n:03}", start=2),
         "2 of these serial numbers exist already (P-002, P-003): numbers of this pattern go up to 3; start at 4"),
        (dict(serial_ids=["X-1", "P-001"]), "1 of these serial numbers exists already (P-001)"),
        (dict(serial_ids=["X-1", "X-2", "X-1"]), "X-1 is listed twice (lines 1 and 3)"),
        (dict(serial_ids=[(7, "bad id")]), "Line 7: Serial number may hold only printable ASCII without spaces"),
        (dict(serial_ids=[]), "The list holds no serial numbers"),
        (dict(count=2, pattern="P-{n}", serial_ids=["X-1"]),
         "Give either a numbering pattern with a count, or a list of serial numbers"),
        (dict(count=0, pattern="P-{n}"), "Count must be a whole number from 1 to 100000: 0"),
    ]
    for arguments, message in cases:
        with pytest.raises(Invalid) as refused:
            serial_batches.create_batch("JOB-1", "sup1", **arguments)
        assert refused.value.message.startswith(message), refused.value.message
        with pytest.raises(Invalid):
            serial_batches.preview_batch("JOB-1", **arguments)
    with pytest.raises(NotFound, match="^Job not found: JOB-9$"):
        serial_batches.preview_batch("JOB-9", count=1, pattern="P-{n}")
    assert row_counts() == before


def test_preview_shows_the_ids_and_writes_nothing(plant):
    before = row_counts()
    assert serial_batches.preview_batch("JOB-1", count=2, pattern="{job}/{n:02}") == ["JOB-1/01", "JOB-1/02"]
    assert row_counts() == before


@pytest.mark.parametrize("after", [0, 2])
def test_cancel_writes_nothing(plant, after):
    serials.create_serials("JOB-1", 1, "sup1")
    before, head = row_counts(), entries()[-1].seq
    calls = iter(range(100))
    with pytest.raises(serials.Cancelled, match="^Cancelled: no serial was created$"):
        serial_batches.create_batch("JOB-1", "sup1", count=3000, pattern="C-{n:05}", cert_id="cert_mat01",
                                    cancelled=lambda: next(calls) >= after)
    assert row_counts() == before and entries()[-1].seq == head
    assert integrity.verify(quick=True).ok


@pytest.mark.parametrize("user, error, message", [
    ("op1", Forbidden, "User op1 (operator) may not create serials"),
    ("nobody", NotFound, "User not found: nobody"),
])
def test_operators_make_no_batches(plant, user, error, message):
    before = row_counts()
    with pytest.raises(error) as refused:
        serial_batches.create_batch("JOB-1", user, count=2, pattern="S-{n}", cert_id="cert_mat01")
    assert refused.value.message == message
    assert row_counts() == before


def test_many_serials_move_all_or_nothing(plant):
    ids = serials.create_serials("JOB-1", 3, "sup1").serial_ids
    attachments.attach(ids[0], "cert_mat01", "op1")
    attachments.attach(ids[1], "cert_mat01", "op1")
    before = row_counts()
    with pytest.raises(Invalid) as refused:  # the third lacks its MATERIAL certificate at Saw
        serial_batches.move_serials("advance", ids, "op1")
    assert refused.value.message == (
        f"Step Saw (step_001) requires a MATERIAL certificate that serial {ids[2]} does not have; attach it, or "
        "give a reason to override (nothing was moved: 3 serials in this call)")
    assert row_counts() == before
    assert [serials.get_serial(s).current_step_index for s in ids] == [0, 0, 0]
    moved = serial_batches.move_serials("advance", ids, "sup1", reason="Material certificate follows, CN-12")
    assert [d.current_step_index for d in moved] == [1, 1, 1]
    overrides = [e for e in entries("serial_advanced") if e.details.get("overridden")]
    assert [(e.serial_id, e.reason) for e in overrides] == [(ids[2], "Material certificate follows, CN-12")]
    with pytest.raises(Forbidden, match="^User op1 \\(operator\\) may not scrap serials"):
        serial_batches.move_serials("scrap", ids[:2], "op1", reason="Dropped")
    assert [d.status for d in serial_batches.move_serials("scrap", ids[:2], "sup1", reason="Dropped")] == [
        "scrapped", "scrapped"]
    with pytest.raises(Invalid, match=f"^{ids[0]} is listed twice"):
        serial_batches.move_serials("complete", [ids[0], ids[0]], "sup1")
    assert integrity.verify(quick=True).ok
