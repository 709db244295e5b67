"""Audit entries as sentences (app.audit_sentences), people's words (app.words), and the names app/ looks
up for a page of entries."""
from __future__ import annotations

import datetime as dt

import pytest

from app import attachments, certificates, documents, policy, reports, routes, serials, tokens, users
from app import db as app_db
from app.queries import audit_trail, coverage
from app import words
from app.audit_sentences import _SENTENCES, Names, audit_sentence
from app.words import AUDIT_TYPE, coverage_sentence, kind_phrase, plural
from tests.helpers import documents_corpus as corpus

NAMES = Names(users={"op1": "Olga Novak", "sup1": "Sara Lindqvist", "admin": "Alex Admin"},
              certificates={"cert_mat01": "Mill test report S355J2"},
              steps={"fl_saw": "Saw blank", "fl_turn": "CNC turning"},
              paths={"route_flange": "Flange machining"},
              steps_at={("route_flange", 0): "Saw blank", ("route_flange", 1): "CNC turning"})


def entry(type: str, details: dict | None = None, reason: str | None = None, **fields) -> dict:
    return {"type": type, "details": details or {}, "reason": reason, "user_id": "sup1", **fields}


# Every type the core writes, with details shaped as it writes them, and the sentence a supervisor reads.
SENTENCES = [
    (entry("cert_attached", {"stepName": "CNC turning", "stepIndex": 1}, serial_id="SN-00001", cert_id="cert_mat01",
           step_id="fl_turn"),
     "Attached cert_mat01 — Mill test report S355J2 to SN-00001 at CNC turning"),
    (entry("cert_created", {"id": "cert_cal01", "name": "Caliper 150 mm", "kind": "CALIBRATION", "number": "CAL-1"},
           cert_id="cert_cal01"),
     "Created certificate cert_cal01 — Caliper 150 mm (Calibration, number CAL-1)"),
    (entry("cert_updated", {"entity_id": "cert_mat01", "updated_fields": {
        "date_expire": {"old": "2026-01-01", "new": "2027-01-01"}}}, cert_id="cert_mat01"),
     "Changed the expiry date of cert_mat01 from 2026-01-01 to 2027-01-01"),
    (entry("cert_updated", {"updated_fields": {"heat_lot": {"old": None, "new": "H4711"},
                                               "kind": {"old": "OTHER", "new": "MATERIAL"},
                                               "note": {"old": "see drawing", "new": None}}}, cert_id="cert_x"),
     "Changed cert_x: heat/lot set to “H4711”; kind from Other to Material; note cleared (was “see drawing”)"),
    (entry("cert_revoked", cert_id="cert_mat01"), "Revoked certificate cert_mat01 — Mill test report S355J2"),
    (entry("cert_deleted", {"certificate": {"id": "cert_gone", "name": "Old report"}, "documents": ["a", "b"]},
           cert_id="cert_gone"),
     "Deleted certificate cert_gone — Old report and its 2 documents"),
    (entry("cert_approved", {"printedName": "Sara Lindqvist", "userId": "sup1", "meaning": "approved",
                             "documents": ["0" * 64]}, cert_id="cert_mat01"),
     "Approved the document of cert_mat01 — Mill test report S355J2, signed by Sara Lindqvist"),
    (entry("document_added", {"file_name": "mtr.pdf", "file_size": 1_572_864, "content_type": "application/pdf"},
           cert_id="cert_mat01"),
     "Added document mtr.pdf (1.5 MB) to cert_mat01 — Mill test report S355J2"),
    (entry("document_removed", {"file_name": "mtr.pdf"}, cert_id="cert_mat01"),
     "Removed document mtr.pdf from cert_mat01 — Mill test report S355J2"),
    (entry("serial_created", serial_id="SN-00001", job_id="JOB-1", step_id="fl_saw"),
     "Created SN-00001 in job JOB-1 at Saw blank"),
    (entry("serial_created", {"stepIndex": 1, "status": "scrapped"}, serial_id="SN-00002", job_id="JOB-1",
           path_id="route_flange"),
     "Created SN-00002 in job JOB-1 at CNC turning, scrapped"),
    (entry("serial_advanced", {"from": "fl_saw", "fromName": "Saw blank", "to": "fl_turn", "toName": "CNC turning"},
           serial_id="SN-00001"),
     "Advanced SN-00001 from Saw blank to CNC turning"),
    (entry("serial_advanced", {"from": "fl_saw", "to": "fl_turn", "overridden": ["MATERIAL", "PROCESS"]},
           serial_id="SN-00003"),
     "Advanced SN-00003 from Saw blank to CNC turning, without its required Material and Process certificate "
     "(overridden)"),
    (entry("serial_completed", {"from": "fl_turn", "fromName": "CNC turning"}, serial_id="SN-00005"),
     "Completed SN-00005 at CNC turning"),
    (entry("serial_scrapped", {"stepIndex": 0}, serial_id="SN-00003", path_id="route_flange"),
     "Scrapped SN-00003 at Saw blank"),
    (entry("job_created", {"id": "JOB-1", "name": "Flanges", "part": "FL-100", "path": "route_flange", "quantity": 40},
           job_id="JOB-1"),
     "Created job JOB-1 — Flanges: 40 pieces of part FL-100 on the route Flange machining"),
    (entry("path_created", {"id": "route_flange", "name": "Flange machining", "steps": [{"id": "a"}, {"id": "b"}]},
           path_id="route_flange"),
     "Created the route Flange machining (route_flange) with 2 steps"),
    (entry("user_created", {"userId": "op1", "name": "Olga Novak", "role": "operator", "badge": "B-OP1",
                            "hasPin": False}),
     "Added Olga Novak (op1) as Operator, badge B-OP1 (no PIN)"),
    (entry("user_login", {"name": "Sara Lindqvist", "role": "supervisor", "method": "badge+PIN"}),
     "Signed in with badge and PIN"),
    (entry("user_login", {"name": "Olga Novak", "role": "operator", "method": "badge"}), "Signed in with badge"),
    (entry("sign_in_refused", {"purpose": "sign_in", "wrongPins": 1}), "Wrong PIN when signing in"),
    (entry("sign_in_refused", {"purpose": "approve", "wrongPins": 3}),
     "Wrong PIN when approving a certificate (3 wrong PINs in a row)"),
    (entry("sign_in_refused", {"purpose": "cli", "wrongPins": 2}), "Wrong PIN at certline-cli (2 wrong PINs in a row)"),
    (entry("user_locked", {"wrongPins": 5, "minutes": 5}), "Locked out after 5 wrong PINs in a row, for 5 minutes"),
    (entry("pin_set", {"userId": "sup1", "hasPin": True}), "Changed their own PIN"),
    (entry("pin_set", {"userId": "op1", "hasPin": True}), "Set a new PIN for Olga Novak (op1)"),
    (entry("pin_cleared", {"userId": "op1", "hasPin": False}),
     "Cleared the PIN of Olga Novak (op1): badge only from now on"),
    (entry("policy_changed", {"policy": "pin_attempts", "old": 5, "new": 8}),
     "Changed the plant rule “wrong PINs before a lock” from 5 to 8"),
    (entry("policy_changed", {"policy": "require_approved", "old": False, "new": True}),
     "Turned on the plant rule “only approved certificates may be attached”"),
    (entry("token_created", {"tokenId": "tok_1", "userId": "sup1", "role": "supervisor", "name": "ERP import",
                             "expiresAt": None}),
     "Created API token “ERP import” (tok_1) for Sara Lindqvist (sup1), never expires"),
    (entry("token_revoked", {"tokenId": "tok_1", "userId": "sup1", "name": "ERP import"}),
     "Revoked API token “ERP import” (tok_1) of Sara Lindqvist (sup1)"),
    (entry("webhook_added", {"subscriptionId": "wh_1", "url": "https://erp.example/hook",
                             "eventTypes": ["CERTIFICATE::UPDATE", "CERTIFICATE::ATTACH"]}),
     "Subscribed https://erp.example/hook to change events (update, attach)"),
    (entry("webhook_paused", {"subscriptionId": "wh_1", "url": "https://erp.example/hook"}),
     "Paused the webhook https://erp.example/hook"),
    (entry("webhook_resumed", {"subscriptionId": "wh_1", "url": "https://erp.example/hook"}),
     "Resumed the webhook https://erp.example/hook"),
    (entry("webhook_removed", {"subscriptionId": "wh_1", "url": "https://erp.example/hook", "cancelled": 2}),
     "Removed the webhook https://erp.example/hook; 2 queued events cancelled"),
    (entry("route_revised", {"id": "route_flange@r2", "routeId": "route_flange", "revision": 2,
                             "name": "Flange machining", "changes": ["added step Deburr (fl_deburr) at 3"]},
           path_id="route_flange@r2"),
     "Changed the route Flange machining (route_flange) to revision 2: added step Deburr (fl_deburr) at 3"),
    (entry("route_renamed", {"routeId": "route_flange", "name": {"old": "Flanges", "new": "Flange machining"}}),
     "Renamed the route route_flange from “Flanges” to “Flange machining”"),
    (entry("route_archived", {"routeId": "route_flange"}, path_id="route_flange"),
     "Archived the route Flange machining (route_flange): no new jobs on it"),
    (entry("route_restored", {"routeId": "route_flange"}, path_id="route_flange"),
     "Restored the route Flange machining (route_flange) for new jobs"),
    (entry("job_closed", job_id="JOB-1", path_id="route_flange"), "Closed job JOB-1"),
    (entry("user_updated", {"userId": "op1", "changes": {"role": {"old": "operator", "new": "supervisor"}}}),
     "Changed the role of Olga Novak (op1) from Operator to Supervisor"),
    (entry("user_updated", {"userId": "op1", "changes": {"name": {"old": "Olga N", "new": "Olga Novak"},
                                                         "badge": {"old": "B-1", "new": "B-OP1"}}}),
     "Changed Olga Novak (op1): name from “Olga N” to “Olga Novak”; badge from B-1 to B-OP1"),
    (entry("user_deactivated", {"userId": "op1"}), "Deactivated Olga Novak (op1): they can no longer sign in"),
    (entry("user_reactivated", {"userId": "op1"}), "Reactivated Olga Novak (op1): they can sign in again"),
    (entry("user_unlocked", {"userId": "op1", "wrongPins": 5}), "Unlocked Olga Novak (op1) after 5 wrong PINs"),
    (entry("labels_printed", {"count": 12, "size": "50x25", "output": "printer", "reprint": False},
           serial_id="SN-00001"),
     "Printed the label of SN-00001 on the printer (50x25 mm, one of 12)"),
    (entry("labels_printed", {"count": 1, "size": "50x25", "output": "pdf", "reprint": True}, serial_id="SN-00001"),
     "Printed again the label of SN-00001 to a PDF (50x25 mm)"),
    (entry("pack_made", {"serialCount": 20, "selection": "job JOB-1", "customer": "Acme Aerospace",
                         "orderRef": "PO-2024-0815", "printedName": "Sara Lindqvist", "pages": 34,
                         "gaps": ["one"], "fileSha256": "ab12cd34ef56" + "0" * 52}, job_id="JOB-1"),
     "Made a conformance pack of 20 serials (job JOB-1) for Acme Aerospace, order PO-2024-0815 "
     "(1 gap, sha256 ab12cd34ef56…)"),
    (entry("queued_attach_held", {"queueId": "9f" * 16, "stepSeen": "fl_turn", "stepNow": "fl_drill"},
           reason="It had moved on to Drill bolt circle", serial_id="SN-00001", cert_id="cert_mat01", step_id="fl_turn"),
     "Held for a supervisor: cert_mat01 — Mill test report S355J2 to SN-00001 at CNC turning, saved offline — "
     "reason: It had moved on to Drill bolt circle"),
    (entry("queued_attach_resolved", {"queueId": "9f" * 16, "decision": "attach", "attachmentId": "att_1"},
           reason="Checked the part", serial_id="SN-00001", cert_id="cert_mat01", step_id="fl_turn"),
     "Attached the held cert_mat01 — Mill test report S355J2 to SN-00001 at its current step — reason: Checked the part"),
    (entry("queued_attach_resolved", {"queueId": "9f" * 16, "decision": "dismiss", "attachmentId": None},
           reason="Scanned by mistake", serial_id="SN-00001", cert_id="cert_mat01", step_id="fl_turn"),
     "Dismissed the held attach of cert_mat01 — Mill test report S355J2 to SN-00001: nothing attached — reason: "
     "Scanned by mistake"),
    (entry("plant_imported", {"file": "plant.json", "counts": {"users": 1, "paths": 2, "serials": 40}}),
     "Imported the plant file plant.json: 1 user, 2 routes, 40 serials"),
]


