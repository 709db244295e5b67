"""No input damages a record: each value is checked against its bounds before anything is written.

Every case an attacker found (a value that was saved and then broke every screen that read it,
or a traceback instead of a sentence) is refused with a sentence naming the field, and nothing
is written — the row as it was, no audit entry — through the app's functions, through
certline-cli and through a plant file. A refused value leaves the certificate readable
everywhere: listed, shown, attached.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from app import certificates, cli, plant_file, routes
from app import db as app_db
from app.certificates import CertificateQuery
from app.errors import Invalid, NotFound
from app.models import Certificate
from tests.helpers.cli import PLANT, imported, run  # noqa: F401 - imported is a fixture
from tests.helpers.state import entries, row_counts

DEEP = 200_000  # far past Python's recursion limit


def nested(depth: int) -> dict:
    """``{"a": {"a": ... 1}}`` with ``depth`` objects, built without recursion."""
    inner: object = 1
    for _ in range(depth):
        inner = {"a": inner}
    return inner  # type: ignore[return-value]


def nested_text(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def stored(cert_id: str) -> dict | None:
    return Certificate.select().where(Certificate.id == cert_id).dicts().get_or_none()


# --- through the app's functions ---------------------------------------------------------------

# (changes, field at fault, the sentence) — for a new certificate and for an update of cert_mat01.
BAD_CERTIFICATE = [
    ({"warning": 1_000_000}, "warning", "Warning days must be at most 3650 days: 1000000"),
    ({"warning": 10**20}, "warning", "Warning days must be at most 3650 days: 100000000000000000000"),
    ({"warning": "1e400"}, "warning", "Warning days must be a whole number: 1e400"),
    ({"warning": float("inf")}, "warning", "Warning days must be a whole number: inf"),  # JSON's 1e400
    ({"warning": float("nan")}, "warning", "Warning days must be a whole number: nan"),
    ({"warning": "9" * 5000}, "warning", "Warning days must be a whole number: " + "9" * 39 + "…"),
    ({"warning": True}, "warning", "Warning days must be a whole number: True"),
    ({"warning": 10**5000}, "warning", "Warning days must be at most 3650 days: a number of 5001 digits"),
    ({"name": 10**5000}, "name", "Name is longer than 200 characters"),  # str() refuses such a number
    ({"date_release": "9999-06-01", "validity": 5, "validity_unit": "YEAR"}, "date_release",
     "Release date must be between 1900-01-01 and 9998-12-31: 9999-06-01"),
    ({"date_release": dt.date(9998, 6, 1), "validity": 1, "validity_unit": "YEAR"}, "validity",
     "A validity of 1 year from the release date 9998-06-01 ends after 9998-12-31, the last date Certline keeps"),
    ({"date_release": "1899-12-31"}, "date_release",
     "Release date must be between 1900-01-01 and 9998-12-31: 1899-12-31"),
    ({"date_expire": dt.date.max}, "date_expire", "Expiry date must be between 1900-01-01 and 9998-12-31: 9999-12-31"),
    ({"date_expire": "0001-01-01"}, "date_expire",
     "Expiry date must be between 1900-01-01 and 9998-12-31: 0001-01-01"),
    ({"validity": 10**20, "validity_unit": "DAY"}, "validity",
     "Validity must be at most 36500 days: 100000000000000000000"),
    ({"validity": 36_501, "validity_unit": "DAY"}, "validity", "Validity must be at most 36500 days: 36501"),
    ({"validity": 1_201, "validity_unit": "MONTH"}, "validity", "Validity must be at most 1200 months: 1201"),
    ({"validity": 101, "validity_unit": "YEAR"}, "validity", "Validity must be at most 100 years: 101"),
    ({"validity": float("inf"), "validity_unit": "YEAR"}, "validity", "Validity must be a whole number: inf"),
    ({"name": "Mill test \ud800 report"}, "name", "Name holds a character that is not valid text (a lone surrogate)"),
    ({"name": "Mill\x00test"}, "name", "Name holds a NUL character"),
    ({"name": "Mill\ntest"}, "name", "Name may not hold control characters: Mill\\ntest"),
    ({"name": "Mill\x1b[2Jtest"}, "name", "Name may not hold control characters: Mill\\x1b[2Jtest"),
    ({"name": ["a", "list"]}, "name", "Name must be text, got list"),
    ({"heat_lot": "H" * 65}, "heat_lot", "Heat / lot is longer than 64 characters"),
    ({"resource_id": "R\x00"}, "resource_id", "Resource id holds a NUL character"),
    ({"note": "n" * 10_001}, "note", "Note is longer than 10000 characters"),
    ({"note": "bell\x07"}, "note", "Note may not hold control characters: bell\\x07"),
    ({"kind": "X\ud800" * 50}, "kind", "Kind must be one of MATERIAL, PROCESS, CALIBRATION, TRAINING, CONFORMANCE, "
     "INSPECTION, OTHER: " + ("X\\ud800" * 6)[:39] + "…"),
    ({"data": nested(33)}, "data", "Data is nested deeper than 32 levels"),
    ({"data": nested(DEEP)}, "data", "Data is nested deeper than 32 levels"),
    ({"data": {"lab": "\udcff"}}, "data", "Data.lab holds a character that is not valid text (a lone surrogate)"),
    ({"data": {"lab\x00": 1}}, "data", "A key in Data holds a NUL character"),
    ({"data": {"hardness": [28.5, float("nan")]}}, "data", "Data.hardness[1] must be a finite number: nan"),
    ({"data": {1: "one"}}, "data", "Data has a key that is not text: 1"),
    ({"data": {"big": 10**5000}}, "data", "Data is larger than 100000 characters"),
    ({"data": {"long": "x" * 100_000}}, "data", "Data is larger than 100000 characters"),
    ({"data": {"when": dt.date(2024, 1, 1)}}, "data", "Data.when is not a JSON value: datetime.date(2024, 1, 1)"),
    ({"data": ["not", "an", "object"]}, "data", "Data must be a JSON object"),
]


def test_create_refuses_values_out_of_bounds_and_writes_nothing(plant, subtests):
    before = row_counts()
    for number, (changes, field, message) in enumerate(BAD_CERTIFICATE):
        with subtests.test(number=number, field=field):
            with pytest.raises(Invalid) as refused:
                certificates.create_certificate(
                    {"id": "cert_new", "name": "Heat treatment record", "kind": "PROCESS",
                     "date_release": dt.date(2024, 1, 15)} | changes, "sup1")
            assert (refused.value.message, refused.value.field) == (message, field)
            assert row_counts() == before
            assert stored("cert_new") is None


def test_update_refuses_values_out_of_bounds_and_leaves_the_row_as_it_was(plant, subtests):
    row, counts = stored("cert_mat01"), row_counts()
    for number, (changes, field, message) in enumerate(BAD_CERTIFICATE):
        with subtests.test(number=number, field=field):
            with pytest.raises(Invalid) as refused:
                certificates.update_certificate("cert_mat01", changes, "sup1", "Attacker's value")
            assert (refused.value.message, refused.value.field) == (message, field)
            assert stored("cert_mat01") == row
            assert row_counts() == counts  # no audit entry either
    # and it still reads back everywhere
    cert = certificates.get_certificate("cert_mat01")
    assert cert.to_json()["expiry_state"] == "valid"
    assert certificates.state_words(cert).startswith("valid until ")
    assert "cert_mat01" in [c.id for c in certificates.list_certificates()]
    assert certificates.refusal_to_attach(cert, require_approved=False) is None


def test_the_largest_values_inside_the_bounds_save_and_read_back(plant):
    certificates.update_certificate("cert_mat01", {"warning": 3650, "date_release": "9898-12-31", "validity": 100,
                                                   "name": "n" * 200, "data": nested(32)}, "sup1", "Edge")
    cert = certificates.get_certificate("cert_mat01")
    assert (cert.date_expire, cert.warning) == (dt.date(9998, 12, 31), 3650)
    assert certificates.state_words(cert, on=dt.date(9998, 12, 30)) == "expires in 1 day"
    assert certificates.state_words(cert, on=dt.date(1900, 1, 1)) == "valid until 9998-12-31"
    assert cert.to_json()["data"] == nested(32)
    certificates.update_certificate("cert_mat01", {"date_release": "1900-01-01", "date_expire": "1900-01-02",
                                                   "validity": None, "validity_unit": None}, "sup1", "Edge")
    assert certificates.get_certificate("cert_mat01").expiry_state(on=dt.date(1900, 1, 1)) == "expiring"


def test_a_reason_out_of_bounds_is_refused_and_nothing_written(plant):
    counts = row_counts()
    for reason, message in (("why\x00", "Reason holds a NUL character"),
                            ("why\ud800", "Reason holds a character that is not valid text (a lone surrogate)"),
                            ("r" * 2001, "Reason is longer than 2000 characters")):
        with pytest.raises(Invalid) as refused:
            certificates.update_certificate("cert_mat01", {"warning": 5}, "sup1", reason)
        assert (refused.value.message, refused.value.field) == (message, "reason")
    assert row_counts() == counts


BAD_JOBS = [
    ({"quantity": 10**30}, "quantity", "Job JOB-2 quantity must be at most 1000000: 1000000000000000000000000000000"),
    ({"quantity": 1_000_001}, "quantity", "Job JOB-2 quantity must be at most 1000000: 1000001"),
    ({"quantity": 0}, "quantity", "Job JOB-2 quantity must be a whole number of at least 1: 0"),
    ({"quantity": -4}, "quantity", "Job JOB-2 quantity must be a whole number of at least 1: -4"),
    ({"quantity": "four"}, "quantity", "Job JOB-2 quantity must be a whole number: four"),
    ({"quantity": float("inf")}, "quantity", "Job JOB-2 quantity must be a whole number: inf"),
    ({"quantity": None}, "quantity", "Job JOB-2 needs a quantity"),
    ({"name": "Flanges\x07"}, "name", "Job JOB-2 name may not hold control characters: Flanges\\x07"),
    ({"part": "P" * 201}, "part", "Job JOB-2 part is longer than 200 characters"),
    ({"part": {"no": "object"}}, "part", "Job JOB-2 part must be text, got dict"),
    ({"path": ["path_a"]}, "path", "Job path must be text, got list"),
]


def test_a_job_out_of_bounds_is_refused_and_nothing_written(plant, subtests):
    counts = row_counts()
    for changes, field, message in BAD_JOBS:
        with subtests.test(field=field, changes=repr(changes)[:80]):
            with pytest.raises(Invalid) as refused:
                routes.create_job({"id": "JOB-2", "name": "Flanges", "part": "FL-1", "path": "path_a",
                                   "quantity": 4} | changes, "admin")
            assert (refused.value.message, refused.value.field) == (message, field)
            assert row_counts() == counts


BAD_PATHS = [
    ({"steps": "abc"}, "steps", "Path path_b steps must be a list of steps, got str"),
    ({"steps": ["abc"]}, "steps", "Step 1 of path path_b must be a JSON object, got str"),
    ({"steps": [{"id": "s1", "requires": "MATERIAL"}]}, "steps", "Step s1 requires must be a list of certificate kinds"),
    ({"steps": [{"id": "s1", "requires": [["MATERIAL"]]}]}, "steps",
     "Step s1 requires unknown certificate kinds: ['MATERIAL']"),
    ({"steps": [{"id": "s1", "name": "Saw\r\n"}, {"id": "s2", "name": "Mill\x00"}]}, "steps",
     "Step s2 name holds a NUL character"),
    ({"steps": [{"id": f"s{n}"} for n in range(201)]}, "steps", "Path path_b has 201 steps; at most 200"),
    ({"name": "Route \ud800"}, "name", "Path path_b name holds a character that is not valid text (a lone surrogate)"),
    ({"name": "R" * 201}, "name", "Path path_b name is longer than 200 characters"),
]


def test_a_path_out_of_bounds_is_refused_and_nothing_written(plant, subtests):
    counts = row_counts()
    for changes, field, message in BAD_PATHS:
        with subtests.test(field=field, changes=repr(changes)[:80]):
            with pytest.raises(Invalid) as refused:
                routes.create_path({"id": "path_b", "name": "Route B", "steps": [{"id": "s1"}]} | changes, "admin")
            assert (refused.value.message, refused.value.field) == (message, field)
            assert row_counts() == counts


def test_a_path_records_only_its_validated_shape(plant):
    routes.create_path({"id": "path_b", "name": " Route B ", "extra": nested(500),
                        "steps": [{"id": "s1", "requires": ["MATERIAL", "MATERIAL"], "junk": 10**30}]}, "admin")
    (entry,) = entries("path_created")[-1:]
    assert entry.details == {"id": "path_b", "name": "Route B",
                             "steps": [{"id": "s1", "name": "s1", "requires": ["MATERIAL"]}]}


def test_listing_and_looking_up_with_values_out_of_bounds_say_so(plant):
    with pytest.raises(Invalid, match=r"^Expires within must be at most 36500 days: 10{20}$"):
        certificates.list_certificates(CertificateQuery(expires_within_days=10**20))
    with pytest.raises(Invalid, match=r"^Limit must be at most 2147483647: "):
        certificates.list_certificates(limit=2**70)
    with pytest.raises(Invalid, match=r"^Search text holds a NUL character$"):
        certificates.count_certificates(CertificateQuery(text="mill\x00"))
    with pytest.raises(NotFound, match=r"^Certificate not found: a\\udcffb$"):
        certificates.resolve_certificate("a\udcffb")
    assert certificates.find_by_code("x" * 10_000) is None


# --- through certline-cli ----------------------------------------------------------------------


def snapshot(db_url: str) -> tuple[dict, dict | None]:
    """Rows per table (the audit trail among them) and cert_mat01's row, read outside the CLI."""
    app_db.open_database(db_url)
    try:
        return row_counts(), stored("cert_mat01")
    finally:
        app_db.close_database()


