"""Certificates: create, expiry, update history, revoke, delete, list, scan lookup."""
import datetime as dt
import re

import pytest

from app import attachments, audit, certificates, serials
from app.certificates import CertificateQuery, expiry_state, list_certificates
from app.errors import Forbidden, Invalid, NotFound
from app.models import Certificate, CertificateDocument
from tests.helpers.state import entries, row_counts


def fields(**overrides):
    """A valid new certificate, with ``overrides`` applied (None removes a field)."""
    base = {"id": "cert_new", "name": "Heat treatment record", "kind": "PROCESS", "number": "HTR-1",
            "date_release": dt.date(2024, 1, 15)}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def ids(records):
    return [r.id for r in records]


# --- create -------------------------------------------------------------------------------------


def test_create_stores_the_certificate_and_audits_it(plant):
    record = certificates.create_certificate(
        fields(data={"lab": "Prüflabor Süd", "hardness": [28.5, 30]}, note="  first  ", warning="7"), "sup1")

    row = Certificate.get_by_id("cert_new")
    assert (row.name, row.kind, row.number, row.status, row.review_status) == (
        "Heat treatment record", "PROCESS", "HTR-1", "active", "pending")
    assert (row.date_release, row.date_expire, row.warning, row.note) == (dt.date(2024, 1, 15), None, 7, "first")
    assert row.data == {"lab": "Prüflabor Süd", "hardness": [28.5, 30]}
    assert record == certificates.get_certificate("cert_new")
    (entry,) = entries("cert_created")[-1:]
    assert (entry.user_id, entry.cert_id) == ("sup1", "cert_new")
    assert entry.details == record.to_json()
    assert audit.verify().ok


BAD_FIELDS = [
    ({"id": ""}, "id", "Certificate id is required"),
    ({"id": "cert new"}, "id", "Certificate id may hold only printable ASCII without spaces: 'cert new'"),
    ({"id": "cert_mat01"}, "id", "Certificate already exists: cert_mat01"),
    ({"name": "   "}, "name", "Name is required"),
    ({"name": "x" * 201}, "name", "Name is longer than 200 characters"),
    ({"kind": "RECIPE"}, "kind",
     "Kind must be one of MATERIAL, PROCESS, CALIBRATION, TRAINING, CONFORMANCE, INSPECTION, OTHER: RECIPE"),
    ({"number": "HT 1"}, "number", "Certificate number may hold only printable ASCII without spaces: 'HT 1'"),
    ({"kind": "MATERIAL", "en10204_type": "3.3"}, "en10204_type",
     "EN 10204 type must be one of 2.1, 2.2, 3.1, 3.2: 3.3"),
    ({"en10204_type": "3.1"}, "en10204_type", "EN 10204 type applies to material certificates only"),
    ({"resource_type": "planet"}, "resource_type",
     "Resource type must be one of material_lot, person, equipment, other: planet"),
    ({"date_release": "15.01.2024"}, "date_release", "Release date must be a date like 2024-01-31: 15.01.2024"),
    ({"date_expire": "soon"}, "date_expire", "Expiry date must be a date like 2024-01-31: soon"),
    ({"validity": 1}, "validity_unit", "Validity and its unit go together: give both or neither"),
    ({"validity_unit": "YEAR"}, "validity_unit", "Validity and its unit go together: give both or neither"),
    ({"validity": "one", "validity_unit": "YEAR"}, "validity", "Validity must be a whole number: one"),
    ({"validity": 0, "validity_unit": "YEAR"}, "validity", "Validity must be a whole number of at least 1: 0"),
    ({"validity": 1.5, "validity_unit": "YEAR"}, "validity", "Validity must be a whole number of at least 1: 1.5"),
    ({"validity": 2, "validity_unit": "WEEK"}, "validity_unit", "Validity unit must be one of DAY, MONTH, YEAR: WEEK"),
    ({"date_release": None, "validity": 1, "validity_unit": "YEAR"}, "date_release",
     "A release date is needed to work out the expiry from the validity"),
    ({"date_expire": dt.date(2024, 1, 15)}, "date_expire",
     "Expiry date 2024-01-15 must be after the release date 2024-01-15"),
    ({"warning": -1}, "warning", "Warning days must be a whole number of at least 0: -1"),
    ({"data": ["not", "an", "object"]}, "data", "Data must be a JSON object"),
]


