"""The certificate list pages by key: every sort, both directions, read page by page, gives exactly
the rows of one unpaged ordered query — with equal values, empty values and filters — on SQLite
and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from app import certificates
from app.certificate_list import (SORTABLE_FIELDS, CertificateQuery, certificate_page, count_certificates,
                                  list_certificates)
from app.errors import Invalid
from app.models import Certificate

START = dt.date(2025, 1, 1)
KINDS = ("MATERIAL", "PROCESS", "CALIBRATION")
NAMES = ("alpha", "beta", "gamma", "delta")


@pytest.fixture
def many(database):
    """43 certificates whose sort values repeat and are sometimes empty (number, release, expiry)."""
    rows = []
    for n in range(43):
        rows.append({
            "id": f"c{n:03d}", "name": NAMES[n % 4] + ("" if n % 3 else "x"), "kind": KINDS[n % 3],
            "number": None if n % 5 == 0 else f"n{n % 7:02d}",
            "date_release": None if n % 6 == 0 else START + dt.timedelta(days=n % 4),
            "date_expire": None if n % 4 == 1 else START + dt.timedelta(days=400 + n % 5),
            "status": "revoked" if n % 8 == 0 else "active",
            "review_status": ("pending", "uploaded", "approved")[n % 3],
            "resource_type": "other", "warning": 0, "data": {},
        })
    Certificate.insert_many(rows).execute()
    return rows


def expected_order(rows: list[dict], sort: str, descending: bool) -> list[str]:
    """The order worked out in Python: by the field (empty values last), then the id; reversed when descending."""
    ordered = sorted(rows, key=lambda r: (r[sort] is None, r[sort] or "", r["id"]) if sort != "id" else (r["id"],))
    ids = [r["id"] for r in ordered]
    return ids[::-1] if descending else ids


def read_by_pages(query: CertificateQuery, limit: int) -> list[str]:
    ids, after, pages = [], None, 0
    while True:
        rows, after = certificate_page(query, after, limit)
        ids += [r.id for r in rows]
        pages += 1
        assert pages <= 100, "the pages never end"
        if after is None:
            return ids
        assert len(rows) == limit


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_every_sort_pages_by_key_to_exactly_the_unpaged_order(many, descending, subtests):
    for sort in SORTABLE_FIELDS:
        query = CertificateQuery(sort=sort, descending=descending)
        whole = [r.id for r in list_certificates(query)]
        with subtests.test(sort=sort):
            # The database's order is the one worked out here (plain lower-case names: every collation agrees).
            assert whole == expected_order(many, sort, descending)
            for limit in (1, 4, 7, 43, 50):
                assert read_by_pages(query, limit) == whole, f"limit {limit}"


def test_paging_keeps_to_the_filters(many, subtests):
    for query in (CertificateQuery(text="alp", sort="number"), CertificateQuery(kind="PROCESS", sort="date_expire",
                                                                                descending=True),
                  CertificateQuery(status="active", review_status="approved", sort="date_release"),
                  CertificateQuery(expired=False, sort="name", descending=True)):
        with subtests.test(query=query):
            whole = [r.id for r in list_certificates(query)]
            assert whole and len(whole) == count_certificates(query)
            assert read_by_pages(query, 3) == whole


def test_a_page_starts_after_the_last_key_not_at_an_offset(many):
    """A certificate added before the point already read does not shift the next page (an OFFSET would)."""
    query = CertificateQuery(sort="name")
    first, after = certificate_page(query, None, 5)
    Certificate.insert(id="b000", name="aaa", kind="OTHER", resource_type="other", warning=0, data={}).execute()
    second, _ = certificate_page(query, after, 5)
    whole = [r.id for r in list_certificates(query)]
    assert [r.id for r in first + second] == [i for i in whole if i != "b000"][:10]


def test_a_key_that_does_not_fit_the_sort_is_refused(many):
    with pytest.raises(Invalid, match="starts after 2 values, not 1"):
        certificate_page(CertificateQuery(sort="name"), ("alpha",), 5)
    with pytest.raises(Invalid, match="^Sort by one of"):
        certificate_page(CertificateQuery(sort="colour"))
    with pytest.raises(Invalid):
        certificate_page(CertificateQuery(), None, 0)


def test_the_old_names_are_still_found_in_app_certificates(plant):
    assert certificates.CertificateQuery is CertificateQuery
    assert certificates.list_certificates is list_certificates
    assert certificates.resolve_certificate("HT-4711").id == "cert_mat01"
    with pytest.raises(AttributeError):
        certificates.no_such_name  # noqa: B018
