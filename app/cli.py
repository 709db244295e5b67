"""certline-cli: what scripts and administrators need, on the same rules as the station.

Exit status: 0 done, 2 bad usage, 3 bad request, 4 not found, 5 internal error.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from typing import Any, Callable, Sequence

import getpass

from app import attachments, audit, backup, certificates, db, demo, documents, export, plant_file, policy, serials, users
from app.clock import now_utc
from app.errors import CertlineError, Forbidden, Invalid, NotFound

EXIT_OK, EXIT_USAGE, EXIT_BAD_REQUEST, EXIT_NOT_FOUND, EXIT_INTERNAL = 0, 2, 3, 4, 5
CERT_FIELDS = ("name", "kind", "number", "en10204_type", "heat_lot", "resource_type", "resource_id",
               "date_release", "date_expire", "validity", "validity_unit", "warning", "note")

log = logging.getLogger("certline.cli")


class Output:
    """Prints records as JSON or as lines for a person."""

    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, value: Any, text: Callable[[Any], str] | str) -> None:
        if self.as_json:
            print(json.dumps(value, indent=2, ensure_ascii=False))
        else:
            print(text(value) if callable(text) else text)


def _exit_code(error: CertlineError) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, (Invalid, Forbidden)):
        return EXIT_BAD_REQUEST
    return EXIT_INTERNAL


def _report(error_status: int, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": {"status": error_status, "message": message}}), file=sys.stderr)
    else:
        print(f"certline-cli: {message}", file=sys.stderr)


# --- commands -------------------------------------------------------------------------------------

def cmd_init(args, out: Output) -> None:
    handle = db.open_database(args.db)
    applied = db.schema_migrations(handle)
    out.emit({"database": db.describe(db.resolve_url(args.db)), "migrations": applied},
             lambda v: f"Database ready: {v['database']} (schema {len(applied)}: {applied[-1]})")


def cmd_demo(args, out: Output) -> None:
    db.open_database(args.db)
    result = demo.fill_demo(seed=args.seed)
    out.emit(result.to_json(), lambda v: "Demo plant created: " + ", ".join(
        f"{n} {k}" for k, n in v["demo"].items()) + "\nSign in at the station with badge B-OP1 (operator), "
        "B-SUP1 (supervisor, PIN 1111) or B-ADM (admin, PIN 0000).")


def cmd_import(args, out: Output) -> None:
    db.open_database(args.db)
    result = plant_file.import_plant(args.file, args.user)
    out.emit(result.to_json(), lambda v: "Imported: " + ", ".join(f"{n} {k}" for k, n in v["imported"].items()))


def _attachment_line(a: attachments.AttachmentRecord) -> str:
    j = a.to_json()
    return f"{j['attachedAt']}  {j['serialId']:<16} {j['stepId']:<14} {j['attachedBy']:<12} {j['id']}"


def cmd_attach(args, out: Output) -> None:
    db.open_database(args.db)
    result = attachments.attach(args.serial, args.cert, args.user, require_approved=args.require_approved)
    a = result.attachment
    if result.created:
        text = f"Attached {a.cert_id} to {a.serial_id} at {result.step_name} ({a.step_id})"
    else:
        text = (f"Already attached: {a.cert_id} on {a.serial_id} at {result.step_name} ({a.step_id}) "
                f"since {a.to_json()['attachedAt']} by {result.attached_by_name} ({a.attached_by}); nothing written")
    out.emit(a.to_json(), text)


def cmd_attachments(args, out: Output) -> None:
    db.open_database(args.db)
    if out.as_json:
        # Streamed, so a certificate with a million attachments never sits in memory.
        rows = attachments.iter_attachments_of_certificate(args.cert)
        first = next(rows, None)
        if first is None:
            print("[]")
            return
        sys.stdout.write("[\n  " + json.dumps(first.to_json()))
        for row in rows:
            sys.stdout.write(",\n  " + json.dumps(row.to_json()))
        sys.stdout.write("\n]\n")
        return
    count = 0
    for row in attachments.iter_attachments_of_certificate(args.cert):
        if count == 0:
            print(f"{'attached at (UTC)':<24}  {'serial':<16} {'step':<14} {'by':<12} id")
        print(_attachment_line(row))
        count += 1
    print(f"{count} attachment{'s' if count != 1 else ''} of {args.cert}" if count else
          f"Certificate {args.cert} has no attachments")


def _serial_text(detail: serials.SerialDetail) -> str:
    lines = [f"{detail.id}  {detail.status}  job {detail.job_id} ({detail.job_name}), part {detail.part}",
             f"route {detail.path_name} ({detail.path_id})"]
    marks = {"passed": "✓", "current": "▶", "ahead": " "}
    for state in detail.steps:
        need = f"  requires {', '.join(state.step.requires)}" if state.step.requires else ""
        missing = f"  MISSING {', '.join(state.missing_kinds)}" if state.missing_kinds and state.state != "ahead" \
            else ""
        lines.append(f" {marks[state.state]} {state.step.position + 1}. {state.step.name} ({state.step.id}){need}"
                     f"{missing}")
        for a in state.attachments:
            lines.append(f"      {a.attachment.cert_id}  {a.cert_name}  by {a.attached_by_name} "
                         f"at {a.attachment.to_json()['attachedAt']}")
    return "\n".join(lines)


def cmd_serial(args, out: Output) -> None:
    db.open_database(args.db)
    words = args.words
    if words[0] in ("advance", "complete", "scrap") and len(words) == 2:
        if not args.user:
            raise Invalid(f"serial {words[0]} needs --user USER")
        move = {"advance": serials.advance_serial, "complete": serials.complete_serial,
                "scrap": serials.scrap_serial}[words[0]]
        detail = move(words[1], args.user, reason=args.reason)
    elif len(words) == 1:
        detail = serials.get_serial(words[0])
    else:
        raise Invalid("Use: serial SERIAL, or serial advance|complete|scrap SERIAL --user USER")
    out.emit(detail.to_json(), lambda _: _serial_text(detail))


def cmd_serials_create(args, out: Output) -> None:
    db.open_database(args.db)
    batch = serials.create_serials(args.job, args.count, args.user, cert_id=args.cert, prefix=args.prefix)
    with_cert = f", {batch.cert_id} attached to each at {batch.step_id}" if batch.cert_id else ""
    out.emit(batch.to_json(), f"Created {len(batch.serial_ids)} serials for {batch.job_id}: "
                              f"{batch.serial_ids[0]} … {batch.serial_ids[-1]}{with_cert}")


def _cert_line(c: certificates.CertificateRecord) -> str:
    expire = c.date_expire.isoformat() if c.date_expire else "—"
    state = c.expiry_state()
    flag = "REVOKED" if c.status == "revoked" else {"expired": "EXPIRED", "expiring": "expiring"}.get(state, "")
    return f"{c.id:<16} {c.kind:<12} {c.number or '':<14} {expire:<11} {c.review_status:<9} {flag:<8} {c.name}"


def cmd_certs(args, out: Output) -> None:
    db.open_database(args.db)
    query = certificates.CertificateQuery(
        text=args.text, kind=args.kind, status=args.status, review_status=args.review_status,
        resource_type=args.resource_type, resource_id=args.resource_id, expires_within_days=args.expires_within,
        expired=True if args.expired else None, sort=args.sort, descending=args.desc)
    found = certificates.list_certificates(query, limit=args.limit, offset=args.offset)
    total = certificates.count_certificates(query)
    if out.as_json:
        out.emit({"total": total, "certificates": [c.to_json() for c in found]}, "")
        return
    print(f"{'id':<16} {'kind':<12} {'number':<14} {'expires':<11} {'review':<9} {'':<8} name")
    for c in found:
        print(_cert_line(c))
    print(f"{len(found)} of {total} certificates")


def _cert_fields(args) -> dict[str, Any]:
    fields = {name: getattr(args, name) for name in CERT_FIELDS if getattr(args, name) is not None}
    if args.data is not None:
        try:
            fields["data"] = json.loads(args.data)
        except json.JSONDecodeError as error:
            raise Invalid(f"--data is not valid JSON: {error}", "data") from None
    return fields


def _cert_text(c: certificates.CertificateRecord) -> str:
    j = c.to_json()
    return "\n".join(f"{name:<14} {value}" for name, value in j.items() if value not in (None, {}, ""))


def cmd_cert(args, out: Output) -> None:
    db.open_database(args.db)
    if args.cert_command == "show":
        cert = certificates.get_certificate(args.id)
        out.emit(cert.to_json(), lambda _: _cert_text(cert))
    elif args.cert_command == "add":
        cert = certificates.create_certificate({"id": args.id, **_cert_fields(args)}, args.user)
        out.emit(cert.to_json(), f"Created certificate {cert.id}: {cert.name}")
    elif args.cert_command == "update":
        cert = certificates.update_certificate(args.id, _cert_fields(args), args.user, args.reason)
        out.emit(cert.to_json(), f"Updated certificate {cert.id}")
    elif args.cert_command == "revoke":
        cert = certificates.revoke_certificate(args.id, args.user, args.reason)
        out.emit(cert.to_json(), f"Revoked certificate {cert.id}; its existing attachments stay")
    elif args.cert_command == "delete":
        plan = certificates.delete_certificate(args.id, args.user, args.reason, force=args.force)
        if plan.deleted:
            text = f"Deleted certificate {args.id}" + (
                f" and its {len(plan.documents)} document(s)" if plan.documents else "")
        else:
            text = "\n".join([f"Certificate {args.id} has documents that would be deleted with it:",
                              *(f"  {d['id']}  {d['file_name']}  {d['size']} bytes" for d in plan.documents),
                              "Nothing was deleted. Repeat with --force to delete them all."])
        out.emit(plan.to_json(), text)


def cmd_validate_file(args, out: Output) -> int:
    result = documents.validate_file(args.file)
    out.emit(result.to_json(), lambda _: f"{args.file}: valid {result.content_type}, {result.size} bytes"
             if result.valid else "\n".join(result.errors))
    return EXIT_OK if result.valid else EXIT_BAD_REQUEST


def _document_line(d: documents.DocumentRecord) -> str:
    return f"{d.id:<22} {d.content_type:<16.16} {d.size:>9}  {d.to_json()['created_at']}  {d.uploaded_by:<10} {d.file_name}"


def cmd_doc(args, out: Output) -> None:
    db.open_database(args.db)
    if args.doc_command == "add":
        added = documents.add_document(args.cert, args.file, args.user)
        out.emit(added.to_json(), f"Added {added.file_name} ({added.content_type}, {added.size} bytes) "
                                  f"to {args.cert} as {added.id}")
    elif args.doc_command == "list":
        found = documents.list_documents(args.cert)
        out.emit([d.to_json() for d in found], lambda _: "\n".join(map(_document_line, found))
                 or f"Certificate {args.cert} has no documents")
    else:
        removed = documents.remove_document(args.cert, args.doc, args.user, args.reason)
        out.emit(removed.to_json(), f"Removed {removed.file_name} from {args.cert}")


def cmd_approve(args, out: Output) -> None:
    db.open_database(args.db)
    pin = os.environ.get("CERTLINE_PIN")
    if pin is None:
        pin = getpass.getpass(f"PIN for {args.user}: ")
    signature = documents.approve_certificate(args.id, args.user, pin)
    out.emit(signature, f"Approved {args.id}: {signature['printedName']}, {signature['signedAt']}, "
                        f"meaning: {signature['meaning']}")


def cmd_policy(args, out: Output) -> None:
    db.open_database(args.db)
    if args.policy_command == "set":
        try:
            value = json.loads(args.value)
        except json.JSONDecodeError:
            raise Invalid(f"Give the value as JSON (true, false, a number or a quoted text): {args.value}") from None
        policy.set_policy(args.key, value, args.user, args.reason)
    values = {key: policy.get_policy(key) for key in policy.POLICIES}
    out.emit(values, lambda v: "\n".join(f"{key:<18} {json.dumps(value):<6} {policy.POLICIES[key][1]}"
                                         for key, value in v.items()))


def _utc(value: str | None, option: str):
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{option} must be a date or time like 2024-01-31 or 2024-01-31T14:00Z: {value}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _serial_list(args) -> list[str] | None:
    listed = [s for s in (args.serials or "").replace(",", " ").split() if s]
    if args.serials_file:
        try:
            with open(args.serials_file, encoding="utf-8") as handle:
                listed += [line.strip() for line in handle if line.strip()]
        except OSError as error:
            raise Invalid(f"Cannot read {args.serials_file}: {error.strerror or error}") from None
    return listed or None


def _export_options(args) -> dict[str, Any]:
    if args.view == "attachments":
        return {"cert_id": args.cert, "text": args.text, "step_id": args.step, "user_id": args.by,
                "since": _utc(args.since, "--since"), "until": _utc(args.until, "--until"), "sort": args.sort,
                "descending": args.desc}
    if args.view in ("lacking", "gaps"):
        options = {"job_id": args.job, "serial_ids": _serial_list(args)}
        if args.view == "lacking":
            options |= {"cert_id": args.cert, "kind": args.kind}
        return options
    return {"type": args.type, "user_id": args.by, "serial_id": args.serial, "cert_id": args.cert,
            "since": _utc(args.since, "--since"), "until": _utc(args.until, "--until")}


def cmd_export(args, out: Output) -> None:
    db.open_database(args.db)
    options = _export_options(args)
    title, details, total = export.report_title_and_details(args.view, **options)
    if args.csv:
        rows = export.write_csv(*export.report_table(args.view, **options), args.csv)
        written = args.csv
    else:
        # Qt draws the PDF; only this command needs it, so it is imported here and nowhere else in app/.
        from ui.report_pdf import Report, write_pdf

        who = args.user or getpass.getuser()
        rows = write_pdf(Report(title, details, export.COLUMNS[args.view], export.report_dicts(args.view, **options),
                                generated_by=who, generated_at=now_utc().strftime("%Y-%m-%d %H:%M UTC"),
                                total=total), args.pdf)
        written = args.pdf
    out.emit({"file": written, "rows": rows}, f"Wrote {rows:,} rows to {written}")


def cmd_backup(args, out: Output) -> None:
    result = backup.backup(args.dest, args.db)
    out.emit(result.to_json(), f"Backed up to {result.folder}: schema {result.schema}, "
                               f"{result.entries} audit entries (chain verified), {result.documents} documents")


def cmd_restore(args, out: Output) -> None:
    result = backup.restore(args.source, args.db)
    out.emit(result.to_json(), f"Restored {result.folder} into {db.describe(db.resolve_url(args.db))}: "
                               f"{result.entries} audit entries (chain verified), {result.documents} documents")


def cmd_user(args, out: Output) -> None:
    db.open_database(args.db)
    if args.user_command == "list":
        found = users.list_users()
        out.emit([u.to_json() for u in found], lambda _: "\n".join(
            f"{u.id:<12} {u.role:<11} {u.badge:<12} {'PIN' if u.has_pin else '   '} "
            f"{'' if u.active else 'inactive '}{u.name}" for u in found))
    else:
        pin = os.environ.get("CERTLINE_PIN") if args.pin is None else args.pin
        created = users.create_user(args.id, args.name, args.role, args.badge, pin=pin or None, by=args.user)
        out.emit(created.to_json(), f"Created {created.role} {created.id} ({created.name}), badge {created.badge}")


def cmd_verify(args, out: Output) -> int:
    db.open_database(args.db)
    result = audit.verify()
    if result.ok:
        text = f"Audit trail intact: {result.entries} entries, {result.attachments} attachments match"
    else:
        where = f" at entry {result.entry_id} (#{result.seq})" if result.entry_id else ""
        text = f"AUDIT TRAIL BROKEN{where}: {result.problem}"
    out.emit(result.to_json(), text)
    return EXIT_OK if result.ok else EXIT_BAD_REQUEST


# --- parser ---------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given after the command these override, absent they leave the top-level value.
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="SQLite file or postgresql:// URL (default: $CERTLINE_DB, else the data directory)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON records")
    parser = argparse.ArgumentParser(prog="certline-cli", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", default=False, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler, help: str, **kwargs) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help, **kwargs)
        sub.set_defaults(handler=handler)
        return sub

    def needs_user(sub: argparse.ArgumentParser, reason: bool = False) -> None:
        sub.add_argument("--user", required=True, help="id of the user doing this (recorded in the audit trail)")
        if reason:
            sub.add_argument("--reason", required=True, help="why (recorded in the audit trail)")

    command("init", cmd_init, "create or migrate the database")
    sub = command("demo", cmd_demo, "fill an empty database with a believable demo plant")
    sub.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    sub = command("import", cmd_import, "import a plant file (JSON), all or nothing")
    sub.add_argument("file")
    needs_user(sub)
    sub = command("attach", cmd_attach, "attach a certificate to a serial at its current step")
    sub.add_argument("serial")
    sub.add_argument("cert")
    needs_user(sub)
    sub.add_argument("--require-approved", action="store_true", default=None,
                     help="refuse certificates not approved, whatever the plant policy says")
    sub = command("attachments", cmd_attachments, "every attachment of a certificate, oldest first")
    sub.add_argument("cert")
    sub = command("serial", cmd_serial, "show a serial, or: serial advance|complete|scrap SERIAL --user U",
                  usage="certline-cli serial SERIAL | serial {advance,complete,scrap} SERIAL --user USER")
    sub.add_argument("words", nargs="+", metavar="SERIAL")
    sub.add_argument("--user")
    sub.add_argument("--reason", help="override reason (a step's required certificate missing) or scrap reason")
    serials_parser = command("serials", None, "serials in bulk")
    serials_commands = serials_parser.add_subparsers(dest="serials_command", required=True, metavar="COMMAND")
    sub = serials_commands.add_parser("create", parents=[common], help="create serials for a job")
    sub.set_defaults(handler=cmd_serials_create)
    sub.add_argument("--job", required=True)
    sub.add_argument("--count", type=int, required=True)
    sub.add_argument("--cert", help="attach this certificate to each new serial")
    sub.add_argument("--prefix", default="SN-", help="serial id prefix (default SN-)")
    needs_user(sub)
    sub = command("certs", cmd_certs, "list certificates")
    sub.add_argument("--text", help="id, name or number contains")
    sub.add_argument("--kind", choices=certificates.CERT_KINDS)
    sub.add_argument("--status", choices=("active", "revoked"))
    sub.add_argument("--review-status", choices=certificates.REVIEW_STATUSES)
    sub.add_argument("--resource-type", choices=certificates.RESOURCE_TYPES)
    sub.add_argument("--resource-id")
    sub.add_argument("--expires-within", type=int, metavar="DAYS")
    sub.add_argument("--expired", action="store_true")
    sub.add_argument("--sort", default="id", choices=certificates.SORTABLE_FIELDS)
    sub.add_argument("--desc", action="store_true")
    sub.add_argument("--limit", type=int)
    sub.add_argument("--offset", type=int, default=0)
    cert_parser = command("cert", cmd_cert, "one certificate: show, add, update, revoke, delete")
    cert_commands = cert_parser.add_subparsers(dest="cert_command", required=True, metavar="COMMAND")
    for name, help in (("show", "show a certificate"), ("add", "register a certificate"),
                       ("update", "change fields (old and new values audited)"),
                       ("revoke", "no new attachments; existing ones stay"),
                       ("delete", "delete one that was never attached")):
        sub = cert_commands.add_parser(name, parents=[common], help=help, description=help)
        sub.add_argument("id")
        if name in ("add", "update"):
            for field in CERT_FIELDS:
                sub.add_argument("--" + field.replace("_", "-"), dest=field)
            sub.add_argument("--data", help="free JSON object")
        if name != "show":
            needs_user(sub, reason=name in ("update", "revoke", "delete"))
        if name == "delete":
            sub.add_argument("--force", action="store_true", help="also delete its documents")
    sub = cert_commands.add_parser("validate-file", parents=[common], help="pre-flight check of a document file")
    sub.set_defaults(handler=cmd_validate_file)
    sub.add_argument("file")
    sub = cert_commands.add_parser("approve", parents=[common],
                                   help="approve a certificate's documents (PIN from a prompt or CERTLINE_PIN)")
    sub.set_defaults(handler=cmd_approve)
    sub.add_argument("id")
    needs_user(sub)
    doc_parser = cert_commands.add_parser("doc", parents=[common], help="a certificate's documents")
    doc_commands = doc_parser.add_subparsers(dest="doc_command", required=True, metavar="COMMAND")
    doc_parser.set_defaults(handler=cmd_doc)
    sub = doc_commands.add_parser("add", parents=[common], help="add a PDF, JPEG, PNG, DOC or DOCX (10 MB at most)")
    sub.add_argument("cert")
    sub.add_argument("file")
    needs_user(sub)
    sub = doc_commands.add_parser("list", parents=[common], help="list a certificate's documents")
    sub.add_argument("cert")
    sub = doc_commands.add_parser("remove", parents=[common], help="remove a document, with a reason")
    sub.add_argument("cert")
    sub.add_argument("doc")
    needs_user(sub, reason=True)
    policy_parser = command("policy", cmd_policy, "plant-wide policies every workstation obeys")
    policy_commands = policy_parser.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
    policy_commands.add_parser("list", parents=[common], help="show the policies")
    sub = policy_commands.add_parser("set", parents=[common], help="change a policy (admin, with a reason)")
    sub.add_argument("key", choices=sorted(policy.POLICIES))
    sub.add_argument("value", help="JSON value, e.g. true")
    needs_user(sub, reason=True)
    user_parser = command("user", cmd_user, "users: list, add")
    user_commands = user_parser.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    user_commands.add_parser("list", parents=[common], help="list users")
    sub = user_commands.add_parser("add", parents=[common], help="add a user (the first one: an admin)")
    sub.add_argument("id")
    sub.add_argument("--name", required=True)
    sub.add_argument("--role", required=True, choices=users.ROLES)
    sub.add_argument("--badge", required=True)
    sub.add_argument("--pin", help="PIN (or CERTLINE_PIN); digits only")
    sub.add_argument("--user", help="the admin adding them (not needed for the very first user)")
    export_parser = command("export", cmd_export, "a supervisor's view to CSV (every row) or PDF (a report)")
    views = export_parser.add_subparsers(dest="view", required=True, metavar="VIEW")

    def view(name: str, help: str) -> argparse.ArgumentParser:
        sub = views.add_parser(name, parents=[common], help=help, description=help)
        target = sub.add_mutually_exclusive_group(required=True)
        target.add_argument("--csv", metavar="FILE")
        target.add_argument("--pdf", metavar="FILE")
        sub.add_argument("--user", help="who generates the report (printed on it)")
        return sub

    sub = view("attachments", "every attachment of a certificate")
    sub.add_argument("cert")
    sub.add_argument("--text", help="serial, job, step or user contains")
    sub.add_argument("--step", help="step id")
    sub.add_argument("--by", help="user id who attached")
    sub.add_argument("--since", help="UTC date or time, inclusive")
    sub.add_argument("--until", help="UTC date or time, exclusive")
    sub.add_argument("--sort", default="attached_at", choices=("attached_at", "serial", "job", "step",
                                                                "attached_by"))
    sub.add_argument("--desc", action="store_true")
    for name, help in (("lacking", "serials of a job (or a list) that lack a certificate or kind"),
                       ("gaps", "steps serials passed whose required certificate kinds are missing")):
        sub = view(name, help)
        sub.add_argument("--job")
        sub.add_argument("--serials", help="serial ids separated by commas or spaces")
        sub.add_argument("--serials-file", help="a file of serial ids, one a line (as scanned)")
        if name == "lacking":
            sub.add_argument("--cert")
            sub.add_argument("--kind", choices=certificates.CERT_KINDS)
    sub = view("audit", "the audit trail, newest first")
    sub.add_argument("--type")
    sub.add_argument("--by", help="user id")
    sub.add_argument("--serial")
    sub.add_argument("--cert")
    sub.add_argument("--since")
    sub.add_argument("--until")
    sub = command("backup", cmd_backup, "copy the live SQLite database and the documents into a new folder")
    sub.add_argument("dest")
    sub = command("restore", cmd_restore, "put a backup back after checking it (stop the stations first)")
    sub.add_argument("source")
    command("verify", cmd_verify, "walk the audit chain and check every attachment against it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(args.json)
    try:
        code = args.handler(args, out)
        return code if isinstance(code, int) else EXIT_OK
    except CertlineError as error:
        _report(error.status, error.message, args.json)
        return _exit_code(error)
    except Exception as error:  # noqa: BLE001 - the last line of defence for scripts
        log.exception("certline-cli failed")
        _report(500, f"Internal error: {type(error).__name__}: {error}", args.json)
        return EXIT_INTERNAL
    finally:
        db.close_database()


if __name__ == "__main__":
    sys.exit(main())