def test_create_refuses_bad_fields_naming_the_field_and_writes_nothing(plant, subtests):
    before = row_counts()
    for overrides, field, message in BAD_FIELDS:
        with subtests.test(field=field, overrides=repr(overrides)):
            with pytest.raises(Invalid) as refused:
                certificates.create_certificate(fields(**overrides), "sup1")
            assert str(refused.value) == message
            assert refused.value.field == field
            assert row_counts() == before


@pytest.mark.parametrize("user_id, error, message", [
    ("op1", Forbidden, "User op1 (operator) may not create certificates"),
    ("nobody", NotFound, "User not found: nobody"),
])
def test_only_supervisors_and_admins_create_certificates(plant, user_id, error, message):
    before = row_counts()
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        certificates.create_certificate(fields(), user_id)
    assert row_counts() == before
    assert Certificate.get_or_none(Certificate.id == "cert_new") is None


DERIVED_EXPIRY = [
    (dt.date(2022, 1, 1), 1, "YEAR", dt.date(2023, 1, 1)),  # the expiry day is the first day not valid
    (dt.date(2024, 1, 15), 10, "DAY", dt.date(2024, 1, 25)),
    (dt.date(2024, 12, 25), 10, "DAY", dt.date(2025, 1, 4)),
    (dt.date(2024, 12, 15), 1, "MONTH", dt.date(2025, 1, 15)),
    (dt.date(2024, 1, 31), 1, "MONTH", dt.date(2024, 2, 29)),  # leap year, clamped to the month's end
    (dt.date(2023, 1, 31), 1, "MONTH", dt.date(2023, 2, 28)),
    (dt.date(2024, 3, 31), 1, "MONTH", dt.date(2024, 4, 30)),
    (dt.date(2024, 11, 30), 3, "MONTH", dt.date(2025, 2, 28)),
    (dt.date(2024, 1, 31), 13, "MONTH", dt.date(2025, 2, 28)),
    (dt.date(2024, 2, 29), 1, "YEAR", dt.date(2025, 2, 28)),
    (dt.date(2024, 2, 29), 4, "YEAR", dt.date(2028, 2, 29)),
]


def test_expiry_is_derived_from_release_and_validity(plant, subtests):
    for number, (release, validity, unit, expire) in enumerate(DERIVED_EXPIRY):
        with subtests.test(release=release.isoformat(), validity=validity, unit=unit):
            cert_id = f"cert_v{number}"
            certificates.create_certificate(
                fields(id=cert_id, date_release=release, validity=validity, validity_unit=unit), "sup1")
            row = Certificate.get_by_id(cert_id)
            assert (row.date_expire, row.validity, row.validity_unit) == (expire, validity, unit)


def test_an_explicit_expiry_date_wins_over_the_validity(plant):
    certificates.create_certificate(fields(validity=1, validity_unit="YEAR", date_expire="2024-06-30"), "sup1")
    assert Certificate.get_by_id("cert_new").date_expire == dt.date(2024, 6, 30)


@pytest.mark.parametrize("on, warning, state", [
    (dt.date(2024, 3, 1), 10, "valid"),
    (dt.date(2024, 3, 21), 10, "valid"),
    (dt.date(2024, 3, 22), 10, "expiring"),  # ten days before the expiry date
    (dt.date(2024, 3, 31), 10, "expiring"),
    (dt.date(2024, 4, 1), 10, "expired"),  # the expiry date is the first day it is no longer valid
    (dt.date(2025, 1, 1), 10, "expired"),
    (dt.date(2024, 3, 31), 0, "valid"),  # no warning window
    (dt.date(2024, 4, 1), 0, "expired"),
])
def test_expiry_state_around_the_warning_window(on, warning, state):
    assert expiry_state(dt.date(2024, 4, 1), warning, on) == state


def test_expiry_state_of_the_plant_certificates(plant):
    states = {c.id: c.expiry_state() for c in list_certificates()}
    assert states == {"cert_insp01": "valid", "cert_mat01": "valid", "cert_old": "expired", "cert_rev": "valid",
                      "cert_soon": "expiring"}
    mat = certificates.get_certificate("cert_mat01")
    assert mat.expiry_state(on=mat.date_expire - dt.timedelta(days=30)) == "expiring"
    assert mat.expiry_state(on=mat.date_expire - dt.timedelta(days=31)) == "valid"
    assert mat.to_json(on=mat.date_expire)["expiry_state"] == "expired"


