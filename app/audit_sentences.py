"""An audit entry as one sentence a supervisor reads: ``Attached cert_mat01 — Mill test report S355J2 to
SN-00001 at CNC turning``, ``Advanced SN-00001 from Saw blank to CNC turning``, ``Signed in with badge and PIN``.

Names of people, steps, routes and certificates come from a ``Names`` that app/ looks up for a page of
entries at once (``app.queries.audit_trail.resolve_names``); an id without a name is shown as it is. A type
with no sentence here, or details of a shape a sentence does not expect, is shown as its type and its
details as stored: never hidden, never an exception.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from app.words import (CERT_FIELD, CERT_KIND, PLANT_SECTION, POLICY, PURPOSE, RESOURCE_TYPE, ROLE, SERIAL_STATUS,
                       SIGN_IN_METHOD, VALIDITY_UNIT, kinds_phrase, plural, word)

LONGEST_VALUE = 60  # characters of an old or new value a sentence quotes; the rest is in the export


@dataclass(frozen=True)
class Names:
    """People's names for the ids a page of audit entries mentions, looked up by app/ in a few queries.

    Any id missing here is shown as it is: a sentence never waits for, nor fails on, a name.
    """

    users: Mapping[str, str] = field(default_factory=dict)
    certificates: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, str] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)
    steps_at: Mapping[tuple[str, int], str] = field(default_factory=dict)  # (route id, position) -> step name

    def user(self, user_id: str | None) -> str:
        """The user's name, or their id when it is not known."""
        return self.users.get(user_id or "", user_id or "someone")

    def person(self, user_id: str | None) -> str:
        """``Olga Novak (op1)``: someone a sentence is about, not the one who acted."""
        name = self.users.get(user_id or "")
        return f"{name} ({user_id})" if name and name != user_id else (user_id or "someone")

    def certificate(self, cert_id: str | None, name: str | None = None) -> str:
        """``cert_mat01 — Mill test report S355J2``."""
        name = name or self.certificates.get(cert_id or "")
        return f"{cert_id} — {name}" if name else (cert_id or "a certificate")

    def step(self, step_id: str | None, name: str | None = None) -> str:
        return name or self.steps.get(step_id or "") or step_id or "a step"


NO_NAMES = Names()


def _get(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)