CLI_UPDATES = [
    (["--warning", "1000000"], "Warning days must be at most 3650 days: 1000000"),
    (["--warning", "1e400"], "Warning days must be a whole number: 1e400"),
    (["--warning", str(10**20)], "Warning days must be at most 3650 days: 100000000000000000000"),
    (["--warning", "-1"], "Warning days must be a whole number of at least 0: -1"),
    (["--date-release", "9999-06-01", "--validity", "5", "--validity-unit", "YEAR"],
     "Release date must be between 1900-01-01 and 9998-12-31: 9999-06-01"),
    (["--date-release", "9998-06-01"],  # cert_mat01 is valid for 5 years from its release
     "A validity of 5 years from the release date 9998-06-01 ends after 9998-12-31, the last date Certline keeps"),
    (["--validity", str(10**20), "--validity-unit", "DAY"], "Validity must be at most 36500 days: 100000000000000000000"),
    (["--data", "[" * DEEP + "]" * DEEP], "Data is nested deeper than 32 levels"),
    (["--data", nested_text(600)], "Data is nested deeper than 32 levels"),
    (["--data", '{"lab": "\\ud800"}'], "Data.lab holds a character that is not valid text (a lone surrogate)"),
    (["--data", '{"x": 1e400}'], "Data.x must be a finite number: inf"),
    (["--name", "Mill \udcff report"], "Name holds a character that is not valid text (a lone surrogate)"),
    (["--name", "Mill\ttest"], "Name may not hold control characters: Mill\\ttest"),
    (["--heat-lot", "H" * 65], "Heat / lot is longer than 64 characters"),
]