# --- update -------------------------------------------------------------------------------------


def test_update_records_old_and_new_value_per_field_with_the_reason(plant):
    before = Certificate.get_by_id("cert_mat01")
    record = certificates.update_certificate(
        "cert_mat01", {"name": "Mill test report 42CrMo4+QT", "warning": 10, "heat_lot": "H4711"},
        "sup1", "  Typo in the name  ")

    row = Certificate.get_by_id("cert_mat01")
    assert (row.name, row.warning, row.heat_lot) == ("Mill test report 42CrMo4+QT", 10, "H4711")
    assert row.updated_at >= before.updated_at and row.created_at == before.created_at
    assert record == certificates.get_certificate("cert_mat01")
    (entry,) = entries("cert_updated")
    assert (entry.user_id, entry.cert_id, entry.reason) == ("sup1", "cert_mat01", "Typo in the name")
    # the update event's shape other systems read; the unchanged heat lot is not listed
    assert entry.details == {"entity_id": "cert_mat01", "updated_fields": {
        "name": {"old": "Mill test report 42CrMo4", "new": "Mill test report 42CrMo4+QT"},
        "warning": {"old": 30, "new": 10},
    }}
    assert audit.verify().ok


def test_changing_the_validity_derives_the_expiry_again(plant):
    certificates.create_certificate(fields(date_release="2024-01-31", validity=1, validity_unit="MONTH"), "sup1")
    certificates.update_certificate("cert_new", {"validity": 2}, "admin", "Supplier extended it")
    assert Certificate.get_by_id("cert_new").date_expire == dt.date(2024, 3, 31)
    certificates.update_certificate("cert_new", {"validity_unit": "YEAR"}, "admin", "Years, not months")
    assert Certificate.get_by_id("cert_new").date_expire == dt.date(2026, 1, 31)
    certificates.update_certificate("cert_new", {"date_release": "2024-02-29", "validity": 1}, "admin", "Re-issued")
    assert Certificate.get_by_id("cert_new").date_expire == dt.date(2025, 2, 28)

    first, second, third = (e.details["updated_fields"] for e in entries("cert_updated"))
    assert first == {"validity": {"old": 1, "new": 2}, "date_expire": {"old": "2024-02-29", "new": "2024-03-31"}}
    assert second == {"validity_unit": {"old": "MONTH", "new": "YEAR"},
                      "date_expire": {"old": "2024-03-31", "new": "2026-01-31"}}
    assert third == {"date_release": {"old": "2024-01-31", "new": "2024-02-29"}, "validity": {"old": 2, "new": 1},
                     "date_expire": {"old": "2026-01-31", "new": "2025-02-28"}}


def test_changing_the_release_date_keeps_an_explicit_expiry_date(plant):
    # cert_old has an explicit expiry and no validity: moving its release date must not
    # wipe the expiry (which would make an expired certificate attachable for ever).
    old = Certificate.get_by_id("cert_old")
    new_release = old.date_release + dt.timedelta(days=30)
    certificates.update_certificate("cert_old", {"date_release": new_release}, "sup1", "Wrong release date")

    row = Certificate.get_by_id("cert_old")
    assert (row.date_release, row.date_expire) == (new_release, old.date_expire)
    assert certificates.get_certificate("cert_old").expiry_state() == "expired"
    (entry,) = entries("cert_updated")
    assert entry.details["updated_fields"] == {
        "date_release": {"old": old.date_release.isoformat(), "new": new_release.isoformat()}}


def test_update_without_a_reason_is_refused_and_changes_nothing(plant):
    before = row_counts()
    for reason in (None, "", "   "):
        with pytest.raises(Invalid, match="^A reason is required to update a certificate$") as refused:
            certificates.update_certificate("cert_mat01", {"name": "Renamed"}, "sup1", reason)
        assert refused.value.field == "reason"
    assert Certificate.get_by_id("cert_mat01").name == "Mill test report 42CrMo4"
    assert row_counts() == before


