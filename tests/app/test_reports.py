"""The supervisor's questions: attachments per certificate, coverage, audit trail, exports."""
import csv
import datetime as dt

import pytest

from app import attachments, certificates, export, reports, serials
from app.errors import Invalid, NotFound
from app.models import AuditEntry
from app.reports import paging
from app.reports.attachments import _attachment_key_values
from tests.helpers.pdf import pdf_text


@pytest.fixture
def floor(plant):
    """Six serials of JOB-1: four with cert_mat01 at the saw, two of them moved on to the mill."""
    ids = serials.create_serials("JOB-1", 6, "admin").serial_ids
    for sid in ids[:4]:
        attachments.attach(sid, "cert_mat01", "op1" if sid != ids[2] else "op2")
    for sid in ids[:2]:
        serials.advance_serial(sid, "op1")
    attachments.attach(ids[0], "cert_mat01", "op2")  # again, at the mill
    return ids


def all_rows(fetch, query, page_size=2):
    return list(reports.iter_pages(fetch, query, page_size=page_size))


def test_attachments_of_a_certificate_with_their_context(floor):
    query = reports.AttachmentQuery("cert_mat01")
    rows = all_rows(reports.attachment_page, query)
    assert reports.count_attachments(query) == len(rows) == 5
    assert [(r.serial_id, r.step_id) for r in rows] == [
        (floor[0], "step_001"), (floor[1], "step_001"), (floor[2], "step_001"), (floor[3], "step_001"),
        (floor[0], "step_002")]
    assert rows[2].attached_by_name == "Otto Operator" and rows[4].step_name == "Mill"
    assert {r.job_id for r in rows} == {"JOB-1"}


