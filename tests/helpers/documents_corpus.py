"""Document files for the tests, real and hostile, built from nothing in a few milliseconds.

The good ones are what the programs that open them accept: a PDF written by pypdf, a PNG and a JPEG
that Qt decodes to one grey pixel, a Word 97 compound file (DOC) with its WordDocument stream, a DOCX
with the parts Word needs. The bad ones are each made the way an attacker would make them: a program or
a page carrying a PDF header, a PDF with a ZIP archive added, a DOCX that would expand to 10 GB (its
central directory says so; nothing that large is ever written), Word files with macros.
"""
from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest
from pypdf import PdfWriter

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>')
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             'officeDocument" Target="word/document.xml"/></Relationships>')
DOCX_BODY = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:body><w:p><w:r><w:t>Mill test report, heat 4711</w:t></w:r></w:p></w:body></w:document>')


def pdf(pages: int = 1, size: int | None = None, noise: random.Random | None = None) -> bytes:
    """A PDF that pypdf writes, with ``pages`` blank A4 pages; exactly ``size`` bytes when given.

    The size is reached with an attached file, so the file stays a well-formed PDF (cross-reference
    offsets and all), not one with bytes glued on; with ``noise`` the attachment is random bytes (a
    distinct file each time, as incompressible as a scan), else ``%`` signs.
    """
    padding = 0
    while True:
        writer = PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(595, 842)
        if size is not None:
            writer.add_attachment("padding.bin", noise.randbytes(padding) if noise else b"%" * padding)
        buffer = io.BytesIO()
        writer.write(buffer)
        data = buffer.getvalue()
        if size is None or len(data) == size:
            return data
        if len(data) > size and padding == 0:
            raise ValueError(f"a PDF of {pages} pages takes {len(data)} bytes, more than {size}")
        padding += size - len(data)


def png(width: int = 1, height: int = 1, extra: bytes = b"") -> bytes:
    """A grey greyscale PNG: signature, IHDR, one IDAT of zlib-compressed rows, IEND, each chunk with its CRC.

    ``extra`` goes into a private ancillary chunk (``prVt``), which viewers skip: a PNG of any size and content.
    """
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + (png_chunk(b"prVt", extra) if extra else b"")
            + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def jpeg(width: int = 1, height: int = 1) -> bytes:
    """A baseline greyscale JPEG of one 8x8 block: flat grey (DC difference 0, then end of block).

    Both Huffman tables hold a single one-bit code (0) for symbol 0, so the entropy-coded data is the
    two bits 00, padded with ones: 0x3F.
    """
    one_code = bytes([1] + [0] * 15) + b"\x00"
    return (b"\xff\xd8" + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + _segment(0xDB, b"\x00" + bytes([1] * 64))
            + _segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
            + _segment(0xC4, b"\x00" + one_code) + _segment(0xC4, b"\x10" + one_code)
            + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f" + b"\xff\xd9")


_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _ole_entry(name: str, kind: int, child: int = _FREE, right: int = _FREE, start: int = _END,
               size: int = 0) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _FREE, right, child) + bytes(16 + 4 + 16)
            + struct.pack("<II", start, size) + bytes(4))


