"""Reading and classifying a scan (app/scan.py): any string in, a classification or a refusal out."""
import datetime as dt
import string
import subprocess
import sys

import pytest
from biip.checksums import gs1_standard_check_digit
from biip.symbology import GS1Symbology
from hypothesis import example, given
from hypothesis import strategies as st

from app import certificates
from app.errors import Invalid
from app.scan import (
    GS,
    GS1_SYMBOLOGIES,
    GS_SYMBOL,
    MAX_CODE_LENGTH,
    Classified,
    DatabaseLookup,
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
    def __init__(self, serials=(), certificates=(), badges=(), shared_numbers=()):
        self.serials, self.certificates, self.badges = set(serials), set(certificates), set(badges)
        self.shared_numbers = set(shared_numbers)
        self.asked: list[tuple[str, str]] = []

    def serial(self, code):
        self.asked.append(("serial", code))
        return {"serial": code} if code in self.serials else None

    def certificate(self, code):
        self.asked.append(("certificate", code))
        if code in self.shared_numbers:
            raise Invalid(f"Number {code} belongs to several certificates (cert_a, cert_b); use the certificate's id")
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
        assert scan.refusal.strip() and not scan.refusal.startswith("Cannot read this code")  # the safety net


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


def gtin(body: str) -> str:
    """A GTIN-14 with its check digit, from 13 digits."""
    return body + str(gs1_standard_check_digit(body))


digits = st.text(alphabet=string.digits, min_size=13, max_size=13)
yymmdd = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2049, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
# Elements a supplier prints beside the serial and lot: (AI, value, needs a separator after it).
other_elements = st.lists(st.one_of(
    digits.map(lambda d: ("01", gtin(d), False)),
    yymmdd.map(lambda d: ("17", d, False)),
    yymmdd.map(lambda d: ("11", d, False)),
    st.integers(0, 999_999).map(lambda n: ("3103", f"{n:06d}", False)),
    gs1_values.map(lambda v: ("240", v, True)),
), max_size=4, unique_by=lambda element: element[0])


def element_string(elements, separator: str) -> str:
    """GS1's rule: a variable-length element ends with the separator unless it is the last."""
    parts = []
    for index, (ai, value, variable) in enumerate(elements):
        parts.append(ai + value + (separator if variable and index < len(elements) - 1 else ""))
    return "".join(parts)


@given(other_elements, gs1_values, st.one_of(st.none(), gs1_values), st.randoms(),
       st.sampled_from(["]C1", "]d2", "]Q3", "]e0", "]J1", GS, "^"]), st.sampled_from([GS, GS_SYMBOL, "^"]))
def test_a_gs1_serial_is_found_among_other_elements_in_any_order(others, serial, lot, rnd, start, separator):
    elements = [*others, ("21", serial, True)] + ([("10", lot, True)] if lot is not None else [])
    rnd.shuffle(elements)
    scan = read_scan(start + element_string(elements, separator), separator="^")
    assert (scan.code, scan.hint, scan.refusal) == (serial, "serial", None)
    assert scan.elements == tuple((ai, value) for ai, value, _ in elements)


@given(other_elements, gs1_values)
def test_the_printed_form_reads_the_same_elements(others, serial):
    elements = [*others, ("21", serial, True)]
    printed = read_scan("".join(f"({ai}){value}" for ai, value, _ in elements))
    encoded = read_scan("]d2" + element_string(elements, GS))
    assert printed.code == encoded.code == serial
    assert printed.elements == encoded.elements


SUPPLIER_LABELS = [
    # A mill's DataMatrix: GTIN, expiry, lot, then the serial after the separator.
    (f"]d2010401234567890117261231102024-H4-1187{GS}21SN-00001", "SN-00001", "serial"),
    # The same with a net weight (3103: 125.000 kg) and the supplier's part number (240) in between.
    (f"]d20104012345678901310312500024091-4471-B{GS}17261231102024-H4-1187{GS}21SN-00001", "SN-00001", "serial"),
    # Serial first, lot last; GS1-128 from a label printer.
    (f"]C121SN-00001{GS}0104012345678901{GS}102024-H4-1187", "SN-00001", "serial"),
    # A scanner set up to send '^' for the separator, and FNC1 at the start.
    ("^0104012345678901102024-H4-1187^2409-4471^21SN-00001", "SN-00001", "serial"),
    # The scan field's visible ␝ where the separator was.
    (f"]Q30104012345678901102024-H4-1187{GS_SYMBOL}21SN-00001", "SN-00001", "serial"),
    # The printed form under the barcode, typed by a person.
    ("(01)04012345678901(17)261231(3103)012500(10)2024-H4-1187(21)SN-00001", "SN-00001", "serial"),
    ("]d2(01)04012345678901(10)MTR-H24-1187", "MTR-H24-1187", "lot"),
    # A batch label without serial: the lot names the mill test report.
    (f"]d201040123456789011726123110MTR-H24-1187{GS}", "MTR-H24-1187", "lot"),
    # Trailing carriage return and a stray control character from the wedge.
    (f"]C10104012345678901\x0721SN-00001\r\n", "SN-00001", "serial"),
]


@pytest.mark.parametrize("label, code, hint", SUPPLIER_LABELS)
def test_suppliers_labels_are_read_for_their_serial_or_lot(label, code, hint):
    scan = read_scan(label, separator="^")
    assert (scan.code, scan.hint, scan.refusal) == (code, hint, None)
    assert ("01", "04012345678901") in scan.elements


def test_a_label_with_weight_and_part_number_keeps_every_element_in_order():
    scan = read_scan(SUPPLIER_LABELS[1][0])
    assert scan.elements == (("01", "04012345678901"), ("3103", "125000"), ("240", "91-4471-B"),
                             ("17", "261231"), ("10", "2024-H4-1187"), ("21", "SN-00001"))


def test_the_symbologies_that_announce_gs1_are_biips():
    assert GS1_SYMBOLOGIES == {"]" + symbology.value for symbology in GS1Symbology.with_gs1_messages()}


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
    ("]C1990000", "GS1 code holds no serial (21) or lot (10): (99) internal"),
    ("]C1230000", "GS1 code: no application identifier GS1 knows at 230000"),
    (f"]d20104012345678902{GS}21SN-00001", "GS1 code: AI (01) GTIN has a wrong check digit: 04012345678902"),
    (f"]d2010401234567890117991399102024-H4-1187{GS}21SN-00001",
     "GS1 code: AI (17) expiry is not a date (YYMMDD): 991399"),
    ("(01)04012345678901(17)991399(21)SN-00001", "GS1 code: AI (17) expiry is not a date (YYMMDD): 991399"),
    ("(01)04012345678902(21)SN-00001", "GS1 code: AI (01) GTIN has a wrong check digit: 04012345678902"),
    ("]C13103125", "GS1 code: AI (3103) net weight (kg) needs 6 digits: 125"),
    # The scanner sends no separator: the lot runs into the serial.
    ("]d20104012345678901102024-H4-118721SN-00001", "GS1 code: AI (10) lot is longer than 20 characters"),
    ("(21)SN 1", "GS1 code: AI (21) serial holds characters GS1 does not allow: SN 1"),
    ("(21)SN-1(42)x", "GS1 code: no application identifier GS1 knows: (42)"),
    ("(21)SN-1(42)1x", "GS1 code: no application identifier GS1 knows: (42)"),
    ("(21)SN-1 trailing", "GS1 code: AI (21) serial holds characters GS1 does not allow"),
    ("SN 00001", "Code may hold only letters, digits and signs, no spaces: SN 00001"),
    ("Überstück", "Code may hold only letters, digits and signs, no spaces: Überstück"),
])
def test_refusals_say_why(text, message):
    scan = read_scan(text)
    assert scan.code is None
    assert scan.refusal.startswith(message)


