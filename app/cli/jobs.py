"""certline-cli job: jobs (app.jobs), created and closed by supervisors, with how far their serials have gone."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from app import jobs
from app.cli.auth import open_db
from app.cli.output import Output, say


def add_job_commands(parser: argparse.ArgumentParser, common: argparse.ArgumentParser,
                     needs_user: Callable[..., None]) -> None:
    commands = parser.add_subparsers(dest="job_command", required=True, metavar="COMMAND")

    def sub(name: str, handler, help: str) -> argparse.ArgumentParser:
        made = commands.add_parser(name, parents=[common], help=help, description=help)
        made.set_defaults(handler=handler)
        return made

    made = sub("create", cmd_job_create, "a job on the newest revision of a route (supervisor)")
    made.add_argument("id")
    made.add_argument("--name", required=True)
    made.add_argument("--part", required=True, help="the part number")
    made.add_argument("--route", required=True, help="the route (its newest revision is taken)")
    made.add_argument("--quantity", type=int, required=True, help="pieces: no batch of serials may go past it")
    made.add_argument("--gtin", help="GTIN of the part, for GS1 labels (AI 01)")
    made.add_argument("--lot", help="lot or batch, for GS1 labels (AI 10)")
    needs_user(made)
    made = sub("list", cmd_job_list, "jobs with how many serials stand where")
    made.add_argument("--open", action="store_true", help="open jobs only")
    made = sub("show", cmd_job_show, "a job, its progress per step and, with --serials, each serial")
    made.add_argument("id", metavar="JOB")
    made.add_argument("--serials", action="store_true", help="list every serial with the step it stands at")
    made = sub("close", cmd_job_close, "no new serials on this job (supervisor, with a reason)")
    made.add_argument("id", metavar="JOB")
    needs_user(made, reason=True)


def _line(p: jobs.JobProgress) -> str:
    job = p.job
    state = "closed" if job.closed else "open"
    return (f"{job.id:<14} {state:<6} {p.made:>6}/{job.quantity:<6} {p.in_progress:>6} in progress "
            f"{p.completed:>6} completed {p.scrapped:>5} scrapped  {job.route_id} rev {job.revision}  {job.name}")


def _progress_text(p: jobs.JobProgress) -> str:
    job = p.job
    labels = "".join(f", GTIN {job.gtin}" * bool(job.gtin) + f", lot {job.lot}" * bool(job.lot))
    closed = f", closed {p.job.to_json()['closedAt']}" if job.closed else ""
    lines = [f"{job.id}  {job.name}, part {job.part}{labels}{closed}",
             f"route {job.route_id}, revision {job.revision} ({job.path_id})",
             f"{p.made} serials of {job.quantity} ({p.room} more may be made): {p.in_progress} in progress, "
             f"{p.completed} completed, {p.scrapped} scrapped"]
    lines += [f"  {count:>6} at {name} ({step_id})" for step_id, name, count in p.at_step]
    return "\n".join(lines)


def cmd_job_create(args, out: Output) -> None:
    open_db(args)
    job = jobs.create_job({"id": args.id, "name": args.name, "part": args.part, "route": args.route,
                           "quantity": args.quantity, "gtin": args.gtin, "lot": args.lot}, args.user)
    out.emit(job.to_json(), f"Created job {job.id} ({job.name}) for {job.quantity} pieces on route {job.route_id}, "
                            f"revision {job.revision} ({job.path_id})")


def cmd_job_list(args, out: Output) -> None:
    open_db(args)
    found = jobs.job_progress(include_closed=not args.open)
    out.emit([p.to_json() for p in found], lambda _: "\n".join(map(_line, found)) if found else "No jobs")


def cmd_job_show(args, out: Output) -> None:
    open_db(args)
    (progress,) = jobs.job_progress(args.id)
    value: dict[str, Any] = progress.to_json()
    listed: list[jobs.JobSerial] = []
    if args.serials:
        after = ""
        while page := jobs.serials_of_job(args.id, after, 5000):
            listed += page
            after = page[-1].id
        value["serialList"] = [s.to_json() for s in listed]
    if out.as_json:
        out.emit(value, "")
        return
    say(_progress_text(progress))
    for s in listed:
        where = s.step_name if s.step_index >= 0 else "done"
        say(f"  {s.id:<20} {s.status:<11} {where}")


def cmd_job_close(args, out: Output) -> None:
    open_db(args)
    job = jobs.close_job(args.id, args.user, args.reason)
    out.emit(job.to_json(), f"Closed job {job.id}: no new serials; those it has go on along their route")