def test_update_refuses_fields_that_cannot_be_changed(plant):
    before = row_counts()
    with pytest.raises(Invalid, match="^These fields cannot be changed: status$"):
        certificates.update_certificate("cert_rev", {"status": "active"}, "sup1", "Because")
    with pytest.raises(Invalid, match="^These fields cannot be changed: id, review_status$"):
        certificates.update_certificate("cert_rev", {"id": "cert_x", "review_status": "approved", "name": "x"},
                                        "sup1", "Because")
    assert (Certificate.get_by_id("cert_rev").status, Certificate.get_by_id("cert_rev").name) == (
        "revoked", "Withdrawn conformance")
    assert row_counts() == before


def test_update_refuses_a_bad_value_naming_the_field(plant):
    with pytest.raises(Invalid, match="^Kind must be one of") as refused:
        certificates.update_certificate("cert_mat01", {"kind": "SPAM"}, "sup1", "Because")
    assert refused.value.field == "kind"
    assert Certificate.get_by_id("cert_mat01").kind == "MATERIAL"
    assert entries("cert_updated") == []


def test_update_refuses_operators_and_unknown_certificates(plant):
    with pytest.raises(Forbidden, match=r"^User op1 \(operator\) may not update certificates$"):
        certificates.update_certificate("cert_mat01", {"name": "x"}, "op1", "Because")
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        certificates.update_certificate("cert_x", {"name": "x"}, "sup1", "Because")
    assert Certificate.get_by_id("cert_mat01").name == "Mill test report 42CrMo4"
    assert entries("cert_updated") == []


def test_an_update_that_changes_nothing_writes_nothing(plant):
    before = row_counts()
    unchanged = certificates.update_certificate("cert_mat01", {"name": " Mill test report 42CrMo4 "}, "sup1", "No-op")
    assert unchanged == certificates.get_certificate("cert_mat01")
    assert row_counts() == before


# --- revoke -------------------------------------------------------------------------------------


def test_revoke_keeps_existing_attachments_and_refuses_new_ones(plant):
    first, second = serials.create_serials("JOB-1", 2, "admin").serial_ids
    kept = attachments.attach(first, "cert_mat01", "op1").attachment

    record = certificates.revoke_certificate("cert_mat01", "sup1", "Heat number mixed up")

    assert record.status == "revoked" and Certificate.get_by_id("cert_mat01").status == "revoked"
    (entry,) = entries("cert_revoked")[-1:]
    assert (entry.user_id, entry.cert_id, entry.reason) == ("sup1", "cert_mat01", "Heat number mixed up")
    assert attachments.attachments_of_certificate("cert_mat01") == [kept]
    with pytest.raises(Invalid, match="^Certificate cert_mat01 is revoked, cannot attach$"):
        attachments.attach(second, "cert_mat01", "op1")
    assert attachments.attachments_of_serial(second) == []
    assert audit.verify().ok


def test_revoke_needs_a_reason_and_happens_once(plant):
    with pytest.raises(Invalid, match="^A reason is required to revoke a certificate$") as refused:
        certificates.revoke_certificate("cert_mat01", "sup1", " ")
    assert refused.value.field == "reason"
    assert Certificate.get_by_id("cert_mat01").status == "active"

    before = row_counts()
    with pytest.raises(Invalid, match="^Certificate cert_rev is already revoked$"):
        certificates.revoke_certificate("cert_rev", "sup1", "Again")
    with pytest.raises(Forbidden, match=r"^User op1 \(operator\) may not revoke certificates$"):
        certificates.revoke_certificate("cert_mat01", "op1", "Because")
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        certificates.revoke_certificate("cert_x", "sup1", "Because")
    assert row_counts() == before
    assert Certificate.get_by_id("cert_mat01").status == "active"


# --- delete -------------------------------------------------------------------------------------


def add_document(cert_id, doc_id, file_name, size=1234):
    CertificateDocument.insert(id=doc_id, certificate=cert_id, file_name=file_name, size=size,
                               content_type="application/pdf", sha256="ab" * 32,
                               storage_path=f"documents/ab/{doc_id}", uploaded_by="sup1").execute()


