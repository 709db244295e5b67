"""certline-cli: what scripts and administrators need, on the same rules as the station.

Exit status: 0 done, 2 bad usage, 3 bad request, 4 not found, 5 internal error or the database cannot be
reached (within --timeout seconds), 6 not authenticated
(no PIN or token, a wrong one, a locked user: nothing was done), 141 the reader of the output closed it
early (`certline-cli certs | head -1`).
"""
from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
from typing import Callable, Sequence

from app import psycopg_later

psycopg_later.defer()  # before anything imports peewee: a command on SQLite never loads psycopg

from app import audit, connection, db, witness  # noqa: E402
from app.cli import auth  # noqa: E402
from app.cli.output import EXIT_CLOSED_PIPE, EXIT_INTERNAL, EXIT_OK, Output, exit_code, report, silence_closed_stdout  # noqa: E402,E501
from app.errors import CertlineError, DatabaseUnreachable  # noqa: E402

log = logging.getLogger("certline.cli")


# --- parser ---------------------------------------------------------------------------------------

DEFAULT_TIMEOUT = 10.0  # seconds a command waits for a database it cannot reach (connect, a silent network)
LOST_AFTER_OPEN = ("The connection to the database was lost: {reason}. A change this command was making may or may "
                   "not have been saved: look before repeating it (an attach is safe to repeat).")
LABELS_HELP = ("serial labels to a PDF, one label a page: the serial as Code 128 and GS1 DataMatrix, with job and "
               "part (audited; reprints named)")


def _seconds(text: str) -> float:
    value = float(text)
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError("between 1 and 3600 seconds")
    return value


