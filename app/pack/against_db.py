"""A pack's manifest checked against the database it was made from (``certline-cli pack verify --db``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peewee import JOIN

from app import audit, db
from app.models import AuditEntry, CertAttachment, User
from app.pack.store import Pack, PackRecord

if TYPE_CHECKING:
    from app.pack.verify import VerifyReport

_CHUNK = 500


def cert_names(manifest: dict[str, Any]) -> dict[str, str]:
    """How people name each certificate of the pack: its name and issuer number, as its pages print them."""
    names = {}
    for cert in manifest.get("contents", {}).get("certificates", ()):
        if isinstance(cert, dict) and isinstance(cert.get("id"), str):
            name = str(cert.get("name") or cert["id"])
            names[cert["id"]] = f"“{name}”" + (f" ({cert['number']})" if cert.get("number") else "")
    return names


def check_against_db(manifest: dict[str, Any], report: "VerifyReport") -> None:
    """The checks that need the database (app.pack.verify checked the manifest's shape before)."""
    _check_made(manifest, report)
    try:
        _check_chain(manifest["chain"]["seq"], manifest["chain"]["hash"], report)
        _check_attachments(manifest, report)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        report.problems.append(f"The manifest's serials cannot be read ({error}): it was damaged or changed")


def _check_chain(seq: int, wanted: str, report: "VerifyReport") -> None:
    """The entry cited is there with its hash, and every entry up to it still seals the one before."""
    if seq == 0:
        report.checked.append("Audit trail: the pack cites an empty trail")
        return
    prev_hash, expected = audit.GENESIS_HASH, 1
    for row in audit.entries_in_order():
        if row["seq"] > seq:
            break
        if row["seq"] != expected or row["prev_hash"] != prev_hash or audit.entry_hash(prev_hash, row) != row["hash"]:
            report.problems.append(f"The audit trail no longer holds, at entry {expected:,}, what it held: the "
                                   f"chain up to the entry this pack cites ({seq:,}) is broken")
            return
        prev_hash, expected = row["hash"], expected + 1
    if expected <= seq:
        report.problems.append(f"The audit trail ends at entry {expected - 1:,}: the entry this pack cites "
                               f"({seq:,}) is not there")
    elif prev_hash != wanted:
        report.problems.append(f"Audit entry {seq:,} is not the one this pack cites: its hash is {prev_hash}, the "
                               f"pack's {wanted}")
    else:
        report.checked.append(f"Audit trail: entry {seq:,} is there with the hash the pack cites, and the chain "
                              "up to it holds")


def _listed(manifest: dict[str, Any]) -> tuple[dict[tuple[str, str, str], tuple[str, str]], dict[str, str]]:
    """The attachments the pack lists, and each step's words ("step 2 “Mill”")."""
    listed, steps = {}, {}
    for serial in manifest["contents"]["serials"]:
        for step in serial["steps"]:
            steps[step["stepId"]] = f"step {int(step['position']) + 1} “{step['name']}”"
            for cert in step["certificates"]:
                listed[(serial["serialId"], step["stepId"], cert["certId"])] = (cert["attachedBy"], cert["attachedAt"])
    return listed, steps


def _check_attachments(manifest: dict[str, Any], report: "VerifyReport") -> None:
    listed, steps = _listed(manifest)
    names = cert_names(manifest)
    serial_ids = [s["serialId"] for s in manifest["contents"]["serials"]]
    a, e = CertAttachment, AuditEntry
    found: dict[tuple[str, str, str], tuple[str, str, int | None]] = {}
    for start in range(0, len(serial_ids), _CHUNK):
        chunk = serial_ids[start:start + _CHUNK]
        query = (a.select(a.serial, a.step, a.certificate, a.attached_by, a.attached_at, e.seq)
                 .join(e, JOIN.LEFT_OUTER, on=((e.record_id == a.id) & (e.type == "cert_attached")))
                 .where(a.serial.in_(chunk)).tuples())
        for serial_id, step_id, cert_id, by, at, seq in query:
            found[(serial_id, step_id, cert_id)] = (by, audit.iso_utc(db.to_datetime(at)), seq)
    problems = []
    for key, (by, at) in sorted(listed.items()):
        held = found.get(key)
        what = f"the attachment of {names.get(key[2], key[2])} to {key[0]} at {steps.get(key[1], key[1])}"
        if held is None:
            problems.append(f"{what} is no longer recorded")
        elif held[:2] != (by, at):
            problems.append(f"{what} is recorded as by {held[0]} at {held[1]}, the pack says by {by} at {at}")
        elif held[2] is None or held[2] > manifest["chain"]["seq"]:
            problems.append(f"{what} has no audit entry of its attach up to entry {manifest['chain']['seq']:,}")
    for problem in problems[:20]:
        report.problems.append(f"Attachments: {problem}")
    if len(problems) > 20:
        report.problems.append(f"Attachments: … and {len(problems) - 20} more")
    if not problems:
        report.checked.append(f"Attachments: all {len(listed):,} the pack lists are recorded, as listed")


def _check_made(manifest: dict[str, Any], report: "VerifyReport") -> None:
    row = Pack.get_or_none(Pack.file_sha256 == report.file_sha256)
    if row is not None:
        user = User.get_or_none(User.id == row.made_by)
        record = PackRecord.of(row, user.name if user else None)
        report.made = record.to_json()
        entry = AuditEntry.get_or_none(AuditEntry.seq == row.audit_seq)
        if entry is None or entry.type != "pack_made" or (entry.details or {}).get("fileSha256") != row.file_sha256:
            report.problems.append(f"The pack's row is there, but its pack_made entry {row.audit_seq:,} is not")
        else:
            report.checked.append(f"Made: this very file, by {record.made_by_name} at {audit.iso_utc(row.made_at)} "
                                  f"for {row.customer}, order {row.order_ref} (audit entry {row.audit_seq:,})")
        return
    # Every pack made here has its row, whenever it was signed: a file whose sha256 is in none was not made
    # here as it is now, even when a pack that states the same evidence was.
    same = (Pack.select().where(Pack.contents_hash == manifest.get("contentsHash")).order_by(Pack.made_at).first())
    if same is None:
        report.problems.append("This file is not one Certline made here: its sha256 is in no pack made, and no "
                               "pack made here states its contents")
    else:
        user = User.get_or_none(User.id == same.made_by)
        report.problems.append(f"This file is not one Certline made here: its sha256 is in no pack made. A pack "
                               f"stating the same contents was made at {audit.iso_utc(same.made_at)} by "
                               f"{user.name if user else same.made_by} (sha256 {same.file_sha256}): this file "
                               "differs from it — a page, the signing time or another byte was changed")
