"""Any value in any field of the certificate form either saves and reads back everywhere, or is refused.

Hypothesis fills the form's fields with what a person, a scanner or an attacker might type:
dates at and past the calendar's ends, whole numbers huge and negative, floats with infinities
and NaN, text with lone surrogates, NUL, terminal escapes and line breaks, very long text, JSON
nested deep. Whatever it makes, creating or updating a certificate ends one of two ways:

- saved, and then listed and counted, shown (the record, its JSON as certline-cli prints it,
  its state in words), offered or refused at the station the way the attach rule says, and
  attached to a serial whose card reads back; or
- refused with Invalid naming one of the form's fields, and the database exactly as it was.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app import attachments, certificates, serials
from app.certificates import EDITABLE_FIELDS, CertificateQuery
from app.errors import Invalid
from app.models import (
    CERT_KINDS,
    EN10204_TYPES,
    RESOURCE_TYPES,
    VALIDITY_UNITS,
    Certificate,
)
from tests.helpers.state import row_counts

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FORM_FIELDS = ("id", *EDITABLE_FIELDS)
REASON = "Property test"

# Characters that broke things before: NUL, a lone surrogate of each half, ESC, C1's CSI, line
# and paragraph separators, a right-to-left override, a character outside the BMP.
AWKWARD = ["\x00", "\ud800", "\udcff", "\x1b", "\x9b", "\n", "\r", "\t", "\u2028", "\u202e", "\U0001f600", "\uffff"]
characters = st.one_of(st.characters(exclude_categories=()), st.sampled_from(AWKWARD))
texts = st.one_of(
    st.text(characters, max_size=20),
    st.builds(lambda char, count: char * count, characters, st.sampled_from([63, 64, 65, 199, 200, 201, 10_001])),
)
whole_numbers = st.one_of(
    st.integers(-5, 4000), st.integers(), st.integers(-(10**30), 10**30), st.just(400).map(lambda digits: 10**digits),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.integers(-5, 40_000).map(str), st.sampled_from(["1e400", "7.0", " 12 ", "", "٣", "1_000", "9" * 5000]),
)
EDGE_DATES = [dt.date.min, dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(9998, 12, 31), dt.date(9999, 1, 1),
              dt.date.max]
dates = st.one_of(
    st.dates(), st.sampled_from(EDGE_DATES), st.dates().map(dt.date.isoformat),
    st.datetimes(), texts, st.integers(),
)


def nested(depth: int) -> dict:
    inner: object = 1
    for _ in range(depth):
        inner = {"a": inner}
    return inner  # type: ignore[return-value]


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from([400, 4000]).map(lambda digits: 10**digits),
              st.floats(allow_nan=True, allow_infinity=True), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(texts, st.integers()), inner, max_size=4)),
    max_leaves=12,
)
data = st.one_of(
    st.dictionaries(texts, json_values, max_size=5),
    st.sampled_from([31, 32, 33, 999, 5000]).map(nested),
    json_values,
)
# What the fields hold when filled in as meant: letters, digits and punctuation of any script,
# dates inside the years Certline keeps, numbers inside their bounds, plain JSON.
plain = st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=40)
GOOD = {
    "name": plain.filter(str.strip),
    "kind": st.sampled_from(CERT_KINDS),
    "number": st.from_regex(r"[A-Z]{2}-[0-9]{1,6}", fullmatch=True),
    "en10204_type": st.one_of(st.none(), st.sampled_from(EN10204_TYPES)),
    "heat_lot": plain,
    "resource_type": st.sampled_from(RESOURCE_TYPES),
    "resource_id": plain,
    "date_release": st.dates(dt.date(1900, 1, 1), dt.date(9998, 12, 31)),
    "date_expire": st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(9998, 12, 31)).map(dt.date.isoformat)),
    "validity": st.integers(1, 100),
    "validity_unit": st.sampled_from(VALIDITY_UNITS),
    "warning": st.integers(0, 3650),
    "note": st.text(max_size=200),
    "data": st.dictionaries(plain, st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), plain),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(plain, inner, max_size=3)),
        max_leaves=8), max_size=4),
}
# What an attacker, a smudged scan or a slip of the hand puts there.
WILD = {
    "name": st.one_of(texts, whole_numbers),
    "kind": texts,
    "number": texts,
    "en10204_type": texts,
    "heat_lot": st.one_of(texts, whole_numbers),
    "resource_type": texts,
    "resource_id": texts,
    "date_release": dates,
    "date_expire": dates,
    "validity": whole_numbers,
    "validity_unit": texts,
    "warning": whole_numbers,
    "note": texts,
    "data": data,
}
assert set(GOOD) == set(WILD) == set(EDITABLE_FIELDS)


@st.composite
def changes(draw) -> dict:
    """Some fields filled in as meant, and up to two of them (or none) filled in wildly."""
    fields = draw(st.fixed_dictionaries({}, optional=GOOD))
    # As a person fills them in: a validity with its unit, an EN 10204 type on a material certificate.
    if ("validity" in fields) != ("validity_unit" in fields):
        fields["validity"], fields["validity_unit"] = draw(GOOD["validity"]), draw(GOOD["validity_unit"])
    if fields.get("en10204_type"):
        fields["kind"] = "MATERIAL"
    for name in draw(st.lists(st.sampled_from(EDITABLE_FIELDS), max_size=2, unique=True)):
        fields[name] = draw(WILD[name])
    return fields


_new_ids = itertools.count(1)


def database_state() -> tuple[dict, list]:
    return row_counts(), list(Certificate.select().order_by(Certificate.id).dicts())


def reads_back_everywhere(cert_id: str, serial_id: str) -> None:
    event("saved")
    record = certificates.get_certificate(cert_id)
    printed = json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8")  # as certline-cli --json prints it
    assert json.loads(printed)["id"] == cert_id
    certificates.state_words(record)
    listed = certificates.list_certificates()
    assert cert_id in [c.id for c in listed] and certificates.count_certificates() == len(listed)
    for query in (CertificateQuery(sort="date_expire"), CertificateQuery(expires_within_days=30),
                  CertificateQuery(expired=True), CertificateQuery(text=record.name[:3])):
        certificates.list_certificates(query, limit=5)
    refusal = certificates.refusal_to_attach(record)  # what the station's list and scan say
    try:
        result = attachments.attach(serial_id, cert_id, "op1")
    except Invalid as error:
        assert refusal is not None and error.message == refusal
    else:  # attached now, or attached before (an attachment made stays, whatever the certificate became)
        assert result.attachment.cert_id == cert_id and (refusal is None or not result.created)
    card = serials.get_serial(serial_id)
    json.dumps(card.to_json(), ensure_ascii=False).encode("utf-8")


def refused_without_a_trace(error: Invalid, before: tuple[dict, list]) -> None:
    event(f"refused {error.field}")
    assert error.field in FORM_FIELDS, (error.message, error.field)
    assert error.message and "Traceback" not in error.message
    assert database_state() == before


def _serial() -> str:
    """A serial at the first step of JOB-1, made once per test (the plant fixture serves every example)."""
    made = serials.SerialNumber.get_or_none(serials.SerialNumber.id == "PT-00001")
    if made is None:
        serials.create_serials("JOB-1", 1, "sup1", prefix="PT-")
    return "PT-00001"


@SETTINGS
@given(fields=changes(), weird_id=st.one_of(st.none(), st.none(), st.none(), texts))
def test_any_new_certificate_saves_and_reads_back_or_is_refused_naming_its_field(plant, fields, weird_id):
    serial_id = _serial()
    cert_id = weird_id if weird_id is not None else f"cert_prop{next(_new_ids)}"
    before = database_state()
    try:
        certificates.create_certificate({"id": cert_id, "name": "Mill test report", "kind": "MATERIAL"} | fields,
                                        "sup1")
    except Invalid as error:
        refused_without_a_trace(error, before)
    else:
        reads_back_everywhere(cert_id, serial_id)


@SETTINGS
@given(fields=changes())
def test_any_change_to_a_certificate_saves_and_reads_back_or_is_refused_naming_its_field(plant, fields):
    serial_id = _serial()
    before = database_state()
    try:
        certificates.update_certificate("cert_mat01", fields, "sup1", REASON)
    except Invalid as error:
        refused_without_a_trace(error, before)
    else:
        reads_back_everywhere("cert_mat01", serial_id)
