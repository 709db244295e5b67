"""The audit trail leaves Certline with who acted, from which operating-system account, and how they proved it."""
from __future__ import annotations

import csv
import io

from app import audit
from tests.helpers.cli import imported, run  # noqa: F401 - imported is a fixture


def test_the_audit_export_says_who_acted_from_which_account_and_how(capsys, imported):
    code, _, err = run(capsys, imported, "cert", "revoke", "cert_mat01", "--user", "sup1", "--reason", "Recalled")
    assert code == 0, err
    code, out, err = run(capsys, imported, "export", "audit", "--type", "cert_revoked", "--csv", "-")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["userId"], r["certId"], r["reason"], r["auth"]) for r in rows] == [("sup1", "cert_mat01", "Recalled",
                                                                                  "pin")]
    assert rows[0]["osAccount"] == audit.os_account() and rows[0]["tokenId"] == ""