def test_cli_refuses_each_value_with_a_sentence_and_saves_nothing(capsys, imported, subtests):
    before = snapshot(imported)
    for options, message in CLI_UPDATES:
        with subtests.test(options=ascii(" ".join(options))[:60]):
            code, out, err = run(capsys, imported, "cert", "update", "cert_mat01", *options, "--user", "sup1",
                                 "--reason", "Attacker's value")
            assert (code, out, err) == (3, "", f"certline-cli: {message}\n")
            assert snapshot(imported) == before
    code, out, err = run(capsys, imported, "cert", "update", "cert_mat01", "--warning", "1000000", "--user", "sup1",
                         "--reason", "x", "--json")
    assert (code, out) == (3, "")
    assert json.loads(err) == {"error": {"status": 400, "message": "Warning days must be at most 3650 days: 1000000"}}
    # the certificate still reads back everywhere, and attaches
    for argv in (["certs"], ["certs", "--json"], ["cert", "show", "cert_mat01"], ["cert", "show", "cert_mat01", "--json"],
                 ["attach", "SN-00001", "cert_mat01", "--user", "op1"], ["attachments", "cert_mat01"]):
        code, out, err = run(capsys, imported, *argv)
        assert (code, err) == (0, ""), argv
        assert "cert_mat01" in out


