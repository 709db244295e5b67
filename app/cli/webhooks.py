"""certline-cli webhook: other systems' subscriptions to change events (administrators), their delivery log,
and the deliverer itself (app.webhooks, app.webhook_delivery)."""
from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Callable

from app import webhooks
from app.cli.auth import open_db
from app.cli.output import Output
from app.errors import Invalid
from app.outbox import EVENT_TYPES
from app.users import require_user


def add_webhook_commands(parser: argparse.ArgumentParser, common: argparse.ArgumentParser,
                         needs_user: Callable[[argparse.ArgumentParser], None]) -> None:
    commands = parser.add_subparsers(dest="webhook_command", required=True, metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("add", cmd_add, "send change events to a URL (admin); its signing secret is printed once")
    sub.add_argument("url")
    sub.add_argument("--event", action="append", choices=EVENT_TYPES, metavar="TYPE",
                     help=f"an event type it takes (repeat for more; default all: {', '.join(EVENT_TYPES)})")
    sub.add_argument("--secret-file", metavar="FILE",
                     help="the secret to sign with, first line of FILE (default: a new random one)")
    needs_user(sub)
    sub = command("list", cmd_list, "the subscriptions: URL, event types, state (admin)")
    sub.add_argument("--all", action="store_true", help="removed ones too")
    needs_user(sub)
    for name, help in (("pause", "queue no new events for a subscription; those queued wait (admin)"),
                       ("resume", "queue and send its events again (admin)"),
                       ("remove", "no more events; those still queued are cancelled, the log stays (admin)")):
        sub = command(name, cmd_change, help)
        sub.add_argument("id")
        needs_user(sub)
    sub = command("log", cmd_log, "the delivery log, newest first: status, tries, last error, next try (admin)")
    sub.add_argument("id", nargs="?", help="one subscription only")
    sub.add_argument("--status", choices=webhooks.STATUSES)
    sub.add_argument("--cert", help="one certificate's events only")
    sub.add_argument("--limit", type=int, default=50)
    needs_user(sub)
    sub = command("deliver", cmd_deliver, "send the queued events until stopped (Ctrl+C, SIGTERM); "
                                          "on SQLite run only one per database")
    sub.add_argument("--once", action="store_true", help="send what is due now, then exit")
    sub.add_argument("--timeout", type=float, default=webhooks.Settings.timeout, metavar="SECONDS",
                     help="per request: to connect, and for each read of the answer")


def _line(s: webhooks.SubscriptionRecord) -> str:
    return f"{s.id:<26} {s.state:<8} {', '.join(t.removeprefix('CERTIFICATE::') for t in s.event_types):<28} {s.url}"


def cmd_add(args, out: Output) -> None:
    open_db(args)
    secret = None
    if args.secret_file:
        lines = Path(args.secret_file).read_text(encoding="utf-8").splitlines()
        if not lines:
            raise Invalid(f"The secret file {args.secret_file} is empty")
        secret = lines[0].strip()
    record, secret = webhooks.add_subscription(args.url, args.user, args.event, secret)
    shown = "" if args.secret_file else (
        f"\nSigning secret (shown this once; give it to the receiver, which checks the "
        f"{webhooks.SIGNATURE_HEADER} header with it):\n{secret}")
    out.emit(record.to_json() | ({} if args.secret_file else {"secret": secret}),
             f"Webhook {record.id} added: {', '.join(record.event_types)} to {record.url}{shown}")


def cmd_list(args, out: Output) -> None:
    open_db(args)
    require_user(args.user, webhooks.ADMINS, "list webhooks")
    found = webhooks.list_subscriptions(include_removed=args.all)
    header = f"{'id':<26} {'state':<8} {'events':<28} url"
    out.emit([s.to_json() for s in found], lambda _: "\n".join([header, *map(_line, found)]) if found else
             "No webhooks: certline-cli webhook add URL --user ADMIN adds one")


def cmd_change(args, out: Output) -> None:
    open_db(args)
    if args.webhook_command == "remove":
        record, cancelled = webhooks.remove_subscription(args.id, args.user)
        text = f"Removed webhook {record.id} ({record.url})" + (
            f"; {cancelled} queued event{'s' if cancelled != 1 else ''} cancelled" if cancelled else "")
    else:
        record = webhooks.set_active(args.id, args.webhook_command == "resume", args.user)
        text = (f"Webhook {record.id} ({record.url}) resumed: queued events are sent" if record.active else
                f"Webhook {record.id} ({record.url}) paused: no new events are queued for it")
    out.emit(record.to_json(), text)


def _log_line(line: webhooks.LogLine) -> str:
    stamp = lambda value: value.isoformat(sep=" ", timespec="seconds") if value else "-"  # noqa: E731
    status = f"{line.status} ({line.attempts} tr{'y' if line.attempts == 1 else 'ies'})"
    text = (f"{stamp(line.event_at)}  {line.event_type.removeprefix('CERTIFICATE::'):<7} {line.cert_id:<16} "
            f"{status:<22} {line.subscription_id}  {line.event_id}")
    if line.status == "pending":
        text += f"\n    next try {stamp(line.next_attempt_at)} UTC"
    if line.last_error and line.status != "delivered":
        text += f"\n    last error: {line.last_error}"
    return text


def cmd_log(args, out: Output) -> None:
    open_db(args)
    require_user(args.user, webhooks.ADMINS, "read the webhook log")
    lines = webhooks.delivery_log(args.id, args.status, args.cert, args.limit)
    header = f"{'event time (UTC)':<20} {'type':<7} {'certificate':<16} {'status':<22} subscription  event"
    out.emit([line.to_json() for line in lines],
             lambda _: "\n".join([header, *map(_log_line, lines)]) if lines else "No deliveries")


def cmd_deliver(args, out: Output) -> None:
    open_db(args)
    if not 0 < args.timeout <= 300:
        raise Invalid("--timeout is more than 0 and at most 300 seconds")
    settings = webhooks.Settings(timeout=args.timeout)
    if args.once:
        delivered, failed = webhooks.deliver_once(settings)
        out.emit({"delivered": delivered, "failed": failed},
                 f"Delivered {delivered} event{'s' if delivered != 1 else ''}"
                 + (f"; {failed} tr{'y' if failed == 1 else 'ies'} failed (see webhook log)" if failed else ""))
        return
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    webhooks.run_delivery(stop, settings)