def _value(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return "nothing"
    if field_name == "kind":
        return word(CERT_KIND, value)
    if field_name == "resource_type":
        return word(RESOURCE_TYPE, value)
    if field_name == "validity_unit":
        return word(VALIDITY_UNIT, value)
    text = " ".join(str(value).split())
    if len(text) > LONGEST_VALUE:
        text = text[:LONGEST_VALUE - 1] + "…"
    return f"“{text}”" if field_name in ("name", "note", "heat_lot", "resource_id") else text


def _local(iso: Any, with_date: bool = True) -> str:
    """A UTC ISO time written by the core (``2026-12-01T13:02:11.000Z``) in this workstation's time."""
    try:
        at = dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone().strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def _override(details: Mapping[str, Any]) -> str:
    missing = details.get("overridden") or []
    return f", without its required {kinds_phrase(missing)} certificate (overridden)" if missing else ""


def _cert_attached(e: Any, d: Mapping[str, Any], n: Names) -> str:
    step = n.step(_get(e, "step_id"), d.get("stepName"))
    return f"Attached {n.certificate(_get(e, 'cert_id'))} to {_get(e, 'serial_id')} at {step}"


def _cert_created(e: Any, d: Mapping[str, Any], n: Names) -> str:
    cert = n.certificate(_get(e, "cert_id"), d.get("name"))
    facts = [word(CERT_KIND, d["kind"])] if d.get("kind") else []
    facts += [f"number {d['number']}"] if d.get("number") else []
    return f"Created certificate {cert}" + (f" ({', '.join(facts)})" if facts else "")


def _cert_updated(e: Any, d: Mapping[str, Any], n: Names) -> str:
    cert_id = _get(e, "cert_id")
    changes = []  # (verb alone, field, how alone, how in a list)
    for name, change in (d.get("updated_fields") or {}).items():
        what = CERT_FIELD.get(name, name)
        old, new = (change.get("old"), change.get("new")) if isinstance(change, Mapping) else (None, change)
        if name == "data":
            changes.append(("Changed", what, "", "changed"))
        elif old in (None, ""):
            changes.append(("Set", what, f"to {_value(name, new)}", f"set to {_value(name, new)}"))
        elif new in (None, ""):
            changes.append(("Cleared", what, f"(was {_value(name, old)})", f"cleared (was {_value(name, old)})"))
        else:
            how = f"from {_value(name, old)} to {_value(name, new)}"
            changes.append(("Changed", what, how, how))
    if len(changes) == 1:
        verb, what, how, _ = changes[0]
        return f"{verb} the {what} of {cert_id}" + (f" {how}" if how else "")
    return f"Changed {cert_id}: " + "; ".join(f"{what} {listed}" for _, what, _, listed in changes)


def _cert_revoked(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Revoked certificate {n.certificate(_get(e, 'cert_id'))}"


def _cert_deleted(e: Any, d: Mapping[str, Any], n: Names) -> str:
    record = d.get("certificate") if isinstance(d.get("certificate"), Mapping) else {}
    documents = d.get("documents") or []
    cert = n.certificate(_get(e, "cert_id"), record.get("name"))
    with_them = f" and its {plural(len(documents), 'document')}" if documents else ""
    return f"Deleted certificate {cert}{with_them}"


def _cert_approved(e: Any, d: Mapping[str, Any], n: Names) -> str:
    documents = d.get("documents") or []
    what = "the document" if len(documents) == 1 else f"the {plural(len(documents), 'document')}"
    signer = d.get("printedName") or n.user(_get(e, "user_id"))
    return f"Approved {what} of {n.certificate(_get(e, 'cert_id'))}, signed by {signer}"


def _size(size: Any) -> str:
    if not isinstance(size, (int, float)):
        return ""
    for unit, scale in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return plural(int(size), "byte")


def _document_added(e: Any, d: Mapping[str, Any], n: Names) -> str:
    size = _size(d.get("file_size"))
    name = d.get("file_name") or "a document"
    return f"Added document {name}{f' ({size})' if size else ''} to {n.certificate(_get(e, 'cert_id'))}"


def _document_removed(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Removed document {d.get('file_name') or 'a document'} from {n.certificate(_get(e, 'cert_id'))}"


def _serial_step_at(e: Any, d: Mapping[str, Any], n: Names) -> str | None:
    index = d.get("stepIndex")
    if not isinstance(index, int) or index < 0:
        return None
    return n.steps_at.get((_get(e, "path_id"), index)) or f"step {index + 1} of its route"


def _serial_created(e: Any, d: Mapping[str, Any], n: Names) -> str:
    text = f"Created {_get(e, 'serial_id')}"
    if _get(e, "job_id"):
        text += f" in job {_get(e, 'job_id')}"
    step = n.step(_get(e, "step_id")) if _get(e, "step_id") else _serial_step_at(e, d, n)
    if d.get("status") == "completed" or d.get("stepIndex") == -1:
        return text + ", completed"
    text += f" at {step}" if step else ""
    return text + (f", {word(SERIAL_STATUS, d['status']).lower()}" if d.get("status") not in (None, "in_progress")
                   else "")


def _serial_advanced(e: Any, d: Mapping[str, Any], n: Names) -> str:
    start = n.step(d.get("from"), d.get("fromName"))
    end = n.step(d.get("to") or _get(e, "step_id"), d.get("toName"))
    return f"Advanced {_get(e, 'serial_id')} from {start} to {end}{_override(d)}"


def _serial_completed(e: Any, d: Mapping[str, Any], n: Names) -> str:
    step = n.step(d.get("from") or _get(e, "step_id"), d.get("fromName"))
    return f"Completed {_get(e, 'serial_id')} at {step}{_override(d)}"


def _serial_scrapped(e: Any, d: Mapping[str, Any], n: Names) -> str:
    step = _serial_step_at(e, d, n)
    return f"Scrapped {_get(e, 'serial_id')}" + (f" at {step}" if step else "")


def _job_created(e: Any, d: Mapping[str, Any], n: Names) -> str:
    job = _get(e, "job_id") or d.get("id")
    text = f"Created job {job}" + (f" — {d['name']}" if d.get("name") else "")
    route = n.paths.get(d.get("path") or _get(e, "path_id") or "") or d.get("path") or _get(e, "path_id")
    if isinstance(d.get("quantity"), int) and d.get("part"):
        text += f": {plural(d['quantity'], 'piece')} of part {d['part']}"
    return text + (f" on the route {route}" if route else "")


def _path_created(e: Any, d: Mapping[str, Any], n: Names) -> str:
    name, path_id = d.get("name"), _get(e, "path_id") or d.get("id")
    steps = d.get("steps") if isinstance(d.get("steps"), list) else []
    route = f"{name} ({path_id})" if name else path_id
    return f"Created the route {route} with {plural(len(steps), 'step')}"


def _user_created(e: Any, d: Mapping[str, Any], n: Names) -> str:
    who = f"{d['name']} ({d.get('userId')})" if d.get("name") else n.person(d.get("userId"))
    text = f"Added {who} as {word(ROLE, d.get('role')) or 'a user'}"
    text += f", badge {d['badge']}" if d.get("badge") else ""
    return text + (" and a PIN" if d.get("hasPin") else " (no PIN)")


def _user_login(e: Any, d: Mapping[str, Any], n: Names) -> str:
    method = d.get("method") or _get(e, "auth")
    return f"Signed in {SIGN_IN_METHOD[method]}" if method in SIGN_IN_METHOD else "Signed in"


def _sign_in_refused(e: Any, d: Mapping[str, Any], n: Names) -> str:
    purpose = PURPOSE.get(d.get("purpose"), d.get("purpose") or "")
    when = f" when {purpose}" if purpose and not purpose.startswith("at ") else f" {purpose}" if purpose else ""
    if d.get("locked"):
        until = f": locked until {_local(d['lockedUntil'])}" if d.get("lockedUntil") else ": locked"
        return f"PIN refused{when}{until}"
    wrong = d.get("wrongPins")
    in_a_row = f" ({plural(wrong, 'wrong PIN')} in a row)" if isinstance(wrong, int) and wrong > 1 else ""
    return f"Wrong PIN{when}{in_a_row}"


def _user_locked(e: Any, d: Mapping[str, Any], n: Names) -> str:
    text = f"Locked out after {plural(d['wrongPins'], 'wrong PIN')} in a row" if isinstance(
        d.get("wrongPins"), int) else "Locked out"
    if isinstance(d.get("minutes"), int):
        text += f", for {plural(d['minutes'], 'minute')}"
    return text + (f" (until {_local(d['lockedUntil'])})" if d.get("lockedUntil") else "")


def _pin_set(e: Any, d: Mapping[str, Any], n: Names) -> str:
    if d.get("userId") in (None, _get(e, "user_id")):
        return "Changed their own PIN"
    return f"Set a new PIN for {n.person(d.get('userId'))}"


def _pin_cleared(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Cleared the PIN of {n.person(d.get('userId'))}: badge only from now on"


def _policy_changed(e: Any, d: Mapping[str, Any], n: Names) -> str:
    rule = POLICY.get(d.get("policy"), d.get("policy") or "a plant rule")
    old, new = d.get("old"), d.get("new")
    if isinstance(new, bool):
        return f"Turned {'on' if new else 'off'} the plant rule “{rule}”"
    return f"Changed the plant rule “{rule}” from {old} to {new}"


def _token_created(e: Any, d: Mapping[str, Any], n: Names) -> str:
    name = f"“{d['name']}” " if d.get("name") else ""
    expires = f", expires {_local(d['expiresAt']).split()[0]}" if d.get("expiresAt") else ", never expires"
    return f"Created API token {name}({d.get('tokenId') or _get(e, 'record_id')}) for {n.person(d.get('userId'))}{expires}"


def _token_revoked(e: Any, d: Mapping[str, Any], n: Names) -> str:
    name = f"“{d['name']}” " if d.get("name") else ""
    return f"Revoked API token {name}({d.get('tokenId') or _get(e, 'record_id')}) of {n.person(d.get('userId'))}"


def _webhook(e: Any, d: Mapping[str, Any], n: Names) -> str:
    kind, url = _get(e, "type"), d.get("url") or d.get("subscriptionId")
    if kind == "webhook_added":
        types = ", ".join(str(t).removeprefix("CERTIFICATE::").lower() for t in d.get("eventTypes") or [])
        return f"Subscribed {url} to change events" + (f" ({types})" if types else "")
    if kind == "webhook_removed":
        cancelled = d.get("cancelled")
        return f"Removed the webhook {url}" + (f"; {plural(cancelled, 'queued event')} cancelled"
                                               if isinstance(cancelled, int) and cancelled else "")
    return f"{'Paused' if kind == 'webhook_paused' else 'Resumed'} the webhook {url}"


def _plant_imported(e: Any, d: Mapping[str, Any], n: Names) -> str:
    counts = d.get("counts") if isinstance(d.get("counts"), Mapping) else {}
    listed = ", ".join(plural(count, *PLANT_SECTION.get(section, (section, section)))
                       for section, count in counts.items() if isinstance(count, int))
    return f"Imported the plant file {d.get('file') or ''}".rstrip() + (f": {listed}" if listed else "")


def _changes(d: Mapping[str, Any], named: Callable[[str, Any], str]) -> list[tuple[str, str]]:
    """(field, ``from A to B``) for each ``{"field": {"old": A, "new": B}}`` of ``d``."""
    changes = d if isinstance(d, Mapping) else {}
    return [(name, f"from {named(name, change.get('old'))} to {named(name, change.get('new'))}")
            for name, change in changes.items() if isinstance(change, Mapping)]


def _route(e: Any, d: Mapping[str, Any], n: Names) -> str:
    route = d.get("routeId") or _get(e, "path_id")
    name = d.get("name") if isinstance(d.get("name"), str) else n.paths.get(_get(e, "path_id") or "")
    return f"{name} ({route})" if name and name != route else str(route)


def _route_revised(e: Any, d: Mapping[str, Any], n: Names) -> str:
    changes = [str(change) for change in d.get("changes") or []]
    text = f"Changed the route {_route(e, d, n)}"
    text += f" to revision {d['revision']}" if d.get("revision") else ""
    return text + (f": {'; '.join(changes)}" if changes else "")


def _route_renamed(e: Any, d: Mapping[str, Any], n: Names) -> str:
    name = d.get("name") if isinstance(d.get("name"), Mapping) else {}
    return (f"Renamed the route {d.get('routeId') or _get(e, 'path_id')} from “{name.get('old')}” to "
            f"“{name.get('new')}”")


def _route_archived(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Archived the route {_route(e, d, n)}: no new jobs on it"


def _route_restored(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Restored the route {_route(e, d, n)} for new jobs"


def _job_closed(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Closed job {_get(e, 'job_id')}"


def _user_value(name: str, value: Any) -> str:
    if name == "role":
        return word(ROLE, value)
    if name == "active":
        return "active" if value else "inactive"
    return f"“{value}”" if name == "name" else str(value)


def _user_updated(e: Any, d: Mapping[str, Any], n: Names) -> str:
    who = n.person(d.get("userId"))
    changes = _changes(d.get("changes"), _user_value)
    if len(changes) == 1:
        name, how = changes[0]
        return f"Changed the {name} of {who} {how}"
    return f"Changed {who}: " + "; ".join(f"{name} {how}" for name, how in changes) if changes else f"Changed {who}"


def _user_deactivated(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Deactivated {n.person(d.get('userId'))}: they can no longer sign in"


def _user_reactivated(e: Any, d: Mapping[str, Any], n: Names) -> str:
    return f"Reactivated {n.person(d.get('userId'))}: they can sign in again"


def _user_unlocked(e: Any, d: Mapping[str, Any], n: Names) -> str:
    wrong = d.get("wrongPins")
    after = f" after {plural(wrong, 'wrong PIN')}" if isinstance(wrong, int) and wrong else ""
    return f"Unlocked {n.person(d.get('userId'))}{after}"


def _labels_printed(e: Any, d: Mapping[str, Any], n: Names) -> str:
    text = f"{'Printed again' if d.get('reprint') else 'Printed'} the label of {_get(e, 'serial_id')}"
    text += {"printer": " on the printer", "pdf": " to a PDF"}.get(d.get("output"), "")
    facts = [f"{d['size']} mm"] if d.get("size") else []
    facts += [f"one of {d['count']:,}"] if isinstance(d.get("count"), int) and d["count"] > 1 else []
    return text + (f" ({', '.join(facts)})" if facts else "")


def _queued_attach_held(e: Any, d: Mapping[str, Any], n: Names) -> str:
    step = n.step(d.get("stepSeen") or _get(e, "step_id"))
    cert, serial = n.certificate(_get(e, "cert_id")), _get(e, "serial_id")
    return f"Held for a supervisor: {cert} to {serial} at {step}, saved offline"


def _queued_attach_resolved(e: Any, d: Mapping[str, Any], n: Names) -> str:
    cert, serial = n.certificate(_get(e, "cert_id")), _get(e, "serial_id")
    if d.get("decision") == "attach":
        return f"Attached the held {cert} to {serial} at its current step"
    return f"Dismissed the held attach of {cert} to {serial}: nothing attached"


def _pack_made(e: Any, d: Mapping[str, Any], n: Names) -> str:
    count = d.get("serialCount")
    what = plural(count, "serial") if isinstance(count, int) else "serials"
    selection = d.get("selection")
    text = f"Made a conformance pack of {what}" + (f" ({selection})" if selection and "job" in selection else "")
    if d.get("customer"):
        text += f" for {d['customer']}" + (f", order {d['orderRef']}" if d.get("orderRef") else "")
    # Who signed is the entry's user and the pages are in the Packs tab: two lines of the audit trail at 1024 px.
    facts = [f"{plural(len(d['gaps']), 'gap')}"] if d.get("gaps") else []
    facts += [f"sha256 {d['fileSha256'][:12]}…"] if isinstance(d.get("fileSha256"), str) else []
    return text + (f" ({', '.join(facts)})" if facts else "")


_SENTENCES: dict[str, Callable[[Any, Mapping[str, Any], Names], str]] = {
    "cert_attached": _cert_attached, "cert_created": _cert_created, "cert_updated": _cert_updated,
    "cert_revoked": _cert_revoked, "cert_deleted": _cert_deleted, "cert_approved": _cert_approved,
    "document_added": _document_added, "document_removed": _document_removed,
    "serial_created": _serial_created, "serial_advanced": _serial_advanced, "serial_completed": _serial_completed,
    "serial_scrapped": _serial_scrapped, "job_created": _job_created, "path_created": _path_created,
    "user_created": _user_created, "user_login": _user_login, "sign_in_refused": _sign_in_refused,
    "user_locked": _user_locked, "pin_set": _pin_set, "pin_cleared": _pin_cleared,
    "policy_changed": _policy_changed, "token_created": _token_created, "token_revoked": _token_revoked,
    "plant_imported": _plant_imported, "route_revised": _route_revised, "route_renamed": _route_renamed,
    "route_archived": _route_archived, "route_restored": _route_restored, "job_closed": _job_closed,
    "user_updated": _user_updated, "user_deactivated": _user_deactivated, "user_reactivated": _user_reactivated,
    "user_unlocked": _user_unlocked, "labels_printed": _labels_printed,
    "webhook_added": _webhook, "webhook_paused": _webhook, "webhook_resumed": _webhook, "webhook_removed": _webhook,
    "pack_made": _pack_made,
    "queued_attach_held": _queued_attach_held, "queued_attach_resolved": _queued_attach_resolved,
}


def _raw(entry: Any, details: Any) -> str:
    """An entry no sentence knows: its type and its details as stored, never hidden."""
    if isinstance(details, Mapping) and details:
        return f"{_get(entry, 'type')}: " + ", ".join(f"{key}={value}" for key, value in details.items())
    return str(_get(entry, "type")) + (f": {details}" if details else "")


def audit_sentence(entry: Any, names: Names = NO_NAMES, reason: bool = True) -> str:
    """An audit entry (an ``AuditRow``, or a mapping of its fields) as one sentence a supervisor reads.

    ``Attached cert_mat01 — Mill test report S355J2 to SN-00001 at CNC turning``. The entry's reason
    follows (``— reason: …``) unless ``reason`` is False (a view that shows it in a column of its own).
    An unknown type, or details of a shape the sentence does not expect, come out as the type and the
    details as stored.
    """
    details = _get(entry, "details")
    sentence = _SENTENCES.get(_get(entry, "type"))
    text = None
    if sentence is not None and isinstance(details if details is not None else {}, Mapping):
        try:
            text = sentence(entry, details or {}, names)
        except (TypeError, ValueError, KeyError, AttributeError):  # details of another shape than today's
            text = None
    text = text or _raw(entry, details)
    why = _get(entry, "reason")
    return f"{text} — reason: {why}" if reason and why else text
