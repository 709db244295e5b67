"""certline-cli commands that keep the plant: database, demo, import, policy, users, backup, audit chain."""
from __future__ import annotations

import getpass
import json
import os
import sys

from app import backup, db, demo, integrity, plant_file, policy, users, witness
from app.cli.auth import PIN_ENV, first_user_only, open_db
from app.cli.output import EXIT_BAD_REQUEST, EXIT_OK, Output
from app.errors import Invalid
from app.text import shown

NEW_PIN_ENV = "CERTLINE_NEW_PIN"


def cmd_init(args, out: Output) -> None:
    from app import roles  # psycopg's SQL composition: only init needs it

    url = db.resolve_url(args.db)
    password = _station_password(args.station_password_file)
    if args.station_role and not db.is_postgres_url(url):
        raise Invalid("--station-role is for a PostgreSQL database: SQLite has no roles", "station_role")
    if args.station_role:
        roles.check_role_name(args.station_role)
    handle = db.open_database(args.db)
    applied = db.schema_migrations(handle)
    result = {"database": db.describe(url), "migrations": applied}
    if args.station_role:
        roles.setup_station_role(handle, args.station_role, password)
    elif db.is_postgres_url(url):
        roles.regrant_stations(handle)  # every station role keeps exactly the grants of this version
    if db.is_postgres_url(url):
        result["stationRoles"] = roles.station_roles(handle)
    out.emit(result, lambda v: f"Database ready: {v['database']} (schema {len(applied)}: {applied[-1]})" + (
        f"\nStation roles (connect the workstations as one of these): {', '.join(v['stationRoles']) or 'none yet'}"
        if "stationRoles" in v else ""))


def _station_password(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            password = handle.readline().rstrip("\r\n")
    except OSError as error:
        raise Invalid(f"Cannot read the station password file {path}: {error.strerror}",
                      "station_password_file") from None
    if not password:
        raise Invalid(f"The station password file {path} is empty", "station_password_file")
    return password


def cmd_demo(args, out: Output) -> None:
    open_db(args)
    result = demo.fill_demo(seed=args.seed)
    people = [{"id": user_id, "name": name, "role": role, "badge": badge, "pin": pin}
              for user_id, name, role, badge, pin in demo.USERS]
    out.emit(result.to_json() | {"people": people}, lambda v: "Demo plant created: " + ", ".join(
        f"{n} {k}" for k, n in v["demo"].items()) + "\n" + _people_table(v["people"]) + "\nAt the station scan "
        "(or type) the badge, then the PIN if there is one. certline-cli acts only as a user with a PIN: "
        + ", ".join(p["id"] for p in v["people"] if p["pin"]) + ".")


def _people_table(people: list[dict]) -> str:
    """The demo's people as the README's table has them: who signs in with which badge, and with which PIN."""
    rows = [("name", "user", "role", "badge", "PIN")] + [
        (p["name"], p["id"], p["role"], p["badge"], p["pin"] or "badge only") for p in people]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4]
                     for row in rows)


def cmd_import(args, out: Output) -> None:
    open_db(args)
    with first_user_only(args):
        result = plant_file.import_plant(args.file, args.user)
    out.emit(result.to_json(), lambda v: "Imported: " + ", ".join(f"{n} {k}" for k, n in v["imported"].items()))


def cmd_policy(args, out: Output) -> None:
    open_db(args)
    if args.policy_command == "set":
        try:
            value = json.loads(args.value)
        except json.JSONDecodeError:
            raise Invalid(f"Give the value as JSON (true, false, a number or a quoted text): {args.value}") from None
        old = policy.get_policy(args.key)  # what the confirmation says it was; the audit entry has it too
        policy.set_policy(args.key, value, args.user, args.reason)
        change = {"policy": args.key, "old": old, "new": value, "reason": args.reason.strip()}
        out.emit(change, lambda c: f"{c['policy']}: " + (f"{json.dumps(c['old'])} → {json.dumps(c['new'])}"
                                   if c["old"] != c["new"] else f"{json.dumps(c['new'])}, unchanged")
                                   + f" (reason: {c['reason']})")
        return
    values = policy.get_policies()
    key_width = max(map(len, values))
    value_width = max(len(json.dumps(value)) for value in values.values())
    out.emit(values, lambda v: "\n".join(f"{key:<{key_width}}  {json.dumps(value):<{value_width}}  "
                                         f"{policy.POLICIES[key][1]}" for key, value in v.items()))


def cmd_backup(args, out: Output) -> None:
    result = backup.backup(args.dest, args.db)
    out.emit(result.to_json(), f"Backed up to {result.folder}: schema {result.schema}, "
                               f"{result.entries} audit entries (chain verified), {result.documents} documents")


