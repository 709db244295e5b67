"""certline-cli route: routes and their revisions (app.routes), kept by administrators."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from app import route_history, routes
from app.bounds import parse_json
from app.cli.auth import open_db
from app.cli.output import Output
from app.errors import Invalid
from app.models import CERT_KINDS

STEP_HELP = ('a step: "NAME", "NAME:KIND,KIND" (the certificate kinds it requires) or "ID=NAME:KIND"; '
             "a step's id is made from the route's when not given")


def add_route_commands(parser: argparse.ArgumentParser, common: argparse.ArgumentParser,
                       needs_user: Callable[..., None]) -> None:
    commands = parser.add_subparsers(dest="route_command", required=True, metavar="COMMAND")

    def sub(name: str, handler, help: str) -> argparse.ArgumentParser:
        made = commands.add_parser(name, parents=[common], help=help, description=help)
        made.set_defaults(handler=handler)
        return made

    made = sub("create", cmd_route_create, "a new route with its ordered steps (admin)")
    made.add_argument("id")
    made.add_argument("--name", required=True)
    made.add_argument("--step", action="append", default=[], metavar="SPEC", help=STEP_HELP)
    made.add_argument("--steps-file", metavar="FILE", help='the steps as JSON: [{"id"?, "name", "requires": [...]}]')
    needs_user(made)
    made = sub("list", cmd_route_list, "routes by name, each as its newest revision")
    made.add_argument("--all", action="store_true", help="archived routes too")
    made = sub("show", cmd_route_show, "a route's newest revision (or the revision named) and its history")
    made.add_argument("id", metavar="ROUTE")
    made = sub("edit", cmd_route_edit, "rename a route, or change its steps: a new revision; serials and jobs keep "
                                       "theirs (admin, with a reason)")
    made.add_argument("id", metavar="ROUTE")
    made.add_argument("--name", help="the route's new name (every revision keeps one name)")
    change = made.add_mutually_exclusive_group()
    change.add_argument("--add-step", metavar="SPEC", help=STEP_HELP)
    change.add_argument("--remove-step", metavar="STEP", help="a step by id or position (from 1)")
    change.add_argument("--move-step", metavar="STEP", help="a step by id or position; with --to")
    change.add_argument("--steps", nargs="+", metavar="SPEC", help="all the steps, in order (ids carry steps over)")
    made.add_argument("--at", type=int, metavar="N", help="with --add-step: its position from 1 (default: last)")
    made.add_argument("--to", type=int, metavar="N", help="with --move-step: the position it moves to, from 1")
    needs_user(made, reason=True)
    for name, handler, help in (("archive", cmd_route_archive, "no longer offered for new jobs (admin)"),
                                ("restore", cmd_route_restore, "offered for new jobs again (admin)")):
        made = sub(name, handler, help)
        made.add_argument("id", metavar="ROUTE")
        needs_user(made, reason=True)


def parse_step(spec: str) -> dict[str, Any]:
    """``ID=NAME:KIND,KIND`` → ``{"id", "name", "requires"}``; the id and the kinds are optional."""
    step_id = None
    head, equals, rest = spec.partition("=")
    if equals and head and " " not in head and ":" not in head:
        step_id, spec = head, rest
    name, colon, kinds = spec.rpartition(":")
    wanted = [kind.strip().upper() for kind in kinds.split(",") if kind.strip()] if colon else []
    if not colon or not all(kind in CERT_KINDS for kind in wanted):
        name, wanted = spec, []
    if not name.strip():
        raise Invalid(f"A step needs a name: {spec!r} ({STEP_HELP})", "steps")
    return {"id": step_id, "name": name.strip(), "requires": wanted}


def _steps(args) -> list[dict[str, Any]]:
    if args.steps_file:
        try:
            with open(args.steps_file, "rb") as handle:
                steps = parse_json(handle.read(1_000_001), args.steps_file, "steps")
        except OSError as error:
            raise Invalid(f"Cannot read {args.steps_file}: {error.strerror or error}", "steps") from None
        return steps
    if not args.step:
        raise Invalid("Give the route's steps: --step SPEC, once per step in order, or --steps-file FILE", "steps")
    return [parse_step(spec) for spec in args.step]


def _path_text(path: routes.PathRecord) -> str:
    state = ", archived" if path.archived else ""
    lines = [f"{path.route_id}  {path.name}  (revision {path.revision}: {path.id}{state})"]
    for step in path.steps:
        needs = f"  requires {', '.join(step.requires)}" if step.requires else ""
        lines.append(f"  {step.position + 1}. {step.name} ({step.id}){needs}")
    return "\n".join(lines)


def cmd_route_create(args, out: Output) -> None:
    open_db(args)
    made = routes.create_path({"id": args.id, "name": args.name, "steps": _steps(args)}, args.user)
    out.emit(made.to_json(), lambda _: "Created route\n" + _path_text(made))


def cmd_route_list(args, out: Output) -> None:
    open_db(args)
    found = route_history.list_routes(include_archived=args.all)
    out.emit([r.to_json() for r in found], lambda _: "\n".join(
        f"{r.route_id:<20} rev {r.revision:<3} {r.steps:>3} steps  {r.open_jobs:>3} open jobs"
        f"{'  archived' if r.archived else ''}  {r.name}" for r in found) if found else "No routes")


def cmd_route_show(args, out: Output) -> None:
    open_db(args)
    history = route_history.route_history(args.id)
    named = next((r for r in history if r.path.id == args.id), history[0])

    def text(_: Any) -> str:
        lines = [_path_text(named.path), "Revisions:"]
        for r in history:
            when = r.to_json()["madeAt"] or "?"
            why = f", reason: {r.reason}" if r.reason else ""
            lines.append(f"  {r.path.revision:>3}. {r.path.id:<24} {r.jobs} jobs, {r.serials} serials; made {when} "
                         f"by {r.made_by or '?'}{why}")
            lines += [f"       {change}" for change in r.changes]
        return "\n".join(lines)

    out.emit(named.path.to_json() | {"history": [r.to_json() for r in history]}, text)


def cmd_route_edit(args, out: Output) -> None:
    open_db(args)
    if args.at is not None and not args.add_step:
        raise Invalid("--at goes with --add-step")
    if (args.to is None) != (args.move_step is None):
        raise Invalid("--move-step STEP goes with --to N")
    changed, said = None, []
    if args.add_step:
        step = parse_step(args.add_step)
        changed = routes.add_step(args.id, step["name"], step["requires"], args.user, args.reason,
                                  position=args.at, step_id=step["id"])
    elif args.remove_step:
        changed = routes.remove_step(args.id, args.remove_step, args.user, args.reason)
    elif args.move_step:
        changed = routes.move_step(args.id, args.move_step, args.to, args.user, args.reason)
    elif args.steps:
        changed = routes.revise_route(args.id, [parse_step(spec) for spec in args.steps], args.user, args.reason)
    if changed is not None:
        said.append(f"Route {changed.route_id} is now revision {changed.revision} ({changed.id}); serials and "
                    "jobs made before keep their revision")
    if args.name is not None:
        changed = routes.rename_route(args.id, args.name, args.user, args.reason)
        said.append(f"Route {changed.route_id} is now called {changed.name}")
    if changed is None:
        raise Invalid("Say what to change: --name, --add-step, --remove-step, --move-step or --steps")
    out.emit(changed.to_json(), lambda _: "\n".join(said) + "\n" + _path_text(changed))


def cmd_route_archive(args, out: Output) -> None:
    open_db(args)
    path = routes.archive_route(args.id, args.user, args.reason)
    out.emit(path.to_json(), f"Archived route {path.route_id} ({path.name}): it is not offered for new jobs")


def cmd_route_restore(args, out: Output) -> None:
    open_db(args)
    path = routes.restore_route(args.id, args.user, args.reason)
    out.emit(path.to_json(), f"Restored route {path.route_id} ({path.name}): new jobs may take it again")

