"""Checking a conformance pack: on its own, and against the database that made it.

On its own (no database; what a customer can run): the embedded manifest is read and its two hashes
computed again (a manifest edited after the pack was made no longer matches them); the pack has the pages
the manifest counts, each with the fingerprint the manifest gives it, inherited page attributes included
(a changed page is named, with the document it belongs to); every document is embedded, byte for byte,
with the sha256 and size the manifest lists, and nothing else is; the signing time printed is the
manifest's, no earlier than what the pack records and on the day it judged expiry on; the catalogue holds
nothing that acts when the file is opened or hides what it shows.

That proves a pack whole and self-consistent, not where it came from: there is no key in it, and whoever
rewrites a page and every hash after it makes a file that passes (``ALONE_PROVES`` says so in every report).
With a database: the file's sha256 is among the packs made (this very file), the audit trail still holds
the entry the pack cites, unchanged, and the chain up to it verifies; every attachment the pack lists is
still recorded, as listed, with its ``cert_attached`` entry no later than that position.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from app import db as app_db
from app.pack.against_db import cert_names, check_against_db
from app.pack.manifest import FORMAT, MANIFEST_NAME, contents_hash, manifest_hash, page_digest
from app.pack.store import file_sha256

ALONE_PROVES = ("Checked on its own, a pack shows it is whole and agrees with itself, not that the plant made it: "
                "it holds no key, and whoever rewrites a page and every hash after it makes a file that passes. "
                "That it is the pack the plant sent is shown by its sha256 among the packs made: pack verify "
                "--db, or the plant's list of packs.")
# What a PDF's catalogue may hold that acts when the file is opened, or hides or renames what it shows:
# Certline writes none of them.
_ACTIVE = {"/AA": "actions", "/AcroForm": "form fields", "/OCProperties": "optional content (layers that hide)",
           "/OpenAction": "an action run on opening", "/PageLabels": "page labels",
           "/Collection": "a portfolio view", "/Threads": "article threads"}
_ERRORS = (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


@dataclass
class VerifyReport:
    ok: bool
    path: str
    file_sha256: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was found as it should be, in people's words
    contents_hash: str | None = None
    made: dict[str, Any] | None = None  # the pack row found in the database, as to_json gives it
    note: str = ""  # what the checks made cannot prove

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": self.path, "fileSha256": self.file_sha256, "contentsHash": self.contents_hash,
                "problems": list(self.problems), "checked": list(self.checked), "made": self.made,
                "note": self.note}


def _page_owner(number: int, manifest: dict[str, Any]) -> str:
    names = cert_names(manifest)
    for document in manifest["documents"]:
        first, last = document.get("firstPage"), document.get("lastPage")
        if first is not None and first <= number <= last:
            return f"page {number - first + 1} of {_document_title(document, names)}"
    return "a page Certline drew (certificate of conformance, routes, certificates or manifest)"


def _document_title(document: dict[str, Any], names: dict[str, str]) -> str:
    return (f"document D{document['number']}, {document['fileName']} of certificate "
            f"{names.get(document['certId'], document['certId'])}")


def verify_pack(path: str | os.PathLike, db: str | bool | None = None) -> VerifyReport:
    """Check the pack at ``path`` on its own and, when ``db`` is given, against a database: ``True`` for the
    one open now, or a URL or SQLite path, opened for the check and closed after. Never raises for a bad
    pack: the report says what is wrong."""
    path = os.fspath(path)
    try:
        report = VerifyReport(True, path, file_sha256(path))
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
    if not db:
        report.note = ALONE_PROVES
    report.ok = not report.problems
    return report


def _check_alone(path: str, report: VerifyReport) -> dict[str, Any] | None:
    problems = report.problems
    try:
        reader = PdfReader(path)
        attachments = reader.attachments
        pages = reader.pages
        count = len(pages)
    except (*_ERRORS, OSError) as error:
        problems.append(f"The file is not a readable PDF ({error})")
        return None
    if MANIFEST_NAME not in attachments:
        problems.append(f"No manifest: the PDF holds no {MANIFEST_NAME}, so it is not a Certline pack, or the "
                        "manifest was taken out")
        return None
    try:
        manifest = json.loads(attachments[MANIFEST_NAME][0])
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            problems.append(f"The manifest is of format {found!r}, not {FORMAT}: it is not a pack this Certline "
                            "checks")
            return None
        malformed = _malformed(manifest)
        if malformed:
            problems.append(f"The manifest cannot be read ({malformed}): it was damaged or changed")
            return None
        whole, contents = manifest_hash(manifest), contents_hash(manifest)
    except (ValueError, AttributeError, TypeError) as error:
        problems.append(f"The manifest cannot be read ({error}): it was damaged or changed")
        return None
    report.contents_hash = manifest["contentsHash"]
    if len(attachments[MANIFEST_NAME]) > 1:
        problems.append(f"The PDF holds {len(attachments[MANIFEST_NAME])} files named {MANIFEST_NAME}: one was "
                        "added after the pack was made")
    if whole != manifest["manifestHash"]:
        problems.append(f"The manifest was changed after the pack was made: what it states hashes to {whole}, not "
                        f"the {manifest['manifestHash']} it records")
    elif contents != manifest["contentsHash"]:
        problems.append(f"The manifest was changed after the pack was made: its contents hash is "
                        f"{manifest['contentsHash']}, but what it states hashes to {contents}")
    else:
        report.checked.append(f"Manifest: contents hash {contents} and manifest hash match what it states")
    try:
        _check_pages(manifest, pages, count, report)
        _check_catalogue(reader, report)
    except _ERRORS as error:
        problems.append(f"The PDF cannot be read through ({error}): it was damaged or changed")
    _check_signing_time(manifest, report)
    _check_documents(manifest, attachments, report)
    return manifest


def _malformed(manifest: dict[str, Any]) -> str:
    """What of the manifest's shape the checks rely on is not there, in a few words; "" when it all is."""
    def kind(value, wanted, label):
        return "" if isinstance(value, wanted) and not isinstance(value, bool) else f"{label} is not {wanted.__name__}"

    pages, chain, signature = manifest.get("pages"), manifest.get("chain"), manifest.get("signature")
    for value, wanted, label in ((manifest.get("contentsHash"), str, "contentsHash"),
                                 (manifest.get("manifestHash"), str, "manifestHash"),
                                 (pages, dict, "pages"), (chain, dict, "chain"), (signature, dict, "signature"),
                                 (manifest.get("documents"), list, "documents"),
                                 (manifest.get("drawnPages"), list, "drawnPages"),
                                 (manifest.get("contents"), dict, "contents")):
        if kind(value, wanted, label):
            return kind(value, wanted, label)
    for value, wanted, label in ((pages.get("count"), int, "pages.count"),
                                 (pages.get("digests"), list, "pages.digests"),
                                 (chain.get("seq"), int, "chain.seq"), (chain.get("hash"), str, "chain.hash"),
                                 (signature.get("signedAt"), str, "signature.signedAt"),
                                 (manifest["contents"].get("serials"), list, "contents.serials"),
                                 (manifest["contents"].get("certificates"), list, "contents.certificates")):
        if kind(value, wanted, label):
            return kind(value, wanted, label)
    if not all(isinstance(d, str) for d in pages["digests"]) or not all(
            isinstance(n, int) for n in manifest["drawnPages"]):
        return "pages.digests or drawnPages hold something else"
    for document in manifest["documents"]:
        if not isinstance(document, dict):
            return "a document is not an object"
        for key, wanted in (("number", int), ("certId", str), ("fileName", str), ("attachment", str),
                            ("sha256", str), ("size", int)):
            if kind(document.get(key), wanted, f"a document's {key}"):
                return kind(document.get(key), wanted, f"a document's {key}")
        first, last = document.get("firstPage"), document.get("lastPage")
        if (first is None) != (last is None) or (first is not None and not (isinstance(first, int)
                                                                            and isinstance(last, int))):
            return "a document's pages are not numbers"
    return ""


