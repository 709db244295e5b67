"""A believable demo plant: routes, jobs, serials spread over their steps, certificates in every state."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from app import attachments, certificates, queued_attach, routes, serials, users
from app.clock import iso_utc, now_utc, today
from app.db import write_transaction
from app.errors import Invalid
from app.models import CERT_KINDS, Certificate, SerialNumber, Step, User

USERS = (
    ("admin", "Alex Admin", "admin", "B-ADM", "000000"),
    ("sup1", "Sara Lindqvist", "supervisor", "B-SUP1", "111111"),
    ("sup2", "Tomás Reyes", "supervisor", "B-SUP2", "222222"),
    # Operators sign in by badge alone at the line, as the plant's badges are their credential.
    ("op1", "Olga Novak", "operator", "B-OP1", None),
    ("op2", "Ben Carter", "operator", "B-OP2", None),
    ("op3", "Mei Chen", "operator", "B-OP3", None),
    ("op4", "Jonas Weber", "operator", "B-OP4", None),
)

PATHS = (
    {"id": "route_flange", "name": "Flange machining", "steps": [
        {"id": "fl_saw", "name": "Saw blank", "requires": ["MATERIAL"]},
        {"id": "fl_turn", "name": "CNC turning", "requires": []},
        {"id": "fl_drill", "name": "Drill bolt circle", "requires": []},
        {"id": "fl_heat", "name": "Heat treatment", "requires": ["PROCESS"]},
        {"id": "fl_insp", "name": "Final inspection", "requires": ["INSPECTION", "CALIBRATION"]},
    ]},
    {"id": "route_weld", "name": "Welded frame", "steps": [
        {"id": "wf_cut", "name": "Laser cut", "requires": ["MATERIAL"]},
        {"id": "wf_bend", "name": "Press brake", "requires": []},
        {"id": "wf_tack", "name": "Tack weld", "requires": ["TRAINING"]},
        {"id": "wf_weld", "name": "Full weld", "requires": ["TRAINING", "PROCESS"]},
        {"id": "wf_ndt", "name": "NDT (dye penetrant)", "requires": ["INSPECTION"]},
        {"id": "wf_paint", "name": "Powder coat", "requires": []},
        {"id": "wf_final", "name": "Final check", "requires": ["CONFORMANCE"]},
    ]},
    {"id": "route_shaft", "name": "Drive shaft", "steps": [
        {"id": "sh_saw", "name": "Saw bar", "requires": ["MATERIAL"]},
        {"id": "sh_turn", "name": "Rough turn", "requires": []},
        {"id": "sh_hard", "name": "Induction harden", "requires": ["PROCESS"]},
        {"id": "sh_grind", "name": "Grind", "requires": ["CALIBRATION"]},
        {"id": "sh_bal", "name": "Balance", "requires": []},
        {"id": "sh_insp", "name": "CMM inspection", "requires": ["INSPECTION"]},
        {"id": "sh_pack", "name": "Pack", "requires": []},
        {"id": "sh_ship", "name": "Release to ship", "requires": ["CONFORMANCE"]},
    ]},
)

JOBS = (
    ("JOB-24-0417", "Flanges DN100 for Nordic Pumps", "FL-100-PN16", "route_flange", 60),
    ("JOB-24-0418", "Flanges DN150 for Nordic Pumps", "FL-150-PN16", "route_flange", 40),
    ("JOB-24-0420", "Frames for Atlas conveyors", "WF-2200", "route_weld", 40),
    ("JOB-24-0423", "Drive shafts, lot A", "DS-42-A", "route_shaft", 40),
    ("JOB-24-0431", "Drive shafts, lot B", "DS-42-B", "route_shaft", 40),
)


@dataclass(frozen=True)
class DemoResult:
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"demo": self.counts}


def _certificates(on: dt.date) -> list[dict[str, Any]]:
    """30 certificates, every kind, with expired, expiring (inside their warning) and revoked ones."""
    day = dt.timedelta(days=1)
    certs: list[dict[str, Any]] = []
    for n, (grade, heat) in enumerate((("S355J2", "H24-1187"), ("42CrMo4", "H24-2231"), ("C45E", "H24-3310"),
                                       ("1.4301", "H24-4102"), ("S235JR", "H24-5075"), ("16MnCr5", "H24-6120"),
                                       ("42CrMo4", "H23-9981")), start=1):
        certs.append({"id": f"cert_mat{n:02d}", "name": f"Mill test report {grade}", "kind": "MATERIAL",
                      "number": f"MTR-{heat}", "en10204_type": "3.1" if n % 3 else "3.2", "heat_lot": heat,
                      "resource_type": "material_lot", "resource_id": heat,
                      "date_release": on - 40 * n * day, "validity": 2, "validity_unit": "YEAR", "warning": 30})
    certs[-1].update(date_release=on - 800 * day)  # an old heat: its report has expired
    for n, (name, unit, validity, warning, age) in enumerate((
            ("Heat treatment qualification Q&T", "YEAR", 1, 30, 100),
            ("Induction hardening procedure", "YEAR", 1, 30, 350),  # expiring within its warning
            ("Welding procedure WPS-135-07", "YEAR", 3, 60, 200),
            ("Powder coating process audit", "MONTH", 6, 14, 190),  # expired
            ("Passivation procedure", "YEAR", 2, 30, 30)), start=1):
        certs.append({"id": f"cert_proc{n:02d}", "name": name, "kind": "PROCESS", "number": f"PQ-{4400 + n}",
                      "date_release": on - age * day, "validity": validity, "validity_unit": unit,
                      "warning": warning})
    for n, (name, equipment, age) in enumerate((
            ("Calibration torque wrench TW-12", "EQ-TW-12", 60), ("Calibration CMM Zeiss Contura", "EQ-CMM-1", 340),
            ("Calibration micrometer set MS-3", "EQ-MS-3", 20), ("Calibration hardness tester HT-2", "EQ-HT-2", 400),
            ("Calibration bore gauge BG-7", "EQ-BG-7", 90)), start=1):
        certs.append({"id": f"cert_cal{n:02d}", "name": name, "kind": "CALIBRATION", "number": f"CAL-{7100 + n}",
                      "resource_type": "equipment", "resource_id": equipment, "date_release": on - age * day,
                      "validity": 1, "validity_unit": "YEAR", "warning": 30})
    for n, (name, person, age) in enumerate((
            ("Welder qualification ISO 9606-1 (Ben Carter)", "op2", 500),
            ("Welder qualification ISO 9606-1 (Mei Chen)", "op3", 700),  # expiring
            ("NDT level 2 PT (Jonas Weber)", "op4", 100), ("Forklift licence (Olga Novak)", "op1", 1200)), start=1):
        certs.append({"id": f"cert_train{n:02d}", "name": name, "kind": "TRAINING", "number": f"TQ-{500 + n}",
                      "resource_type": "person", "resource_id": person, "date_release": on - age * day,
                      "validity": 2, "validity_unit": "YEAR", "warning": 45})
    for n, (name, age) in enumerate((("Certificate of conformance Nordic Pumps", 10),
                                     ("Certificate of conformance Atlas", 15),
                                     ("Certificate of conformance, superseded", 90),  # revoked below
                                     ("Customer release note DS-42", 5)), start=1):
        certs.append({"id": f"cert_coc{n:02d}", "name": name, "kind": "CONFORMANCE", "number": f"COC-{2600 + n}",
                      "date_release": on - age * day})
    for n, (name, age) in enumerate((("Dye penetrant report batch 17", 12), ("CMM report DS-42 first article", 8),
                                     ("Final inspection FL-100 lot 3", 3)), start=1):
        certs.append({"id": f"cert_insp{n:02d}", "name": name, "kind": "INSPECTION", "number": f"IR-{9300 + n}",
                      "date_release": on - age * day})
    certs += [{"id": "cert_other01", "name": "Packaging specification PS-4", "kind": "OTHER", "number": "PS-4",
               "date_release": on - 30 * day},
              {"id": "cert_other02", "name": "Customer drawing approval", "kind": "OTHER", "number": "DWG-A-88",
               "date_release": on - 60 * day}]
    return certs


def fill_demo(seed: int = 7) -> DemoResult:
    """Fill an empty database with the demo plant, every change audited. Raises Invalid if not empty."""
    rng = random.Random(seed)
    on = today()
    with write_transaction():
        if User.select().exists():
            raise Invalid("The database already holds data; the demo plant fills only an empty database")
        for user_id, name, role, badge, pin in USERS:
            users.create_user(user_id, name, role, badge, pin=pin, by=None if user_id == "admin" else "admin")
        for path in PATHS:
            routes.create_path(path, "admin")
        for job_id, name, part, path_id, quantity in JOBS:
            routes.create_job({"id": job_id, "name": name, "part": part, "path": path_id, "quantity": quantity},
                              "admin")
        for fields in _certificates(on):
            certificates.create_certificate(fields, "sup1")
        certificates.revoke_certificate("cert_coc03", "sup1", "Superseded by COC-2601 after a drawing change")
        usable = _usable_by_kind(on)
        operators = [u[0] for u in USERS if u[2] == "operator"]
        total_serials = 0
        for job_id, _, _, path_id, _ in JOBS:
            count = 200 // len(JOBS)
            material = rng.choice(usable["MATERIAL"])
            batch = serials.create_serials(job_id, count, "sup1", cert_id=material)
            total_serials += count
            steps = routes.get_path(path_id).steps
            for serial_id in batch.serial_ids:
                _walk(rng, serial_id, steps, usable, operators)
        _hold_one(rng, usable)
    return DemoResult({"users": len(USERS), "paths": len(PATHS), "jobs": len(JOBS),
                       "certificates": Certificate.select().count(), "serials": total_serials})


def _hold_one(rng: random.Random, usable: dict[str, list[str]]) -> None:
    """One attach a station saved while the database was away, for a serial another station moved on
    meanwhile: it waits in the office's Needs a supervisor list."""
    serial = (SerialNumber.select()
              .where((SerialNumber.status == "in_progress") & (SerialNumber.current_step_index >= 2))
              .order_by(SerialNumber.id).first())
    if serial is None:
        return
    seen = Step.get((Step.path == serial.path_id) & (Step.position == serial.current_step_index - 1))
    scanned = now_utc() - dt.timedelta(hours=3)
    queued_attach.send(queued_attach.QueuedItem(
        queue_id=f"{rng.getrandbits(128):032x}", serial_id=serial.id, cert_id=rng.choice(usable["INSPECTION"]),
        step_seen=seen.id, user_id="op2", scanned_at=iso_utc(scanned),
        station="Line 2 - Deburr"))