@pytest.mark.parametrize("record, sentence", SENTENCES, ids=[f"{e['type']}-{i}" for i, (e, _) in enumerate(SENTENCES)])
def test_every_type_reads_as_a_sentence(record, sentence):
    assert audit_sentence(record, NAMES) == sentence


def test_every_type_has_a_word_and_a_sentence_and_each_is_tested():
    assert set(_SENTENCES) == set(AUDIT_TYPE)
    assert {record["type"] for record, _ in SENTENCES} == set(AUDIT_TYPE)
    assert words.audit_sentence is audit_sentence and words.Names is Names  # found in app.words too


def test_without_names_the_ids_stand_in():
    record = entry("cert_attached", {"stepIndex": 1}, serial_id="SN-00001", cert_id="cert_mat01", step_id="fl_turn")
    assert audit_sentence(record) == "Attached cert_mat01 to SN-00001 at fl_turn"
    assert audit_sentence(entry("serial_scrapped", {"stepIndex": 2}, serial_id="SN-9")) == \
        "Scrapped SN-9 at step 3 of its route"


def test_the_reason_follows_unless_a_column_shows_it():
    record = entry("cert_revoked", reason="Supplier recall", cert_id="cert_mat01")
    assert audit_sentence(record, NAMES) == \
        "Revoked certificate cert_mat01 — Mill test report S355J2 — reason: Supplier recall"
    assert audit_sentence(record, NAMES, reason=False) == "Revoked certificate cert_mat01 — Mill test report S355J2"