@pytest.mark.parametrize("sort", reports.ATTACHMENT_SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_through_every_row_once_in_order(floor, sort, descending):
    rows = all_rows(reports.attachment_page, reports.AttachmentQuery("cert_mat01", sort=sort, descending=descending))
    assert len({r.id for r in rows}) == 5
    keys = [_attachment_key_values(sort, r) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_filters_by_text_step_user_and_time(floor):
    def ids(**filters):
        return [(r.serial_id, r.step_id) for r in all_rows(reports.attachment_page,
                                                           reports.AttachmentQuery("cert_mat01", **filters))]
    assert ids(step_id="step_002") == [(floor[0], "step_002")]
    assert ids(user_id="op2") == [(floor[2], "step_001"), (floor[0], "step_002")]
    assert ids(text="Otto") == ids(user_id="op2")
    assert ids(text=floor[3]) == [(floor[3], "step_001")]
    future = dt.datetime(2999, 1, 1)
    assert ids(since=future) == [] and len(ids(until=future)) == 5


def pages_by_index(fetch, index_of, query, size):
    """Every page fetched straight from where the index says it starts, in any order."""
    index = index_of(query, size)
    pages = {k: fetch(query, after=index.after(k), limit=size).rows for k in reversed(range(index.pages))}
    return index, [row for k in range(index.pages) for row in pages[k]]


@pytest.mark.parametrize("sort", reports.ATTACHMENT_SORTS)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 6])
def test_the_page_index_starts_every_page_where_paging_from_the_first_would(floor, sort, descending, size):
    query = reports.AttachmentQuery("cert_mat01", sort=sort, descending=descending)
    index, rows = pages_by_index(reports.attachment_page, reports.attachment_page_index, query, size)
    assert index.total == 5 and index.pages == -(-5 // size) and len(index.afters) == index.pages - 1
    assert rows == all_rows(reports.attachment_page, query)


def test_the_page_index_of_a_filtered_listing(floor):
    for filters in ({"text": "Otto"}, {"step_id": "step_001"}, {"since": dt.datetime(2999, 1, 1)},
                    {"text": "JOB-1", "sort": "job", "descending": True}):
        query = reports.AttachmentQuery("cert_mat01", **filters)
        index, rows = pages_by_index(reports.attachment_page, reports.attachment_page_index, query, 2)
        assert rows == all_rows(reports.attachment_page, query) and index.total == len(rows)


def test_page_indexes_of_the_audit_trail_and_the_lacking_serials(floor):
    for query in (reports.AuditQuery(), reports.AuditQuery(type="cert_attached", user_id="op1")):
        index, rows = pages_by_index(reports.audit_page, reports.audit_page_index, query, 3)
        assert rows == all_rows(reports.audit_page, query) and index.total == len(rows) > 0
    spec = reports.CoverageSpec(job_id="JOB-1", cert_id="cert_mat01")
    index, rows = pages_by_index(reports.lacking_page, reports.lacking_page_index, spec, 1)
    assert [r.serial_id for r in rows] == floor[4:] and index.total == 2


def test_a_listing_that_shrank_between_count_and_keys_gives_an_index_of_what_the_keys_reach(floor, monkeypatch):
    hops = paging._hops
    monkeypatch.setattr(paging, "_hops", lambda *args: hops(*args)[:-1])  # a row left after the count
    index = reports.attachment_page_index(reports.AttachmentQuery("cert_mat01"), 2)
    assert (index.total, index.pages, len(index.afters)) == (4, 2, 1)
    with pytest.raises(ValueError, match="3 pages need 2 starts, not 1"):
        reports.PageIndex(5, 2, index.afters)


def test_a_page_index_refuses_what_its_listing_refuses(floor):
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        reports.attachment_page_index(reports.AttachmentQuery("cert_x"))
    with pytest.raises(Invalid, match="^Sort by one of"):
        reports.attachment_page_index(reports.AttachmentQuery("cert_mat01", sort="colour"))
    with pytest.raises(Invalid, match="^Page size must be at least 1: 0$"):
        reports.attachment_page_index(reports.AttachmentQuery("cert_mat01"), 0)
    assert reports.attachment_page_index(reports.AttachmentQuery("cert_insp01")) == reports.PageIndex(0, 200, [])


def test_unknown_and_empty_certificates(floor):
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        reports.attachment_page(reports.AttachmentQuery("cert_x"))
    page = reports.attachment_page(reports.AttachmentQuery("cert_insp01"))
    assert page.rows == [] and page.last


def test_coverage_lists_exactly_the_serials_lacking_the_certificate(floor):
    spec = reports.CoverageSpec(job_id="JOB-1", cert_id="cert_mat01")
    assert reports.coverage_count(spec).to_json() == {"covered": 4, "total": 6, "lacking": 2}
    lacking = all_rows(reports.lacking_page, spec)
    assert [(r.serial_id, r.step_id, r.step_name) for r in lacking] == [
        (floor[4], "step_001", "Saw"), (floor[5], "step_001", "Saw")]
    by_kind = reports.CoverageSpec(serial_ids=floor[:5], kind="MATERIAL")
    assert [r.serial_id for r in all_rows(reports.lacking_page, by_kind)] == [floor[4]]
    with pytest.raises(Invalid, match="^Choose a certificate or a certificate kind$"):
        reports.coverage_count(reports.CoverageSpec(job_id="JOB-1"))
    with pytest.raises(NotFound, match="^Job not found: JOB-9$"):
        reports.coverage_count(reports.CoverageSpec(job_id="JOB-9", kind="MATERIAL"))


def test_route_gaps_are_passed_steps_missing_a_required_kind(floor):
    serials.advance_serial(floor[4], "op1", reason="Material cert arrives tomorrow, QA concession 12")
    gaps = all_rows(reports.route_gap_page, reports.CoverageSpec(job_id="JOB-1"), page_size=1)
    assert [(g.serial_id, g.step_id, g.missing) for g in gaps] == [(floor[4], "step_001", ["MATERIAL"])]


def test_audit_trail_newest_first_and_filtered(floor):
    everything = all_rows(reports.audit_page, reports.AuditQuery(), page_size=7)
    assert [e.seq for e in everything] == sorted((e.seq for e in everything), reverse=True)
    assert len(everything) == AuditEntry.select().count()
    attached_by_op2 = all_rows(reports.audit_page, reports.AuditQuery(type="cert_attached", user_id="op2"))
    assert [(e.serial_id, e.step_id) for e in attached_by_op2] == [(floor[0], "step_002"), (floor[2], "step_001")]
    for_serial = reports.serial_audit(floor[0])
    assert [e.type for e in for_serial] == ["cert_attached", "serial_advanced", "cert_attached", "serial_created"]


def test_the_audit_trail_filter_takes_a_certificate_by_id_or_number_and_a_deleted_one_by_its_id(floor):
    assert reports.audit_cert_id("HT-4711") == reports.audit_cert_id(" cert_mat01 ") == "cert_mat01"
    certificates.delete_certificate("cert_insp01", "sup1", "Entered by mistake")
    assert reports.audit_cert_id("cert_insp01") == "cert_insp01"
    with pytest.raises(NotFound, match="^Certificate not found: cert_nothing$"):
        reports.audit_cert_id("cert_nothing")  # a typing slip, said, rather than an empty trail
    deleted = all_rows(reports.audit_page, reports.AuditQuery(cert_id=reports.audit_cert_id("cert_insp01")))
    assert [e.type for e in deleted][0] == "cert_deleted"
    certificates.create_certificate({"id": "cert_twin", "name": "Second report", "kind": "MATERIAL",
                                     "number": "HT-4711"}, "sup1")
    with pytest.raises(Invalid, match="^Number HT-4711 belongs to several certificates"):
        reports.audit_cert_id("HT-4711")


def test_csv_export_streams_every_row_seed_fields_first(floor, tmp_path):
    target = tmp_path / "attachments.csv"
    seen = []
    count = export.write_csv(*export.report_table("attachments", cert_id="cert_mat01"), target,
                             progress=seen.append, every=2)
    with open(target, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == 5 and seen[-1] == 5
    assert list(rows[0])[:6] == ["id", "serialId", "certId", "stepId", "attachedAt", "attachedBy"]
    assert dt.datetime.strptime(rows[0]["attachedAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert not (tmp_path / "attachments.csv.partial").exists()


def test_each_csv_header_is_its_records_json_names_and_the_fast_rows_match_them(floor):
    serials.advance_serial(floor[4], "op1", reason="Material cert arrives tomorrow, QA concession 12")
    spec = {"job_id": "JOB-1", "cert_id": "cert_mat01"}
    for view, options in (("attachments", {"cert_id": "cert_mat01"}), ("lacking", spec), ("gaps", {"job_id": "JOB-1"}),
                          ("audit", {})):
        header, rows = export.report_table(view, **options)
        records = list(export.report_rows(view, **options))
        assert records and header == list(records[0].to_json())
        if view == "attachments":
            # The export's fast path writes what to_json says, times included.
            assert [tuple(row) for row in rows] == [tuple(r.to_json().values()) for r in records]


def test_a_cancelled_export_leaves_no_file(floor, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(export.Cancelled):
        export.write_csv(*export.report_table("audit"), folder / "audit.csv", cancelled=lambda: True, every=1)
    assert list(folder.iterdir()) == []


def test_pdf_report_holds_title_details_rows_and_page_numbers(floor, tmp_path):
    from app.report_pdf import Report, write_pdf

    title, details, total = export.report_title_and_details("attachments", cert_id="cert_mat01")
    target = tmp_path / "report.pdf"
    write_pdf(Report(title, details, export.COLUMNS["attachments"],
                     export.report_dicts("attachments", cert_id="cert_mat01"), "Sam Supervisor (sup1)",
                     "2026-11-23 10:00 UTC", total=total), str(target))
    text = pdf_text(target)
    assert "Attachments of certificate cert_mat01" in text
    assert "Mill test report 42CrMo4" in text
    for sid in floor[:4]:
        assert sid in text
    assert "Generated by Sam Supervisor (sup1)" in text and "Page 1 of 1" in text
