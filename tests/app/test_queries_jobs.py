"""app.queries.jobs, what the Jobs and Serials views ask: jobs with progress, a job's serials by key, a batch
previewed and made (a certificate by its number; cancelled, nothing written), a list file read, many moved
with the reason the core names as the missing input."""
from __future__ import annotations

import pytest

from app import serials
from app.errors import Invalid, NotFound
from app.queries import jobs as queries
from tests.helpers.state import row_counts


def test_jobs_with_progress_and_a_job_s_serials_a_page_at_a_time(plant):
    serials.create_serials("JOB-1", 5, "admin")
    serials.scrap_serial("SN-00003", "sup1", "Cracked")
    (row,) = queries.job_rows()
    assert (row.job.id, row.route_name, row.progress.in_progress, row.progress.scrapped) == (
        "JOB-1", "Flange machining", 4, 1)
    first = queries.serial_page("JOB-1", None, 2)
    assert [s.id for s in first.rows] == ["SN-00001", "SN-00002"] and first.after == ("SN-00002",)
    last = queries.serial_page("JOB-1", first.after, 3)
    assert [(s.id, s.status, s.step_name) for s in last.rows] == [
        ("SN-00003", "scrapped", "Saw"), ("SN-00004", "in_progress", "Saw"), ("SN-00005", "in_progress", "Saw")]
    assert queries.serial_page("JOB-1", last.after, 3).rows == [] and queries.count_serials("JOB-1") == 5
    assert [j.id for j in queries.open_jobs()] == ["JOB-1"]
    assert [r.route_id for r in queries.routes_for_new_jobs()] == ["path_a"]


def test_a_batch_previewed_then_made_with_a_certificate_by_its_number(plant):
    assert queries.preview("JOB-1", 3, "N-{n:03}") == queries.BatchPreview("N-001", "N-003", 3)
    assert queries.preview("JOB-1", listed="A-1\nA-2\n") == queries.BatchPreview("A-1", "A-2", 2)
    assert queries.preview("JOB-1", 1, "N-{n}", cert_code="HT-4711") == queries.BatchPreview(
        "N-1", "N-1", 1, "cert_mat01", "Mill test report 42CrMo4")
    with pytest.raises(Invalid, match="^Certificate cert_rev is revoked, cannot attach$"):
        queries.preview("JOB-1", 1, "N-{n}", cert_code="cert_rev")
    progress = queries.BatchProgress()
    made = queries.make_batch("JOB-1", "sup1", 3, "N-{n:03}", None, "HT-4711", progress)
    assert (made.serial_ids, made.cert_id, made.cert_name, made.cancelled) == (
        ("N-001", "N-002", "N-003"), "cert_mat01", "Mill test report 42CrMo4", False)
    assert (progress.done, progress.total) == (3, 3)
    with pytest.raises(NotFound, match="^Certificate not found: HT-0000$"):
        queries.make_batch("JOB-1", "sup1", 3, "N-{n:03}", None, "HT-0000")


def test_a_cancelled_batch_writes_nothing_and_says_so(plant):
    before = row_counts()
    progress = queries.BatchProgress()
    progress.cancel.set()
    made = queries.make_batch("JOB-1", "sup1", None, None, "A-1\nA-2", "cert_mat01", progress)
    assert made.cancelled and made.serial_ids == () and row_counts() == before


def test_a_list_file_and_many_moved_with_the_reason_the_core_names(plant, tmp_path):
    erp = tmp_path / "erp.csv"
    erp.write_bytes("\ufeffSerial;Qty\r\nE-1;1\r\nE-2;1\r\n".encode())
    text, count = queries.read_list_file(str(erp))
    assert count == 2 and text.startswith("Serial;Qty")
    queries.make_batch("JOB-1", "sup1", None, None, text, None)
    with pytest.raises(Invalid) as refused:
        queries.move("advance", ["E-1", "E-2"], "sup1")
    assert refused.value.field == "reason"  # a form asks for the reason, and only then
    assert queries.move("advance", ["E-1", "E-2"], "sup1", "Material follows") == 2
