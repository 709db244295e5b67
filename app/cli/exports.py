"""certline-cli export: a supervisor's view to CSV (every row) or PDF (a report)."""
from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from app import audit, export, reports
from app.certificate_list import resolve_certificate
from app.cli.auth import open_db
from app.cli.output import STDOUT, Output, stdout_bytes
from app.clock import now_utc
from app.errors import Invalid


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


def _cert_id(code: str | None, view: str) -> str | None:
    """The certificate's id from its id or issuer number; the audit trail also names deleted ones by id."""
    if not code:
        return None
    return reports.audit_cert_id(code) if view == "audit" else resolve_certificate(code).id


def _export_options(args) -> dict[str, Any]:
    args.cert = _cert_id(getattr(args, "cert", None), args.view)  # gaps takes no certificate
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
    """To a file, or with ``-`` to standard output: then the data is all that is printed."""
    open_db(args)
    options = _export_options(args)
    title, details, total = export.report_title_and_details(args.view, **options)
    if args.csv:
        rows = export.write_csv(*export.report_table(args.view, **options),
                                stdout_bytes() if args.csv == STDOUT else args.csv)
        written = args.csv
    else:
        # fpdf2 takes a third of a second to import: only a PDF export pays it, not every command.
        from app.report_pdf import Report, render, write_pdf

        who = args.user or audit.os_account()  # a user named on the report was proven (app/cli/auth.py)
        report = Report(title, details, export.COLUMNS[args.view], export.report_dicts(args.view, **options),
                        generated_by=who, generated_at=now_utc().strftime("%Y-%m-%d %H:%M UTC"), total=total)
        if args.pdf == STDOUT:
            # A PDF is whole only once its page count and cross-reference table are written: made, then sent.
            data, rows = render(report)
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        else:
            rows = write_pdf(report, args.pdf)
        written = args.pdf
    if written != STDOUT:
        out.emit({"file": written, "rows": rows}, f"Wrote {rows:,} rows to {written}")