def _check_pages(manifest: dict[str, Any], pages, count: int, report: VerifyReport) -> None:
    digests = manifest["pages"]["digests"]
    if count != manifest["pages"]["count"] or count != len(digests):
        report.problems.append(f"The pack has {count} pages; the manifest lists {manifest['pages']['count']}")
    changed, hits = 0, []
    masked = manifest["signature"]["signedAt"].encode()
    drawn = set(manifest["drawnPages"])
    for number, (page, digest) in enumerate(zip(pages, digests), start=1):
        try:
            found = page_digest(page, masked, hits if number in drawn else None)
        except _ERRORS as error:
            found = f"unreadable ({error})"
        if found != digest:
            changed += 1
            if changed <= 20:
                report.problems.append(f"Page {number} has changed: it is {_page_owner(number, manifest)}")
    if changed > 20:
        report.problems.append(f"… and {changed - 20} more pages have changed")
    if not changed and count == len(digests):
        report.checked.append(f"Pages: all {count} as the manifest fingerprints them")
    if not masked or not hits:
        report.problems.append(f"The signing time printed is not the manifest's ({masked.decode() or 'none'}): "
                               "the signature was changed")


def _check_catalogue(reader: PdfReader, report: VerifyReport) -> None:
    root = reader.trailer["/Root"].get_object()
    found = [words for key, words in _ACTIVE.items() if key in root]
    names = root.get("/Names")
    extra_names = sorted(str(k) for k in (names.get_object().keys() if names is not None else ())
                         if k != "/EmbeddedFiles")
    if extra_names:
        found.append(f"named {', '.join(extra_names)}")
    if found:
        report.problems.append(f"The PDF holds what Certline never writes in a pack: {', '.join(found)}; it was "
                               "changed after the pack was made")