class _Command(argparse.ArgumentParser):
    """A command's parser, given its arguments (by ``fill``) only once the command is chosen or its usage shown.

    So a command loads its own module and what that imports, and no other's: ``serial`` never loads fpdf
    (pack), pypdf (cert doc) or the webhook deliverer. The list of commands and their help is there from the start.
    """

    fill: Callable[[argparse.ArgumentParser], None] | None = None

    def _filled(self) -> None:
        fill, self.fill = self.fill, None
        if fill is not None:
            fill(self)

    def parse_known_args(self, args=None, namespace=None):
        self._filled()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._filled()
        return super().format_usage()

    def format_help(self) -> str:
        self._filled()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given after the command these override, absent they leave the top-level value.
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="SQLite file or postgresql:// URL (default: $CERTLINE_DB, else the data directory)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON records")
    parser = argparse.ArgumentParser(prog="certline-cli", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", default=False, help=argparse.SUPPRESS)
    # Before the command only (certline-cli --timeout 5 certs): webhook deliver has a --timeout of its own.
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"give up reaching the database after this long (default {DEFAULT_TIMEOUT:g})")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Command)

    def command(name: str, help: str, fill: Callable[[argparse.ArgumentParser], None], **kwargs) -> None:
        sub = commands.add_parser(name, parents=[common], help=help, description=help, **kwargs)
        sub.fill = fill

    def group(adder: Callable[[], Callable]) -> Callable[[argparse.ArgumentParser], None]:
        """A command of commands, added by the function ``adder()`` loads (given the common options and
        ``needs_user``) once the command is chosen: its module is imported then, not at every start."""

        def fill(sub: argparse.ArgumentParser) -> None:
            sub.set_defaults(handler=None)
            adder()(sub, common, needs_user)

        return fill

    def needs_user(sub: argparse.ArgumentParser, reason: bool = False) -> None:
        """A command that writes: it acts as a user it first proves (app/cli/auth.py)."""
        auth.add_options(sub)
        sub.set_defaults(writes=True)
        if reason:
            sub.add_argument("--reason", required=True, help="why (recorded in the audit trail)")

    def init(sub: argparse.ArgumentParser) -> None:
        from app.cli.admin import cmd_init
        sub.set_defaults(handler=cmd_init)
        sub.add_argument("--station-role", metavar="NAME",
                         help="PostgreSQL: create or update the role the workstations connect as, with only the "
                              "grants their daily work needs")
        sub.add_argument("--station-password-file", metavar="FILE",
                         help="the station role's password, first line of FILE (none: peer or certificate login)")

    def demo(sub: argparse.ArgumentParser) -> None:
        from app.cli.admin import cmd_demo
        sub.set_defaults(handler=cmd_demo)
        sub.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)

    def import_(sub: argparse.ArgumentParser) -> None:
        from app.cli.admin import cmd_import
        sub.set_defaults(handler=cmd_import)
        sub.add_argument("file")
        needs_user(sub)

    def attach(sub: argparse.ArgumentParser) -> None:
        from app.cli.floor import cmd_attach
        sub.set_defaults(handler=cmd_attach)
        sub.add_argument("serial")
        sub.add_argument("cert")
        needs_user(sub)
        sub.add_argument("--require-approved", action="store_true", default=None,
                         help="refuse certificates not approved, whatever the plant policy says")

    def attachments(sub: argparse.ArgumentParser) -> None:
        from app.cli.floor import cmd_attachments
        sub.set_defaults(handler=cmd_attachments)
        sub.add_argument("cert")

    def serial(sub: argparse.ArgumentParser) -> None:
        from app.cli.floor import cmd_serial
        sub.set_defaults(handler=cmd_serial)
        sub.add_argument("words", nargs="+", metavar="SERIAL")
        auth.add_options(sub)
        sub.add_argument("--reason", help="override reason (a step's required certificate missing) or scrap reason")

    def certs(sub: argparse.ArgumentParser) -> None:
        from app import certificates
        from app.cli.certs import cmd_certs
        sub.set_defaults(handler=cmd_certs)
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

    def cert(cert_parser: argparse.ArgumentParser) -> None:
        from app.cli.certs import CERT_FIELDS, cmd_approve, cmd_cert, cmd_doc, cmd_validate_file
        cert_parser.set_defaults(handler=cmd_cert)
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

    def policy(policy_parser: argparse.ArgumentParser) -> None:
        from app import policy
        from app.cli.admin import cmd_policy
        policy_parser.set_defaults(handler=cmd_policy)
        policy_commands = policy_parser.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
        policy_commands.add_parser("list", parents=[common], help="show the policies")
        sub = policy_commands.add_parser("set", parents=[common], help="change a policy (admin, with a reason)")
        sub.add_argument("key", choices=sorted(policy.POLICIES))
        sub.add_argument("value", help="JSON value, e.g. true")
        needs_user(sub, reason=True)

    def user(user_parser: argparse.ArgumentParser) -> None:
        from app import users
        from app.cli.admin import cmd_user
        from app.cli.user_admin import add_user_admin_commands
        user_parser.set_defaults(handler=cmd_user)
        user_commands = user_parser.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
        user_commands.add_parser("list", parents=[common], help="list users")
        sub = user_commands.add_parser("add", parents=[common], help="add a user (the first one: an admin)")
        sub.add_argument("id")
        sub.add_argument("--name", required=True)
        sub.add_argument("--role", required=True, choices=users.ROLES)
        sub.add_argument("--badge", required=True)
        sub.add_argument("--pin", help="the new user's PIN (or CERTLINE_NEW_PIN; for the very first user also "
                                       "CERTLINE_PIN); digits only")
        auth.add_options(sub, who="the admin adding them, proven by PIN or token (not needed for the very first "
                                  "user)")
        sub = user_commands.add_parser("pin", parents=[common], help="set, reset or clear a user's PIN (admin), or "
                                       "change your own", description="The new PIN is asked twice in a terminal "
                                       "(not echoed), else read from CERTLINE_NEW_PIN.")
        sub.add_argument("id", metavar="USER")
        sub.add_argument("--clear", action="store_true", help="take the PIN away (admin, with --reason)")
        sub.add_argument("--reason", help="why (recorded in the audit trail; required with --clear)")
        needs_user(sub)
        add_user_admin_commands(user_commands, common, needs_user)

    def export(export_parser: argparse.ArgumentParser) -> None:
        from app import certificates
        from app.cli.exports import cmd_export
        export_parser.set_defaults(handler=cmd_export)
        views = export_parser.add_subparsers(dest="view", required=True, metavar="VIEW")

        def view(name: str, help: str) -> argparse.ArgumentParser:
            sub = views.add_parser(name, parents=[common], help=help, description=help)
            target = sub.add_mutually_exclusive_group(required=True)
            target.add_argument("--csv", metavar="FILE")
            target.add_argument("--pdf", metavar="FILE")
            auth.add_options(sub, who="who generates the report (printed on it), proven by PIN or token; "
                                      "without it the operating-system account is printed")
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

    def backup(sub: argparse.ArgumentParser) -> None:
        from app.cli.admin import cmd_backup
        sub.set_defaults(handler=cmd_backup)
        sub.add_argument("dest")

    def restore(sub: argparse.ArgumentParser) -> None:
        from app.cli.admin import cmd_restore
        sub.set_defaults(handler=cmd_restore)
        sub.add_argument("source")
        sub.add_argument("--force", action="store_true",
                         help="wait up to 30 s for stations being stopped to let go of the database")

    def verify(sub: argparse.ArgumentParser) -> None:
        from app.cli.admin import cmd_verify
        sub.set_defaults(handler=cmd_verify)
        sub.add_argument("--witness", nargs="+", default=[], metavar="FILE",
                         help="chain heads seen elsewhere (a station's witness file, or SEQ:SHA256 from a printed "
                              "report): the entries up to them must still be there, unchanged")
        sub.add_argument("--quick", action="store_true", help="skip rehashing the stored documents")
        sub.add_argument("--clock-tolerance", type=float, default=None, metavar="SECONDS",
                         help="how far an entry's time may run behind the one before it "
                              "(default: the plant's clock_tolerance_seconds, 2)")

    def labels(sub: argparse.ArgumentParser) -> None:
        from app.cli.labels import add_labels_options
        add_labels_options(sub, needs_user)

    command("init", "create or migrate the database (on PostgreSQL as its owner)", init)
    command("demo", "fill an empty database with a believable demo plant", demo)
    command("import", "import a plant file (JSON), all or nothing", import_)
    command("attach", "attach a certificate to a serial at its current step", attach)
    command("attachments", "every attachment of a certificate, oldest first", attachments)
    command("serial", "show a serial, or: serial advance|complete|scrap SERIAL --user U", serial,
            usage="certline-cli serial SERIAL | serial {advance,complete,scrap} SERIAL --user USER")
    command("serials", "serials in bulk: create a batch; advance, complete or scrap many",
            group(lambda: importlib.import_module("app.cli.serials").add_serials_commands))
    command("route", "routes and their revisions (administrators)",
            group(lambda: importlib.import_module("app.cli.routes").add_route_commands))
    command("job", "jobs and how far their serials have gone",
            group(lambda: importlib.import_module("app.cli.jobs").add_job_commands))
    command("certs", "list certificates", certs)
    command("cert", "one certificate: show, add, update, revoke, delete", cert)
    command("policy", "plant-wide policies every workstation obeys", policy)
    command("user", "users: list, add, pin, edit, deactivate, reactivate, unlock", user)
    command("export", "a supervisor's view to CSV (every row) or PDF (a report)", export)
    command("backup", "copy the live SQLite database and the documents into a new folder", backup)
    command("restore", "put a backup back after checking it (stop the stations first)", restore)
    command("verify", "walk the audit chain, check every attachment against it, rehash every stored document", verify)
    command("token", "API tokens for scripts: create (shown once), list, revoke",
            group(lambda: importlib.import_module("app.cli.tokens").add_token_commands))
    command("labels", LABELS_HELP, labels)
    command("pack", "conformance packs: make one (signed with your PIN), verify one, list those made",
            group(lambda: importlib.import_module("app.cli.pack").add_pack_commands))
    command("webhook", "change events for other systems: subscriptions (admin), their delivery log, the deliverer",
            group(lambda: importlib.import_module("app.cli.webhooks").add_webhook_commands))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None:
        # certline-cli itself (a caller in-process passes argv): the ~20,000 objects its imports made live
        # until exit, so the collector leaves them be, and the collections at exit skip them (15 ms of 0.15 s).
        gc.freeze()
    out = Output(args.json)
    reach = connection.set_reach_seconds(getattr(args, "timeout", DEFAULT_TIMEOUT))
    try:
        auth.authenticate(args)
        code = args.handler(args, out)
        if code in (None, EXIT_OK) and db.database.obj is not None and not db.database.obj.is_closed():
            witness.remember()
        sys.stdout.flush()  # here, where a closed pipe can still be met quietly, not at exit
        return code if isinstance(code, int) else EXIT_OK
    except BrokenPipeError:
        silence_closed_stdout()
        return EXIT_CLOSED_PIPE
    except DatabaseUnreachable as error:
        report(error.status, f"{error.message}. The database cannot be reached (waited at most {args.timeout:g} s); "
                             f"nothing was done.", args.json)
        return EXIT_INTERNAL
    except CertlineError as error:
        report(error.status, error.message, args.json)
        return exit_code(error)
    except Exception as error:  # noqa: BLE001 - the last line of defence for scripts
        if connection.is_connection_lost(error):
            log.warning("certline-cli lost the database: %s", connection.reason(error))
            report(503, LOST_AFTER_OPEN.format(reason=db.safe_message(error, db.resolve_url(args.db))), args.json)
            return EXIT_INTERNAL
        log.exception("certline-cli failed")
        report(500, f"Internal error: {type(error).__name__}: {error}", args.json)
        return EXIT_INTERNAL
    finally:
        audit.set_auth(None)
        db.close_database()
        connection.set_reach_seconds(reach)  # main() called in-process (tests) leaves the default as it was


if __name__ == "__main__":
    sys.exit(main())