def test_a_certificate_with_attachments_cannot_be_deleted_only_revoked(plant):
    serial = serials.create_serials("JOB-1", 1, "admin").serial_ids[0]
    attachments.attach(serial, "cert_mat01", "op1")
    before = row_counts()

    with pytest.raises(Invalid) as refused:
        certificates.delete_certificate("cert_mat01", "admin", "Not needed", force=True)
    assert str(refused.value) == ("Certificate cert_mat01 has 1 attachment and cannot be deleted: "
                                  "attachments are permanent. Revoke it instead.")
    assert row_counts() == before
    assert Certificate.get_or_none(Certificate.id == "cert_mat01") is not None


def test_delete_first_lists_the_documents_and_deletes_them_only_with_force(plant):
    add_document("cert_insp01", "doc_1", "report.pdf", 2048)
    add_document("cert_insp01", "doc_2", "photo.pdf", 99)
    before = row_counts()

    plan = certificates.delete_certificate("cert_insp01", "sup1", "Entered twice")

    assert not plan.deleted
    assert sorted(plan.documents, key=lambda d: d["id"]) == [
        {"id": "doc_1", "file_name": "report.pdf", "size": 2048, "content_type": "application/pdf"},
        {"id": "doc_2", "file_name": "photo.pdf", "size": 99, "content_type": "application/pdf"},
    ]
    assert plan.certificate.id == "cert_insp01"
    assert row_counts() == before  # nothing deleted, nothing audited

    done = certificates.delete_certificate("cert_insp01", "sup1", "Entered twice", force=True)

    assert done.deleted
    assert sorted(done.documents, key=lambda d: d["id"]) == sorted(plan.documents, key=lambda d: d["id"])
    assert Certificate.get_or_none(Certificate.id == "cert_insp01") is None
    assert CertificateDocument.select().count() == 0
    (entry,) = entries("cert_deleted")
    assert (entry.user_id, entry.cert_id, entry.reason) == ("sup1", "cert_insp01", "Entered twice")
    assert entry.details["certificate"]["id"] == "cert_insp01"
    assert sorted(entry.details["documents"], key=lambda d: d["id"]) == sorted(plan.documents, key=lambda d: d["id"])
    assert audit.verify().ok


def test_delete_without_documents_deletes_at_once(plant):
    plan = certificates.delete_certificate("cert_soon", "admin", "Wrong welder")
    assert plan.deleted and plan.documents == []
    assert Certificate.get_or_none(Certificate.id == "cert_soon") is None
    assert len(entries("cert_deleted")) == 1


def test_delete_needs_a_reason_and_a_manager(plant):
    before = row_counts()
    with pytest.raises(Invalid, match="^A reason is required to delete a certificate$"):
        certificates.delete_certificate("cert_soon", "admin", "")
    with pytest.raises(Forbidden, match=r"^User op1 \(operator\) may not delete certificates$"):
        certificates.delete_certificate("cert_soon", "op1", "Because", force=True)
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        certificates.delete_certificate("cert_x", "admin", "Because")
    assert row_counts() == before


# --- list, find ---------------------------------------------------------------------------------


FILTERS = [
    (CertificateQuery(), ["cert_insp01", "cert_mat01", "cert_old", "cert_rev", "cert_soon"]),
    (CertificateQuery(text="mill"), ["cert_mat01"]),  # name, case-insensitive
    (CertificateQuery(text="HT-47"), ["cert_mat01"]),  # issuer number
    (CertificateQuery(text="_ins"), ["cert_insp01"]),  # id
    (CertificateQuery(text="st_r"), []),  # "_" and "%" are plain characters, not wildcards
    (CertificateQuery(text="%"), []),
    (CertificateQuery(text="CERT"), ["cert_insp01", "cert_mat01", "cert_old", "cert_rev", "cert_soon"]),
    (CertificateQuery(kind="TRAINING"), ["cert_soon"]),
    (CertificateQuery(status="revoked"), ["cert_rev"]),
    (CertificateQuery(status="active", kind="CONFORMANCE"), []),
    (CertificateQuery(expires_within_days=5), ["cert_soon"]),
    (CertificateQuery(expires_within_days=4), []),
    (CertificateQuery(expires_within_days=400), ["cert_mat01", "cert_soon"]),
    (CertificateQuery(expired=True), ["cert_old"]),
    (CertificateQuery(expired=False), ["cert_insp01", "cert_mat01", "cert_rev", "cert_soon"]),
    (CertificateQuery(text="cert", expired=False, status="active"), ["cert_insp01", "cert_mat01", "cert_soon"]),
]


