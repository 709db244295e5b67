"""CSV writing: the hand-joined fast path writes exactly what csv.writer writes, every text cell defused."""
import csv
import datetime as dt
import gc
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import attachments, export, plant_file, reports, users
from app.reports import attachments as attachments_report

# The characters a spreadsheet starts a formula with are in the alphabet, so that cells start with them.
TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\r\n;é\t=+-@\uff1d\'')), max_size=6)
VALUE = st.one_of(TEXT, st.none(), st.integers(), st.floats(allow_nan=False), st.lists(TEXT, max_size=2), st.dictionaries(TEXT, TEXT, max_size=2))


@settings(max_examples=300, deadline=None)
@given(width=st.integers(min_value=1, max_value=4), data=st.data())
def test_the_file_is_what_csv_writer_writes(tmp_path_factory, width, data):
    header = data.draw(st.lists(TEXT, min_size=width, max_size=width))
    # Mostly as wide as the header; now and then not (csv.writer writes them as they are).
    rows = data.draw(st.lists(st.lists(st.one_of(TEXT, VALUE), min_size=width - 1, max_size=width + 1), max_size=12))
    target = tmp_path_factory.mktemp("csv") / "out.csv"
    assert export.write_csv(header, [tuple(row) for row in rows], target, every=5) == len(rows)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow([export.csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([export.csv_cell(value) for value in row])
    assert target.read_bytes().decode("utf-8") == expected.getvalue()
    with open(target, newline="", encoding="utf-8") as handle:
        read = list(csv.reader(handle))
    assert len(read) == len(rows) + 1


def test_every_text_cell_that_starts_like_a_formula_is_read_back_as_text(tmp_path):
    """Fast path and csv path alike: a cell starting with a formula character gets the quote; numbers do not."""
    risky = ["=2+5", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "\uff1d1+1", '=1+2";=1+2']
    rows = [("x", text, "y") for text in risky] + [(text, "x", "y") for text in risky] + [(-1, "-1", 2.5)]
    target = tmp_path / "out.csv"
    export.write_csv(["a", "b", "c"], rows, target, every=4)
    with open(target, newline="", encoding="utf-8") as handle:
        read = list(csv.reader(handle))[1:]
    assert [row[1] for row in read[:len(risky)]] == ["'" + text for text in risky]
    assert [row[0] for row in read[len(risky):-1]] == ["'" + text for text in risky]
    assert read[-1] == ["-1", "'-1", "2.5"]  # a number is a number; the same characters as text are text


def test_owasp_examples_are_written_as_the_page_shows_them():
    """OWASP's "CSV Injection" page: wrap in double quotes, prepend a single quote, double every double quote."""
    out = io.StringIO(newline="")
    export.write_csv(["cell"], [['=1+2";=1+2'], ["=1+2'\" ;,=1+2"]], out)
    assert out.getvalue().split("\r\n")[1:3] == ['"\'=1+2"";=1+2"', '"\'=1+2\'"" ;,=1+2"']


class Pages:
    """Rows that also come as pages of lines joined by commas, as the attachments export gives them."""

    def __init__(self, pages):
        self.pages = pages

    def __iter__(self):
        for page in self.pages:
            yield from page

    def joined_pages(self):
        for page in self.pages:
            yield [",".join(row) for row in page], lambda index, page=page: page[index]


@settings(max_examples=300, deadline=None)
@given(width=st.integers(min_value=2, max_value=4), data=st.data())
def test_pages_of_joined_lines_are_written_as_csv_writer_writes_their_cells(width, data):
    """A page is checked whole; a page with a comma, quote, line end or formula start in a cell is not written as joined."""
    row = st.lists(TEXT, min_size=width, max_size=width).map(tuple)
    pages = data.draw(st.lists(st.lists(row, min_size=1, max_size=5), max_size=4))
    header = [f"h{index}" for index in range(width)]
    out = io.StringIO(newline="")
    seen = []
    assert export.write_csv(header, Pages(pages), out, progress=seen.append) == sum(map(len, pages))
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(header)
    for page in pages:
        writer.writerows([export.csv_cell(value) for value in cells] for cells in page)
    assert out.getvalue() == expected.getvalue()
    assert seen[-1] == sum(map(len, pages))


def test_a_cancelled_export_of_pages_stops_before_writing_the_next_page_and_collects_garbage_again(tmp_path):
    asked = iter([False, True])
    target = tmp_path / "out.csv"
    with pytest.raises(export.Cancelled):
        export.write_csv(["a", "b"], Pages([[("1", "2")], [("3", "4")]]), target, cancelled=lambda: next(asked))
    assert list(tmp_path.iterdir()) == []
    assert gc.isenabled()  # off while the pages were written, on again
    gc.disable()
    try:
        export.write_csv(["a", "b"], Pages([[("1", "2")]]), io.StringIO())
        assert not gc.isenabled()  # whoever turned it off turns it on
    finally:
        gc.enable()


def test_stored_times_are_rearranged_only_when_every_one_is_as_peewee_writes_it():
    def page(*times):
        return [("id", "SN-1", "step", at, "op1", "JOB-1") for at in times]

    ok = "2024-01-15 10:30:00.123000"
    assert attachments_report._sqlite_times(page(ok, ok))
    assert not attachments_report._sqlite_times(page(ok, "2024-01-15 10:30:00"))
    # Lengths that add up (25 + 27) but are not each 26, and a 26 without its space, are not rearranged.
    assert not attachments_report._sqlite_times(page("2024-01-15 10:30:00.12300", "2024-01-15 10:30:00.1230000"))
    assert not attachments_report._sqlite_times(page("2024-01-15T10:30:00.123000"))
    assert not attachments_report._sqlite_times(page(dt.datetime(2024, 1, 15, 10, 30)))  # PostgreSQL's


@pytest.fixture
def named_like_formulas(plant, tmp_path):
    """Attachments whose serial ids and user names need defusing or quoting, among plain ones."""
    users.create_user("@evil", '=HYPERLINK("http://x","y")', "operator", "B-EVIL", by="admin")
    users.create_user("op9", "Smith, Jo", "operator", "B-OP9", by="admin")
    serial_ids = ["SN-1", "-SN-2", "SN-3", "+SN-4", "SN-5", "SN,6", 'SN"7', "SN-8"]
    plant_path = tmp_path / "serials.json"
    plant_path.write_text(json.dumps({"serials": [{"id": s, "job": "JOB-1", "step": "step_001"} for s in serial_ids]}))
    plant_file.import_plant(plant_path, "admin")
    for index, serial_id in enumerate(serial_ids):
        attachments.attach(serial_id, "cert_mat01", ["op1", "@evil", "op9"][index % 3])
    return serial_ids


@pytest.mark.parametrize("page_size", [1, 3, 5000])
def test_the_attachments_fast_pages_write_what_their_rows_write_through_csv_writer(named_like_formulas, tmp_path,
                                                                                     page_size):
    rows = reports.attachment_csv_rows(reports.AttachmentQuery("cert_mat01"), page_size=page_size)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    assert export.write_csv(reports.ATTACHMENT_CSV_HEADER, rows, fast) == len(named_like_formulas)
    export.write_csv(reports.ATTACHMENT_CSV_HEADER, list(rows), slow)  # tuples: the generic path
    assert fast.read_bytes() == slow.read_bytes()
    with open(fast, newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert {row["serialId"] for row in read} >= {"'-SN-2", "'+SN-4", "SN,6", 'SN"7'}
    assert {row["attachedByName"] for row in read} == {"Olga Operator", "'=HYPERLINK(\"http://x\",\"y\")", "Smith, Jo"}
