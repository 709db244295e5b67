"""Reading and classifying a scan (app/scan.py): any string in, a classification or a refusal out."""
import string
import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.scan import (
    GS,
    GS_SYMBOL,
    MAX_CODE_LENGTH,
    Classified,
    Scan,
    classify,
    read_scan,
    visible,
)

ID_CHARS = string.ascii_letters + string.digits + "-_."
ids = st.text(alphabet=ID_CHARS, min_size=1, max_size=MAX_CODE_LENGTH).filter(
    lambda s: not (s.startswith("(") or s.startswith("]")))
gs1_values = st.text(alphabet=string.ascii_letters + string.digits + "-./", min_size=1, max_size=20)
separators = st.sampled_from(["", "^", "~", "|"])


class FakeLookup:
    def __init__(self, serials=(), certificates=(), badges=()):
        self.serials, self.certificates, self.badges = set(serials), set(certificates), set(badges)
        self.asked: list[tuple[str, str]] = []

    def serial(self, code):
        self.asked.append(("serial", code))
        return {"serial": code} if code in self.serials else None

    def certificate(self, code):
        self.asked.append(("certificate", code))
        return {"certificate": code} if code in self.certificates else None

    def badge(self, code):
        self.asked.append(("badge", code))
        return {"badge": code} if code in self.badges else None


def assert_well_formed(scan: Scan):
    assert isinstance(scan, Scan)
    assert (scan.code is None) != (scan.refusal is None)
    if scan.code is not None:
        assert 1 <= len(scan.code) <= MAX_CODE_LENGTH
        assert all("!" <= c <= "~" for c in scan.code)
    else:
        assert scan.refusal.strip()


@given(st.text(), separators)
@example("", "")
@example("\x00\x1d\r\n", "^")
@example("]C1", "")
@example("]C1\x1d", "")
@example("(21)", "")
@example("(99)x(21)", "")
@example("^^^^", "^")
def test_any_text_is_read_as_a_code_or_refused_never_raising(text, separator):
    assert_well_formed(read_scan(text, separator))


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_anything_that_is_not_text_is_refused(value):
    scan = read_scan(value)
    assert scan.code is None and scan.refusal


@given(st.text(), separators, st.sets(ids), st.sets(ids), st.sets(ids))
def test_classification_of_any_text_is_one_of_five_kinds(text, separator, serials, certs, badges):
    result = classify(read_scan(text, separator), FakeLookup(serials, certs, badges))
    assert isinstance(result, Classified)
    assert result.kind in {"serial", "certificate", "badge", "unknown", "refused"}
    if result.kind in {"unknown", "refused"}:
        assert result.message and result.record is None
    else:
        assert result.record is not None


@given(ids, st.sampled_from(["", "\r", "\n", "\r\n", "\t", " ", "  \t"]), st.sampled_from(["", " ", "\t"]))
def test_a_plain_code_comes_back_unchanged_whatever_surrounds_it(code, after, before):
    assert read_scan(before + code + after).code == code


@given(ids, st.sampled_from(["]A0", "]C0", "]E0", "]I0", "]Q1", "]d1"]))
def test_a_non_gs1_aim_symbology_prefix_is_removed(code, prefix):
    scan = read_scan(prefix + code)
    assert scan.code == code and scan.symbology == prefix


