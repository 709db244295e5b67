"""Finding certificates: the list (filters, order, pages read by key) and a code scanned or typed.

A page starts after the sort key and id of the last row shown (``WHERE (key, id) > (last)``),
never at an OFFSET, so page ten thousand of a million certificates costs what page one does.
Empty values (a certificate that never expires, one without a number) sort last, and first
when descending, on both databases; the key comparison keeps to that same order.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import Tuple

from app.bounds import check_int, check_text, shown
from app.certificates import MAX_NAME_LENGTH, MAX_ROWS, MAX_WARNING_DAYS, CertificateRecord, get_certificate
from app.clock import today
from app.errors import Invalid, NotFound
from app.ids import is_id
from app.models import REVIEW_STATUSES, Certificate

SORTABLE_FIELDS = ("id", "name", "kind", "number", "date_release", "date_expire", "status", "review_status")
NULLABLE = ("number", "date_release", "date_expire")  # may be empty: sorted last, first when descending
PAGE_SIZE = 200


@dataclass(frozen=True)
class CertificateQuery:
    """Filters and order for ``list_certificates`` and ``certificate_page``; every field optional."""

    text: str | None = None
    kind: str | None = None
    status: str | None = None
    review_status: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    expires_within_days: int | None = None
    expired: bool | None = None
    # Exact values, as another system filters the list (certline-server's /v2/certificate/index).
    name: str | None = None
    warning: int | None = None
    validity: int | None = None
    validity_unit: str | None = None
    sort: str = "id"
    descending: bool = False


def _filtered(query: CertificateQuery, on: dt.date):
    c = Certificate
    select = c.select()
    if query.text:
        check_text(query.text, "Search text", "text", MAX_NAME_LENGTH)
        # contains() is case-insensitive on both databases (LIKE on SQLite, ILIKE on PostgreSQL).
        select = select.where(c.id.contains(query.text) | c.name.contains(query.text) | c.number.contains(query.text))
    check_text(query.resource_id, "Resource id", "resource_id", MAX_NAME_LENGTH)
    for name in ("kind", "status", "review_status", "resource_type", "resource_id"):
        value = getattr(query, name)
        if value:
            select = select.where(getattr(c, name) == value)
    exact = {"name": check_text(query.name, "Name", "name", MAX_NAME_LENGTH),
             "warning": check_int(query.warning, "Warning days", "warning", 0, MAX_WARNING_DAYS, " days"),
             "validity": check_int(query.validity, "Validity", "validity", 1, MAX_ROWS),
             "validity_unit": check_text(query.validity_unit, "Validity unit", "validity_unit", MAX_NAME_LENGTH)}
    for name, value in exact.items():
        if value is not None:
            select = select.where(getattr(c, name) == value)
    if query.review_status and query.review_status not in REVIEW_STATUSES:
        raise Invalid(f"Review status must be one of {', '.join(REVIEW_STATUSES)}")
    if query.expires_within_days is not None:
        check_int(query.expires_within_days, "Expires within", "expires_within_days", 0, MAX_WARNING_DAYS * 10,
                  " days")
        select = select.where(c.date_expire > on, c.date_expire <= on + dt.timedelta(days=query.expires_within_days))
    if query.expired is True:
        select = select.where(c.date_expire <= on)
    elif query.expired is False:
        select = select.where(c.date_expire.is_null() | (c.date_expire > on))
    return select


def _check_sort(query: CertificateQuery) -> None:
    if query.sort not in SORTABLE_FIELDS:
        raise Invalid(f"Sort by one of {', '.join(SORTABLE_FIELDS)}: {query.sort}")


def sort_key(query: CertificateQuery) -> tuple[str, ...]:
    """The fields a row is ordered by: the sort field, then the id so equal values never shuffle."""
    return ("id",) if query.sort == "id" else (query.sort, "id")


def key_of(record: CertificateRecord, query: CertificateQuery) -> tuple:
    """The key to pass as ``after`` to read the rows that follow ``record``."""
    return tuple(getattr(record, name) for name in sort_key(query))


def _order(query: CertificateQuery) -> list:
    order = []
    for name in sort_key(query):
        column = getattr(Certificate, name)
        if name in NULLABLE:
            order.append(column.desc(nulls="FIRST") if query.descending else column.asc(nulls="LAST"))
        else:
            order.append(column.desc() if query.descending else column.asc())
    return order


def _after(query: CertificateQuery, after: tuple):
    """The rows that come after the key ``after`` in the order of ``_order``."""
    names = sort_key(query)
    if len(after) != len(names):
        raise Invalid(f"A page of this list starts after {len(names)} values, not {len(after)}")
    columns = [getattr(Certificate, name) for name in names]
    if not any(name in NULLABLE for name in names):
        # One row-value comparison, which an index on the key can answer by seeking.
        return (Tuple(*columns) < Tuple(*after)) if query.descending else (Tuple(*columns) > Tuple(*after))
    (column, *_), (value, last_id) = columns, after
    later_id = (Certificate.id < last_id) if query.descending else (Certificate.id > last_id)
    if query.descending:  # empty values first, then the rest falling
        if value is None:
            return (column.is_null() & later_id) | column.is_null(False)
        return (column < value) | ((column == value) & later_id)
    if value is None:  # ascending: the empty values come last, in id order
        return column.is_null() & later_id
    return (column > value) | ((column == value) & later_id) | column.is_null()


def certificate_page(query: CertificateQuery = CertificateQuery(), after: tuple | None = None,
                     limit: int = PAGE_SIZE, on: dt.date | None = None) -> tuple[list[CertificateRecord], tuple | None]:
    """One page of the list and the key the next page starts after (None when this was the last).

    Raises Invalid for an unknown sort, a bad limit or a key that does not fit the sort.
    """
    _check_sort(query)
    check_int(limit, "Limit", "limit", 1, MAX_ROWS)
    select = _filtered(query, on or today())
    if after is not None:
        select = select.where(_after(query, tuple(after)))
    rows = [CertificateRecord.of(c) for c in select.order_by(*_order(query)).limit(limit)]
    return rows, (key_of(rows[-1], query) if len(rows) == limit else None)


def list_certificates(query: CertificateQuery = CertificateQuery(), limit: int | None = None, offset: int = 0,
                      on: dt.date | None = None) -> list[CertificateRecord]:
    """Certificates matching ``query``, sorted in the database, in the order ``certificate_page`` reads them.

    The offset is for ``certline-cli cert list --offset``; a screen reads ``certificate_page``.
    Raises Invalid for an unknown sort.
    """
    _check_sort(query)
    check_int(offset, "Offset", "offset", 0, MAX_ROWS)
    if limit is not None:
        check_int(limit, "Limit", "limit", 0, MAX_ROWS)
    select = _filtered(query, on or today()).order_by(*_order(query)).offset(offset)
    if limit is not None:
        select = select.limit(limit)
    return [CertificateRecord.of(c) for c in select]


def count_certificates(query: CertificateQuery = CertificateQuery(), on: dt.date | None = None) -> int:
    return _filtered(query, on or today()).count()


AMBIGUOUS_LISTED = 5  # certificates named in the refusal of a number several share


def resolve_certificate(code: str) -> CertificateRecord:
    """The certificate whose id, or else whose issuer number, is ``code``: what a person scans or types.

    The one place the station's scans, the office views and certline-cli turn a code into a
    certificate. An id wins over another certificate's number. Raises NotFound
    (``Certificate not found: {code}``), or Invalid when several certificates share the number.
    """
    if not isinstance(code, str) or not is_id(code):  # ids and numbers alike are checked ids
        raise NotFound(f"Certificate not found: {shown(code)}")
    cert = Certificate.get_or_none(Certificate.id == code)
    if cert is not None:
        return CertificateRecord.of(cert)
    matches = [c.id for c in Certificate.select(Certificate.id).where(Certificate.number == code)
               .order_by(Certificate.id).limit(AMBIGUOUS_LISTED + 1)]
    if not matches:
        raise NotFound(f"Certificate not found: {code}")
    if len(matches) > 1:
        named = ", ".join(matches[:AMBIGUOUS_LISTED]) + (", …" if len(matches) > AMBIGUOUS_LISTED else "")
        raise Invalid(f"Number {code} belongs to several certificates ({named}); use the certificate's id")
    return get_certificate(matches[0])


def find_by_code(code: str) -> CertificateRecord | None:
    """``resolve_certificate``, or None when ``code`` names no certificate or several."""
    try:
        return resolve_certificate(code)
    except (NotFound, Invalid):
        return None
