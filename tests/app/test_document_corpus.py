"""Real and hostile document files: each real one is kept, each hostile one refused with its own sentence
and nothing kept (no file in the document folder, no record, no audit entry); the pre-flight check says the same."""
from __future__ import annotations

import io
import os
import sys
import threading
import warnings
import zipfile

import pytest

from app import document_checks, document_formats, documents, policy
from app.errors import Invalid
from app.models import AuditEntry, CertificateDocument
from tests.helpers import documents_corpus as corpus
from tests.helpers.documents_corpus import document_folder, stored_files  # noqa: F401 - an autouse fixture

PDF, PNG, JPEG, DOC, DOCX = documents.PDF, documents.PNG, documents.JPEG, documents.DOC, documents.DOCX
ALLOWED = ", ".join(documents.ALLOWED_CONTENT_TYPES)
NO_MACROS = "the plant does not allow documents with macros"
NOTES = corpus.zip_of({"notes.txt": b"x" * 100})
ZEROS = corpus.docx({"word/media/zeros.bin": bytes(20 << 20)})


def _packing(archive: bytes, member: str) -> dict[str, object]:
    # How far this zlib packed 20 MiB of zeros (about 1000 times; the exact figure differs between zlibs).
    info = zipfile.ZipFile(io.BytesIO(archive)).getinfo(member)
    return {"ratio": info.file_size // info.compress_size, "packed": document_formats.size_words(info.compress_size)}




ACCEPTED = {
    "pdf": (corpus.pdf, PDF),
    "pdf of three pages": (lambda: corpus.pdf(pages=3), PDF),
    "pdf after blank lines and a byte-order mark": (lambda: b"\xef\xbb\xbf\r\n \t\n" + corpus.pdf(), PDF),
    "pdf locked with an owner password only": (lambda: corpus.encrypted_pdf(""), PDF),
    "png": (corpus.png, PNG),
    "png of 640x480": (lambda: corpus.png(640, 480), PNG),
    "jpeg": (corpus.jpeg, JPEG),
    "doc": (corpus.doc, DOC),
    "docx": (corpus.docx, DOCX),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_real_document_is_kept(plant, tmp_path, document_folder, name):
    build, content_type = ACCEPTED[name]
    data = build()
    source = tmp_path / "upload.bin"
    source.write_bytes(data)
    assert documents.validate_file(source).errors == []
    added = documents.add_document("cert_mat01", source, "sup1")
    assert (added.content_type, added.file_name) == (content_type, "upload" + documents.EXTENSIONS[content_type])
    assert stored_files(document_folder) == [added.path] and added.path.read_bytes() == data
    assert AuditEntry.get(AuditEntry.type == "document_added").record_id == added.id


REFUSED = {
    "ELF executable with a PDF inside": (corpus.elf, "This file is an executable program (ELF), not a document"),
    "Windows executable with a PDF inside": (corpus.pe,
                                             "This file is an executable program (Windows, MZ/PE), not a document"),
    "Mach-O executable": (lambda: b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + corpus.pdf(),
                          "This file is an executable program (Mach-O), not a document"),
    "shell script with %PDF- inside": (lambda: b"#!/bin/sh\necho '%PDF-1.7'\nrm -rf ~\n" + corpus.pdf(),
                                       "This file is a script (it starts with #!), not a document"),
    "HTML with %PDF- and a script": (lambda: b"%PDF-1.4\n<html><body><SCRIPT>alert(1)</SCRIPT>" + corpus.pdf(),
                                     "This file contains a script (an HTML script tag), not a document"),
    "web page before a PDF": (lambda: b"<!DOCTYPE html>\n<title>x</title>\n" + corpus.pdf(),
                              "This file is a web page (HTML), not a document"),
    "SVG with a PDF header": (lambda: b'<?xml version="1.0"?>\n<svg onload="alert(1)">%PDF-1.7</svg>',
                              "This file is an SVG drawing, which can carry scripts, not a document"),
    "PDF after other data": (lambda: b"echo owned; exit\n" + corpus.pdf(),
                             "This file has 17 bytes of other data before its PDF header; a PDF starts with %PDF-"),
    "PDF header and nothing readable": (lambda: b"%PDF-1.4\n%%EOF\n",
                                        "This file starts like a PDF but is not a readable PDF (startxref not found)"),
    "PDF without pages": (corpus.pdf_without_pages, "This PDF has no pages"),
    "PDF that needs a password to open": (lambda: corpus.encrypted_pdf("secret"),
                                          "This PDF is protected by a password; ask its issuer for a copy without one"),
    "PDF/ZIP polyglot": (lambda: corpus.pdf() + corpus.docx(),
                         "This file is both a PDF and a ZIP archive; a document is one or the other"),
    "PNG with a ZIP added": (lambda: corpus.png() + corpus.zip_of({"run.sh": b"#!/bin/sh\n"}),
                             "This file is both a PNG and a ZIP archive; a document is one or the other"),
    "DOCX with a PDF in its first part": (lambda: _stored_pdf_docx(),
        "This file is both a DOCX and a PDF (a PDF header in its first 1024 bytes); a document is one or the other"),
    "DOCX added after another ZIP": (lambda: NOTES + corpus.docx(),
                                     f"The DOCX has {len(NOTES)} bytes of other data before its first part: a ZIP "
                                     "archive added to a file of another kind"),
    "DOCX with a PHP script added": (lambda: corpus.docx() + b"\n<?php system($_GET['c']); ?>",
                                     "This file contains a script (PHP), not a document"),
    "DOCX with bytes after its end": (lambda: corpus.docx() + b"\x00" * 40,
                                      "The DOCX has 40 bytes of other data after its end: another file added to it"),
    "zip bomb: a DOCX that expands to 10 GB": (corpus.zip_bomb,
                                               "The DOCX would expand to 10.0 GB; at most 100 MB is allowed"),
    "a DOCX part expanded 1000 times": (
        lambda: ZEROS, "The DOCX's part word/media/zeros.bin would expand {ratio} times, from {packed} to 20.0 MB; "
                       "at most 100 times is allowed".format(**_packing(ZEROS, "word/media/zeros.bin"))),
    "DOCX with vbaProject.bin": (lambda: corpus.docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
                                 f"The DOCX contains macros (word/vbaProject.bin); {NO_MACROS}"),
    "DOCM content type": (lambda: corpus.docx(main=corpus.DOCM_MAIN),
                          "The DOCX contains macros (a macro-enabled content type in [Content_Types].xml); "
                          f"{NO_MACROS}"),
    "DOC with macros": (lambda: corpus.doc(macros=True),
                        f"The DOC contains macros (Macros/VBA/_VBA_PROJECT); {NO_MACROS}"),
    "OLE file that is not Word": (lambda: corpus.doc(word=False),
                                  f"Unsupported file type: application/x-ole-storage. Allowed: {ALLOWED}"),
    "ZIP without word/document.xml": (lambda: corpus.docx(with_body=False),
                                      f"Unsupported file type: application/zip. Allowed: {ALLOWED}"),
    "DOCX with two document parts": (lambda: _twice_named_docx(),
                                     "The DOCX holds two parts named word/document.xml; programs would disagree "
                                     "about which one it shows"),
    "PNG cut short": (lambda: corpus.png()[:-12], "The PNG is cut short (it ends before its IEND chunk)"),
    "PNG header only": (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17),
                        "The PNG is damaged (its IHDR chunk fails its checksum)"),
    "PNG of 100000x100000 pixels": (lambda: corpus.png(1, 1).replace(
        corpus.png_chunk(b"IHDR", bytes.fromhex("00000001000000010800000000")),
        corpus.png_chunk(b"IHDR", bytes.fromhex("000186a0000186a00800000000"))),
        "The PNG is 100000x100000 pixels; at most 178 megapixels are allowed (a larger image takes gigabytes "
        "of memory to show)"),
    "JPEG without its end": (lambda: corpus.jpeg()[:-2], "The JPEG is cut short (it has no end-of-image marker)"),
    "JPEG signature and nothing": (lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20),
                                   "The JPEG is damaged (no marker at byte 20)"),
    "JPEG with no frame": (lambda: corpus.jpeg().replace(b"\xff\xc0", b"\xff\xe1"),
                           "The JPEG is damaged (image data without a frame header)"),
    "GIF": (lambda: b"GIF89a" + bytes(40), f"Unsupported file type: image/gif. Allowed: {ALLOWED}"),
}


