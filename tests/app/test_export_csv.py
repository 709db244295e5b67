"""CSV writing: the hand-joined fast path writes exactly what csv.writer writes, every text cell defused."""
import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from app import export

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
