"""Every office view fits the desk's screens: no word cut at 1280x800 nor at 1024x768.

The station is opened on the demo plant, a supervisor and then an administrator sign in with
badge and PIN, and every tab their role sees is shown at each size with what a person would
have in it: a certificate chosen (with a document, approved), its attachments listed, a serial
shown, a batch's coverage checked, the audit trail loaded and verified, the settings read from
the database. Then every visible widget of the view is walked (tests/helpers/elision.py) and
each text that is elided, clipped or wider than its room is listed: the failure names them all,
view by view, so one run says everything that is left to fix.

The checker itself is tested below on widgets cut on purpose, so this cannot pass by seeing nothing.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabBar,
    QTabWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import db as app_db
from app.demo import fill_demo
from tests.helpers.elision import cut_texts
from tests.ui.conftest import shown_station
from ui.screenshots_office import fill_view, idle, pick_examples
from ui.settings import StationSettings

SIZES = ((1280, 800), (1024, 768))
TIMEOUT = 10_000
ROLES = {"supervisor": ("B-SUP1", "111111"), "admin": ("B-ADM", "000000")}


@pytest.fixture(scope="module")
def demo_plant(tmp_path_factory) -> tuple[str, dict[str, str]]:
    """The demo plant in a SQLite file, with the examples the screenshots show (one module-wide copy:
    filling it takes seconds, and signing in only adds audit entries)."""
    url = str(tmp_path_factory.mktemp("office-fits") / "demo.sqlite3")
    app_db.open_database(url)
    try:
        fill_demo()
        examples = pick_examples()
    finally:
        app_db.close_database()
    return url, examples


@pytest.fixture
def settings_store(tmp_path):
    # The Settings view reads this workstation's QSettings: the test's own, not the user's.
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"


def sign_in(qtbot, window, badge: str, pin: str) -> None:
    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT):
        qtbot.keyClicks(window.scan_field, badge)
        qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        qtbot.keyClicks(window.pin_field, pin)
        qtbot.keyClick(window.pin_field, Qt.Key.Key_Return)


def office_cuts(qtbot, window, examples) -> tuple[list[str], list[str]]:
    """Every cut text of every office view (those inside a group's tab too) and of every tab bar, at every
    size, and the views no data could be loaded into."""
    views = window.office_views()
    assert views, "no office view after signing in"
    bars = [window.tabs.tabBar()] + [group.tabBar() for group in window.tabs.findChildren(QTabWidget, "officeGroup")]
    problems, empty = [], []
    loaded: set[str] = set()
    for width, height in SIZES:
        window.resize(width, height)
        qtbot.waitUntil(lambda: window.size() == QSize(width, height), timeout=TIMEOUT)
        for title, view in views:
            window.show_office_view(view)
            qtbot.waitUntil(view.isVisible, timeout=TIMEOUT)
            if title not in loaded:
                # What a person has in it: the screenshots fill each view the same way.
                if fill_view(window, view, examples) is None:
                    empty.append(title)
                loaded.add(title)
            idle(window)
            where = f"{width}x{height} · {title}"
            problems += [f"{where} · {text}" for text in cut_texts(view)]
            problems += [f"{width}x{height} · the tab bar · {text}" for bar in bars if bar.isVisible()
                         for text in cut_texts(bar)]
    return list(dict.fromkeys(problems)), empty  # a tab bar is measured beside each view it shows with


@pytest.mark.parametrize("role", ROLES)
def test_every_office_view_reads_whole_at_1280x800_and_1024x768(qtbot, demo_plant, settings_store, role):
    url, examples = demo_plant
    window = shown_station(qtbot, url, StationSettings(sounds=False, result_seconds=5, idle_sign_out_minutes=0),
                           SIZES[0], TIMEOUT)
    try:
        sign_in(qtbot, window, *ROLES[role])
        titles = [title for title, _view in window.office_views()]
        assert ("Settings" in titles) == (role == "admin")
        problems, empty = office_cuts(qtbot, window, examples)
        problems += [f"{title}: nothing was put in it to measure; teach ui/screenshots_office.py's VIEWS how"
                     for title in empty]
        assert not problems, f"{len(problems)} texts cut as a {role}:\n  " + "\n  ".join(problems)
    finally:
        window.shutdown()


# --- the checker sees what is cut, and only that -------------------------------------------------------

def test_the_checker_finds_each_kind_of_cut_text_and_passes_whole_ones(qtbot):
    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    whole = QLabel("Fits", objectName="whole")
    cut = QLabel("Certificate kinds are missing at this step", objectName="cutLabel")
    cut.setFixedWidth(120)
    wrapped = QLabel("A sentence that wraps onto more lines than its height allows here", objectName="shortWrap",
                     wordWrap=True)
    wrapped.setFixedSize(150, 20)
    button = QPushButton("Export attachments as CSV…", objectName="narrowButton")
    button.setFixedWidth(70)
    check = QCheckBox("Expires within the warning window", objectName="narrowCheck")
    check.setFixedWidth(90)
    radio = QRadioButton("Against a certificate kind", objectName="narrowRadio")
    radio.setFixedWidth(80)
    combo = QComboBox(objectName="narrowCombo")
    combo.addItem("Calibration certificate")
    combo.setFixedWidth(70)
    placeholder = QLineEdit(objectName="narrowSearch", placeholderText="Serial, job, step or user contains…")
    placeholder.setFixedWidth(90)
    read_only = QLineEdit("Mill test report S355J2, heat 24-1187", objectName="readOnlyField", readOnly=True)
    read_only.setFixedWidth(90)
    spin = QSpinBox(objectName="narrowSpin", suffix=" wrong PINs in a row", value=5)
    spin.setFixedWidth(70)
    date = QDateEdit(objectName="narrowDate")
    date.setFixedWidth(30)
    group = QGroupBox("Plant rules for every station", objectName="narrowGroup")
    group.setFixedWidth(60)
    QVBoxLayout(group).addWidget(QLabel("ok"))
    tabs = QTabBar(objectName="narrowTabs", elideMode=Qt.TextElideMode.ElideRight)
    for title in ("Certificate attachments", "Serial detail", "Audit trail"):
        tabs.addTab(title)
    tabs.setFixedWidth(200)
    model = QStandardItemModel(2, 2)
    model.setHorizontalHeaderLabels(["Name", "Certificate number"])
    model.setItem(0, 0, QStandardItem("Mill test report S355J2"))
    model.setItem(0, 1, QStandardItem("ok"))
    model.setItem(1, 1, QStandardItem("CALIBRATION"))  # one word: wrapping cannot save it
    table = QTableView(objectName="narrowTable")
    table.setModel(model)
    table.horizontalHeader().resizeSection(0, 25)
    table.horizontalHeader().resizeSection(1, 60)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setFixedSize(260, 120)
    holder = QWidget(objectName="holder")
    holder.setFixedWidth(100)
    pushed_out = QPushButton("Open folder", objectName="pushedOut", parent=holder)
    pushed_out.setGeometry(60, 0, 120, 30)  # its own width is enough; its holder hides half of it
    row = QHBoxLayout()
    for widget in (whole, cut, wrapped, button, check, radio, combo, placeholder, read_only, spin, date, group):
        row.addWidget(widget)
    layout.addLayout(row)
    layout.addWidget(tabs)
    layout.addWidget(table)
    layout.addWidget(holder)
    root.resize(1900, 400)
    root.show()
    qtbot.waitExposed(root)

    found = "\n".join(cut_texts(root))
    for name in ("cutLabel", "shortWrap", "narrowButton", "narrowCheck", "narrowRadio", "narrowCombo",
                 "narrowSearch", "readOnlyField", "narrowSpin", "narrowGroup", "narrowTabs", "pushedOut"):
        assert f"#{name}" in found, f"{name} is cut but not found:\n{found}"
    assert "'Name'" in found and "'Certificate number'" in found, found  # both header sections
    assert "'Mill test report S355J2'" in found, found  # the cells: words that wrap past the cell's height,
    assert "'CALIBRATION'" in found, found  # and one word wider than its cell
    assert "clipped by QWidget#holder" in found, found
    assert "#whole" not in found and "'ok'" not in found, found

    # Given room, the same widgets are whole: the checker does not cry wolf.
    for widget in (cut, button, check, radio, combo, placeholder, read_only, spin, group):
        widget.setFixedWidth(widget.sizeHint().width() + 200)
    wrapped.setFixedSize(600, 80)
    tabs.setFixedWidth(tabs.sizeHint().width() + 10)
    table.resizeColumnsToContents()
    table.setFixedSize(900, 120)
    pushed_out.setGeometry(0, 0, 100, 30)
    date.setFixedWidth(date.sizeHint().width() + 20)
    qtbot.wait(20)
    assert cut_texts(root) == []


def test_settings_use_a_wide_screen_side_by_side_and_stack_on_a_narrow_one(qtbot, operator, settings_store):
    """At 1920x1080 the workstation's settings and the plant's rules stand side by side, each read whole; at
    1280x800 one above the other, the view scrolling down rather than squeezing either."""
    operator.sign_in("B-ADM", None)
    window = operator.window
    view = dict(window.office_views())["Settings"]
    window.show_office_view(view)
    qtbot.waitUntil(view.macro_box.isEnabled, timeout=TIMEOUT)  # the plant's rules read from the database

    def side_by_side() -> bool:
        return view.plant.geometry().top() == view.workstation.geometry().top() \
            and view.plant.geometry().left() > view.workstation.geometry().right()

    window.resize(1920, 1080)
    qtbot.waitUntil(side_by_side, timeout=TIMEOUT)
    assert cut_texts(view) == []
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: view.plant.geometry().top() > view.workstation.geometry().bottom(), timeout=TIMEOUT)
    assert not view.horizontalScrollBar().isVisible() and view.verticalScrollBar().isVisible()
    assert cut_texts(view) == []
