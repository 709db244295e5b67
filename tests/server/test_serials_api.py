"""The seeds' attach (004) and attachment list (000) over HTTP, a serial with its steps, and batches."""
from __future__ import annotations

import datetime as dt
import logging

from app import audit, serials, users
from app.models import AuditEntry, CertAttachment
from tests.helpers.plant import TODAY
from tests.helpers.state import entries, row_counts
from tests.server.conftest import token

KEYS = ["id", "serialId", "certId", "stepId", "attachedAt", "attachedBy"]


def post_attach(client, serial: str, body):
    return client.post(f"/api/serials/{serial}/attach-cert", json=body)


def test_the_seeds_attach_example_attaches_once_and_returns_the_record_again(server, on_the_line):
    """Seed 004: attach cert_mat01 for user_op1 at the serial's current step; the same request again
    returns the same record and writes nothing."""
    users.create_user("user_op1", "Una Operator", "operator", "B-UOP1", by="admin")
    serials.advance_serial("SN-00001", "admin", reason="Material certificate follows by post")  # at step_002
    supervisor_token_id, secret = token("sup1")
    client = server.client(secret)
    first = post_attach(client, "SN-00001", {"certId": "cert_mat01", "userId": "user_op1"})
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    record = first.json()
    assert list(record) == KEYS
    assert (record["serialId"], record["certId"], record["stepId"], record["attachedBy"]) == (
        "SN-00001", "cert_mat01", "step_002", "user_op1")
    assert record["id"].startswith("ca_") and record["attachedAt"].endswith("Z") and len(record["attachedAt"]) == 24
    before = row_counts()
    again = post_attach(client, "SN-00001", {"certId": "cert_mat01", "userId": "user_op1"})
    assert (again.status_code, again.json()) == (200, record)
    assert row_counts() == before
    (entry,) = entries("cert_attached")
    # The entry names the user of the body and the token the request came through.
    assert (entry.user_id, entry.serial_id, entry.cert_id, entry.step_id, entry.record_id) == (
        "user_op1", "SN-00001", "cert_mat01", "step_002", record["id"])
    assert (entry.auth, entry.token_id) == ("token", supervisor_token_id)
    assert CertAttachment.get_by_id(record["id"]).attached_by_id == "user_op1"
    assert audit.verify().ok


def test_each_refusal_of_the_attach_rule_with_its_status_and_words(server, api, on_the_line):
    for _ in range(2):
        serials.advance_serial("SN-00003", "admin", reason="Certificates follow")
    serials.complete_serial("SN-00003", "admin", reason="Shipped")
    cases = [
        ("SN-404", {"certId": "cert_mat01", "userId": "op1"}, 404, "SerialNumber not found: SN-404"),
        ("SN-00001", {"certId": "cert_x", "userId": "op1"}, 404, "Certificate not found: cert_x"),
        ("SN-00003", {"certId": "cert_mat01", "userId": "op1"}, 400, "Serial is already completed, cannot attach cert"),
        ("SN-00001", {"userId": "op1"}, 400, "Certificate id is required"),
        ("SN-00001", {"certId": None, "userId": "op1"}, 400, "Certificate id is required"),
        ("SN-00001", {"certId": 42, "userId": "op1"}, 400, "Certificate id must be text, got int"),
        ("SN-00001", {"certId": "cert_mat01"}, 400, "User id is required"),
        ("SN-00001", {"certId": "cert_mat01", "userId": "nobody"}, 404, "User not found: nobody"),
        ("SN-00001", {"certId": "cert_old", "userId": "op1"}, 400,
         f"Certificate cert_old expired on {TODAY - dt.timedelta(days=1)}, cannot attach"),
        ("SN-00001", {"certId": "cert_rev", "userId": "op1"}, 400, "Certificate cert_rev is revoked, cannot attach"),
        # Several faults: the rule's order decides (the serial before the certificate, the certificate before
        # the user), whatever the request's shape.
        ("SN-404", {"certId": 42}, 404, "SerialNumber not found: SN-404"),
        ("SN-00003", {"certId": "cert_x", "userId": "nobody"}, 404, "Certificate not found: cert_x"),
    ]
    before = row_counts()
    for serial, body, status, message in cases:
        answer = post_attach(api, serial, body)
        assert (answer.status_code, answer.json()) == (status, {"error": {"status": status, "message": message}}), (
            serial, body)
    assert row_counts() == before


