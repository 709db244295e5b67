"""Seed 002's file attachments (a certificate's documents) and seed 003's look-up by code with the review
status, over HTTP."""
from __future__ import annotations

import hashlib

from app import documents, users
from app.models import Certificate
from tests.helpers import documents_corpus as corpus
from tests.helpers.state import entries, row_counts

ALLOWED = ["application/pdf", "image/jpeg", "image/png", "application/msword",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]


def test_the_seeds_pre_flight_example_word_for_word(server, api):
    answer = api.post("/api/v1/attachments/validate",
                      json={"file_name": "scan.heic", "file_size": 18874368, "content_type": "image/heic"})
    assert (answer.status_code, answer.json()) == (200, {
        "valid": False,
        "errors": [
            "Unsupported file type: image/heic. Allowed: application/pdf, image/jpeg, image/png, application/msword, "
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "File size 18874368 bytes exceeds maximum of 10485760 bytes (10 MB)"],
        "allowed_content_types": ALLOWED,
        "max_file_size_bytes": 10485760})
    fine = api.post("/api/v1/attachments/validate",
                    json={"file_name": "mtr.pdf", "file_size": 204800, "content_type": "application/pdf"})
    assert fine.json()["valid"] is True and fine.json()["errors"] == []
    missing = api.post("/api/v1/attachments/validate", json={"file_name": "x.pdf", "content_type": "application/pdf"})
    assert (missing.status_code, missing.json()["error"]) == (400, {"status": 400, "field": "file_size",
                                                                    "message": "Field file_size is required"})
    # By its bytes: a "PDF" that is a program.
    named = api.post("/api/v1/attachments/validate-file", files={"file": ("report.pdf", corpus.elf())})
    assert named.json()["valid"] is False
    assert named.json()["errors"] == ["This file is an executable program (ELF), not a document"]
    assert api.post("/api/v1/attachments/validate-file", files={"file": ("r.pdf", corpus.pdf())}).json()["valid"]


def test_upload_list_read_and_remove_a_document(server, api, document_folder):
    data = corpus.docx()
    answer = api.post("/api/v1/attachments", data={"activity_id": "cert_mat01", "org_id": "org_abc123"},
                      files={"file": ("progress_report.docx", data)})
    assert answer.status_code == 201
    kept = answer.json()
    assert list(kept)[:10] == ["id", "activity_id", "cert_id", "org_id", "file_name", "file_size", "content_type",
                               "storage_path", "uploaded_by", "created_at"]
    assert (kept["activity_id"], kept["org_id"], kept["file_name"], kept["file_size"], kept["content_type"],
            kept["uploaded_by"], kept["sha256"]) == (
        "cert_mat01", None, "progress_report.docx", len(data), ALLOWED[4], "sup1", hashlib.sha256(data).hexdigest())
    assert Certificate.get_by_id("cert_mat01").review_status == "uploaded"
    (added,) = entries("document_added")
    assert (added.user_id, added.record_id, added.auth) == ("sup1", kept["id"], "token")
    listed = api.get("/api/v1/attachments", params={"activity_id": "cert_mat01"}).json()
    assert listed == {"data": [kept], "pagination": {"page": 1, "limit": 20, "total": 1}}
    assert api.get("/api/v1/attachments").json()["pagination"]["total"] == 1
    assert api.get(f"/api/v1/attachments/{kept['id']}").json() == kept
    content = api.get(f"/api/v1/attachments/{kept['id']}/content")
    assert (content.status_code, content.content, content.headers["content-type"]) == (200, data, ALLOWED[4])
    renamed = api.put(f"/api/v1/attachments/{kept['id']}", json={"file_name": "session_notes_final.pdf"})
    assert renamed.status_code == 405 and "keeps the name it was added under" in renamed.json()["error"]["message"]
    before = row_counts()
    for files, form, status, message in (
            ({"file": ("x.exe", corpus.elf())}, {"activity_id": "cert_mat01"}, 400,
             "This file is an executable program (ELF), not a document"),
            ({"file": ("again.docx", data)}, {"activity_id": "cert_mat01"}, 400,
             "This document is already kept with cert_mat01 as progress_report.docx"),
            ({"file": ("x.pdf", corpus.pdf())}, {"activity_id": "cert_nope"}, 404, "Certificate not found: cert_nope"),
            ({"file": ("x.pdf", corpus.pdf())}, {}, 400, "Certificate id is required"),
            ({"file": ("x.pdf", corpus.pdf())}, {"activity_id": "cert_mat01", "colour": "red"}, 400,
             "Unknown field: colour")):
        refused = api.post("/api/v1/attachments", data=form, files=files)
        assert (refused.status_code, refused.json()["error"]["message"]) == (status, message), form
    assert row_counts() == before
    removed = api.delete(f"/api/v1/attachments/{kept['id']}", params={"reason": "Wrong heat"})
    assert (removed.status_code, removed.json()) == (200, {"success": True, "deleted_id": kept["id"]})
    assert entries("document_removed")[-1].reason == "Wrong heat"
    assert Certificate.get_by_id("cert_mat01").review_status == "pending"
    gone = api.get(f"/api/v1/attachments/{kept['id']}")
    assert (gone.status_code, gone.json()["error"]["message"]) == (404, f"Document not found: {kept['id']}")