def _time(text: Any) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(text, str) else None
    except ValueError:
        return None


def _check_signing_time(manifest: dict[str, Any], report: VerifyReport) -> None:
    """The time signed is not covered by a hash (two packs of the same evidence differ in it only), so it
    is held against what the pack records: nothing in it is later, and it is the day expiry was judged on."""
    text = manifest["signature"]["signedAt"]
    signed = _time(text)
    if signed is None:
        report.problems.append(f"The signing time {text!r} is not a time: the signature was changed")
        return
    latest, what = None, ""
    for serial in manifest["contents"]["serials"]:
        for step in serial.get("steps", ()) if isinstance(serial, dict) else ():
            for cert in step.get("certificates", ()) if isinstance(step, dict) else ():
                at = _time(cert.get("attachedAt")) if isinstance(cert, dict) else None
                if at is not None and (latest is None or at > latest):
                    latest, what = at, f"an attachment at {cert['attachedAt']}"
    for cert in manifest["contents"]["certificates"]:
        if not isinstance(cert, dict):
            continue
        stamps = [("an approval", cert.get("approvedAt"))] + [
            ("an upload", d.get("uploadedAt")) for d in cert.get("documents", ()) if isinstance(d, dict)]
        for label, stamp in stamps:
            at = _time(stamp)
            if at is not None and (latest is None or at > latest):
                latest, what = at, f"{label} at {stamp}"
    try:
        judged = dt.date.fromisoformat(manifest["contents"].get("madeOn"))
    except (TypeError, ValueError):
        judged = None
    if latest is not None and signed < latest:
        report.problems.append(f"The signing time {text} is earlier than {what} the pack records: the signing "
                               "time was changed")
    elif judged is None or abs((signed.date() - judged).days) > 1:
        report.problems.append(f"The signing time {text} is not on the day the pack judged expiry on "
                               f"({manifest['contents'].get('madeOn')}): the signing time was changed")
    else:
        report.checked.append(f"Signing time: {text}, printed as the manifest gives it, after everything the "
                              "pack records")


def _check_documents(manifest: dict[str, Any], attachments: dict[str, list[bytes]], report: VerifyReport) -> None:
    good, names = 0, cert_names(manifest)
    listed = {document["attachment"] for document in manifest["documents"]} | {MANIFEST_NAME}
    for document in manifest["documents"]:
        title = _document_title(document, names)
        title = title[0].upper() + title[1:]
        held = attachments.get(document["attachment"])
        if not held:
            report.problems.append(f"{title} is missing: the pack no longer holds its embedded file")
            continue
        if len(held) > 1:
            report.problems.append(f"{title} is embedded {len(held)} times: a file of its name was added")
        data = held[0]
        digest = hashlib.sha256(data).hexdigest()
        if digest != document["sha256"] or len(data) != document["size"]:
            report.problems.append(f"{title} has changed: its bytes in the pack hash to {digest} ({len(data):,} "
                                   f"bytes), the manifest lists {document['sha256']} ({document['size']:,} bytes)")
        else:
            good += 1
    unlisted = sorted(name for name in attachments if name not in listed)
    if unlisted:
        report.problems.append(f"The PDF holds {len(unlisted)} embedded file{'s' if len(unlisted) > 1 else ''} "
                               f"the manifest does not list, added after the pack was made: {', '.join(unlisted[:10])}")
    if good:
        report.checked.append(f"Documents: {good} embedded, each with the sha256 the manifest lists, and no other file")
