"""Seed 001's certificate resource over HTTP: index, view, create, update, delete."""
from __future__ import annotations

from app import certificates, documents
from app.models import Certificate
from tests.helpers import documents_corpus as corpus
from tests.helpers.state import entries, row_counts

UUID = "123e4567-e89b-12d3-a456-426655440000"
CREATE_EXAMPLE = {"date_release": "2023-01-01", "name": "Certificate of Safety", "action_type": "TRAINING",
                  "resource_id": UUID, "tenant_id": UUID, "validity_unit": "YEAR", "validity": 1}
SEED_KEYS = ["certificate_id", "date_release", "date_expire", "name", "note", "action_type", "resource_id", "data",
             "warning", "tenant_id", "validity_unit", "validity"]


def test_the_seeds_create_example_makes_a_certificate_with_an_id_of_its_own(server, api):
    answer = api.post("/v2/certificate/create", json=CREATE_EXAMPLE)
    assert answer.status_code == 201
    made = answer.json()
    assert list(made)[:len(SEED_KEYS)] == SEED_KEYS
    assert made["certificate_id"].startswith("cert_")
    assert {key: made[key] for key in CREATE_EXAMPLE} == CREATE_EXAMPLE | {"tenant_id": None}
    assert made["date_expire"] == "2024-01-01"  # a year's validity from the release
    assert (made["status"], made["review_status"]) == ("active", "pending")
    stored = certificates.get_certificate(made["certificate_id"])
    assert (stored.kind, stored.resource_id, stored.date_expire.isoformat()) == ("TRAINING", UUID, "2024-01-01")
    entry = entries("cert_created")[-1]
    assert (entry.user_id, entry.cert_id, entry.auth) == ("sup1", made["certificate_id"], "token")
    own = api.post("/v2/certificate/create", json={"certificate_id": "cert_train07", "name": "Forklift licence",
                                                   "action_type": "TRAINING"})
    assert (own.status_code, own.json()["certificate_id"]) == (201, "cert_train07")
    taken = api.post("/v2/certificate/create", json={"certificate_id": "cert_train07", "name": "Again",
                                                     "action_type": "TRAINING"})
    assert (taken.status_code, taken.json()["error"]) == (400, {"status": 400, "field": "certificate_id",
                                                                "message": "Certificate already exists: cert_train07"})


def test_the_seeds_index_example_filters_sorts_and_pages(server, api):
    completion = {"name": "Certificate of Completion", "action_type": "TRAINING", "resource_id": UUID, "warning": 0,
                  "validity_unit": "YEAR", "validity": 1, "date_release": "2022-01-01",
                  "note": "This certificate is valid for one year.",
                  "data": {"additional_info": "This certificate was issued by the training department."}}
    made = api.post("/v2/certificate/create", json=completion).json()
    for n in range(3):  # the same filter but another name, and other kinds
        api.post("/v2/certificate/create", json=completion | {"name": f"Refresher {n}"})
    answer = api.post("/v2/certificate/index", json={"filter": {
        "name": "Certificate of Completion", "action_type": "TRAINING", "resource_id": UUID, "warning": 0,
        "validity_unit": "YEAR", "validity": 1}, "per-page": 20, "page": 1, "sort": "name"})
    assert answer.status_code == 200
    assert answer.json() == [made]
    assert made["date_expire"] == "2023-01-01" and made["data"] == completion["data"]
    assert {name: answer.headers[f"X-Pagination-{name}"] for name in ("Current-Page", "Page-Count", "Per-Page",
                                                                        "Total-Count")} == {
        "Current-Page": "1", "Page-Count": "1", "Per-Page": "20", "Total-Count": "1"}
    pages = [api.post("/v2/certificate/index", json={"filter": {"action_type": "TRAINING"}, "per-page": 2,
                                                     "page": page, "sort": "-name"}) for page in (1, 2, 3)]
    names = [[c["name"] for c in p.json()] for p in pages]
    everything = sorted([c.name for c in Certificate.select().where(Certificate.kind == "TRAINING")], reverse=True)
    assert names == [everything[:2], everything[2:4], everything[4:]]
    assert pages[0].headers["X-Pagination-Total-Count"] == str(len(everything)) == "5"
    assert pages[0].headers["X-Pagination-Page-Count"] == "3"
    assert api.post("/v2/certificate/index", json={}).headers["X-Pagination-Total-Count"] == str(
        Certificate.select().count())
    for body, message in (({"sort": "colour"}, "Sort by one of certificate_id, name, action_type, number, "
                                               "date_release, date_expire, status, review_status (a leading - for "
                                               "descending): colour"),
                          ({"filter": {"warning": -1}}, "Warning days must be a whole number of at least 0: -1"),
                          ({"filter": {"tenant": "x"}}, "Unknown field: filter.tenant"),
                          ({"per-page": 0}, "Field per-page: Input should be greater than or equal to 1")):
        refused = api.post("/v2/certificate/index", json=body)
        assert (refused.status_code, refused.json()["error"]["message"]) == (400, message), body