def _usable_by_kind(on: dt.date) -> dict[str, list[str]]:
    usable: dict[str, list[str]] = {kind: [] for kind in CERT_KINDS}
    for cert in certificates.list_certificates():
        if certificates.refusal_to_attach(cert, on) is None:
            usable[cert.kind].append(cert.id)
    return usable


def _walk(rng: random.Random, serial_id: str, steps, usable, operators) -> None:
    """Move a serial a random distance along its route, attaching what each step requires."""
    target = rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 6, 7, len(steps)])
    user = rng.choice(operators)
    for step in steps:
        short = False
        for kind in step.requires:
            if step.position == 0 and kind == "MATERIAL":
                continue  # attached to the whole batch when its serials were created
            # Most serials get what the route asks for; a few are left short for supervisors to find.
            if rng.random() < 0.93 and usable[kind]:
                attachments.attach(serial_id, rng.choice(usable[kind]), user)
            else:
                short = True
        reason = f"Concession CN-{rng.randint(100, 999)} signed by quality" if short else None
        if step.position == len(steps) - 1:
            if target >= len(steps):
                serials.complete_serial(serial_id, user, reason=reason)
            break
        if step.position >= target:
            break
        serials.advance_serial(serial_id, user, reason=reason)
    if target < len(steps) and rng.random() < 0.05:
        serials.scrap_serial(serial_id, "sup1", "Dimension out of tolerance at CMM")
