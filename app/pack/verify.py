"""Checking a conformance pack: on its own, and against the database that made it.

On its own (no database; what a customer can run): the embedded manifest is read; its contents hash is
computed again (a manifest edited after the pack was made no longer matches it); the pack has the pages
the manifest counts, and each page has the fingerprint the manifest gives it (a changed page is named,
with the document it belongs to); every document is embedded, byte for byte, with the sha256 and size the
manifest lists. With a database: the audit trail still holds the entry the pack cites, unchanged, and the
chain up to it still verifies; every attachment the pack lists is still recorded, as listed, with its
``cert_attached`` entry no later than that position; and the pack is found among the packs made (by the
file's sha256, else by its contents hash: the same evidence, signed at another time, or a changed file).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from app import db as app_db
from app.pack.against_db import check_against_db
from app.pack.manifest import FORMAT, MANIFEST_NAME, contents_hash, page_digest


@dataclass
class VerifyReport:
    ok: bool
    path: str
    file_sha256: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was found as it should be, in people's words
    contents_hash: str | None = None
    made: dict[str, Any] | None = None  # the pack row found in the database, as to_json gives it

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": self.path, "fileSha256": self.file_sha256, "contentsHash": self.contents_hash,
                "problems": list(self.problems), "checked": list(self.checked), "made": self.made}


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _page_owner(number: int, manifest: dict[str, Any]) -> str:
    for document in manifest.get("documents", []):
        first, last = document.get("firstPage"), document.get("lastPage")
        if first is not None and first <= number <= last:
            return (f"page {number - first + 1} of document D{document['number']}, {document['fileName']} of "
                    f"certificate {document['certId']}")
    return "a page Certline drew (certificate of conformance, routes, certificates or manifest)"


def verify_pack(path: str | os.PathLike, db: str | bool | None = None) -> VerifyReport:
    """Check the pack at ``path`` on its own and, when ``db`` is given, against a database: ``True`` for the
    one open now, or a URL or SQLite path, opened for the check and closed after. Never raises for a bad
    pack: the report says what is wrong."""
    path = os.fspath(path)
    try:
        report = VerifyReport(True, path, _file_sha256(path))
    except OSError as error:
        return VerifyReport(False, path, "", [f"Cannot read {path}: {error.strerror or error}"])
    manifest = _check_alone(path, report)
    if manifest is not None and db is True:
        check_against_db(manifest, report)
    elif manifest is not None and db:
        app_db.open_database(db)
        try:
            check_against_db(manifest, report)
        finally:
            app_db.close_database()
    report.ok = not report.problems
    return report


def _check_alone(path: str, report: VerifyReport) -> dict[str, Any] | None:
    problems = report.problems
    try:
        reader = PdfReader(path)
        attachments = reader.attachments
        pages = reader.pages
        count = len(pages)
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as error:
        problems.append(f"The file is not a readable PDF ({error})")
        return None
    if MANIFEST_NAME not in attachments:
        problems.append(f"No manifest: the PDF holds no {MANIFEST_NAME}, so it is not a Certline pack, or the "
                        "manifest was taken out")
        return None
    try:
        manifest = json.loads(attachments[MANIFEST_NAME][0])
        if manifest.get("format") != FORMAT:
            problems.append(f"The manifest is of format {manifest.get('format')!r}, not {FORMAT}")
            return None
        expected = contents_hash(manifest)
    except (ValueError, AttributeError, TypeError) as error:
        problems.append(f"The manifest cannot be read ({error}): it was damaged or changed")
        return None
    report.contents_hash = manifest.get("contentsHash")
    if expected != manifest.get("contentsHash"):
        problems.append(f"The manifest was changed after the pack was made: its contents hash is "
                        f"{manifest.get('contentsHash')}, but what it states hashes to {expected}")
    else:
        report.checked.append(f"Manifest: contents hash {expected} matches what it states")
    digests = manifest["pages"]["digests"]
    if count != manifest["pages"]["count"] or count != len(digests):
        problems.append(f"The pack has {count} pages; the manifest lists {manifest['pages']['count']}")
    changed, hits = 0, []
    masked = str(manifest.get("signature", {}).get("signedAt", "")).encode()
    drawn = set(manifest.get("drawnPages", []))
    for number, (page, digest) in enumerate(zip(pages, digests), start=1):
        try:
            found = page_digest(page, masked, hits if number in drawn else None)
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
            found = f"unreadable ({error})"
        if found != digest:
            changed += 1
            if changed <= 20:
                problems.append(f"Page {number} has changed: it is {_page_owner(number, manifest)}")
    if changed > 20:
        problems.append(f"… and {changed - 20} more pages have changed")
    if not changed and count == len(digests):
        report.checked.append(f"Pages: all {count} as the manifest fingerprints them")
    if not masked or not hits:
        problems.append(f"The signing time printed is not the manifest's ({masked.decode() or 'none'}): the "
                        "signature was changed")
    _check_documents(manifest, attachments, report)
    return manifest


def _check_documents(manifest: dict[str, Any], attachments: dict[str, list[bytes]], report: VerifyReport) -> None:
    good = 0
    for document in manifest.get("documents", []):
        title = f"Document D{document['number']}, {document['fileName']} of certificate {document['certId']}"
        held = attachments.get(document["attachment"])
        if not held:
            report.problems.append(f"{title} is missing: the pack no longer holds its embedded file")
            continue
        data = held[0]
        digest = hashlib.sha256(data).hexdigest()
        if digest != document["sha256"] or len(data) != document["size"]:
            report.problems.append(f"{title} has changed: its bytes in the pack hash to {digest} ({len(data):,} "
                                   f"bytes), the manifest lists {document['sha256']} ({document['size']:,} bytes)")
        else:
            good += 1
    if good:
        report.checked.append(f"Documents: {good} embedded, each with the sha256 the manifest lists")
