"""The conformance packs made, for the office's list and a later "is this the pack we sent?"."""
from __future__ import annotations

import os
from typing import Sequence

from app.models import User
from app.pack.store import Pack, PackRecord, file_sha256


def list_packs(limit: int = 500, text: str | None = None) -> list[PackRecord]:
    """The packs made, newest first; ``text`` narrows to those whose customer, order reference, selection or
    hash contains it (case-insensitive)."""
    query = Pack.select().order_by(Pack.made_at.desc(), Pack.id.desc())
    if text and text.strip():
        needle = text.strip()
        query = query.where(Pack.customer.contains(needle) | Pack.order_ref.contains(needle)
                            | Pack.selection.contains(needle) | Pack.file_sha256.startswith(needle.lower())
                            | Pack.contents_hash.startswith(needle.lower()))
    rows = list(query.limit(limit))
    return _named(rows)


def find_pack(sha256: str) -> list[PackRecord]:
    """The packs whose file has this sha256, or whose contents hash it is (the same evidence signed again)."""
    digest = sha256.strip().lower()
    rows = list(Pack.select().where((Pack.file_sha256 == digest) | (Pack.contents_hash == digest))
                .order_by(Pack.made_at))
    return _named(rows)


def find_pack_of_file(path: str | os.PathLike) -> list[PackRecord]:
    """The packs made whose file is byte for byte the one at ``path``."""
    return packs_of_digest(file_sha256(path))


def packs_of_digest(sha256: str) -> list[PackRecord]:
    """The packs made whose file has exactly this sha256 (not the contents hash), oldest first."""
    return _named(list(Pack.select().where(Pack.file_sha256 == sha256.strip().lower()).order_by(Pack.made_at)))


def _named(rows: Sequence[Pack]) -> list[PackRecord]:
    ids = sorted({row.made_by for row in rows})
    names = dict(User.select(User.id, User.name).where(User.id.in_(ids)).tuples()) if ids else {}
    return [PackRecord.of(row, names.get(row.made_by)) for row in rows]