def test_list_filters(plant, subtests):
    for query, expected in FILTERS:
        with subtests.test(query=query):
            assert ids(list_certificates(query)) == expected
            assert certificates.count_certificates(query) == len(expected)


def test_list_filters_by_resource(plant):
    certificates.create_certificate(fields(id="cert_welder", kind="TRAINING", resource_type="person",
                                           resource_id="EMP-7"), "sup1")
    assert ids(list_certificates(CertificateQuery(resource_type="person"))) == ["cert_welder"]
    assert ids(list_certificates(CertificateQuery(resource_id="EMP-7"))) == ["cert_welder"]
    assert ids(list_certificates(CertificateQuery(resource_id="EMP-8"))) == []


def test_list_sorts_and_pages(plant):
    by_name = ["cert_old", "cert_insp01", "cert_mat01", "cert_soon", "cert_rev"]
    assert ids(list_certificates(CertificateQuery(sort="name"))) == by_name
    assert ids(list_certificates(CertificateQuery(sort="name", descending=True))) == by_name[::-1]
    assert ids(list_certificates(CertificateQuery(sort="name"), limit=2, offset=1)) == by_name[1:3]
    assert ids(list_certificates(CertificateQuery(sort="kind"))) == [
        "cert_old", "cert_rev", "cert_insp01", "cert_mat01", "cert_soon"]
    # equal keys fall back to the id, so a page never shuffles
    assert ids(list_certificates(CertificateQuery(sort="status"))) == [
        "cert_insp01", "cert_mat01", "cert_old", "cert_soon", "cert_rev"]
    with pytest.raises(Invalid, match="^Sort by one of id, name, kind, number, date_release, date_expire, "
                                      "status, review_status: colour$"):
        list_certificates(CertificateQuery(sort="colour"))


def test_sorting_by_expiry_puts_certificates_that_never_expire_last_on_both_databases(plant):
    expiring = ["cert_old", "cert_soon", "cert_mat01"]
    never = ["cert_insp01", "cert_rev"]
    assert ids(list_certificates(CertificateQuery(sort="date_expire"))) == expiring + never
    assert ids(list_certificates(CertificateQuery(sort="date_expire", descending=True))) == never[::-1] + expiring[::-1]


def test_find_by_code_takes_the_id_or_else_the_number(plant):
    assert certificates.find_by_code("cert_mat01").id == "cert_mat01"
    assert certificates.find_by_code("HT-4711").id == "cert_mat01"
    assert certificates.find_by_code("ht-4711") is None  # codes are case-sensitive
    assert certificates.find_by_code("NOPE-1") is None
    # an id beats another certificate's number
    certificates.create_certificate(fields(id="cert_x", number="cert_insp01"), "sup1")
    assert certificates.find_by_code("cert_insp01").id == "cert_insp01"
    # a number two certificates share names neither
    certificates.create_certificate(fields(id="cert_twin", number="HT-4711", kind="MATERIAL"), "sup1")
    assert certificates.find_by_code("HT-4711") is None


def test_get_certificate_not_found(plant):
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        certificates.get_certificate("cert_x")



def _record(status="active", date_expire=dt.date(2024, 4, 1), warning=10):
    return certificates.CertificateRecord(
        id="cert_x", name="X", kind="MATERIAL", number=None, en10204_type=None, heat_lot=None, resource_type="other",
        resource_id=None, date_release=None, date_expire=date_expire, validity=None, validity_unit=None,
        warning=warning, note=None, data={}, status=status, review_status="pending")


@pytest.mark.parametrize("record, on, words", [
    (_record(), dt.date(2024, 3, 21), "valid until 2024-04-01"),
    (_record(), dt.date(2024, 3, 22), "expires in 10 days"),
    (_record(), dt.date(2024, 3, 31), "expires in 1 day"),
    (_record(), dt.date(2024, 4, 1), "expired 2024-04-01"),
    (_record(date_expire=None), dt.date(2024, 4, 1), "valid"),
    (_record(status="revoked"), dt.date(2024, 3, 1), "revoked"),
    (_record(status="revoked"), dt.date(2025, 3, 1), "revoked"),  # revoked says more than expired
])
def test_state_words_say_the_state_in_one_phrase(record, on, words):
    assert certificates.state_words(record, on) == words
