"""The ``pack`` table (schema 0013): one row per conformance pack made, never changed afterwards."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from typing import Any

from peewee import BigIntegerField, CharField, DateTimeField, IntegerField, TextField

from app.clock import iso_utc
from app.models import BaseModel


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file as sha256sum gives it, read in blocks: what the packs made are found by."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Pack(BaseModel):
    id = CharField(max_length=64, primary_key=True)
    file_sha256 = CharField(max_length=64, index=True)
    contents_hash = CharField(max_length=64, index=True)
    made_at = DateTimeField(index=True)
    made_by = CharField(max_length=64)
    serial_count = IntegerField()
    certificate_count = IntegerField()
    document_count = IntegerField()
    page_count = IntegerField()
    gap_count = IntegerField()
    plant = CharField(max_length=200)
    customer = CharField(max_length=200)
    order_ref = CharField(max_length=200)
    selection = CharField(max_length=200)
    file_name = CharField(max_length=255)
    chain_seq = BigIntegerField()
    audit_seq = BigIntegerField()
    reason = TextField(null=True)

    class Meta:
        table_name = "pack"


@dataclass(frozen=True)
class PackRecord:
    """A pack made, as the office lists it."""

    id: str
    file_sha256: str
    contents_hash: str
    made_at: dt.datetime
    made_by: str
    made_by_name: str
    serial_count: int
    certificate_count: int
    document_count: int
    page_count: int
    gap_count: int
    plant: str
    customer: str
    order_ref: str
    selection: str
    file_name: str
    chain_seq: int
    audit_seq: int
    reason: str | None

    @classmethod
    def of(cls, row: Pack, made_by_name: str | None = None) -> "PackRecord":
        fields = {name: getattr(row, name) for name in cls.__dataclass_fields__ if name != "made_by_name"}
        return cls(made_by_name=made_by_name or row.made_by, **fields)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "fileSha256": self.file_sha256, "contentsHash": self.contents_hash,
                "madeAt": iso_utc(self.made_at), "madeBy": self.made_by, "madeByName": self.made_by_name,
                "serialCount": self.serial_count, "certificateCount": self.certificate_count,
                "documentCount": self.document_count, "pageCount": self.page_count, "gapCount": self.gap_count,
                "plant": self.plant, "customer": self.customer, "orderRef": self.order_ref,
                "selection": self.selection, "fileName": self.file_name, "chainSeq": self.chain_seq,
                "auditSeq": self.audit_seq, "reason": self.reason}