def cmd_restore(args, out: Output) -> None:
    result = backup.restore(args.source, args.db, force=args.force)
    out.emit(result.to_json(), f"Restored {result.folder} into {db.describe(db.resolve_url(args.db))}: "
                               f"{result.entries} audit entries (chain verified), {result.documents} documents")


def cmd_user(args, out: Output) -> None:
    open_db(args)
    if args.user_command == "list":
        found = users.list_users()
        out.emit([u.to_json() for u in found], lambda _: "\n".join(
            f"{u.id:<12} {u.role:<11} {u.badge:<12} {'PIN' if u.has_pin else '   '} "
            f"{'' if u.active else 'inactive '}{shown(u.name)}" for u in found))
    elif args.user_command == "pin":
        _set_or_clear_pin(args, out)
    else:
        # CERTLINE_PIN is the acting administrator's own PIN; the very first user, who will act next, may take it.
        pin = args.pin if args.pin is not None else os.environ.get(NEW_PIN_ENV) or (
            os.environ.get(PIN_ENV) if getattr(args, "first_user", False) else None)
        with first_user_only(args):
            created = users.create_user(args.id, args.name, args.role, args.badge, pin=pin or None, by=args.user)
        out.emit(created.to_json(), f"Created {created.role} {created.id} ({created.name}), badge {created.badge}")


def _set_or_clear_pin(args, out: Output) -> None:
    if args.clear:
        if not (args.reason or "").strip():
            raise Invalid("Clearing a PIN takes --reason R (recorded in the audit trail)", "reason")
        changed = users.clear_pin(args.id, args.user, args.reason)
        done = "cleared: they sign in by badge only"
    else:
        target = users.get_user(args.id)  # named before any PIN is asked for them
        # Changing one's own PIN proves the present one again (app.users.set_pin); the PIN this command was
        # proven with is it, a token proves nothing of the PIN.
        old_pin = getattr(args, "proven_pin", None) if args.user == target.id else None
        changed = users.set_pin(target.id, _new_pin(target.id), args.user, old_pin=old_pin, reason=args.reason)
        done = "set"
    out.emit(changed.to_json(), f"PIN of {changed.id} ({shown(changed.name)}) {done}")


def _new_pin(user_id: str) -> str:
    """The new PIN: typed twice, unseen, in a terminal; otherwise ``CERTLINE_NEW_PIN``. Never an argument,
    which other accounts could read in the process list."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            first = getpass.getpass(f"New PIN for {user_id}: ")
            second = getpass.getpass("The new PIN again: ")
        except (EOFError, KeyboardInterrupt):
            raise Invalid("No new PIN typed: nothing was changed") from None
        if first != second:
            raise Invalid("The two new PINs differ: nothing was changed")
        return first
    pin = os.environ.get(NEW_PIN_ENV)
    if not pin:
        raise Invalid(f"Give the new PIN: type it when asked (in a terminal), or set {NEW_PIN_ENV}")
    return pin


def cmd_verify(args, out: Output) -> int:
    open_db(args)
    # This workstation's own witness is always held against the database; others are named with --witness.
    own = witness.witness_file()
    files = list(args.witness) + ([str(own)] if own.exists() and str(own) not in args.witness else [])
    report = integrity.verify(files, quick=args.quick, clock_tolerance_seconds=args.clock_tolerance)
    chain = report.chain
    if not chain.ok:
        where = f" at entry {chain.entry_id} (#{chain.seq})" if chain.entry_id else ""
        lines = [f"AUDIT TRAIL BROKEN{where}: {chain.problem}"]
    elif report.problems:
        lines = [f"The hash chain is unbroken ({chain.entries} entries, {chain.attachments} attachments match; "
                 f"head {report.head}), but:"]
    else:
        lines = [f"Audit trail intact: {chain.entries} entries, {chain.attachments} attachments match; "
                 f"head {report.head}"]
    lines += [f"PROBLEM: {problem}" for problem in report.problems]
    checked = [f"{len(files)} witnessed head{'s' if len(files) != 1 else ''}"]
    if report.documents_checked is not None:
        checked.append(f"{report.documents_checked} stored documents rehashed")
    lines.append("Checked: append-only triggers, the records against the trail, times, " + ", ".join(checked))
    if not report.ok:
        count = len(report.problems) + (0 if chain.ok else 1)
        lines.append(f"VERIFY FAILED: {count} problem{'s' if count != 1 else ''}")
    out.emit(report.to_json() | {"witnesses": files}, "\n".join(lines))
    return EXIT_OK if report.ok else EXIT_BAD_REQUEST
