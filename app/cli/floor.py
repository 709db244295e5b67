"""certline-cli commands of the shop floor: attach, a certificate's attachments, serials."""
from __future__ import annotations

import json
import sys

from app import attachments, serials
from app.certificate_list import resolve_certificate
from app.cli.auth import open_db
from app.cli.output import Output, say
from app.errors import Invalid


def _attachment_line(a: attachments.AttachmentRecord) -> str:
    j = a.to_json()
    return f"{j['attachedAt']}  {j['serialId']:<16} {j['stepId']:<14} {j['attachedBy']:<12} {j['id']}"


def cmd_attach(args, out: Output) -> None:
    open_db(args)
    cert_id = resolve_certificate(args.cert).id
    result = attachments.attach(args.serial, cert_id, args.user, require_approved=args.require_approved)
    a = result.attachment
    if result.created:
        text = f"Attached {a.cert_id} to {a.serial_id} at {result.step_name} ({a.step_id})"
    else:
        text = (f"Already attached: {a.cert_id} on {a.serial_id} at {result.step_name} ({a.step_id}) "
                f"since {a.to_json()['attachedAt']} by {result.attached_by_name} ({a.attached_by}); nothing written")
    out.emit(a.to_json(), text)


def cmd_attachments(args, out: Output) -> None:
    open_db(args)
    cert = resolve_certificate(args.cert)
    if out.as_json:
        # Streamed, so a certificate with a million attachments never sits in memory.
        rows = attachments.iter_attachments_of_certificate(cert.id)
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
    for row in attachments.iter_attachments_of_certificate(cert.id):
        if count == 0:
            say(f"{'attached at (UTC)':<24}  {'serial':<16} {'step':<14} {'by':<12} id")
        say(_attachment_line(row))
        count += 1
    named = f"{cert.id} ({cert.number})" if cert.number else cert.id
    say(f"{count} attachment{'s' if count != 1 else ''} of {named}" if count else
        f"Certificate {named} has no attachments")


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
    open_db(args)
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
    open_db(args)
    cert_id = resolve_certificate(args.cert).id if args.cert else None
    batch = serials.create_serials(args.job, args.count, args.user, cert_id=cert_id, prefix=args.prefix)
    with_cert = f", {batch.cert_id} attached to each at {batch.step_id}" if batch.cert_id else ""
    out.emit(batch.to_json(), f"Created {len(batch.serial_ids)} serials for {batch.job_id}: "
                              f"{batch.serial_ids[0]} … {batch.serial_ids[-1]}{with_cert}")