def doc(macros: bool = False, word: bool = True) -> bytes:
    """A Word 97 compound file: a WordDocument stream of 4 KiB that starts as Word's file information block
    does (its magic number and version) followed by text; with ``macros``, Word's
    ``Macros/VBA/_VBA_PROJECT`` storages and stream. ``word=False`` names the stream otherwise (an OLE file
    that is not a Word document, as an Excel or MSI file is).

    Layout, 512-byte sectors: header, sector 0 the FAT, then the directory, then the stream.
    """
    text = (b"\xec\xa5\xc1\x00" + b"Mill test report, heat 4711").ljust(4096, b"\x00")  # FIB: wIdent, nFib 97
    entries = [_ole_entry("Root Entry", 5, child=1),
               _ole_entry("WordDocument" if word else "Workbook", 2, start=0, size=len(text),
                          right=2 if macros else _FREE)]
    if macros:
        entries += [_ole_entry("Macros", 1, child=3), _ole_entry("VBA", 1, child=4),
                    _ole_entry("_VBA_PROJECT", 2, size=0)]
    directory_sectors = -(-len(entries) // 4)
    first_text = 1 + directory_sectors
    entries[1] = entries[1][:116] + struct.pack("<I", first_text) + entries[1][120:]
    directory = b"".join(entries).ljust(512 * directory_sectors, b"\x00")
    chain = lambda first, count: [first + i + 1 for i in range(count - 1)] + [_END]  # noqa: E731
    fat = [_FAT] + chain(1, directory_sectors) + chain(first_text, len(text) // 512)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    return header + struct.pack("<128I", *(fat + [_FREE] * (128 - len(fat)))) + directory + text


def docx(extra: dict[str, bytes] | None = None, main: str = DOCX_MAIN, with_body: bool = True) -> bytes:
    """A DOCX as Word writes it (deflated parts); ``extra`` adds parts, ``main`` sets the document's content type."""
    members = {"[Content_Types].xml": DOCX_CONTENT_TYPES.format(main=main), "_rels/.rels": DOCX_RELS}
    if with_body:
        members["word/document.xml"] = DOCX_BODY
    return zip_of(members | (extra or {}))


# Each member is dated, not stamped with the time it was written: the same archive, byte for byte, in every
# process. Tests are parametrized with these bytes, and pytest-xdist's workers must all collect the same ids.
_MEMBER_DATE = (2024, 1, 15, 10, 30, 0)


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_MEMBER_DATE), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def declare_expanded_size(archive: bytes, member: str, size: int) -> bytes:
    """The archive with ``member``'s uncompressed size in the central directory forged to ``size`` (ZIP64).

    The 32-bit field becomes 0xFFFFFFFF and a ZIP64 extra field with the real number follows the name,
    as a ZIP64 writer would put it; the end record's directory size grows by the 12 bytes added.
    """
    name = member.encode()
    at = archive.index(b"PK\x01\x02")
    while archive[at + 46:at + 46 + len(name)] != name:
        at = archive.index(b"PK\x01\x02", at + 4)
    name_length, extra_length = struct.unpack_from("<HH", archive, at + 28)
    assert extra_length == 0, "the member already has an extra field"
    entry = bytearray(archive[at:at + 46 + name_length])
    struct.pack_into("<I", entry, 24, 0xFFFFFFFF)
    struct.pack_into("<H", entry, 30, 12)
    forged = archive[:at] + bytes(entry) + struct.pack("<HHQ", 1, 8, size) + archive[at + 46 + name_length:]
    end = forged.rindex(b"PK\x05\x06")
    directory_size = struct.unpack_from("<I", forged, end + 12)[0]
    return forged[:end + 12] + struct.pack("<I", directory_size + 12) + forged[end + 16:]


def zip_bomb() -> bytes:
    """A DOCX of a few KB whose part word/media/zeros.bin says it expands to 10 GiB."""
    small = docx({"word/media/zeros.bin": bytes(1 << 20)})
    return declare_expanded_size(small, "word/media/zeros.bin", 10 << 30)


def elf() -> bytes:
    """The start of a 64-bit Linux executable, with a PDF header further on."""
    return b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(40) + b"%PDF-1.7\n" + pdf()


def pe() -> bytes:
    """A Windows executable's DOS stub and PE header, with a PDF after it."""
    stub = b"MZ" + bytes(58) + struct.pack("<I", 64) + b"PE\x00\x00" + struct.pack("<HH", 0x8664, 1) + bytes(16)
    return stub + pdf()


def encrypted_pdf(user_password: str) -> bytes:
    """A PDF encrypted with AES-256 and an owner password; ``user_password`` empty opens it without asking."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password=user_password, owner_password="issuer", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_without_pages() -> bytes:
    writer = PdfWriter()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_page_flood(pages: int = 100_000) -> bytes:
    """A well-formed PDF whose one page-tree node lists ``pages`` pages: about 10 MB that keeps a parser
    busy for seconds (each page is an object to find and read)."""
    kids = b" ".join(b"%d 0 R" % (number + 3) for number in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.7\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    table = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table))
    return out.getvalue()


@pytest.fixture(autouse=True)
def document_folder(tmp_path, monkeypatch):
    """Where the test's documents are stored (CERTLINE_DOCUMENTS); import it into a test module to use it."""
    folder = tmp_path / "documents"
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(folder))
    return folder


def stored_files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
