"""Replaying the audit trail: what the records must hold, compared with what they do hold.

Every change Certline makes is written with the audit entry that describes it, in one
transaction. So the trail, read from the first entry, says what each certificate, document,
serial, user, API token, policy, route revision and job must be now. A row changed behind the application's back (a
certificate un-revoked, an expiry extended, an operator made admin, a completed serial
reopened, a document's hash rewritten, a policy switched) no longer matches, and each
difference is named with the entry that says otherwise. Records the trail never mentions
(a database's very first administrator, inserted before there was anyone to record it) are
not judged, except API tokens: every one is made with its ``token_created`` entry, and a row
slipped into ``api_token`` would let a script act as anyone.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from app import audit
from app.certificates import EDITABLE_FIELDS
from app.clock import iso_utc
from app.models import ApiToken, Certificate, CertificateDocument, Job, Path, Policy, SerialNumber, Step, User
from app.policy import POLICIES


@dataclass
class _Certificate:
    seq: int
    fields: dict[str, tuple[Any, int]] = field(default_factory=dict)  # name: (value, seq that set it)
    status: tuple[str, int] | None = None
    review: tuple[str, int] | None = None
    documents: dict[str, tuple[str, int]] = field(default_factory=dict)  # document id: (sha256, seq)
    deleted: int | None = None


@dataclass
class _Expected:
    certificates: dict[str, _Certificate] = field(default_factory=dict)
    serials: dict[str, tuple[int, str, int]] = field(default_factory=dict)  # id: (index, status, seq)
    users: dict[str, dict[str, tuple[Any, int]]] = field(default_factory=dict)
    policies: dict[str, tuple[Any, int]] = field(default_factory=dict)
    removed_documents: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, "_Token"] = field(default_factory=dict)
    serial_paths: dict[str, tuple[str, int]] = field(default_factory=dict)  # serial id: (path id, seq)
    paths: dict[str, dict[str, tuple[Any, int]]] = field(default_factory=dict)  # path id: field: (value, seq)
    jobs: dict[str, dict[str, tuple[Any, int]]] = field(default_factory=dict)


@dataclass
class _Token:
    seq: int  # token_created
    fields: dict[str, Any]  # user, expiresAt, name as created
    revoked: int | None = None  # seq of token_revoked


def _certificate(expected: _Expected, cert_id: str, seq: int) -> _Certificate:
    return expected.certificates.setdefault(cert_id, _Certificate(seq))


def _replay(entries: Iterator[dict[str, Any]], positions: dict[str, int]) -> _Expected:
    expected = _Expected()
    for entry in entries:
        kind, seq, details = entry["type"], entry["seq"], entry["details"] or {}
        cert_id, serial_id = entry["cert_id"], entry["serial_id"]
        if kind == "cert_created":
            cert = expected.certificates[cert_id] = _Certificate(seq)
            cert.fields = {name: (details.get(name), seq) for name in EDITABLE_FIELDS if name in details}
            cert.status = (details.get("status", "active"), seq)
            cert.review = (details.get("review_status", "pending"), seq)
        elif kind == "cert_updated":
            cert = _certificate(expected, cert_id, seq)
            for name, change in (details.get("updated_fields") or {}).items():
                cert.fields[name] = (change.get("new"), seq)
        elif kind == "cert_revoked":
            _certificate(expected, cert_id, seq).status = ("revoked", seq)
        elif kind == "cert_deleted":
            _certificate(expected, cert_id, seq).deleted = seq
        elif kind in ("document_added", "document_removed"):
            cert = _certificate(expected, cert_id, seq)
            if kind == "document_added":
                cert.documents[entry["record_id"]] = (details.get("sha256"), seq)
            else:
                cert.documents.pop(entry["record_id"], None)
                expected.removed_documents[entry["record_id"]] = seq
            if isinstance(details.get("review_status"), dict):
                cert.review = (details["review_status"].get("new"), seq)
        elif kind == "cert_approved":
            _certificate(expected, cert_id, seq).review = ("approved", seq)
        elif kind == "serial_created":  # at the first step, unless an import placed it elsewhere
            expected.serials[serial_id] = (details.get("stepIndex", 0), details.get("status", "in_progress"), seq)
            expected.serial_paths[serial_id] = (entry["path_id"], seq)
        elif kind == "serial_advanced" and serial_id in expected.serials:
            index = positions.get(entry["step_id"], expected.serials[serial_id][0] + 1)
            expected.serials[serial_id] = (index, expected.serials[serial_id][1], seq)
        elif kind == "serial_completed":
            expected.serials[serial_id] = (-1, "completed", seq)
        elif kind == "serial_scrapped" and serial_id in expected.serials:
            index = details.get("stepIndex", expected.serials[serial_id][0])
            expected.serials[serial_id] = (index, "scrapped", seq)
        elif kind == "user_created":
            user_id = details.get("userId")
            expected.users[user_id] = {name: (details[name], seq) for name in ("name", "role", "badge", "hasPin")
                                       if name in details} | {"active": (True, seq)}
        elif kind == "user_updated":
            user = expected.users.setdefault(details.get("userId"), {})
            for name, change in (details.get("changes") or {}).items():
                user[name] = (change.get("new"), seq)
        elif kind in ("user_deactivated", "user_reactivated"):
            expected.users.setdefault(details.get("userId"), {})["active"] = (kind == "user_reactivated", seq)
        elif kind in ("path_created", "route_revised", "route_renamed", "route_archived", "route_restored",
                      "job_created", "job_closed"):
            _replay_plant(expected, entry)
        elif kind in ("pin_set", "pin_cleared"):
            user = expected.users.setdefault(details.get("userId"), {})
            user["hasPin"] = (kind == "pin_set", seq)
        elif kind == "token_created":
            # A token made before scopes (schema 0011) was given read by the migration.
            expected.tokens[details.get("tokenId")] = _Token(seq, {
                "user": details.get("userId"), "name": details.get("name"), "expiresAt": details.get("expiresAt"),
                "scopes": details.get("scopes", ["read"])})
        elif kind == "token_revoked" and details.get("tokenId") in expected.tokens:
            expected.tokens[details["tokenId"]].revoked = seq
        elif kind == "policy_changed":
            expected.policies[details.get("policy")] = (details.get("new"), seq)
    return expected


def _replay_plant(expected: _Expected, entry: dict[str, Any]) -> None:
    """Routes (each revision with its steps, name, archived) and jobs (route revision, quantity, closed)."""
    kind, seq, details = entry["type"], entry["seq"], entry["details"] or {}
    if kind in ("path_created", "route_revised"):
        path_id = entry["path_id"]
        expected.paths[path_id] = {
            "name": (details.get("name"), seq), "route_id": (details.get("routeId", path_id), seq),
            "revision": (details.get("revision", 1), seq), "archived": (False, seq),
            "steps": ([s if isinstance(s, dict) else {"id": s} for s in details.get("steps") or []], seq)}
    elif kind in ("route_renamed", "route_archived", "route_restored"):
        route = details.get("routeId")
        change = ("name", (details.get("name") or {}).get("new")) if kind == "route_renamed" else (
            "archived", kind == "route_archived")
        for path in expected.paths.values():
            if path["route_id"][0] == route:
                path[change[0]] = (change[1], seq)
    elif kind == "job_created":
        expected.jobs[entry["job_id"]] = {name: (details[name], seq) for name in
                                          ("name", "part", "path", "quantity", "gtin", "lot") if name in details}
        expected.jobs[entry["job_id"]]["closed"] = (False, seq)
    elif kind == "job_closed":
        expected.jobs.setdefault(entry["job_id"], {})["closed"] = (True, seq)


def _stored(value: Any) -> Any:
    """A column's value as the trail writes it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _show(value: Any) -> str:
    return "empty" if value in (None, "") else json.dumps(value, ensure_ascii=False, default=str)


