"""Each accepted document format checked by its structure, as the program that opens it would read it.

Every check takes the whole file's bytes (at most 10 MiB) and answers with a sentence naming what is
wrong, or None. PDFs are read with pypdf and Word files with olefile, the maintained parsers of those
formats; PNG, JPEG and ZIP are walked here with the standard library: their structure is simple, and
walking it reads nothing that a hostile file could make large. Loops over a file's parts are capped,
so a file of a million empty parts costs no more than a real one.
"""
from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib

import olefile
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

# A ZIP archive (DOCX) may expand to at most this much in all, and no member more than this many times its
# compressed size: a real DOCX expands 2-10 times; a "zip bomb" a thousand times and more.
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024  # a small part (a few KB of XML) may compress well beyond 100:1 harmlessly
MAX_MEMBERS = 10_000
# Pillow's own limit against decompression bombs: a larger image would take gigabytes to show.
MAX_PIXELS = 178_956_970
MAX_PNG_CHUNKS = 100_000
MAX_JPEG_SEGMENTS = 10_000
MAX_PAGE_TREE_DEPTH = 64

WORD_MAIN = "word/document.xml"
WORD_STREAM = "WordDocument"
CONTENT_TYPES = "[Content_Types].xml"
_OLE_MACRO_NAMES = {"macros", "vba", "_vba_project", "_vba_project_cur"}

# A damaged PDF makes pypdf log every repair it tries; the refusal already says the file is unreadable.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def size_words(size: int) -> str:
    """A size as people read it: ``10.0 GB``, ``200.0 KB``, ``512 bytes`` (binary units, as the 10 MB limit)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _pixels_problem(kind: str, width: int, height: int) -> str | None:
    if width <= 0 or height <= 0:
        return f"The {kind} has no picture in it (it says it is {width}x{height} pixels)"
    if width * height > MAX_PIXELS:
        return (f"The {kind} is {width}x{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels are "
                "allowed (a larger image takes gigabytes of memory to show)")
    return None


# --- PDF ---------------------------------------------------------------------------------------------

def pdf_problem(data: bytes) -> str | None:
    """Why pypdf cannot read the bytes as a PDF with at least one page, or None.

    Only the page tree down to the first page is read, not every page: enough to know a viewer can
    open the file, and it keeps a file with a hundred thousand pages from costing seconds.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            return "This PDF is protected by a password; ask its issuer for a copy without one"
        node = reader.root_object["/Pages"]
        if int(_entry(node, "/Count") or 0) <= 0 or not _entry(node, "/Kids"):
            return "This PDF has no pages"
        for _ in range(MAX_PAGE_TREE_DEPTH):
            if _entry(node, "/Type") == "/Page":
                return None
            node = node["/Kids"][0].get_object()
        return "This PDF's page tree is damaged (no page found where the first page should be)"
    except FileNotDecryptedError:
        return "This PDF is protected by a password; ask its issuer for a copy without one"
    except Exception as error:  # noqa: BLE001 - whatever pypdf raises, the file is not a readable PDF
        reason = str(error).strip().rstrip(".") or type(error).__name__
        return f"This file starts like a PDF but is not a readable PDF ({reason[:120]})"


def _entry(node, key: str):
    # A dictionary's value may be a reference to an object elsewhere in the file; [] follows it, get() does not.
    return node[key] if key in node else None


def _opens_without_password(reader: PdfReader) -> bool:
    # Many issuers lock a PDF against editing with an owner password only: it opens without asking.
    from pypdf import PasswordType

    return reader.decrypt("") != PasswordType.NOT_DECRYPTED


# --- PNG ---------------------------------------------------------------------------------------------

_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def png_problem(data: bytes) -> str | None:
    """Walks the chunks from the signature to IEND, checking each one's checksum; IHDR first, IDAT present."""
    position, seen_data = 8, False
    for index in range(MAX_PNG_CHUNKS):
        if position + 12 > len(data):
            return "The PNG is cut short (it ends before its IEND chunk)"
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            return "The PNG is cut short (a chunk runs past the end of the file)"
        if not kind.isalpha():
            return f"The PNG is damaged (a chunk at byte {position} has no name)"
        body = data[position + 8:end - 4]
        if zlib.crc32(kind + body) != struct.unpack_from(">I", data, end - 4)[0]:
            return f"The PNG is damaged (its {kind.decode()} chunk fails its checksum)"
        if index == 0:
            if kind != b"IHDR" or length != 13:
                return "The PNG is damaged (it does not start with its IHDR header chunk)"
            width, height, depth, colour = struct.unpack_from(">IIBB", body)
            if depth not in _PNG_DEPTHS.get(colour, ()):
                return f"The PNG is damaged (colour type {colour} with bit depth {depth} does not exist)"
            problem = _pixels_problem("PNG", width, height)
            if problem:
                return problem
        elif kind == b"IHDR":
            return "The PNG is damaged (it has a second IHDR header chunk)"
        seen_data = seen_data or kind == b"IDAT"
        if kind == b"IEND":
            return None if seen_data else "The PNG has no image data (no IDAT chunk)"
        position = end
    return f"The PNG is damaged (more than {MAX_PNG_CHUNKS} chunks)"


# --- JPEG --------------------------------------------------------------------------------------------