def test_a_company_internal_ai_after_the_serial_is_read_past():
    scan = read_scan(f"]C121SN-00001{GS}99whatever")
    assert scan.code == "SN-00001" and scan.elements[-1] == ("99", "whatever")


def test_a_malformed_element_after_the_serial_refuses_the_whole_label():
    scan = read_scan(f"]C121SN-00001{GS}17991399")
    assert scan.code is None and scan.refusal == "GS1 code: AI (17) expiry is not a date (YYMMDD): 991399"
    assert scan.elements == (("21", "SN-00001"),)


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


def test_a_lookup_refusing_a_shared_number_refuses_the_scan_with_its_sentence():
    result = classify(read_scan("HT-1"), FakeLookup(shared_numbers=["HT-1"]))
    assert (result.kind, result.record) == ("refused", None)
    assert result.message == "Number HT-1 belongs to several certificates (cert_a, cert_b); use the certificate's id"


def test_the_database_lookup_takes_an_id_or_an_issuer_number(plant):
    lookup = DatabaseLookup()
    assert classify(read_scan("HT-4711"), lookup).record.id == "cert_mat01"
    assert classify(read_scan("]d2(01)04012345678901(10)HT-4711"), lookup).record.id == "cert_mat01"
    certificates.create_certificate({"id": "cert_twin", "name": "Second mill report", "kind": "MATERIAL",
                                     "number": "HT-4711", "date_release": dt.date(2024, 1, 15)}, "sup1")
    result = classify(read_scan("HT-4711"), lookup)
    assert (result.kind, result.message) == (
        "refused", "Number HT-4711 belongs to several certificates (cert_mat01, cert_twin); use the certificate's id")
    assert classify(read_scan("cert_twin"), lookup).record.id == "cert_twin"


def test_reading_a_scan_pulls_in_neither_qt_nor_a_database_nor_biip_until_gs1():
    code = ("import app.scan, sys; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'peewee', 'biip'}));"
            "app.scan.read_scan('SN-1'); print('biip' in sys.modules); app.scan.read_scan(']C121SN-1');"
            "print('biip' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "False", "True"]
