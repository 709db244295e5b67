"""certline-cli commands on certificates: list, show, add, update, revoke, delete, documents, approval."""
from __future__ import annotations

from typing import Any

from app import certificates, documents, policy
from app.bounds import parse_json
from app.certificate_list import resolve_certificate
from app.cli.auth import open_db, signature_pin
from app.cli.output import EXIT_BAD_REQUEST, EXIT_OK, Output, say
from app.text import shown

CERT_FIELDS = ("name", "kind", "number", "en10204_type", "heat_lot", "resource_type", "resource_id",
               "date_release", "date_expire", "validity", "validity_unit", "warning", "note")

def _cert_line(c: certificates.CertificateRecord) -> str:
    return (f"{c.id:<16} {c.kind:<12} {shown(c.number or ''):<14} {certificates.state_words(c):<22} "
            f"{c.review_status:<9} {shown(c.name)}")  # shown: a newline in a name must not forge a row


def _cert_json(c: certificates.CertificateRecord) -> dict[str, Any]:
    """The certificate's record, and its state in the words every screen uses."""
    record = c.to_json()
    return {"id": record.pop("id"), "name": record.pop("name"), "state": certificates.state_words(c), **record}


def cmd_certs(args, out: Output) -> None:
    open_db(args)
    query = certificates.CertificateQuery(
        text=args.text, kind=args.kind, status=args.status, review_status=args.review_status,
        resource_type=args.resource_type, resource_id=args.resource_id, expires_within_days=args.expires_within,
        expired=True if args.expired else None, sort=args.sort, descending=args.desc)
    found = certificates.list_certificates(query, limit=args.limit, offset=args.offset)
    total = certificates.count_certificates(query)
    if out.as_json:
        out.emit({"total": total, "certificates": [_cert_json(c) for c in found]}, "")
        return
    say(f"{'id':<16} {'kind':<12} {'number':<14} {'state':<22} {'review':<9} name")
    for c in found:
        say(_cert_line(c))
    say(f"{len(found)} of {total} certificates")


def _cert_fields(args) -> dict[str, Any]:
    fields = {name: getattr(args, name) for name in CERT_FIELDS if getattr(args, name) is not None}
    if args.data is not None:  # bounded: deep nesting is refused, not a RecursionError
        fields["data"] = parse_json(args.data, "Data", "data")
    return fields


def _cert_text(c: certificates.CertificateRecord) -> str:
    # One field a line: a line break in a note is shown as \n, so no value starts a line of its own.
    return "\n".join(f"{name:<14} {shown(str(value))}" for name, value in _cert_json(c).items()
                     if value not in (None, {}, ""))


def cmd_cert(args, out: Output) -> None:
    open_db(args)
    if args.cert_command != "add":  # an id or the issuer's number, as at the station; records keep the id
        args.id = resolve_certificate(args.id).id
    if args.cert_command == "show":
        cert = certificates.get_certificate(args.id)
        out.emit(_cert_json(cert), lambda _: _cert_text(cert))
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
    open_db(args)  # whether macros are allowed is the plant's policy: the answer is the one `doc add` gives
    result = documents.validate_file(args.file, allow_macros=policy.get_policy("allow_macro_documents"))
    out.emit(result.to_json(), lambda _: f"{args.file}: valid {result.content_type}, {result.size} bytes"
             if result.valid else "\n".join(result.errors))
    return EXIT_OK if result.valid else EXIT_BAD_REQUEST


def _document_line(d: documents.DocumentRecord) -> str:
    return f"{d.id:<22} {d.content_type:<16.16} {d.size:>9}  {d.to_json()['created_at']}  {d.uploaded_by:<10} {shown(d.file_name)}"


def cmd_doc(args, out: Output) -> None:
    open_db(args)
    args.cert = resolve_certificate(args.cert).id
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
    open_db(args)
    args.id = resolve_certificate(args.id).id
    pin = signature_pin(args, args.actor)  # checked, counted and recorded by the approval itself
    signature = documents.approve_certificate(args.id, args.user, pin)
    out.emit(signature, f"Approved {args.id}: {signature['printedName']}, {signature['signedAt']}, "
                        f"meaning: {signature['meaning']}")
