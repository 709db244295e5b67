"""Importing a plant file: users, paths, jobs, certificates and serials, all or nothing.

The shape (ids as given; a serial's ``step`` is the id of its current step):
``{"users": [...], "paths": [...], "jobs": [...], "certificates": [...], "serials": [...]}``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Callable

from app import audit, db, pins
from app.bounds import parse_json, shown
from app.certificates import EDITABLE_FIELDS, CertificateRecord, certificate_row
from app.db import write_transaction
from app.errors import CertlineError, Invalid, NotFound
from app.ids import check_id
from app.models import Certificate, Job, Path, SerialNumber, Step, User
from app.jobs import job_row
from app.routes import newest_path, path_rows
from app.users import check_names_free, require_user, user_row

SECTIONS = ("users", "paths", "jobs", "certificates", "serials")
SERIAL_STATUSES = ("in_progress", "completed", "scrapped")
# The file, its sections, a record, and a certificate's data inside it (bounded by its own rule,
# which names the record), with room to spare.
MAX_FILE_DEPTH = 64


@dataclass(frozen=True)
class ImportResult:
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"imported": self.counts}


def read_plant_file(path: str | FilePath) -> tuple[dict[str, Any], str]:
    """The parsed file and its sha256. Raises Invalid for a file that is not a plant file."""
    try:
        raw = FilePath(path).read_bytes()
    except OSError as error:
        raise Invalid(f"Cannot read {path}: {error.strerror or error}") from None
    # Bounded before any record is looked at: nesting, lone surrogates and NUL anywhere in the file.
    plant = parse_json(raw, str(path), max_depth=MAX_FILE_DEPTH, max_chars=None, root="")
    if not isinstance(plant, dict):
        raise Invalid(f"{path} must hold a JSON object with {', '.join(SECTIONS)}")
    unknown = sorted(set(plant) - set(SECTIONS))
    if unknown:
        raise Invalid(f"{path} has unknown sections: {', '.join(unknown)}")
    for section in SECTIONS:
        if not isinstance(plant.get(section, []), list):
            raise Invalid(f"{section} must be a list")
    return plant, hashlib.sha256(raw).hexdigest()


def _each(plant: dict[str, Any], section: str, make: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """Apply ``make`` to every record of a section, naming the record in any refusal."""
    made = []
    for index, record in enumerate(plant.get(section, [])):
        label = f"{section}[{index}]"
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            label += f" ({record['id']})"
        try:
            if not isinstance(record, dict):
                raise Invalid("must be a JSON object")
            made.append(make(record))
        except CertlineError as error:
            raise type(error)(f"{label}: {error.message}") from None
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
            # The rules name the field; this is the last line of defence for a shape they missed.
            raise Invalid(f"{label}: bad or missing field {shown(str(error))}") from None
    return made


def _unique(rows: list[dict[str, Any]], section: str, model) -> None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if row["id"] in seen:
            raise Invalid(f"{section}[{index}] ({row['id']}): appears twice in the file")
        seen.add(row["id"])
    for start in range(0, len(rows), 500):
        ids = [r["id"] for r in rows[start:start + 500]]
        taken = model.select(model.id).where(model.id.in_(ids)).first()
        if taken:
            raise Invalid(f"{section} ({taken.id}): already exists in the database")


def import_plant(path: str | FilePath, user_id: str) -> ImportResult:
    """Load a plant file in one transaction; any bad record refuses the whole file, naming it.

    ``user_id`` must be an administrator in the database already. Only into a database that has
    no users yet may the file bring its own first administrator (and act as them), as the very
    first user is created by nobody. Into one that has users, an import grants no rights: the
    file's users may only be operators, and a role above that is given by an administrator.
    """
    plant, digest = read_plant_file(path)
    users = _each(plant, "users", lambda u: user_row(id=u["id"], name=u.get("name"), role=u.get("role"),
                                                     badge=u.get("badge"), pin=u.get("pin")))
    paths = _each(plant, "paths", path_rows)
    jobs = _each(plant, "jobs", job_row)
    certificates = _each(plant, "certificates",
                         lambda c: certificate_row({name: c.get(name) for name in ("id", *EDITABLE_FIELDS)})
                         | {"status": "revoked" if c.get("status") == "revoked" else "active"})
    now = db.now()
    with write_transaction():
        bootstrap = not User.select().exists()
        if bootstrap:
            if not any(u["id"] == user_id and u["role"] == "admin" for u in users):
                raise Invalid(f"The database has no users yet: the plant file must bring the administrator "
                              f"who imports it ({user_id})")
        else:
            require_user(user_id, ("admin",), "import a plant file")
            for user in users:
                if user["role"] != "operator":
                    raise Invalid(f"users ({user['id']}): a plant file may only add operators to a database that "
                                  f"has users; an administrator gives the {user['role']} role (certline-cli user)")
        _unique(users, "users", User)
        check_names_free(users, lambda u: f"users ({u['id']}): ")
        _unique([p for p, _ in paths], "paths", Path)
        _unique([s for _, steps in paths for s in steps], "steps", Step)
        _unique(jobs, "jobs", Job)
        _unique(certificates, "certificates", Certificate)
        if users:
            pin_hashes = {u["id"]: u.pop("pin_hash") for u in users}  # kept apart from the user rows (app.pins)
            User.insert_many([u | {"created_at": now} for u in users]).execute()
            for pin_user, stored in pin_hashes.items():
                if stored:
                    pins.store(pin_user, stored)
        if bootstrap:
            require_user(user_id, ("admin",), "import a plant file")
        for path_row, step_rows in paths:
            Path.insert(path_row).execute()
            Step.insert_many(step_rows).execute()
        for job in jobs:
            try:  # as create_job does: the route's newest revision, not archived
                revision = newest_path(job["path"])
            except NotFound:
                raise Invalid(f"jobs ({job['id']}): path {job['path']} does not exist") from None
            if revision.archived_at is not None:
                raise Invalid(f"jobs ({job['id']}): route {revision.route_id} is archived")
            job["path"] = revision.id
            Job.insert(job | {"created_at": now}).execute()
        for start in range(0, len(certificates), 500):
            Certificate.insert_many([c | {"review_status": "pending", "created_at": now, "updated_at": now}
                                     for c in certificates[start:start + 500]]).execute()
        serials = _each(plant, "serials", lambda s: _serial_row(s, now))
        _unique(serials, "serials", SerialNumber)
        for start in range(0, len(serials), 1000):
            SerialNumber.insert_many(serials[start:start + 1000]).execute()
        counts = {section: len(plant.get(section, [])) for section in SECTIONS}
        entries = [audit.new_entry("plant_imported", user_id, at=now,
                                   details={"file": FilePath(path).name, "sha256": digest, "counts": counts})]
        entries += _creation_entries(user_id, now, users, pin_hashes if users else {}, paths, jobs,
                                     certificates, serials)
        audit.append(entries)
    return ImportResult(counts)


def _creation_entries(user_id: str, now, users, pin_hashes, paths, jobs, certificates, serials) -> list[dict]:
    """One entry per record the file made, as if each had been made on its own screen: the trail
    then says what every record must be, and ``verify`` holds imported records to it too."""
    entries = [audit.new_entry("user_created", user_id, at=now,
                               details={"userId": u["id"], "name": u["name"], "role": u["role"],
                                        "badge": u["badge"], "hasPin": bool(pin_hashes.get(u["id"]))})
               for u in users]
    entries += [audit.new_entry("path_created", user_id, path_id=path_row["id"], at=now,
                                details={"id": path_row["id"], "name": path_row["name"],
                                         "steps": [step["id"] for step in step_rows]})
                for path_row, step_rows in paths]
    entries += [audit.new_entry("job_created", user_id, job_id=job["id"], path_id=job["path"], at=now,
                                details={name: value for name, value in job.items() if name != "created_at"})
                for job in jobs]
    ids = [c["id"] for c in certificates]
    for start in range(0, len(ids), 500):
        chunk = Certificate.select().where(Certificate.id.in_(ids[start:start + 500])).order_by(Certificate.id)
        entries += [audit.new_entry("cert_created", user_id, cert_id=cert.id, at=now,
                                    details=CertificateRecord.of(cert).to_json())
                    for cert in chunk]
    entries += [audit.new_entry("serial_created", user_id, serial_id=row["id"], job_id=row["job"],
                                path_id=row["path"], at=now,
                                details={"stepIndex": row["current_step_index"], "status": row["status"]})
                for row in serials]
    return entries


def _serial_row(serial: dict[str, Any], now) -> dict[str, Any]:
    check_id(serial.get("id"), "Serial id")
    job = Job.get_or_none(Job.id == check_id(serial.get("job"), "Serial job"))
    if job is None:
        raise Invalid(f"job {serial['job']} does not exist")
    status = serial.get("status") or "in_progress"
    if status not in SERIAL_STATUSES:
        raise Invalid(f"status must be one of {', '.join(SERIAL_STATUSES)}: {shown(status)}")
    step_id = serial.get("step")
    if status == "completed" and not step_id:
        index = -1
    else:
        step = Step.get_or_none((Step.id == check_id(step_id, "Serial step")) & (Step.path == job.path_id))
        if step is None:
            raise Invalid(f"step {step_id} is not on path {job.path_id} of job {job.id}")
        index = -1 if status == "completed" else step.position
    return {"id": serial["id"], "job": job.id, "path": job.path_id, "current_step_index": index,
            "status": status, "created_at": now}