def test_an_unknown_type_or_shape_shows_its_type_and_details():
    assert audit_sentence(entry("label_printed", {"printer": "Zebra 1", "copies": 2})) == \
        "label_printed: printer=Zebra 1, copies=2"
    assert audit_sentence(entry("label_printed")) == "label_printed"
    # details of another shape than the sentence expects: shown as stored, never an exception
    assert audit_sentence(entry("cert_updated", {"updated_fields": ["name"]}, cert_id="c")) == \
        "cert_updated: updated_fields=['name']"
    assert audit_sentence({"type": "serial_advanced", "details": "moved", "serial_id": "SN-1"}) == \
        "serial_advanced: moved"


def test_lock_times_are_local():
    until = dt.datetime(2026, 12, 1, 13, 7, tzinfo=dt.timezone.utc)
    local = until.astimezone().strftime("%Y-%m-%d %H:%M")
    record = entry("user_locked", {"wrongPins": 5, "minutes": 5, "lockedUntil": "2026-12-01T13:07:00.000Z"})
    assert audit_sentence(record) == f"Locked out after 5 wrong PINs in a row, for 5 minutes (until {local})"
    refused = entry("sign_in_refused", {"purpose": "sign_in", "locked": True, "lockedUntil": "2026-12-01T13:07:00Z"})
    assert audit_sentence(refused) == f"PIN refused when signing in: locked until {local}"