# SOF0-SOF15 carry the frame's size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def jpeg_problem(data: bytes) -> str | None:
    """Walks the markers from SOI to the first scan (SOS): a frame header before it, EOI after it."""
    position, frame = 2, False
    for _ in range(MAX_JPEG_SEGMENTS):
        if position + 4 > len(data):
            return "The JPEG is cut short (it ends before its image data)"
        if data[position] != 0xFF:
            return f"The JPEG is damaged (no marker at byte {position})"
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker < 0xC0 or marker in (0xD8, 0xD9) or 0xD0 <= marker <= 0xD7:
            return f"The JPEG is damaged (marker {marker:02X} where a header belongs)"
        length = struct.unpack_from(">H", data, position + 2)[0]
        if length < 2 or position + 2 + length > len(data):
            return "The JPEG is cut short (a header runs past the end of the file)"
        if marker in _JPEG_FRAMES:
            if length < 8:
                return "The JPEG is damaged (its frame header is too short)"
            height, width = struct.unpack_from(">HH", data, position + 5)
            problem = _pixels_problem("JPEG", width, height)
            if problem:
                return problem
            frame = True
        if marker == 0xDA:
            if not frame:
                return "The JPEG is damaged (image data without a frame header)"
            if data.find(b"\xff\xd9", position + 2 + length) < 0:
                return "The JPEG is cut short (it has no end-of-image marker)"
            return None
        position += 2 + length
    return f"The JPEG is damaged (more than {MAX_JPEG_SEGMENTS} headers before its image data)"


# --- DOC (OLE2 compound file) ----------------------------------------------------------------------

def ole_streams(data: bytes) -> list[str] | str:
    """The compound file's storages and streams as ``a/b`` paths, or a sentence when olefile cannot read it.

    When it has a WordDocument stream, that stream is read whole and must begin as Word's file information
    block does (0xA5EC, or 0xA5DC for Word 6 and 95): a file cut short, or one that only names the stream, is not a Word document.
    """
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            paths = ["/".join(path) for path in ole.listdir(streams=True, storages=True)]
            if WORD_STREAM in paths:
                size = ole.get_size(WORD_STREAM)
                with ole.openstream(WORD_STREAM) as stream:
                    text = stream.read()
                if len(text) != size or not text.startswith((b"\xec\xa5", b"\xdc\xa5")):  # Word 97+, Word 6/95
                    return "The DOC is damaged (its WordDocument stream is cut short or is not Word's)"
            return paths
    except Exception as error:  # noqa: BLE001 - whatever olefile raises, the file is not a readable DOC
        return f"This file starts like a Word document (DOC) but cannot be read as one ({str(error)[:120]})"


def ole_macros(paths: list[str]) -> str | None:
    """The storage or stream that holds VBA macros (Word's ``Macros/VBA/_VBA_PROJECT``), the deepest found, or None."""
    found = [path for path in paths if _OLE_MACRO_NAMES & {part.lower() for part in path.split("/")}]
    return max(found, key=len) if found else None


# --- DOCX (ZIP) ------------------------------------------------------------------------------------

def zip_members(data: bytes, kind: str) -> list[zipfile.ZipInfo] | str:
    """The archive's members from its central directory, after the checks that need nothing decompressed.

    Refused (a sentence): a directory that cannot be read, duplicate names, too many members, too much
    expanded size in all or for one member, other data before the first member or after the end record
    (a ZIP archive joined to another file).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as error:  # noqa: BLE001 - zipfile raises several kinds for a damaged directory
        return f"This file starts like a {kind} (a ZIP archive) but its table of contents cannot be read ({error})"
    if len(members) > MAX_MEMBERS:
        return f"The {kind} holds {len(members)} files; at most {MAX_MEMBERS} are allowed"
    total = sum(member.file_size for member in members)
    if total > MAX_EXPANDED_BYTES:
        return f"The {kind} would expand to {size_words(total)}; at most {MAX_EXPANDED_BYTES >> 20} MB is allowed"
    for member in members:
        if member.file_size >= RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            return (f"The {kind}'s part {member.filename} would expand {ratio} times, from "
                    f"{size_words(member.compress_size)} to {size_words(member.file_size)}; at most "
                    f"{MAX_RATIO} times is allowed")
    names = [member.filename for member in members]
    if len(set(names)) != len(names):
        twin = next(name for name in names if names.count(name) > 1)
        return f"The {kind} holds two parts named {twin}; programs would disagree about which one it shows"
    first = min((member.header_offset for member in members), default=0)
    if first > 0:
        return (f"The {kind} has {first} bytes of other data before its first part: a ZIP archive added "
                "to a file of another kind")
    trailing = _bytes_after_zip_end(data)
    if trailing:
        return f"The {kind} has {trailing} bytes of other data after its end: another file added to it"
    return members


def _bytes_after_zip_end(data: bytes) -> int:
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        return 0
    comment = struct.unpack_from("<H", data, end + 20)[0]
    return max(0, len(data) - (end + 22 + comment))


def docx_macros(data: bytes, members: list[zipfile.ZipInfo]) -> str | None:
    """Where a DOCX keeps macros (a ``vbaProject.bin`` part, a macro-enabled content type), or None."""
    for member in members:
        if member.filename.lower().endswith("vbaproject.bin"):
            return member.filename
    types = next(member for member in members if member.filename == CONTENT_TYPES)
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(types) as handle:
        text = handle.read(RATIO_FROM_BYTES).lower()  # the expanded size was checked above
    if b"macroenabled" in text or b"vbaproject" in text:
        return f"a macro-enabled content type in {CONTENT_TYPES}"
    return None


def holds_zip(data: bytes) -> bool:
    """True when a ZIP reader would find an archive in the bytes (a ZIP added to a PDF, PNG, JPEG or DOC)."""
    if b"PK\x05\x06" not in data[-22 - 0xFFFF:]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # noqa: BLE001 - not an archive any reader would open
        return False
    return any(data.startswith(b"PK\x03\x04", member.header_offset) for member in members)
