"""Jobs: created on the newest revision, closed with a reason, their quantity held, their progress counted."""
from __future__ import annotations

import pytest

from app import integrity, jobs, serial_batches, serials
from app.errors import Forbidden, Invalid
from tests.helpers.state import entries, row_counts


def _job(quantity: int = 3, **more) -> jobs.JobRecord:
    return jobs.create_job({"id": "JOB-2", "name": "Small order", "part": "FL-9", "route": "path_a",
                            "quantity": quantity} | more, "sup1")


def test_a_job_carries_its_label_data_and_its_route_revision(plant):
    job = _job(gtin="4012345678901", lot="H4711-A")
    assert (job.gtin, job.lot, job.path_id, job.route_id, job.revision, job.closed) == (
        "04012345678901", "H4711-A", "path_a", "path_a", 1, False)
    assert entries("job_created")[-1].details["gtin"] == "04012345678901"
    assert [j.id for j in jobs.list_jobs()] == ["JOB-1", "JOB-2"]
    assert integrity.verify(quick=True).ok


@pytest.mark.parametrize("field, value, message", [
    ("gtin", "4012345678902", "GTIN 4012345678902 has a wrong check digit"),
    ("gtin", "40123", "GTIN must be 8, 12, 13 or 14 digits: 40123"),
    ("lot", "LOT WITH SPACES", "Lot must be 1 to 20 letters, digits or GS1's punctuation (no spaces): LOT WITH SPACES"),
    ("lot", "L" * 21, "Lot must be 1 to 20"),
])
def test_label_data_is_checked(plant, field, value, message):
    before = row_counts()
    with pytest.raises(Invalid) as refused:
        _job(**{field: value})
    assert refused.value.message.startswith(message) and refused.value.field == field
    assert row_counts() == before


def test_a_closed_job_takes_no_new_serials_and_its_serials_go_on(plant):
    (serial,) = serials.create_serials("JOB-1", 1, "sup1", cert_id="cert_mat01").serial_ids
    with pytest.raises(Invalid, match="^A reason is required to close a job$"):
        jobs.close_job("JOB-1", "sup1", " ")
    closed = jobs.close_job("JOB-1", "sup1", "Order delivered")
    assert closed.closed and entries("job_closed")[-1].reason == "Order delivered"
    before = row_counts()
    for attempt in (lambda: serials.create_serials("JOB-1", 1, "sup1"),
                    lambda: serial_batches.create_batch("JOB-1", "sup1", count=1, pattern="X-{n}"),
                    lambda: serial_batches.create_batch("JOB-1", "sup1", serial_ids=["X-1"])):
        with pytest.raises(Invalid, match="^Job JOB-1 is closed: it takes no new serials$"):
            attempt()
    with pytest.raises(Invalid, match="^Job JOB-1 is closed already"):
        jobs.close_job("JOB-1", "sup1", "Twice")
    assert row_counts() == before
    assert serials.advance_serial(serial, "op1").current_step_index == 1  # the serials it has go on
    assert integrity.verify(quick=True).ok


def test_a_batch_past_the_quantity_is_refused_scrapped_ones_not_counted(plant):
    _job(quantity=3)
    first, second = serials.create_serials("JOB-2", 2, "sup1").serial_ids
    before = row_counts()
    message = ("Job JOB-2 is for 3 pieces and has 2 serials (scrapped ones not counted): 2 more would make 4; "
               "at most 1 more")
    with pytest.raises(Invalid) as refused:
        serials.create_serials("JOB-2", 2, "sup1", cert_id="cert_mat01")
    assert (refused.value.message, refused.value.field) == (message, "count")
    with pytest.raises(Invalid, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        serial_batches.create_batch("JOB-2", "sup1", serial_ids=["A-1", "A-2"])
    assert row_counts() == before
    serials.scrap_serial(first, "sup1", "Crack")
    assert len(serials.create_serials("JOB-2", 2, "sup1").serial_ids) == 2  # the scrapped piece is made again
    (progress,) = jobs.job_progress("JOB-2")
    assert (progress.made, progress.in_progress, progress.scrapped, progress.room) == (4, 3, 1, 0)
    assert progress.at_step[0] == ("step_001", "Saw", 3)


def test_progress_and_the_serials_of_a_job(plant):
    ids = serials.create_serials("JOB-1", 3, "sup1", cert_id="cert_mat01").serial_ids
    serials.advance_serial(ids[0], "op1")
    serials.scrap_serial(ids[2], "sup1", "Dropped")
    progress = {p.job.id: p for p in jobs.job_progress()}
    assert progress["JOB-1"].to_json()["atStep"] == [{"stepId": "step_001", "stepName": "Saw", "count": 1},
                                                     {"stepId": "step_002", "stepName": "Mill", "count": 1},
                                                     {"stepId": "step_003", "stepName": "Inspect", "count": 0}]
    page = jobs.serials_of_job("JOB-1", limit=2)
    assert [(s.id, s.status, s.step_name) for s in page] == [(ids[0], "in_progress", "Mill"),
                                                            (ids[1], "in_progress", "Saw")]
    assert [s.id for s in jobs.serials_of_job("JOB-1", after=page[-1].id)] == [ids[2]]


@pytest.mark.parametrize("user", ["op1", "op2"])
def test_operators_neither_create_nor_close_jobs(plant, user):
    before = row_counts()
    with pytest.raises(Forbidden, match=f"^User {user} \\(operator\\) may not create jobs$"):
        jobs.create_job({"id": "JOB-2", "name": "x", "part": "x", "route": "path_a", "quantity": 1}, user)
    with pytest.raises(Forbidden, match=f"^User {user} \\(operator\\) may not close jobs$"):
        jobs.close_job("JOB-1", user, "Done")
    assert row_counts() == before