def test_view_a_certificate_or_not_found(server, api):
    answer = api.get("/v2/certificate/view/cert_mat01")
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["certificate_id"], seen["action_type"], seen["number"], seen["en10204_type"]) == (
        "cert_mat01", "MATERIAL", "HT-4711", "3.1")
    missing = api.get("/v2/certificate/view/cert_nope")
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "Certificate not found: cert_nope")


def test_the_seeds_update_example_changes_the_fields_and_keeps_old_and_new(server, api):
    before = api.get("/v2/certificate/view/cert_mat01").json()
    answer = api.put("/v2/certificate/update/cert_mat01", json={"name": "Updated Certificate", "validity": 2})
    assert answer.status_code == 200
    after = answer.json()
    assert (after["certificate_id"], after["name"], after["validity"]) == ("cert_mat01", "Updated Certificate", 2)
    assert after["date_expire"] > before["date_expire"]  # worked out again from the new validity
    (entry,) = entries("cert_updated")
    assert entry.details["updated_fields"] == {
        "name": {"old": before["name"], "new": "Updated Certificate"}, "validity": {"old": 1, "new": 2},
        "date_expire": {"old": before["date_expire"], "new": after["date_expire"]}}
    assert entry.reason.startswith("Updated through certline-server with API token tok_")
    with_reason = api.put("/v2/certificate/update/cert_mat01", json={"note": "Re-issued", "reason": "Supplier mail"})
    assert with_reason.status_code == 200 and entries("cert_updated")[-1].reason == "Supplier mail"
    unchanged = row_counts()
    for cert, body, status, error in (
            ("cert_nope", {"name": "x"}, 404, {"message": "Certificate not found: cert_nope"}),
            ("cert_mat01", {"action_type": "PAINT"}, 400, {"field": "action_type", "message":
                                                           "Kind must be one of MATERIAL, PROCESS, CALIBRATION, "
                                                           "TRAINING, CONFORMANCE, INSPECTION, OTHER: PAINT"}),
            ("cert_mat01", {"certificate_id": "cert_other"}, 400, {"field": "certificate_id",
                                                                   "message": "Unknown field: certificate_id"}),
            ("cert_mat01", {"warning": "soon"}, 400, {"field": "warning",
                                                      "message": "Warning days must be a whole number: soon"})):
        refused = api.put(f"/v2/certificate/update/{cert}", json=body)
        assert (refused.status_code, refused.json()["error"]) == (status, {"status": status} | error), body
    assert row_counts() == unchanged


def test_delete_shows_the_connected_documents_and_deletes_them_only_with_force(server, api, on_the_line):
    documents.add_document_bytes("cert_insp01", corpus.pdf(), "report.pdf", "sup1")
    kept = api.delete("/v2/certificate/delete/cert_insp01")
    assert kept.status_code == 409
    plan = kept.json()
    assert plan["error"]["message"] == "Certificate cert_insp01 has 1 document: delete with force=true to delete " \
                                       "them with it"
    assert plan["deleted"] is False and plan["certificate"]["certificate_id"] == "cert_insp01"
    assert [d["file_name"] for d in plan["connected"]["documents"]] == ["report.pdf"]
    assert Certificate.get_or_none(Certificate.id == "cert_insp01") is not None
    gone = api.delete("/v2/certificate/delete/cert_insp01", params={"force": "true", "reason": "Duplicate"})
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    assert Certificate.get_or_none(Certificate.id == "cert_insp01") is None
    assert entries("cert_deleted")[-1].reason == "Duplicate"
    plain = api.delete("/v2/certificate/delete/cert_soon")  # no documents: deleted at once
    assert (plain.status_code, plain.json()["connected"]) == (200, {"documents": []})
    api.post("/api/serials/SN-00001/attach-cert", json={"certId": "cert_mat01", "userId": "op1"})
    attached = api.delete("/v2/certificate/delete/cert_mat01", params={"force": "true"})
    assert (attached.status_code, attached.json()["error"]["message"]) == (
        400, "Certificate cert_mat01 has 1 attachment and cannot be deleted: attachments are permanent. "
             "Revoke it instead.")