def _certificate_problems(expected: _Expected) -> Iterator[str]:
    rows = {row.id: row for row in Certificate.select()}
    for cert_id, cert in expected.certificates.items():
        row = rows.get(cert_id)
        if cert.deleted is not None:
            if row is not None:
                yield f"certificate {cert_id}: it is in the table, the audit trail says deleted at #{cert.deleted}"
            continue
        if row is None:
            yield f"certificate {cert_id}: missing from the table, the audit trail last changed it at #{cert.seq}"
            continue
        if cert.status and row.status != cert.status[0]:
            yield (f"certificate {cert_id}: status is {row.status}, the audit trail says {cert.status[0]} "
                   f"at #{cert.status[1]}")
        if cert.review and row.review_status != cert.review[0]:
            yield (f"certificate {cert_id}: review status is {row.review_status}, the audit trail says "
                   f"{cert.review[0]} at #{cert.review[1]}")
        for name, (value, seq) in cert.fields.items():
            held = _stored(getattr(row, name))
            if held != value and not (held in (None, "") and value in (None, "")):
                yield (f"certificate {cert_id}: {name} is {_show(held)}, the audit trail says {_show(value)} "
                       f"at #{seq}")
    yield from _document_problems(expected)


def _document_problems(expected: _Expected) -> Iterator[str]:
    known = {doc_id: (cert_id, sha, seq) for cert_id, cert in expected.certificates.items()
             for doc_id, (sha, seq) in cert.documents.items()}
    for row in CertificateDocument.select():
        if row.id in known:
            _, sha, seq = known.pop(row.id)
            if row.sha256 != sha:
                yield (f"document {row.id} ({row.file_name}) of certificate {row.certificate_id}: sha256 is "
                       f"{row.sha256[:16]}…, the audit trail says {str(sha)[:16]}… at #{seq}")
        elif row.id in expected.removed_documents:
            yield (f"document {row.id} ({row.file_name}) of certificate {row.certificate_id}: it is in the table, "
                   f"the audit trail says removed at #{expected.removed_documents[row.id]}")
        elif row.certificate_id in expected.certificates:
            yield (f"document {row.id} ({row.file_name}) of certificate {row.certificate_id}: "
                   "the audit trail never recorded it being added")
    for doc_id, (cert_id, _, seq) in known.items():
        if expected.certificates[cert_id].deleted is None:
            yield f"document {doc_id} of certificate {cert_id}: missing from the table, added at #{seq}"


