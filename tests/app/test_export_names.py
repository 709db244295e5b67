"""The name an export is offered under says what it holds, and is a file name on any system."""
from __future__ import annotations

import datetime as dt

import pytest

from app.errors import Invalid
from app.queries.exports import export_file_name

ON = dt.date(2026, 12, 1)


@pytest.mark.parametrize(("view", "options", "suffix", "expected"), [
    ("attachments", {"cert_id": "cert_mat01", "text": None, "step_id": None, "user_id": None}, "csv",
     "cert_mat01-attachments-2026-12-01.csv"),
    ("attachments", {"cert_id": "cert_mat01", "step_id": "fl_saw", "user_id": "op1", "text": "SN"}, "pdf",
     "cert_mat01-attachments-fl_saw-op1-2026-12-01.pdf"),
    ("serial", {"serial_id": "SN-00001"}, "pdf", "SN-00001-serial-2026-12-01.pdf"),
    ("lacking", {"job_id": "JOB-24-0423", "serial_ids": None, "cert_id": None, "kind": "MATERIAL"}, "csv",
     "JOB-24-0423-lacking-material-2026-12-01.csv"),
    ("lacking", {"job_id": "JOB-24-0423", "serial_ids": None, "cert_id": "cert_mat01", "kind": None}, "csv",
     "JOB-24-0423-lacking-cert_mat01-2026-12-01.csv"),
    ("lacking", {"job_id": None, "serial_ids": ["SN-00002"], "cert_id": None, "kind": "PROCESS"}, "csv",
     "SN-00002-lacking-process-2026-12-01.csv"),
    ("gaps", {"job_id": None, "serial_ids": ["SN-00002", "SN-00003", "SN-00009"]}, "pdf",
     "SN-00002-and-2-more-route-gaps-2026-12-01.pdf"),
    ("audit", {"type": None, "user_id": None, "serial_id": None, "cert_id": None, "since": None, "until": None},
     "csv", "audit-trail-2026-12-01.csv"),
    ("audit", {"type": "cert_attached", "serial_id": "SN-00003", "user_id": "sup1"}, "csv",
     "audit-trail-cert_attached-SN-00003-sup1-2026-12-01.csv"),
])
def test_the_name_says_what_the_file_holds(view, options, suffix, expected):
    assert export_file_name(view, options, ON, suffix) == expected


@pytest.mark.parametrize(("cert_id", "expected"), [
    ("a/b\\c:d", "a_b_c_d"),                    # folders, a Windows drive
    ('x*?"<>|y', "x_y"),                        # what Windows refuses
    ("..hidden.", "hidden"),                    # no hidden file, no trailing dot
    ("../../etc/passwd", "_.._etc_passwd"),     # never a path out of the chosen folder
    ("~$%&'()+,;=@[]^`{}!#", "_"),              # printable ASCII an id may hold, none of it kept
])
def test_ids_are_made_safe_for_a_file_name(cert_id, expected):
    name = export_file_name("attachments", {"cert_id": cert_id}, ON, ".csv")
    assert name == f"{expected}-attachments-2026-12-01.csv"
    assert not set('/\\:*?"<>|') & set(name)


def test_a_long_id_is_cut_and_an_unknown_report_refused():
    name = export_file_name("serial", {"serial_id": "S" * 64}, ON, "csv")
    assert name == "S" * 64 + "-serial-2026-12-01.csv"
    assert len(export_file_name("serial", {"serial_id": "S" * 200}, ON, "csv")) == len(name)
    with pytest.raises(Invalid, match="Unknown report: nope"):
        export_file_name("nope", {}, ON, "csv")