def _stored_pdf_docx() -> bytes:
    # A first part stored uncompressed, holding a PDF: Acrobat would open the archive as that PDF.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.pdf", corpus.pdf())
        archive.writestr("[Content_Types].xml", corpus.DOCX_CONTENT_TYPES.format(main=corpus.DOCX_MAIN))
        archive.writestr("word/document.xml", corpus.DOCX_BODY)
    return buffer.getvalue()


def _twice_named_docx() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name, which is the point
        for name, text in (("[Content_Types].xml", corpus.DOCX_CONTENT_TYPES.format(main=corpus.DOCX_MAIN)),
                           ("word/document.xml", corpus.DOCX_BODY), ("word/document.xml", "<w:document/>")):
            archive.writestr(name, text)
    return buffer.getvalue()


def assert_nothing_kept(folder, audit_before):
    assert stored_files(folder) == []
    assert CertificateDocument.select().count() == 0
    assert AuditEntry.select().count() == audit_before


@pytest.mark.parametrize("name", REFUSED)
def test_a_hostile_or_broken_file_is_refused_with_its_sentence_and_nothing_kept(plant, tmp_path, document_folder,
                                                                                  name):
    build, sentence = REFUSED[name]
    source = tmp_path / "certificate.pdf"
    source.write_bytes(build())
    assert documents.validate_file(source).errors == [sentence]
    before = AuditEntry.select().count()
    with pytest.raises(Invalid) as refused:
        documents.add_document("cert_mat01", source, "sup1")
    assert refused.value.message == sentence
    assert_nothing_kept(document_folder, before)