def test_coverage_sentences_are_grammatical():
    assert coverage_sentence(8, 40, kind_phrase("INSPECTION")) == \
        "8 of 40 serials hold an Inspection certificate; 32 lack it."
    assert coverage_sentence(1, 3, kind_phrase("MATERIAL")) == "1 of 3 serials holds a Material certificate; 2 lack it."
    assert coverage_sentence(2, 3, "cert_mat01") == "2 of 3 serials hold cert_mat01; 1 lacks it."
    assert coverage_sentence(40, 40, "cert_mat01") == "All 40 serials hold cert_mat01."
    assert coverage_sentence(0, 3, kind_phrase("OTHER")) == \
        "None of the 3 serials holds a certificate of the kind Other."
    assert coverage_sentence(0, 1, "cert_mat01") == "The serial lacks cert_mat01."
    assert coverage_sentence(0, 0, "cert_mat01") == "There are no serials to check."
    assert plural(1_234, "entry", "entries") == "1,234 entries" and plural(1, "entry", "entries") == "1 entry"


# --- against the database: the real entries, their names looked up a page at a time ----------------

def test_the_core_s_entries_read_as_sentences_with_names(plant):
    serials.create_serials("JOB-1", 3, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    serials.advance_serial("SN-00003", "sup1", reason="Material follows")
    serials.scrap_serial("SN-00002", "sup1", reason="Cracked")
    certificates.update_certificate("cert_insp01", {"date_expire": dt.date(2030, 1, 1)}, "sup1", "New report")
    document = documents.add_document_bytes("cert_insp01", corpus.pdf(), "report.pdf", "sup1")
    documents.approve_certificate("cert_insp01", "sup1", "432100")
    documents.remove_document("cert_insp01", document.id, "sup1", "Wrong file")
    users.record_login("sup1", "badge+PIN")
    policy.set_policy("pin_attempts", 8, "admin", "Audit finding 12")
    token, _ = tokens.create_token("sup1", "ERP import", "admin")
    tokens.revoke_token(token.id, "admin")

    page = audit_trail.audit_page(reports.AuditQuery(), None, 200)
    said = {(line.type, line.sentence) for line in page.rows}
    expiry = f"{certificates.get_certificate('cert_insp01').date_expire}"
    for expected in [
        ("cert_attached", "Attached cert_mat01 — Mill test report 42CrMo4 to SN-00001 at Saw"),
        ("serial_advanced", "Advanced SN-00003 from Saw to Mill, without its required Material certificate "
                            "(overridden)"),
        ("serial_scrapped", "Scrapped SN-00002 at Saw"),
        ("serial_created", "Created SN-00001 in job JOB-1 at Saw"),
        ("cert_updated", f"Set the expiry date of cert_insp01 to {expiry}"),
        ("document_added", "Added document report.pdf (" + document_size(document.size) + ") to cert_insp01 — "
                           "Final inspection report"),
        ("cert_approved", "Approved the document of cert_insp01 — Final inspection report, signed by Sam Supervisor"),
        ("document_removed", "Removed document report.pdf from cert_insp01 — Final inspection report"),
        ("user_login", "Signed in with badge and PIN"),
        ("policy_changed", "Changed the plant rule “wrong PINs before a lock” from 5 to 8"),
        ("token_created", f"Created API token “ERP import” ({token.id}) for Sam Supervisor (sup1), never expires"),
        ("token_revoked", f"Revoked API token “ERP import” ({token.id}) of Sam Supervisor (sup1)"),
        ("user_created", "Added Olga Operator (op1) as Operator, badge B-OP1 and a PIN"),
        ("path_created", "Created the route Flange machining (path_a) with 3 steps"),
        ("cert_revoked", "Revoked certificate cert_rev — Withdrawn conformance"),
    ]:
        assert expected in said
    job = next(line for line in page.rows if line.type == "job_created")
    assert job.sentence == (f"Created job JOB-1 — Flanges for Acme: {plural(job.details['quantity'], 'piece')} of "
                            "part FL-100 on the route Flange machining")
    advanced = next(line for line in page.rows if line.type == "serial_advanced")
    assert (advanced.what, advanced.user_name, advanced.reason, advanced.serial_id) == (
        "Serial advanced", "Sam Supervisor", "Material follows", "SN-00003")


def document_size(size: int) -> str:
    return f"{size / 1024:.1f} kB" if size >= 1024 else plural(size, "byte")


def test_a_page_s_names_take_a_few_queries_not_one_a_row(plant, monkeypatch):
    routes.create_job({"id": "JOB-2", "name": "Flanges, lot 2", "part": "FL-100", "path": "path_a",
                       "quantity": 100}, "admin")
    serials.create_serials("JOB-2", 60, "admin", cert_id="cert_mat01")
    for number in range(1, 31):
        serials.advance_serial(f"SN-{number:05d}", "sup1")
    rows = reports.audit_page(reports.AuditQuery(), None, 200).rows
    assert len(rows) > 150  # 60 serials created, 60 attachments, 30 moves and the plant
    handle = app_db.database.obj
    calls = []
    # peewee's query hook sees every statement, app.db.execute's hand-written ones too.
    monkeypatch.setattr(handle, "query_hooks", [lambda event: calls.append(event.sql)])
    lines = audit_trail.lines(rows)
    assert len(calls) <= 5
    assert all(line.sentence and line.what for line in lines)
    assert lines[0].user_name == "Sam Supervisor"


def test_audit_types_in_words(plant):
    types = audit_trail.audit_types()
    assert ("Certificate created", "cert_created") in types and ("User added", "user_created") in types
    assert [text for text, _ in types] == sorted(text for text, _ in types)


def test_coverage_is_answered_in_a_sentence(plant):
    serials.create_serials("JOB-1", 3, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    answer = coverage.check_coverage("JOB-1", (), "HT-4711", None)  # by the issuer's number
    assert (answer.spec.cert_id, answer.count.covered, answer.count.total) == ("cert_mat01", 1, 3)
    assert answer.sentence == "1 of 3 serials holds cert_mat01 — Mill test report 42CrMo4; 2 lack it."
    listed = coverage.check_coverage(None, ("SN-00001", "SN-404"), None, "MATERIAL")
    assert listed.sentence == "The serial holds a Material certificate." and listed.unknown == ("SN-404",)