def _serial_problems(expected: _Expected) -> Iterator[str]:
    rows = SerialNumber.select(SerialNumber.id, SerialNumber.current_step_index, SerialNumber.status,
                               SerialNumber.path).tuples()
    for serial_id, index, status, path_id in rows.iterator():
        made_on = expected.serial_paths.get(serial_id)
        if made_on and made_on[0] and made_on[0] != path_id:  # a serial is never moved to another revision
            yield (f"serial {serial_id}: it is on route revision {path_id}, the audit trail says {made_on[0]} "
                   f"at #{made_on[1]}")
        want = expected.serials.get(serial_id)
        if want is None:
            continue
        if (index, status) != want[:2]:
            yield (f"serial {serial_id}: it stands at step index {index}, {status.replace('_', ' ')}; the audit "
                   f"trail says step index {want[0]}, {want[1].replace('_', ' ')} at #{want[2]}")


def _user_problems(expected: _Expected) -> Iterator[str]:
    from app.users import get_user  # the one place that knows where a PIN is kept

    rows = {row.id: row for row in User.select(User.id, User.name, User.role, User.badge, User.active)}
    for user_id, fields in expected.users.items():
        row = rows.get(user_id)
        if row is None:
            yield f"user {user_id}: missing from the table, created at #{min(seq for _, seq in fields.values())}"
            continue
        for name, (value, seq) in fields.items():
            held = get_user(user_id).has_pin if name == "hasPin" else getattr(row, name)
            if held != value:
                yield f"user {user_id}: {name} is {_show(held)}, the audit trail says {_show(value)} at #{seq}"


