"""What the Certificates view's detail pane asks of app/: the approval as a plain record, the
documents with who added them, the history in sentences; and the list's first page by key."""
from __future__ import annotations

import pytest

from app import certificates, documents
from app.errors import NotFound
from app.queries import certificates as queries
from tests.helpers import documents_corpus as corpus


@pytest.fixture
def documents_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))


def test_approval_is_none_until_approved_then_names_who_when_and_what_it_means(plant, documents_dir):
    assert queries.approval("cert_insp01") is None  # waiting for documents
    documents.add_document_bytes("cert_insp01", corpus.pdf(), "report.pdf", "sup1")
    assert queries.approval("cert_insp01") is None  # waiting for approval
    signature = documents.approve_certificate("cert_insp01", "sup1", "432100")

    found = queries.approval("cert_insp01")
    record = certificates.get_certificate("cert_insp01")
    assert found == queries.Approval("cert_insp01", "sup1", "Sam Supervisor", record.approved_at, "approved", 1)
    assert signature["printedName"] == found.user_name

    documents.add_document_bytes("cert_insp01", corpus.pdf(size=3000), "page 2.pdf", "sup1")
    assert queries.approval("cert_insp01") is None  # a new document withdraws the approval
    with pytest.raises(NotFound):
        queries.approval("cert_nope")


def test_detail_holds_the_record_its_documents_and_their_people(plant, documents_dir):
    documents.add_document_bytes("cert_mat01", corpus.pdf(), "mill.pdf", "sup1")
    found = queries.detail("cert_mat01")
    assert found.record == certificates.get_certificate("cert_mat01")
    assert [d.file_name for d in found.documents] == ["mill.pdf"]
    assert found.user_name(found.documents[0].uploaded_by) == "Sam Supervisor"
    assert found.approval is None
    assert queries.detail("cert_old").documents == []


def test_history_lines_say_each_change_in_words_newest_first_without_attachments(plant, documents_dir):
    from app import serials
    from app.attachments import attach

    (serial,) = serials.create_serials("JOB-1", 1, "admin").serial_ids
    attach(serial, "cert_mat01", "sup1")
    certificates.update_certificate("cert_mat01", {"name": "Mill test report 42CrMo4 rev B"}, "sup1", "Typo")
    documents.add_document_bytes("cert_mat01", corpus.pdf(), "mill.pdf", "sup1")

    lines = queries.history_lines("cert_mat01")
    assert [line.type for line in lines] == ["document_added", "cert_updated", "cert_created"]
    added, updated, created = lines
    assert added.user_name == "Sam Supervisor" and "mill.pdf" in added.sentence
    assert "Mill test report 42CrMo4 rev B" in updated.sentence and updated.reason == "Typo"
    assert created.user_name == "Ada Admin" and "reason" not in created.sentence
    assert all(line.at.tzinfo is None for line in lines)  # stored UTC; the screen shows local time


def test_expiring_soon_counts_active_certificates_inside_the_window(plant):
    assert [r.id for r in queries.expiring()] == ["cert_soon"]
    assert queries.expiring_count() == 1
    assert queries.expiring_count(400) == 2


def test_the_list_page_for_the_model_carries_the_key_of_its_last_row(plant):
    query = certificates.CertificateQuery(sort="name")
    first = queries.page(query, None, 2)
    assert [r.id for r in first.rows] == ["cert_old", "cert_insp01"]
    assert first.after == ("Final inspection report", "cert_insp01")
    second = queries.page(query, first.after, 10)
    assert [r.id for r in second.rows] == ["cert_mat01", "cert_soon", "cert_rev"] and second.last
