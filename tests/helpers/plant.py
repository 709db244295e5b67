"""A small known plant, built through the app's own functions."""
from __future__ import annotations

import datetime as dt

from app import certificates, routes, users
from app.models import User

TODAY = dt.date.today()


def build_plant() -> None:
    """Users of every role, one route of three steps, one job, and certificates in every state."""
    # The first administrator has nobody to create them; it is inserted directly.
    User.insert(id="admin", name="Ada Admin", role="admin", badge="B-ADM").execute()
    users.create_user("sup1", "Sam Supervisor", "supervisor", "B-SUP1", pin="432100", by="admin")
    users.create_user("op1", "Olga Operator", "operator", "B-OP1", pin="1234", by="admin")
    users.create_user("op2", "Otto Operator", "operator", "B-OP2", by="admin")
    routes.create_path({"id": "path_a", "name": "Flange machining", "steps": [
        {"id": "step_001", "name": "Saw", "requires": ["MATERIAL"]},
        {"id": "step_002", "name": "Mill", "requires": []},
        {"id": "step_003", "name": "Inspect", "requires": ["INSPECTION"]},
    ]}, "admin")
    routes.create_job({"id": "JOB-1", "name": "Flanges for Acme", "part": "FL-100", "path": "path_a",
                       "quantity": 100_000}, "admin")  # room for the big batches some tests make
    for fields in (
        {"id": "cert_mat01", "name": "Mill test report 42CrMo4", "kind": "MATERIAL", "number": "HT-4711",
         "en10204_type": "3.1", "heat_lot": "H4711", "date_release": TODAY - dt.timedelta(days=10),
         "validity": 1, "validity_unit": "YEAR", "warning": 30},
        {"id": "cert_insp01", "name": "Final inspection report", "kind": "INSPECTION", "number": "IR-0001",
         "date_release": TODAY - dt.timedelta(days=1)},
        {"id": "cert_old", "name": "Expired calibration", "kind": "CALIBRATION", "number": "CAL-9",
         "date_release": TODAY - dt.timedelta(days=400), "date_expire": TODAY - dt.timedelta(days=1)},
        {"id": "cert_soon", "name": "Welder qualification", "kind": "TRAINING", "number": "WQ-7",
         "date_release": TODAY - dt.timedelta(days=300), "date_expire": TODAY + dt.timedelta(days=5),
         "warning": 14},
        {"id": "cert_rev", "name": "Withdrawn conformance", "kind": "CONFORMANCE", "number": "COC-3",
         "date_release": TODAY - dt.timedelta(days=5)},
    ):
        certificates.create_certificate(fields, "admin")
    certificates.revoke_certificate("cert_rev", "admin", "Supplier withdrew it")