def test_cli_values_inside_the_bounds_save_and_read_back_everywhere(capsys, imported):
    code, _, err = run(capsys, imported, "cert", "update", "cert_mat01", "--warning", "3650", "--data",
                       nested_text(32), "--user", "sup1", "--reason", "Longest warning")
    assert (code, err) == (0, "")
    for argv in (["certs", "--json"], ["cert", "show", "cert_mat01", "--json"],
                 ["attach", "SN-00001", "cert_mat01", "--user", "op1"]):
        code, out, err = run(capsys, imported, *argv)
        assert (code, err) == (0, ""), argv
    code, out, _ = run(capsys, imported, "cert", "show", "cert_mat01", "--json")
    shown = json.loads(out)
    assert shown["warning"] == 3650 and shown["state"].startswith("expires in ")
    assert shown["data"] == nested(32)


@pytest.mark.parametrize("argv, code, message", [
    (["cert", "show", "cert\udcff"], 4, "Certificate not found: cert\\udcff"),
    (["certs", "--expires-within", str(10**20)], 3, "Expires within must be at most 36500 days: 100000000000000000000"),
    (["certs", "--limit", str(2**70)], 3, f"Limit must be at most 2147483647: {2**70}"),
    (["cert", "add", "cert_new", "--name", "Deep", "--kind", "OTHER", "--data", "[" * DEEP, "--user", "sup1"], 3,
     "Data is nested deeper than 32 levels"),
])
def test_cli_lookups_out_of_bounds_say_a_sentence(capsys, imported, argv, code, message):
    before = snapshot(imported)
    assert run(capsys, imported, *argv) == (code, "", f"certline-cli: {message}\n")
    assert snapshot(imported) == before


