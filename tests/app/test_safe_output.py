"""Text leaving Certline is harmless where it lands: CSV cells a spreadsheet would run are defused,
terminal lines show control characters instead of obeying them, and user names people pick from are
unique as people see them."""
import csv
import json

import pytest

from app import attachments, audit, cli, export, plant_file, serials, users
from app import db as app_db
from app.db import write_transaction
from app.errors import Invalid
from app.models import AuditEntry, Certificate, User
from app.text import look_alike_key, same_name_key, shown

EVIL_NAME = '=HYPERLINK("http://x","y")'
RISKY_REASONS = ["=2+5", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
RED, RLO = "\x1b[31mRED\x1b[0m", "\u202eevil"


def read_csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_no_cell_runs(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(export.FORMULA_STARTS), (cell, row)


@pytest.fixture
def risky(plant, tmp_path):
    """A user named like a formula with an id starting '@', serials whose ids start '-' and '=',
    attachments by that user and audit entries whose reasons start like formulas."""
    users.create_user("@evil", EVIL_NAME, "operator", "B-EVIL", by="admin")
    # Ids are printable ASCII without spaces, so they may start with '-', '+', '@' or '=' too.
    plant_path = tmp_path / "serials.json"
    plant_path.write_text(json.dumps({"serials": [{"id": "-SN-1", "job": "JOB-1", "step": "step_001"},
                                                  {"id": "=SN+2", "job": "JOB-1", "step": "step_001"},
                                                  {"id": "SN-3", "job": "JOB-1", "step": "step_001"}]}))
    plant_file.import_plant(plant_path, "admin")
    attachments.attach("-SN-1", "cert_mat01", "@evil")
    attachments.attach("SN-3", "cert_mat01", "op1")
    serials.advance_serial("=SN+2", "@evil", reason=RISKY_REASONS[0])  # its MATERIAL certificate is missing
    # Reasons as an older version stored them: leading tab and CR kept (today's input strips them).
    with write_transaction():
        for reason in RISKY_REASONS[1:]:
            audit.record("note", "@evil", serial_id="SN-3", reason=reason)


def test_attachment_export_defuses_the_user_name_and_ids(risky, tmp_path):
    target = tmp_path / "attachments.csv"
    assert export.write_csv(*export.report_table("attachments", cert_id="cert_mat01"), target) == 2
    header, *rows = read_csv(target)
    assert_no_cell_runs(rows)
    by_serial = {row[header.index("serialId")]: dict(zip(header, row)) for row in rows}
    evil = by_serial["'-SN-1"]
    assert (evil["attachedBy"], evil["attachedByName"]) == ("'@evil", "'" + EVIL_NAME)
    assert by_serial["SN-3"]["attachedByName"] == "Olga Operator"  # plain text stays as it is
    # The cell is quoted with its quotes doubled, as OWASP shows it.
    assert f'"\'{EVIL_NAME.replace(chr(34), 2 * chr(34))}"' in target.read_text(encoding="utf-8")


def test_audit_export_defuses_every_reason_and_user(risky, tmp_path):
    target = tmp_path / "audit.csv"
    export.write_csv(*export.report_table("audit"), target)
    header, *rows = read_csv(target)
    assert_no_cell_runs(rows)
    reasons = [row[header.index("reason")] for row in rows if row[header.index("userId")] == "'@evil"]
    assert sorted(filter(None, reasons)) == sorted("'" + reason for reason in RISKY_REASONS)
    # The sequence number is a number written by Certline, not text: it is left as it is.
    assert all(row[header.index("seq")].isdigit() for row in rows)


def test_coverage_exports_defuse_serial_ids(risky, tmp_path):
    for view, options in (("lacking", {"job_id": "JOB-1", "cert_id": "cert_mat01"}), ("gaps", {"job_id": "JOB-1"})):
        target = tmp_path / f"{view}.csv"
        export.write_csv(*export.report_table(view, **options), target)
        header, *rows = read_csv(target)
        assert_no_cell_runs(rows)
        ids = {row[header.index("serialId")] for row in rows}
        assert "'=SN+2" in ids, (view, ids)


def run_cli(*argv: str) -> int:
    """certline-cli as a person runs it: it opens the database itself, so the fixture's connection is closed first."""
    app_db.close_database()
    return cli.main(list(argv))


def test_the_cli_export_to_standard_output_is_defused_too(risky, db_url, capsysbinary):
    assert run_cli("export", "attachments", "cert_mat01", "--csv", "-", "--db", db_url) == 0
    text = capsysbinary.readouterr().out.decode("utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert_no_cell_runs(rows[1:])
    assert any(f"'{EVIL_NAME}" in row for row in rows)


@pytest.fixture
def hostile_certs(plant):
    # Certificate names from a database written before names were bounded (today's input refuses
    # control characters): the rows are changed behind the application's back.
    Certificate.update(name=RED).where(Certificate.id == "cert_insp01").execute()
    Certificate.update(name=RLO, note="line one\x1b[2J\nline two").where(Certificate.id == "cert_soon").execute()


def test_certs_prints_control_characters_escaped(hostile_certs, db_url, capsys):
    assert run_cli("certs", "--db", db_url) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    lines = out.splitlines()
    assert any(line.endswith("\\x1b[31mRED\\x1b[0m") and line.startswith("cert_insp01") for line in lines)
    assert any(line.endswith("\\u202eevil") and line.startswith("cert_soon") for line in lines)

    assert run_cli("cert", "show", "cert_soon", "--db", db_url) == 0
    shown_cert = capsys.readouterr().out
    assert "\x1b" not in shown_cert and "\u202e" not in shown_cert
    assert "line one\\x1b[2J\\nline two" in shown_cert  # a note's line break cannot forge a line either


def test_certs_json_keeps_the_names_exactly_and_escapes_them_for_the_terminal(hostile_certs, db_url, capsys):
    assert run_cli("certs", "--json", "--db", db_url) == 0
    out = capsys.readouterr().out
    # No raw ESC, C1 or bidi control reaches the terminal, yet the JSON reads back as stored.
    assert not any(char in out for char in "\x1b\x9b\u202e")
    names = {c["id"]: c["name"] for c in json.loads(out)["certificates"]}
    assert (names["cert_insp01"], names["cert_soon"]) == (RED, RLO)


def test_an_error_message_on_stderr_is_escaped(plant, db_url, capsys):
    assert run_cli("serial", "SN-\x1b[2J", "--db", db_url) == 4
    err = capsys.readouterr().err
    assert "\x1b" not in err and "SN-\\x1b[2J" in err


def test_shown_escapes_controls_and_bidi_and_keeps_every_script():
    assert shown("\x1b[31mRED\x1b[0m") == "\\x1b[31mRED\\x1b[0m"
    assert shown("\u202eevil\u2066\u2069\x7f\x9b") == "\\u202eevil\\u2066\\u2069\\x7f\\x9b"
    assert shown("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    for text in ("Tomás Reyes", "Олег", "王小明", "C:\\docs\\cert.pdf", "Jürgen O'Brien \"JJ\" 😀"):
        assert shown(text) == text


# --- user names ---

REFUSED_AS_OLGA = {
    "by case": "olga OPERATOR",
    "by width": "Ｏｌｇａ Ｏｐｅｒａｔｏｒ",
    "by extra spaces": "  Olga   Operator ",
    "by a no-break space": "Olga\u00a0Operator",
    "by an invisible character": "Olga\u200b Operator",
    "by a Cyrillic O": "\u041elga Operator",
    "by a Cyrillic o and a": "Olg\u0430 Operat\u043er",
    "by a Greek Omicron": "\u039flga Operator",
    "by a zero for the O": "0lga Operator",
}


@pytest.mark.parametrize("name", REFUSED_AS_OLGA.values(), ids=REFUSED_AS_OLGA.keys())
def test_a_name_that_is_or_looks_like_another_users_is_refused(plant, name):
    before = (User.select().count(), AuditEntry.select().count())
    with pytest.raises(Invalid) as refused:
        users.create_user("op9", name, "operator", "B-OP9", by="admin")
    assert "already exists (op1)" in refused.value.message or "looks like that of user op1" in refused.value.message
    assert refused.value.message.endswith("names must differ so people pick the right one")
    assert (User.select().count(), AuditEntry.select().count()) == before  # nothing written


def test_the_refusal_names_the_existing_user(plant):
    with pytest.raises(Invalid, match=r"^A user named 'Olga Operator' already exists \(op1\); names must differ so "
                                      r"people pick the right one$"):
        users.create_user("op9", "OLGA OPERATOR", "operator", "B-OP9", by="admin")
    with pytest.raises(Invalid, match=r"^The name '\u041elga Operator' looks like that of user op1, 'Olga Operator'"):
        users.create_user("op9", "\u041elga Operator", "operator", "B-OP9", by="admin")


def test_accents_written_either_way_are_one_name(plant):
    users.create_user("op5", "Tomás Reyes", "operator", "B-OP5", by="admin")  # á as one character
    with pytest.raises(Invalid, match=r"already exists \(op5\)"):
        users.create_user("op6", "Toma\u0301s Reyes", "operator", "B-OP6", by="admin")  # a and a combining accent


def test_genuinely_different_names_are_accepted(plant):
    for number, name in enumerate(["Olga Operative", "Olga Novak", "Oleg Operator", "Олег Оператор", "Otto Operator II",
                                   "Tomás Reyes", "Tomas Reyes", "王小明"], start=10):
        users.create_user(f"op{number}", name, "operator", f"B-OP{number}", by="admin")
    assert User.select().count() == 4 + 8


def test_an_inactive_users_name_is_taken_too(plant):
    User.update(active=False).where(User.id == "op2").execute()
    with pytest.raises(Invalid, match=r"already exists \(op2\)"):
        users.create_user("op9", "Otto operator", "operator", "B-OP9", by="admin")


def test_an_import_refuses_a_name_taken_in_the_database_or_earlier_in_the_file(plant, tmp_path):
    for names, message in (
            (["OLGA OPERATOR"], r"^users \(op9\): A user named 'Olga Operator' already exists \(op1\)"),
            (["Ann Lee", "ann  lee"], r"^users \(op10\): A user named 'Ann Lee' comes earlier in the same file \(op9\)")):
        path = tmp_path / "users.json"
        path.write_text(json.dumps({"users": [{"id": f"op{9 + i}", "name": name, "role": "operator",
                                               "badge": f"B-OP{9 + i}"} for i, name in enumerate(names)]}))
        before = (User.select().count(), AuditEntry.select().count())
        with pytest.raises(Invalid, match=message):
            plant_file.import_plant(path, "admin")
        assert (User.select().count(), AuditEntry.select().count()) == before


def test_name_keys():
    assert same_name_key(" Ｏｌｇａ\u200b  OPERATOR ") == "olga operator"
    assert look_alike_key("\u041elga 0perat\u043er") == look_alike_key("Olga Operator")
    assert look_alike_key("Tomas") != look_alike_key("Tomás")