def _path_problems(expected: _Expected) -> Iterator[str]:
    """Each route revision the trail made: its name, route, revision and archived state, and its steps,
    which are never changed once written."""
    rows = {row.id: row for row in Path.select()}
    steps: dict[str, list[Step]] = {}
    for step in Step.select().order_by(Step.path, Step.position):
        steps.setdefault(step.path_id, []).append(step)
    for path_id, fields in expected.paths.items():
        row = rows.get(path_id)
        if row is None:
            yield f"route revision {path_id}: missing from the table, made at #{fields['steps'][1]}"
            continue
        held = {"name": row.name, "route_id": row.route_id, "revision": row.revision,
                "archived": row.archived_at is not None}
        for name in ("name", "route_id", "revision", "archived"):
            value, seq = fields[name]
            if held[name] != value:
                yield (f"route revision {path_id}: {name} is {_show(held[name])}, the audit trail says "
                       f"{_show(value)} at #{seq}")
        want, seq = fields["steps"]
        have = steps.get(path_id, [])
        if len(have) != len(want) or not all(_same_step(s, w) for s, w in zip(have, want)):
            yield (f"route revision {path_id}: its steps are {_show([s.id for s in have])}, the audit trail says "
                   f"{_show([w.get('id') for w in want])} (with their names and required kinds) at #{seq}")


def _same_step(step: Step, made: dict[str, Any]) -> bool:
    """A step row as the entry that made it says (an import's entry names only the ids)."""
    if step.id != made.get("id"):
        return False
    return "name" not in made or (step.name == made["name"] and list(step.requires or []) == made.get("requires"))


def _job_problems(expected: _Expected) -> Iterator[str]:
    rows = {row.id: row for row in Job.select()}
    for job_id, fields in expected.jobs.items():
        row = rows.get(job_id)
        if row is None:
            yield f"job {job_id}: missing from the table, created at #{min(seq for _, seq in fields.values())}"
            continue
        held = {"name": row.name, "part": row.part, "path": row.path_id, "quantity": row.quantity, "gtin": row.gtin,
                "lot": row.lot, "closed": row.closed_at is not None}
        for name, (value, seq) in fields.items():
            if held[name] != value and not (held[name] in (None, "") and value in (None, "")):
                yield f"job {job_id}: {name} is {_show(held[name])}, the audit trail says {_show(value)} at #{seq}"


def _policy_problems(expected: _Expected) -> Iterator[str]:
    held = {row.key: row.value for row in Policy.select()}
    for key in set(held) | set(expected.policies):
        if key not in POLICIES:
            continue
        if key in expected.policies:
            value, seq = expected.policies[key]
            if held.get(key, POLICIES[key][0]) != value:
                yield f"policy {key}: it is {_show(held.get(key))}, the audit trail says {_show(value)} at #{seq}"
        elif held[key] != POLICIES[key][0]:
            yield f"policy {key}: it is {_show(held[key])}, but the audit trail never recorded a change"


def _token_problems(expected: _Expected) -> Iterator[str]:
    """Tokens are only ever made by ``token_created``: a row the trail never made could act as anyone."""
    known = dict(expected.tokens)
    for row in ApiToken.select().order_by(ApiToken.id):
        token = known.pop(row.id, None)
        if token is None:
            yield f"token {row.id}: it is in the table (user {row.user_id}), the audit trail never recorded it created"
            continue
        held = {"user": row.user_id, "name": row.name,
                "expiresAt": iso_utc(row.expires_at) if row.expires_at else None,
                "scopes": row.scopes.split(",") if row.scopes else []}
        for name, value in token.fields.items():
            if held[name] != value:
                yield (f"token {row.id}: {name} is {_show(held[name])}, the audit trail says {_show(value)} "
                       f"at #{token.seq}")
        if token.revoked is not None and row.revoked_at is None:
            yield f"token {row.id}: revoked is false, the audit trail says revoked at #{token.revoked}"
        elif token.revoked is None and row.revoked_at is not None:
            yield (f"token {row.id}: revoked is true, the audit trail never recorded it revoked "
                   f"(created at #{token.seq})")
    for token_id, token in known.items():
        yield f"token {token_id}: missing from the table, created at #{token.seq}"


def problems() -> list[str]:
    """Every difference between the bound database's records and what its audit trail says they are."""
    positions = {step_id: position for step_id, position in Step.select(Step.id, Step.position).tuples()}
    expected = _replay(audit.entries_in_order(), positions)
    found: list[str] = []
    for check in (_certificate_problems, _serial_problems, _user_problems, _token_problems, _policy_problems,
                  _path_problems, _job_problems):
        found += check(expected)
    return found