def test_a_failure_is_a_500_internal_server_error_with_the_details_only_in_the_log(server, api, on_the_line,
                                                                                   monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire at /var/lib/secret")

    monkeypatch.setattr("app.server.api_serials.attach", broken)
    with caplog.at_level(logging.ERROR, logger="certline.server"):
        answer = post_attach(api, "SN-00001", {"certId": "cert_mat01", "userId": "op1"})
    assert (answer.status_code, answer.json()) == (500, {"error": {"status": 500, "message": "Internal Server Error"}})
    assert "fire" not in answer.text
    assert any("disk on fire" in record.getMessage() or (record.exc_info and "disk on fire" in str(record.exc_info[1]))
               for record in caplog.records)


def test_the_seeds_attachment_list_every_record_oldest_first_or_empty_or_not_found(server, api, on_the_line):
    """Seed 000: an array of records for the certificate, [] when never attached, 404 when unknown."""
    made = [post_attach(api, serial, {"certId": "cert_mat01", "userId": user}).json()
            for serial, user in (("SN-00002", "op1"), ("SN-00001", "op2"), ("SN-00003", "sup1"))]
    answer = api.get("/api/certs/cert_mat01/attachments")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    listed = answer.json()
    assert listed == sorted(made, key=lambda r: (r["attachedAt"], r["serialId"]))
    assert all(list(record) == KEYS for record in listed)
    assert (api.get("/api/certs/cert_insp01/attachments").status_code,
            api.get("/api/certs/cert_insp01/attachments").json()) == (200, [])
    missing = api.get("/api/certs/cert_abc123/attachments")
    assert (missing.status_code, missing.json()) == (404, {"error": {"status": 404,
                                                                     "message": "Certificate not found: cert_abc123"}})


def test_a_serial_with_its_attachments_per_step(server, api, on_the_line):
    attached = post_attach(api, "SN-00001", {"certId": "cert_mat01", "userId": "op1"}).json()
    answer = api.get("/api/serials/SN-00001")
    assert answer.status_code == 200
    serial = answer.json()
    assert serial == serials.get_serial("SN-00001").to_json()
    assert [step["id"] for step in serial["steps"]] == ["step_001", "step_002", "step_003"]
    (here,) = serial["steps"][0]["attachments"]
    assert {key: here[key] for key in KEYS} == attached and here["certName"] == "Mill test report 42CrMo4"
    assert serial["steps"][0]["state"] == "current" and serial["steps"][2]["missing"] == ["INSPECTION"]
    missing = api.get("/api/serials/SN-404")
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "SerialNumber not found: SN-404")


def test_a_batch_of_serials_each_with_the_certificate_all_or_nothing(server, api, plant):
    answer = api.post("/api/serials/batch", json={"jobId": "JOB-1", "count": 3, "certId": "cert_mat01"})
    assert answer.status_code == 201
    batch = answer.json()
    assert batch == {"jobId": "JOB-1", "count": 3, "serialIds": ["SN-00001", "SN-00002", "SN-00003"],
                     "certId": "cert_mat01", "stepId": "step_001"}
    listed = api.get("/api/certs/cert_mat01/attachments").json()
    assert sorted(r["serialId"] for r in listed) == batch["serialIds"] and {r["attachedBy"] for r in listed} == {"sup1"}
    by_list = api.post("/api/serials/batch", json={"jobId": "JOB-1", "serialIds": ["ERP-1", "ERP-2"],
                                                   "certId": "cert_mat01", "userId": "admin"})
    assert by_list.status_code == 403  # a supervisor's token does not act for an administrator
    by_list = api.post("/api/serials/batch", json={"jobId": "JOB-1", "serialIds": ["ERP-1", "ERP-2"],
                                                   "certId": "cert_mat01"})
    assert (by_list.status_code, by_list.json()["serialIds"]) == (201, ["ERP-1", "ERP-2"])
    before = row_counts()
    for body, status, message in (
            ({"jobId": "JOB-1", "count": 2, "certId": "cert_rev"}, 400, "Certificate cert_rev is revoked, cannot attach"),
            ({"jobId": "JOB-9", "count": 2}, 404, "Job not found: JOB-9"),
            ({"jobId": "JOB-1", "serialIds": ["ERP-2", "ERP-3"]}, 400, None),
            ({"jobId": "JOB-1", "count": 0}, 400, "Count must be a whole number from 1 to 100000: 0"),
            ({"jobId": "JOB-1", "count": 2, "certId": "cert_mat01", "userId": "op1"}, 403,
             "User op1 (operator) may not create serials")):
        refused = api.post("/api/serials/batch", json=body)
        assert refused.status_code == status, body
        if message:
            assert refused.json()["error"]["message"] == message
    assert row_counts() == before
    assert AuditEntry.select().where(AuditEntry.type == "serial_created").count() == 5
