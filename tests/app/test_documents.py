"""Certificate documents: validated by their bytes, stored by hash, reviewed and approved."""
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import attachments, documents, policy, serials
from app.errors import Forbidden, Invalid
from app.models import AuditEntry, Certificate, CertificateDocument

from tests.helpers import documents_corpus as corpus
from tests.helpers.documents_corpus import document_folder, stored_files  # noqa: F401 - an autouse fixture

PDF = corpus.pdf()
PNG = corpus.png()
JPEG = corpus.jpeg()
DOC = corpus.doc()
ALLOWED = ("application/pdf, image/jpeg, image/png, application/msword, "
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
LIMIT = 10 * 1024 * 1024


def docx() -> bytes:
    return corpus.docx()




@pytest.mark.parametrize("data, content_type", [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (DOC, "application/msword"),
    (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_allowed_types_are_recognised_by_their_bytes(data, content_type):
    result = documents.validate_bytes(data)
    assert (result.valid, result.content_type, result.errors) == (True, content_type, [])


def test_preflight_answer_has_seed_002_shape_and_messages(tmp_path):
    heic = tmp_path / "scan.heic"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(LIMIT + 100))
    assert documents.validate_file(heic).to_json() == {
        "valid": False,
        "errors": [f"Unsupported file type: image/heic. Allowed: {ALLOWED}",
                   f"File size {LIMIT + 112} bytes exceeds maximum of 10485760 bytes (10 MB)"],
        "allowed_content_types": ALLOWED.split(", "),
        "max_file_size_bytes": 10485760,
    }


def test_exactly_10_mib_passes_and_one_byte_more_is_refused():
    assert documents.validate_bytes(corpus.pdf(size=LIMIT)).valid
    over = documents.validate_bytes(corpus.pdf(size=LIMIT + 1))
    assert over.errors == ["File size 10485761 bytes exceeds maximum of 10485760 bytes (10 MB)"]


def test_an_empty_file_is_refused():
    assert documents.validate_bytes(b"").errors == ["File is empty"]


SIGNATURES = st.sampled_from([b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"PK\x03\x04",
                              b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x7fELF", b"MZ", b"#!", b"<html>"])


@given(SIGNATURES, st.binary(max_size=2048))
def test_random_bytes_behind_any_signature_never_raise_and_are_refused_with_one_sentence(signature, rest):
    result = documents.validate_bytes(signature + rest)
    assert not result.valid
    assert len(result.errors) == 1 and result.errors[0][0].isupper() and "Traceback" not in result.errors[0]


@pytest.mark.parametrize("data", [PDF, PNG, JPEG, DOC, docx()])
def test_a_real_document_cut_short_is_refused(data):
    for end in (len(data) // 4, len(data) // 2, len(data) * 3 // 4):
        assert not documents.validate_bytes(data[:end]).valid, end


NAMES = st.one_of(
    st.text(max_size=300),
    st.just("../../etc/passwd"), st.just("/abs/path/report.pdf"), st.just("C:\\scans\\mtr.pdf"),
    st.just("a\x00b\x1fc.pdf"), st.just("x" * 300 + ".pdf"), st.just(".."), st.just(""),
)


@given(NAMES, st.sampled_from(documents.ALLOWED_CONTENT_TYPES))
def test_cleaned_names_hold_no_path_no_control_characters_and_fit(name, content_type):
    cleaned = documents.clean_file_name(name, content_type)
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned)
    assert 0 < len(cleaned) <= 255
    assert cleaned.endswith(documents.EXTENSIONS[content_type])
    assert cleaned not in ("..", ".")


def test_a_png_named_pdf_is_stored_as_png_and_a_pdf_named_png_as_pdf(plant, tmp_path):
    fake_pdf = tmp_path / "photo.pdf"
    fake_pdf.write_bytes(PNG)
    real_pdf = tmp_path / "scan.png"
    real_pdf.write_bytes(PDF)
    as_png = documents.add_document("cert_mat01", fake_pdf, "sup1")
    as_pdf = documents.add_document("cert_mat01", real_pdf, "sup1")
    assert (as_png.content_type, as_png.file_name) == ("image/png", "photo.png")
    assert (as_pdf.content_type, as_pdf.file_name) == ("application/pdf", "scan.pdf")


def test_stored_by_sha256_once_and_audited(plant, tmp_path, document_folder):
    source = tmp_path / "../mtr 4711.pdf"
    source.write_bytes(PDF)
    added = documents.add_document("cert_mat01", source, "sup1")
    digest = hashlib.sha256(PDF).hexdigest()
    assert added.sha256 == digest and added.path == document_folder / digest[:2] / digest
    assert added.path.read_bytes() == PDF
    documents.add_document("cert_insp01", source, "sup1")
    assert stored_files(document_folder) == [added.path]  # the same bytes are never stored twice
    with pytest.raises(Invalid, match="already kept with cert_mat01"):
        documents.add_document("cert_mat01", source, "sup1")
    entry = AuditEntry.get(AuditEntry.type == "document_added", AuditEntry.cert_id == "cert_mat01")
    assert entry.record_id == added.id and entry.details["sha256"] == digest
    assert Certificate.get_by_id("cert_mat01").review_status == "uploaded"


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.binary(max_size=512).filter(lambda b: not b.startswith((b"\x89PNG", b"\xff\xd8\xff", b"\xd0\xcf"))
                                          and b"%PDF-" not in b[:1024] and not b.startswith(b"PK")))
def test_a_refused_file_stores_nothing_and_writes_nothing(plant, tmp_path, document_folder, data):
    source = tmp_path / "upload.pdf"
    source.write_bytes(data)
    before = AuditEntry.select().count()
    with pytest.raises(Invalid):
        documents.add_document("cert_mat01", source, "sup1")
    assert stored_files(document_folder) == []
    assert CertificateDocument.select().count() == 0
    assert AuditEntry.select().count() == before


def test_review_goes_pending_uploaded_approved_and_back(plant, tmp_path):
    source = tmp_path / "mtr.pdf"
    source.write_bytes(PDF)
    assert Certificate.get_by_id("cert_mat01").review_status == "pending"
    with pytest.raises(Invalid, match="^Certificate cert_mat01 has no documents to approve$"):
        documents.approve_certificate("cert_mat01", "sup1", "432100")
    doc = documents.add_document("cert_mat01", source, "sup1")
    with pytest.raises(Forbidden, match="^Wrong PIN: the certificate was not approved$"):
        documents.approve_certificate("cert_mat01", "sup1", "0000")
    assert Certificate.get_by_id("cert_mat01").review_status == "uploaded"
    with pytest.raises(Forbidden):
        documents.approve_certificate("cert_mat01", "op1", "1234")  # operators do not approve

    signature = documents.approve_certificate("cert_mat01", "sup1", "432100")

    cert = Certificate.get_by_id("cert_mat01")
    assert (cert.review_status, cert.approved_by) == ("approved", "sup1")
    assert signature["printedName"] == "Sam Supervisor" and signature["meaning"] == "approved"
    entry = AuditEntry.get(AuditEntry.type == "cert_approved")
    assert entry.details["printedName"] == "Sam Supervisor" and entry.details["documents"] == [doc.sha256]

    second = tmp_path / "page2.png"
    second.write_bytes(PNG)
    documents.add_document("cert_mat01", second, "sup1")
    assert Certificate.get_by_id("cert_mat01").review_status == "uploaded"  # approval covered the old set
    documents.approve_certificate("cert_mat01", "sup1", "432100")
    documents.remove_document("cert_mat01", doc.id, "sup1", "Wrong heat number on page 1")
    assert Certificate.get_by_id("cert_mat01").review_status == "uploaded"
    (left,) = documents.list_documents("cert_mat01")
    documents.remove_document("cert_mat01", left.id, "sup1", "Superseded")
    assert Certificate.get_by_id("cert_mat01").review_status == "pending"
    assert AuditEntry.select().where(AuditEntry.type == "document_removed").count() == 2


def test_removing_needs_a_reason(plant, tmp_path):
    source = tmp_path / "mtr.pdf"
    source.write_bytes(PDF)
    doc = documents.add_document("cert_mat01", source, "sup1")
    with pytest.raises(Invalid, match="^A reason is required to remove a document$"):
        documents.remove_document("cert_mat01", doc.id, "sup1", "  ")
    assert CertificateDocument.select().count() == 1


def test_the_approval_policy_refuses_unapproved_certificates_for_every_caller(plant, tmp_path):
    serial = serials.create_serials("JOB-1", 1, "admin").serial_ids[0]
    policy.set_policy("require_approved", True, "admin", "Customer requires reviewed MTRs")
    with pytest.raises(Invalid, match=r"^Certificate cert_mat01 is not approved \(review status pending\); "
                                      "only approved certificates may be attached$"):
        attachments.attach(serial, "cert_mat01", "op1")
    source = tmp_path / "mtr.pdf"
    source.write_bytes(PDF)
    documents.add_document("cert_mat01", source, "sup1")
    documents.approve_certificate("cert_mat01", "sup1", "432100")
    assert attachments.attach(serial, "cert_mat01", "op1").created
    with pytest.raises(Forbidden):
        policy.set_policy("require_approved", False, "sup1", "not theirs to change")
