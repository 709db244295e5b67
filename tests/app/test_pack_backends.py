"""A conformance pack made on each backend: its table and audit entry written in the same transaction (the
``pack`` table is append-only on both), the pack checked against the database it was made from."""
from __future__ import annotations

import pytest

from app import db as app_db
from app.errors import CertlineError
from app.models import AuditEntry
from app.pack import make_pack
from app.pack.store import Pack
from app.pack.verify import verify_pack
from tests.helpers.pack import GAPS_JOB, JOB, SUPERVISOR, SUPERVISOR_PIN, build_pack_plant


def test_a_pack_made_on_this_backend_is_kept_audited_and_verifies_against_it(database, tmp_path):
    build_pack_plant(2)
    made = make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "pack.pdf", job=JOB, plant="Werk Nord",
                     customer="Acme", order_ref="PO-1")
    row = Pack.get(Pack.file_sha256 == made.sha256)
    entry = AuditEntry.get(AuditEntry.seq == made.audit_seq)
    assert (row.serial_count, entry.type, entry.user_id) == (2, "pack_made", SUPERVISOR)
    report = verify_pack(tmp_path / "pack.pdf", db=True)
    assert report.ok, report.problems
    # A gaps job refused without a reason leaves no row and no entry behind.
    with pytest.raises(CertlineError):
        make_pack(SUPERVISOR, SUPERVISOR_PIN, tmp_path / "gaps.pdf", job=GAPS_JOB, plant="Werk Nord",
                  customer="Acme", order_ref="PO-2")
    assert Pack.select().count() == 1 and not (tmp_path / "gaps.pdf").exists()
    # Kept as made: the table takes no change, on either backend.
    with pytest.raises(Exception):
        with app_db.write_transaction():
            Pack.update(customer="Someone else").where(Pack.id == row.id).execute()
    assert Pack.get(Pack.id == row.id).customer == "Acme"