@given(ids, st.lists(st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x03"]), min_size=1))
def test_control_characters_are_removed(code, controls):
    middle = len(code) // 2
    scrambled = code[:middle] + "".join(controls) + code[middle:]
    assert read_scan(scrambled).code == code


@given(st.text(alphabet=ID_CHARS, min_size=MAX_CODE_LENGTH + 1, max_size=300))
def test_codes_longer_than_an_id_are_refused(code):
    scan = read_scan(code)
    assert scan.code is None and f"longer than {MAX_CODE_LENGTH}" in scan.refusal


def test_a_flood_of_characters_is_refused_without_being_parsed():
    scan = read_scan("]C1" + "21" + "9" * 100_000)
    assert scan.code is None and "too long" in scan.refusal


@given(st.lists(st.tuples(st.sampled_from(["01", "02", "00", "11", "17", "20"]), st.randoms()), max_size=3),
       gs1_values, st.one_of(st.none(), gs1_values), st.sampled_from(["]C1", "]d2", "]Q3", "]e0", GS, "^"]),
       st.sampled_from([GS, GS_SYMBOL, "^"]))
def test_a_gs1_serial_is_found_behind_fixed_length_ais(fixed, serial, lot, start, separator):
    widths = {"00": 18, "01": 14, "02": 14, "11": 6, "17": 6, "20": 2}
    body = "".join(ai + "".join(rnd.choice(string.digits) for _ in range(widths[ai])) for ai, rnd in fixed)
    body += "21" + serial
    if lot is not None:
        body += separator + "10" + lot
    scan = read_scan(start + body, separator="^")
    assert scan.code == serial and scan.hint == "serial"
    assert ("21", serial) in scan.elements
    if lot is not None:
        assert ("10", lot) in scan.elements


@given(gs1_values)
def test_a_gs1_lot_alone_is_read_as_a_lot(lot):
    scan = read_scan("]C1" + "0104012345678901" + "10" + lot)
    assert scan.code == lot and scan.hint == "lot"


@given(gs1_values, gs1_values)
def test_the_printed_gs1_form_with_brackets_is_read(serial, lot):
    scan = read_scan(f"(01)04012345678901(10){lot}(21){serial}")
    assert scan.code == serial and scan.hint == "serial"


@pytest.mark.parametrize("text, message", [
    ("", "Nothing was scanned"),
    ("\r\n", "Nothing was scanned"),
    ("]C1", "GS1 code holds no serial (21) or lot (10)"),
    ("]C10104012345678901", "GS1 code holds no serial (21) or lot (10): (01) GTIN"),
    ("]C101040123", "GS1 code: AI (01) GTIN needs 14 digits"),
    ("]C1" + "21" + "A" * 21, "GS1 code: AI (21) serial is longer than 20 characters"),
    ("]C121", "GS1 code: AI (21) serial is empty"),
    ("]C121SN 1", "GS1 code: AI (21) serial holds characters GS1 does not allow"),
    ("]C1990000", "GS1 code holds no serial (21) or lot (10) that Certline reads: 990000"),
    ("SN 00001", "Code may hold only letters, digits and signs, no spaces: SN 00001"),
    ("Überstück", "Code may hold only letters, digits and signs, no spaces: Überstück"),
])
def test_refusals_say_why(text, message):
    scan = read_scan(text)
    assert scan.code is None
    assert scan.refusal.startswith(message)


def test_an_unknown_ai_after_the_serial_ends_the_reading():
    scan = read_scan(f"]C121SN-00001{GS}99whatever")
    assert scan.code == "SN-00001"


def test_visible_shows_control_characters_and_cuts_long_text():
    assert visible(f"A{GS}B\x07") == f"A{GS_SYMBOL}B\\x07"
    assert len(visible("x" * 500)) == 80


@pytest.mark.parametrize("text, kind", [
    ("SN-00001", "serial"), ("cert_mat01", "certificate"), ("B-OP1", "badge"), ("nope", "unknown"),
    ("]C121SN-00001", "serial"), ("]C110cert_mat01", "certificate"), ("a b", "refused"),
])
def test_classify_by_what_the_code_matches(text, kind):
    lookup = FakeLookup(["SN-00001"], ["cert_mat01"], ["B-OP1"])
    assert classify(read_scan(text), lookup).kind == kind


def test_classify_prefers_a_serial_then_a_certificate_then_a_badge():
    lookup = FakeLookup(["X1"], ["X1", "X2"], ["X1", "X2", "X3"])
    assert [classify(read_scan(c), lookup).kind for c in ("X1", "X2", "X3")] == ["serial", "certificate", "badge"]


def test_an_unknown_code_is_named_as_scanned():
    result = classify(read_scan(f"]A0WHAT{GS}EVER"), FakeLookup())
    assert result.kind == "unknown" and result.message == "Unknown code: ]A0WHAT\u241dEVER"


def test_a_gs1_serial_that_is_not_there_is_refused_with_the_core_message():
    lookup = FakeLookup(certificates=["SN-404"], badges=["SN-404"])
    result = classify(read_scan("]C121SN-404"), lookup)
    assert (result.kind, result.message) == ("refused", "SerialNumber not found: SN-404")
    assert lookup.asked == [("serial", "SN-404")]
    result = classify(read_scan("]C110LOT-9"), FakeLookup())
    assert (result.kind, result.message) == ("refused", "Certificate not found: LOT-9")


def test_reading_a_scan_pulls_in_neither_qt_nor_a_database():
    code = "import app.scan, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'peewee')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
