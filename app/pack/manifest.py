"""The pack's manifest: what it holds, each page's fingerprint, and the contents hash.

The manifest travels inside the pack as an embedded file, ``certline-manifest.json`` (canonical JSON:
sorted keys, no spaces, UTF-8), so a pack is checked on its own, without Certline's database:

- **documents**: each appended document's sha256, size and name, and the name of the embedded file
  that holds its bytes exactly as uploaded (anyone can save it from the PDF and run sha256sum);
- **pages**: one fingerprint per page of the pack (``page_digest``), so a changed page is found and
  named, whether Certline drew it or it came from a document;
- **contentsHash**: sha256 of the manifest's canonical JSON without ``contentsHash`` itself, without
  ``signature.signedAt``, and without the fingerprints of the pages Certline drew (which print the
  contents hash itself). It covers everything the pack states — references, statement, reason, signer, serials with
  their routes and certificates, gaps, the audit position, the documents' hashes and the fingerprints of
  their pages — so two packs of the same evidence signed by the same person at different times share it.

The signing time is the one thing two packs of the same evidence differ in. It is fingerprinted through
the manifest (``signature.signedAt``), and a page's fingerprint reads it as blanks: so each page's
fingerprint, like the contents hash, is the same whenever the pack is signed, and the files differ in the
time's characters only. ``verify`` checks that the time printed on the pack is the manifest's.

A page's fingerprint is sha256 over its object graph, not over the bytes where it sits: the page
dictionary (without ``/Parent``, which only links it into the page tree) and everything it refers to,
followed through indirect references (a second visit names the first by its order), dictionaries by
sorted key, streams by their stored (still encoded) bytes without ``/Length``. Object numbers and file
offsets are not in it, so the fingerprint computed while the pack is written equals the one read back
from the file, and a changed byte in any stream, font, image or content of the page changes it.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject

MANIFEST_NAME = "certline-manifest.json"
FORMAT = "certline-pack/1"
_SKIPPED_KEYS = ("/Parent",)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def contents_hash(manifest: dict[str, Any]) -> str:
    """The hash the manifest's ``contentsHash`` must hold (see the module's docstring for what it covers)."""
    covered = copy.deepcopy({k: v for k, v in manifest.items() if k != "contentsHash"})
    covered.get("signature", {}).pop("signedAt", None)
    drawn = set(covered.get("drawnPages", []))
    digests = covered.get("pages", {}).get("digests", [])
    covered.setdefault("pages", {})["digests"] = [None if number in drawn else digest
                                                  for number, digest in enumerate(digests, start=1)]
    return hashlib.sha256(canonical(covered)).hexdigest()


def page_digest(page: PdfObject, masked: bytes = b"", hits: list[int] | None = None) -> str:
    """The fingerprint of one page (see the module's docstring), with ``masked`` (the signing time) read as
    blanks wherever a stream holds it; each stream holding it adds 1 to ``hits``."""
    digest = hashlib.sha256()
    seen: dict[tuple[int, int], int] = {}
    pending: list[Any] = [page.indirect_reference if getattr(page, "indirect_reference", None) else page]
    # An explicit stack rather than recursion: a page's resources may nest deeper than Python's limit.
    while pending:
        item = pending.pop()
        if isinstance(item, bytes):
            digest.update(item)
            continue
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                digest.update(b"R%d;" % seen[key])
                continue
            seen[key] = len(seen)
            item = item.get_object()
        if isinstance(item, StreamObject):
            data = item._data
            if masked and masked in data:
                data = data.replace(masked, b" " * len(masked))
                if hits is not None:
                    hits.append(1)
            digest.update(b"S%d:" % len(data))
            digest.update(data)
            _push_dict(pending, item, skip=("/Length",))
        elif isinstance(item, DictionaryObject):
            _push_dict(pending, item)
        elif isinstance(item, ArrayObject):
            pending.append(b"]")
            pending.extend(reversed([value for value in item]))
            pending.append(b"[")
        else:
            buffer = io.BytesIO()
            item.write_to_stream(buffer)
            digest.update(buffer.getvalue() + b" ")
    return digest.hexdigest()


def _push_dict(pending: list[Any], item: DictionaryObject, skip: tuple[str, ...] = ()) -> None:
    entries: list[Any] = [b"<"]
    for key in sorted(item.keys()):
        if key in _SKIPPED_KEYS or key in skip:
            continue
        entries += [key.encode("utf-8") + b" ", item.raw_get(key)]
    entries.append(b">")
    pending.extend(reversed(entries))
