"""The pack's manifest: what it holds, each page's fingerprint, and the contents hash.

The manifest travels inside the pack as an embedded file, ``certline-manifest.json`` (canonical JSON:
sorted keys, no spaces, UTF-8), so a pack is checked on its own, without Certline's database:

- **documents**: each appended document's sha256, size and name, and the name of the embedded file
  that holds its bytes exactly as uploaded (anyone can save it from the PDF and run sha256sum);
- **pages**: one fingerprint per page of the pack (``page_digest``), so a changed page is found and
  named, whether Certline drew it or it came from a document;
- **contentsHash**: sha256 of the manifest's canonical JSON without ``contentsHash``, ``manifestHash`` and
  ``signature.signedAt``, and without the fingerprints of the pages Certline drew (which print the
  contents hash itself). It covers everything the pack states — references, statement, reason, signer, serials with
  their routes and certificates, gaps, the audit position, the documents' hashes and the fingerprints of
  their pages — so two packs of the same evidence signed by the same person at different times share it.
- **manifestHash**: sha256 of everything else the manifest says, the drawn pages' fingerprints and the
  contents hash included (not the signing time, which is all two packs of the same evidence differ in):
  a drawn page changed with only its fingerprint replaced no longer matches it.

None of this is a key: whoever rewrites a page and recomputes every hash the manifest holds makes a file
that checks on its own. The check proves a pack whole and self-consistent; that it is the one the plant
made is shown by its sha256 among the packs made (``pack verify --db``, the office's Packs tab).

The signing time is the one thing two packs of the same evidence differ in, so no hash covers it and a
page's fingerprint reads it as blanks: each page's fingerprint, like both hashes, is the same whenever the
pack is signed, and the files differ in the time's characters only. ``verify`` checks that the time
printed on the pack is the manifest's, that it is no earlier than anything the pack records (an
attachment, an upload, an approval) and that it falls on the day the pack judged expiry on (``madeOn``,
the plant's date: a day either side for the time zone).

A page's fingerprint is sha256 over its object graph, not over the bytes where it sits: the page
dictionary (without ``/Parent``, which only links it into the page tree, but with the ``/MediaBox``,
``/CropBox``, ``/Rotate`` and ``/Resources`` it takes from there) and everything it refers to,
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
FORMAT = "certline-pack/2"  # /2: inherited page attributes fingerprinted, manifestHash
_SKIPPED_KEYS = ("/Parent",)
INHERITED = ("/CropBox", "/MediaBox", "/Resources", "/Rotate")  # what a page takes from its page tree
_TREE_DEPTH = 64


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def contents_hash(manifest: dict[str, Any]) -> str:
    """The hash the manifest's ``contentsHash`` must hold (see the module's docstring for what it covers)."""
    covered = copy.deepcopy({k: v for k, v in manifest.items() if k not in ("contentsHash", "manifestHash")})
    covered.get("signature", {}).pop("signedAt", None)
    drawn = set(covered.get("drawnPages", []))
    digests = covered.get("pages", {}).get("digests", [])
    covered.setdefault("pages", {})["digests"] = [None if number in drawn else digest
                                                  for number, digest in enumerate(digests, start=1)]
    return hashlib.sha256(canonical(covered)).hexdigest()


def manifest_hash(manifest: dict[str, Any]) -> str:
    """The hash the manifest's ``manifestHash`` must hold: everything it says but the signing time."""
    covered = copy.deepcopy({k: v for k, v in manifest.items() if k != "manifestHash"})
    covered.get("signature", {}).pop("signedAt", None)
    return hashlib.sha256(canonical(covered)).hexdigest()


def _inherited(page: DictionaryObject, key: str) -> Any:
    """The value of an inheritable attribute as a reader applies it: the page's own, else its nearest
    ancestor's in the page tree (a CropBox or Rotate put on the tree's root changes every page)."""
    node, depth = page, 0
    while isinstance(node, DictionaryObject) and depth < _TREE_DEPTH:
        if key in node:
            return node.raw_get(key)
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        depth += 1
    return None


def page_digest(page: PdfObject, masked: bytes = b"", hits: list[int] | None = None) -> str:
    """The fingerprint of one page (see the module's docstring), with ``masked`` (the signing time) read as
    blanks wherever a stream holds it; each stream holding it adds 1 to ``hits``."""
    digest = hashlib.sha256()
    seen: dict[tuple[int, int], int] = {}
    reference = getattr(page, "indirect_reference", None)
    page = page.get_object()
    pending: list[Any] = []
    if reference is not None:
        seen[(reference.idnum, reference.generation)] = 0
    # The page itself first, its inheritable attributes as they apply whether written on it or above it.
    _push_dict(pending, page, skip=INHERITED)
    for key in reversed(INHERITED):
        value = _inherited(page, key)
        if value is not None:
            pending += [value, key.encode("utf-8") + b" "]
    pending.append(b"P")
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
