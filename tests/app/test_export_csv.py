"""CSV writing: the hand-joined fast path writes exactly what csv.writer writes."""
import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from app import export

TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\r\n;é\t')), max_size=6)
VALUE = st.one_of(TEXT, st.none(), st.integers(), st.lists(TEXT, max_size=2), st.dictionaries(TEXT, TEXT, max_size=2))


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
    writer.writerow(header)
    for row in rows:
        writer.writerow([export._cell(value) for value in row])
    assert target.read_bytes().decode("utf-8") == expected.getvalue()
    with open(target, newline="", encoding="utf-8") as handle:
        read = list(csv.reader(handle))
    assert len(read) == len(rows) + 1