# --- through a plant file ----------------------------------------------------------------------


def plant_text(change=None) -> str:
    plant = json.loads(PLANT.read_text())
    if change:
        change(plant)
    return json.dumps(plant)


def _set(section: str, index: int, **values):
    return lambda plant: plant[section][index].update(values)


# (the file's text, the sentence; {file} stands for the file's path)
BAD_FILES = [
    (plant_text(_set("certificates", 0, warning=1_000_000)),
     "certificates[0] (cert_mat01): Warning days must be at most 3650 days: 1000000"),
    (plant_text(_set("certificates", 0, warning=12345)).replace("12345", "1e400"),
     "certificates[0].warning must be a finite number: inf"),  # found reading the file
    (plant_text(_set("certificates", 0, date_release="9999-06-01")),
     "certificates[0] (cert_mat01): Release date must be between 1900-01-01 and 9998-12-31: 9999-06-01"),
    (plant_text(_set("certificates", 0, validity=10**20, validity_unit="DAY")),
     "certificates[0] (cert_mat01): Validity must be at most 36500 days: 100000000000000000000"),
    (plant_text(_set("certificates", 0, data=nested(33))),
     "certificates[0] (cert_mat01): Data is nested deeper than 32 levels"),
    (plant_text(_set("certificates", 0, name="Mill \ud800")),
     "certificates[0].name holds a character that is not valid text (a lone surrogate)"),
    (plant_text(_set("users", 1, name="Sam\x00")), "users[1].name holds a NUL character"),
    (plant_text(_set("users", 2, name="Olga\x1b[2J")),
     "users[2] (op1): User op1 name may not hold control characters: Olga\\x1b[2J"),
    (plant_text(_set("users", 2, name={"first": "Olga"})), "users[2] (op1): User op1 name must be text, got dict"),
    (plant_text(_set("users", 2, name="O" * 201)), "users[2] (op1): User op1 name is longer than 200 characters"),
    (plant_text(_set("jobs", 0, quantity=10**30)),
     "jobs[0] (JOB-1): Job JOB-1 quantity must be at most 1000000: 1000000000000000000000000000000"),
    (plant_text(_set("paths", 0, steps="abc")), "paths[0] (path_a): Path path_a steps must be a list of steps, got str"),
    (plant_text(_set("paths", 0, steps=[{"id": "s1", "requires": {"MATERIAL": 1}}])),
     "paths[0] (path_a): Step s1 requires must be a list of certificate kinds"),
    (plant_text(_set("serials", 0, status=["in_progress"])),
     "serials[0] (SN-00001): status must be one of in_progress, completed, scrapped: ['in_progress']"),
    (plant_text(_set("serials", 0, job={"id": "JOB-1"})), "serials[0] (SN-00001): Serial job must be text, got dict"),
    ("[" * DEEP + "]" * DEEP, "{file} is nested deeper than 64 levels"),
    (plant_text(_set("certificates", 0, data=nested(600))),
     "{file} is nested deeper than 64 levels (at " + ("certificates[0].data" + ".a" * 99)[:39] + "…)"),
    (plant_text(_set("certificates", 0, warning=12345)).replace("12345", "9" * 5000),
     "{file} is not valid JSON: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 "
     "digits; use sys.set_int_max_str_digits() to increase the limit"),
]


def test_import_refuses_a_file_out_of_bounds_naming_the_record_and_imports_nothing(database, tmp_path, subtests):
    before = row_counts()
    for number, (text, message) in enumerate(BAD_FILES):
        with subtests.test(message=ascii(message)[:60]):
            path = tmp_path / f"bad{number}.json"
            path.write_text(text, encoding="utf-8")
            with pytest.raises(Invalid) as refused:
                plant_file.import_plant(path, "admin")
            assert refused.value.message == message.format(file=path)
            assert row_counts() == before


def test_import_through_the_cli_says_the_sentence_and_imports_nothing(capsys, db_url, tmp_path):
    for number, (text, message) in enumerate(BAD_FILES[:1] + BAD_FILES[-3:]):
        path = tmp_path / f"bad{number}.json"
        path.write_text(text, encoding="utf-8")
        assert run(capsys, db_url, "import", str(path), "--user", "admin") == (
            3, "", f"certline-cli: {message.format(file=path)}\n")
    assert sum(snapshot(db_url)[0].values()) == 0
