"""certline-cli user edit|deactivate|reactivate|unlock (app.user_admin); list, add and pin are in admin.py."""
from __future__ import annotations

import argparse
from typing import Callable

from app import user_admin, users
from app.cli.admin import _new_pin
from app.cli.auth import open_db
from app.cli.output import Output
from app.text import shown


def add_user_admin_commands(commands, common: argparse.ArgumentParser,
                            needs_user: Callable[..., None]) -> None:
    """Beside ``user list|add|pin``: ``commands`` is the ``user`` command's subparsers."""
    made = commands.add_parser("edit", parents=[common], help="change a user's name, role or badge (admin)",
                               description="Change a user's name, role or badge (admin, with a reason). Making an "
                                           "operator with a PIN a supervisor or admin takes a new PIN: --new-pin.")
    made.set_defaults(handler=cmd_user_edit)
    made.add_argument("id", metavar="USER")
    made.add_argument("--name")
    made.add_argument("--role", choices=users.ROLES)
    made.add_argument("--badge", help="the code on their new badge")
    made.add_argument("--new-pin", action="store_true", help="give a new PIN with the change (typed twice in a "
                                                             "terminal, else CERTLINE_NEW_PIN)")
    needs_user(made, reason=True)
    for name, handler, help in (
            ("deactivate", cmd_user_deactivate, "the user can no longer sign in nor act (never deleted)"),
            ("reactivate", cmd_user_reactivate, "a deactivated user may sign in again"),
            ("unlock", cmd_user_unlock, "lift a lock after wrong PINs before it runs out")):
        made = commands.add_parser(name, parents=[common], help=f"{help} (admin)", description=f"{help} (admin)")
        made.set_defaults(handler=handler)
        made.add_argument("id", metavar="USER")
        needs_user(made, reason=True)


def cmd_user_edit(args, out: Output) -> None:
    open_db(args)
    pin = _new_pin(args.id) if args.new_pin else None
    changed = user_admin.update_user(args.id, args.user, args.reason, name=args.name, role=args.role,
                                     badge=args.badge, pin=pin)
    out.emit(changed.to_json(), f"User {changed.id}: {shown(changed.name)}, {changed.role}, badge {changed.badge}"
                                + (", new PIN" if pin else ""))


def cmd_user_deactivate(args, out: Output) -> None:
    open_db(args)
    changed = user_admin.deactivate_user(args.id, args.user, args.reason)
    out.emit(changed.to_json(), f"Deactivated {changed.id} ({shown(changed.name)}): they can no longer sign in "
                                "nor act; their records keep their name")


def cmd_user_reactivate(args, out: Output) -> None:
    open_db(args)
    changed = user_admin.reactivate_user(args.id, args.user, args.reason)
    out.emit(changed.to_json(), f"Reactivated {changed.id} ({shown(changed.name)})")


def cmd_user_unlock(args, out: Output) -> None:
    open_db(args)
    changed = user_admin.unlock_user(args.id, args.user, args.reason)
    out.emit(changed.to_json(), f"Unlocked {changed.id} ({shown(changed.name)}): their PIN is checked again")
