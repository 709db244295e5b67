"""``--self-test``: prove on this machine that the database, the rules and the audit chain work.

Runs in a temporary folder, never near the plant's own database.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Callable

from app import attachments, audit, certificates, db, routes, serials, users


def run_self_test(report: Callable[[str], None] = print) -> bool:
    """Create a database in a temporary folder, attach a certificate twice, verify the chain."""
    with tempfile.TemporaryDirectory(prefix="certline-selftest-") as folder:
        previous = os.environ.get("CERTLINE_DOCUMENTS")
        os.environ["CERTLINE_DOCUMENTS"] = str(Path(folder) / "documents")
        try:
            handle = db.open_database(str(Path(folder) / "selftest.sqlite3"))
            report(f"database: SQLite {sqlite3.sqlite_version}, schema {db.schema_migrations(handle)[-1]}")
            users.create_user("selftest", "Self test", "admin", "B-SELFTEST")
            routes.create_path({"id": "st_path", "name": "Self test", "steps": [
                {"id": "st_1", "name": "One", "requires": ["MATERIAL"]}, {"id": "st_2", "name": "Two"}]},
                "selftest")
            routes.create_job({"id": "ST-JOB", "name": "Self test", "part": "ST", "path": "st_path",
                               "quantity": 1}, "selftest")
            certificates.create_certificate({"id": "st_cert", "name": "Self test", "kind": "MATERIAL"}, "selftest")
            (serial,) = serials.create_serials("ST-JOB", 1, "selftest").serial_ids
            first = attachments.attach(serial, "st_cert", "selftest")
            again = attachments.attach(serial, "st_cert", "selftest")
            report(f"attach: {'ok' if first.created and not again.created else 'FAILED'}")
            verified = audit.verify()
            report(f"audit chain: {'intact' if verified.ok else 'BROKEN: ' + str(verified.problem)}, "
                   f"{verified.entries} entries")
            return first.created and not again.created and verified.ok and verified.attachments == 1
        finally:
            db.close_database()
            if previous is None:
                os.environ.pop("CERTLINE_DOCUMENTS", None)
            else:
                os.environ["CERTLINE_DOCUMENTS"] = previous