def test_macros_are_kept_where_the_plant_allows_them(plant, tmp_path, document_folder):
    policy.set_policy("allow_macro_documents", True, "admin", "Customer's forms come as macro-enabled templates")
    for name, data, content_type in (("form.docx", corpus.docx({"word/vbaProject.bin": b"vba"}), DOCX),
                                     ("legacy.doc", corpus.doc(macros=True), DOC)):
        source = tmp_path / name
        source.write_bytes(data)
        assert documents.validate_file(source, allow_macros=True).valid
        assert documents.add_document("cert_mat01", source, "sup1").content_type == content_type
    assert len(stored_files(document_folder)) == 2
    policy.set_policy("allow_macro_documents", False, "admin", "Audit finding: no macros")
    third = tmp_path / "another.docx"
    third.write_bytes(corpus.docx({"word/vbaProject.bin": b"other"}))
    before = AuditEntry.select().count()
    with pytest.raises(Invalid, match=f"^The DOCX contains macros \\(word/vbaProject.bin\\); {NO_MACROS}$"):
        documents.add_document("cert_mat01", third, "sup1")
    assert len(stored_files(document_folder)) == 2 and AuditEntry.select().count() == before


def test_a_document_of_exactly_10_mib_is_kept_and_one_byte_more_is_refused_unread(plant, tmp_path, document_folder):
    exact = tmp_path / "exact.pdf"
    exact.write_bytes(corpus.pdf(size=documents.MAX_FILE_SIZE_BYTES))
    assert documents.add_document("cert_mat01", exact, "sup1").size == documents.MAX_FILE_SIZE_BYTES
    over = tmp_path / "over.pdf"
    over.write_bytes(corpus.pdf(size=documents.MAX_FILE_SIZE_BYTES + 1))
    with pytest.raises(Invalid, match="^File size 10485761 bytes exceeds maximum of 10485760 bytes \\(10 MB\\)$"):
        documents.add_document("cert_insp01", over, "sup1")
    assert CertificateDocument.select().count() == 1


# --- what is read: only regular files, never waiting ------------------------------------------------

def test_a_fifo_is_refused_without_waiting_for_a_writer(plant, tmp_path, document_folder):
    fifo = tmp_path / "scan.pdf"
    os.mkfifo(fifo)
    rescued = threading.Event()

    def rescue():  # a reader stuck in open() is let go by a writer, so a failing test fails instead of hanging
        if not finished.wait(10):
            rescued.set()
            descriptor = os.open(fifo, os.O_WRONLY)
            os.close(descriptor)

    finished = threading.Event()
    watchdog = threading.Thread(target=rescue, daemon=True)
    watchdog.start()
    try:
        with pytest.raises(Invalid) as refused:
            documents.add_document("cert_mat01", fifo, "sup1")
    finally:
        finished.set()
        watchdog.join()
    assert not rescued.is_set()
    assert refused.value.message == f"{fifo} is a named pipe (FIFO), not a file"
    assert_nothing_kept(document_folder, AuditEntry.select().count())


@pytest.mark.parametrize("kind", ["folder", "link to /dev/zero", "missing"])
def test_only_a_regular_file_is_read(tmp_path, kind):
    path = tmp_path / "scan.pdf"
    if kind == "folder":
        path.mkdir()
        expected = f"{path} is a folder, not a file"
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
        expected = f"{path} is a device, not a file"
    else:
        expected = f"Cannot read {path}: No such file or directory"
    with pytest.raises(Invalid) as refused:
        documents.validate_file(path)
    assert refused.value.message == expected


def test_a_link_to_a_real_document_is_read(tmp_path):
    target = tmp_path / "mtr.pdf"
    target.write_bytes(corpus.pdf())
    link = tmp_path / "latest.pdf"
    link.symlink_to(target)
    assert documents.validate_file(link).valid


def test_a_pdf_built_to_keep_the_parser_busy_is_stopped_at_the_time_limit(monkeypatch):
    # 100,000 pages in one page-tree node: pypdf needs seconds for it, far past this limit.
    monkeypatch.setattr(document_checks, "CHECK_SECONDS", 0.05)
    tracer = sys.gettrace()
    result = documents.validate_bytes(corpus.pdf_with_page_flood())
    assert result.errors == ["Checking this PDF took longer than 0.05 s; it is built to keep programs busy, "
                             "not like a real document"]
    assert sys.gettrace() is tracer  # the time limit's trace function is gone, whatever was there is back