def test_a_certificate_by_code_with_its_review_status(server, api, document_folder):
    """Seed 003: by package (the id) or code (id or issuer number); signers and their files; the status."""
    pending = api.get("/attachments", params={"code": "HT-4711"})
    assert (pending.status_code, pending.json()) == (200, {
        "package": "cert_mat01", "code": "HT-4711", "name": "Mill test report 42CrMo4", "finish": False,
        "status": "pending", "signers": []})
    users.create_user("sup2", "Sue Supervisor", "supervisor", "B-SUP2", pin="975310", by="admin")
    first = documents.add_document_bytes("cert_mat01", corpus.pdf(), "mtr.pdf", "sup1")
    documents.add_document_bytes("cert_mat01", corpus.png(), "photo.png", "sup2")
    documents.approve_certificate("cert_mat01", "sup2", "975310")
    general = api.get("/attachments", params={"package": "cert_mat01"}).json()
    assert general == {"package": "cert_mat01", "code": "HT-4711", "name": "Mill test report 42CrMo4",
                       "finish": True, "status": "approved",
                       "signers": [{"userId": "sup1", "name": "Sam Supervisor"},
                                   {"userId": "sup2", "name": "Sue Supervisor"}]}
    signer = api.get("/attachments", params={"code": "cert_mat01", "userId": "sup1"}).json()["signer"]
    assert signer == {"userId": "sup1", "name": "Sam Supervisor", "status": "approved",
                      "files": [{"name": "mtr.pdf", "url": f"{server.url}/api/v1/attachments/{first.id}/content"}]}
    assert api.get(signer["files"][0]["url"]).content == corpus.pdf()
    nobody = api.get("/attachments", params={"code": "HT-4711", "userId": "op1"}).json()["signer"]
    assert nobody == {"userId": "op1", "name": "Olga Operator", "status": "pending"}  # no files while pending
    for params, error in (
            ({}, {"status": 400, "message": "Missing package or code"}),
            ({"code": "HT-0000"}, {"status": 400, "message": "Certificate not found: HT-0000",
                                   "code": "ATTACHMENT_NOT_FOUND"}),
            ({"package": "HT-4711"}, {"status": 400, "message": "Certificate not found: HT-4711",
                                      "code": "ATTACHMENT_NOT_FOUND"}),
            ({"code": "HT-4711", "userId": "ghost"}, {"status": 400, "message": "User not found: ghost",
                                                      "code": "ATTACHMENT_NOT_FOUND"})):
        refused = api.get("/attachments", params=params)
        assert (refused.status_code, refused.json()) == (400, {"error": error}), params
