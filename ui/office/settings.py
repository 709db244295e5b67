"""Settings, for administrators: this workstation's database, documents, scanner, sounds, sign-out, language,
and the plant-wide rules: only approved certificates may be attached, badge and PIN for everyone, the PIN lock,
the digits a supervisor's or administrator's PIN needs, Word documents with macros.

Workstation settings live in QSettings (they take effect at the next start); the plant-wide
rules live in the database, so every station and the CLI obey them alike, each change with a reason.
"""
from __future__ import annotations

import socket

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtSerialPort import QSerialPortInfo
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import db, policy
from ui.connection_settings import ConnectionDialog
from ui.office import ADMINISTRATION, look, office_view
from ui.settings import BAUD_RATES, STATION_NAME_LENGTH, TERMINATORS, InstallSettings, StationSettings
from ui.worker import DatabaseWorker, Failure

LANGUAGES = {"en": "English"}
TERMINATOR_NAMES = {"enter_or_tab": "Enter or Tab", "enter": "Enter", "tab": "Tab"}

WIDE = 1500  # px of view from which the two parts stand side by side (a 1920 screen; not 1280)

SIGN_IN_MESSAGES = {
    "require_badge_and_pin": ("Everyone signs in with badge and PIN now; names cannot be picked.",
                              "A name picked from the list signs in with the PIN now; badge-only users scan."),
}


class SettingsView(QScrollArea):
    """The settings in two parts: this workstation's (saved here, read at the next start) and the plant's rules
    (in the database, each change asked why). Side by side on a wide screen, one above the other otherwise;
    the view scrolls down when they are taller than the window, never sideways."""

    saved = Signal()
    connection_tested = Signal(bool, str)
    policy_changed = Signal(bool)
    plant_policy_changed = Signal(str, object)  # any plant-wide policy: its key and new value

    def __init__(self, database: DatabaseWorker, user, parent: QWidget | None = None):
        super().__init__(parent, objectName="settingsView")
        self.database, self.user = database, user
        station, install = StationSettings.load(), InstallSettings.load()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget(objectName="officeView")  # the office's background (look.apply names only the view)
        content.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWidget(content)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(look.MARGIN, look.MARGIN, look.MARGIN, look.MARGIN)
        layout.setSpacing(look.SPACING)
        layout.addWidget(look.heading(
            "Settings", "This workstation's database, scanner and sounds, and the rules every station of the "
                        "plant obeys."))
        self._parts = QGridLayout()
        self._parts.setSpacing(look.MARGIN)
        layout.addLayout(self._parts)
        # One line says what the last save or rule change did, under both parts.
        self.message = look.Notice("settingsMessage")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.workstation = self._workstation_part(station, install)
        self.plant = self._plant_part()
        self._side_by_side: bool | None = None
        self._arrange()
        self.database.submit(policy.get_policies, owner=self, on_done=self._on_policies_loaded,
                             on_failed=self._on_failed)

    def _workstation_part(self, station: StationSettings, install: InstallSettings) -> QGroupBox:
        part = look.group("This workstation", "workstationSettings")
        column = QVBoxLayout(part)
        column.setSpacing(look.SPACING)
        column.addWidget(look.hint("Saved on this computer only. They take effect when Certline next starts here."))
        form = look.form()
        column.addLayout(form)

        self.station_name_field = QLineEdit(station.station_name, objectName="stationNameField",
                                            maxLength=STATION_NAME_LENGTH)
        self.station_name_field.setPlaceholderText(f"e.g. Line 3 – Saw; empty: {socket.gethostname()}")
        self.station_name_field.setToolTip("What the top bar calls this workstation")
        form.addRow("Station name", self.station_name_field)

        default_db = str(db.data_dir() / db.DEFAULT_FILE_NAME)
        self.database_field = QLineEdit(install.database_url, objectName="databaseField")
        self.database_field.setPlaceholderText("empty: the default file (below)")
        self.database_field.setToolTip("A SQLite file, or a postgresql:// URL")
        self.test_button = look.button("Test connection", "testButton")
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.connection_button = look.button("Connection…", "connectionButton")  # TLS, password, timeouts
        self.connection_button.clicked.connect(self._on_connection_button_clicked)
        self.connection_label = look.Notice("connection")
        form.addRow("Database", look.stack(look.row(self.database_field, 1, self.test_button, self.connection_button,
                                                    stretch=False),
                                       look.hint(f"A SQLite file or a postgresql:// URL. Default: "
                                                 f"{_breakable(default_db)}", "databaseHint"),
                                       self.connection_label))

        default_documents = str(db.data_dir() / "documents")
        self.documents_field = QLineEdit(install.documents_folder, objectName="documentsField")
        self.documents_field.setPlaceholderText("empty: the default folder (below)")
        browse = look.button("Choose…", "browseDocuments")
        browse.clicked.connect(self._on_browse_clicked)
        form.addRow("Document folder", look.stack(look.row(self.documents_field, 1, browse, stretch=False),
                                              look.hint(f"Default: {_breakable(default_documents)}",
                                                        "documentsHint")))

        self.language_box = QComboBox(objectName="languageBox")
        for code, name in LANGUAGES.items():
            self.language_box.addItem(name, code)
        form.addRow("Language", look.row(self.language_box))

        self.terminator_box = QComboBox(objectName="terminatorBox")
        for key in TERMINATORS:
            self.terminator_box.addItem(TERMINATOR_NAMES[key], key)
        self.terminator_box.setCurrentIndex(TERMINATORS.index(station.scan_terminator))
        form.addRow("A scan ends with", look.row(self.terminator_box))
        self.attach_on_scan = QCheckBox("Attach as soon as a certificate is scanned (no Enter)",
                                        objectName="attachOnScan")
        self.attach_on_scan.setChecked(station.attach_on_certificate_scan)
        form.addRow("Scanner", self.attach_on_scan)
        self.separator_field = QLineEdit(station.gs1_separator, objectName="separatorField", maxLength=1)
        self.separator_field.setFixedWidth(self.separator_field.fontMetrics().horizontalAdvance("MM") + 24)
        self.separator_field.setToolTip("The printable character the scanner sends for the invisible GS1 "
                                        "separator, e.g. ^; empty when it sends the separator itself")
        form.addRow("GS1 separator stand-in",
                    look.row(self.separator_field, QLabel("e.g. ^ (empty: the scanner sends the separator)",
                                                          objectName="hint")))
        # A scanner in USB serial (CDC) mode: its port, typed or picked from those present now.
        self.serial_port_box = QComboBox(objectName="serialPortBox", editable=True)
        self.serial_port_box.addItem("")
        self.serial_port_box.addItems([port.systemLocation() for port in QSerialPortInfo.availablePorts()])
        self.serial_port_box.setCurrentText(station.serial_port)
        self.serial_port_box.lineEdit().setPlaceholderText("none: a keyboard scanner")
        self.serial_port_box.setMinimumContentsLength(22)
        self.serial_port_box.setToolTip("A scanner in USB serial mode: its port, e.g. /dev/ttyACM0 or COM3")
        self.baud_box = QComboBox(objectName="baudBox")
        for rate in BAUD_RATES:
            self.baud_box.addItem(f"{rate} baud", rate)
        self.baud_box.setCurrentIndex(BAUD_RATES.index(station.serial_baud))
        form.addRow("Serial-port scanner", look.row(self.serial_port_box, self.baud_box))
        self.sounds_box = QCheckBox("Success and failure sounds", objectName="soundsBox")
        self.sounds_box.setChecked(station.sounds)
        form.addRow("Sounds", self.sounds_box)
        self.idle_box = QSpinBox(objectName="idleBox", minimum=0, maximum=24 * 60, suffix=" min")
        self.idle_box.setSpecialValueText("never")
        self.idle_box.setValue(station.idle_sign_out_minutes)
        form.addRow("Sign out when idle for", look.row(self.idle_box))

        self.save_button = look.button("Save workstation settings", "saveButton", primary=True)
        self.save_button.clicked.connect(self.save)
        column.addLayout(look.row(self.save_button))
        column.addStretch(1)  # side by side with a taller part: the room goes below, not between the rows
        return part

    def _plant_part(self) -> QGroupBox:
        part = look.group("Plant rules", "plantRules")
        column = QVBoxLayout(part)
        column.setSpacing(look.SPACING)
        column.addWidget(look.hint("Kept in the database: every station and certline-cli obey them. Each change "
                                   "asks why and is recorded in the audit trail."))
        form = look.form()
        column.addLayout(form)
        self.approved_box = QCheckBox("Only approved certificates may be attached", objectName="approvedBox")
        self.approved_box.clicked.connect(self._on_approved_box_clicked)
        form.addRow("Attaching", self.approved_box)
        # How people sign in, at every station (app/sign_in.py, app/users.py read these).
        self.badge_pin_box = QCheckBox("Everyone signs in with badge and PIN; names cannot be picked",
                                       objectName="badgePinBox")
        self.badge_pin_box.clicked.connect(self._on_badge_pin_box_clicked)
        form.addRow("Signing in", self.badge_pin_box)
        self.pin_attempts_box = QSpinBox(objectName="pinAttemptsBox", suffix=" wrong PINs in a row")
        self.pin_attempts_box.setRange(*policy.BOUNDS["pin_attempts"])
        self.pin_lock_box = QSpinBox(objectName="pinLockBox", suffix=" min")
        self.pin_lock_box.setRange(*policy.BOUNDS["pin_lock_minutes"])
        self.pin_lock_button = look.button("Change…", "pinLockButton")
        self.pin_lock_button.clicked.connect(self._on_pin_lock_button_clicked)
        form.addRow("PIN lock", look.row(QLabel("After"), self.pin_attempts_box, QLabel("lock the user for"),
                                         self.pin_lock_box, self.pin_lock_button))
        # Checked when a PIN is set (app/users.py); PINs already set keep working.
        self.min_pin_digits_box = QSpinBox(objectName="minPinDigitsBox", suffix=" digits at least")
        self.min_pin_digits_box.setRange(*policy.BOUNDS["min_pin_digits_privileged"])
        self.min_pin_digits_button = look.button("Change…", "minPinDigitsButton")
        self.min_pin_digits_button.clicked.connect(self._on_min_pin_digits_button_clicked)
        form.addRow("PIN length", look.row(self.min_pin_digits_box, self.min_pin_digits_button,
                                           QLabel("for supervisors and administrators", objectName="hint")))
        # How far clocks may disagree before verify (record times) or a station (its own clock) says so.
        self.clock_box = QSpinBox(objectName="clockToleranceBox", suffix=" s")
        self.clock_box.setRange(*policy.BOUNDS["clock_tolerance_seconds"])
        self.clock_button = look.button("Change…", "clockToleranceButton")
        self.clock_button.clicked.connect(self._on_clock_button_clicked)
        form.addRow("Clocks may differ by", look.row(self.clock_box, self.clock_button))
        self.macro_box = QCheckBox("Word documents (DOC, DOCX) with macros may be added", objectName="macroBox")
        self.macro_box.clicked.connect(self._on_macro_box_clicked)
        form.addRow("Documents", self.macro_box)
        column.addStretch(1)
        self._policies: dict[str, object] = {}
        self._policy_widgets = (self.approved_box, self.badge_pin_box, self.pin_attempts_box, self.pin_lock_box,
                                self.pin_lock_button, self.min_pin_digits_box, self.min_pin_digits_button,
                                self.clock_box, self.clock_button, self.macro_box)
        for widget in self._policy_widgets:
            widget.setEnabled(False)  # until the database has said what they are
        return part

    def _arrange(self) -> None:
        """The two parts side by side where both fit whole, else one above the other."""
        side_by_side = self.viewport().width() >= WIDE
        if side_by_side == self._side_by_side:
            return
        self._side_by_side = side_by_side
        self._parts.removeWidget(self.workstation)
        self._parts.removeWidget(self.plant)
        self._parts.addWidget(self.workstation, 0, 0)
        row, column = (0, 1) if side_by_side else (1, 0)
        self._parts.addWidget(self.plant, row, column)
        self._parts.setColumnStretch(1, 1 if side_by_side else 0)
        self._parts.setColumnStretch(0, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    @Slot()
    def save(self) -> None:
        StationSettings(
            idle_sign_out_minutes=self.idle_box.value(),
            scan_terminator=self.terminator_box.currentData(),
            attach_on_certificate_scan=self.attach_on_scan.isChecked(),
            sounds=self.sounds_box.isChecked(),
            serial_port=self.serial_port_box.currentText().strip(),
            serial_baud=self.baud_box.currentData(),
            gs1_separator=self.separator_field.text(),
            result_seconds=StationSettings.load().result_seconds,
            station_name=self.station_name_field.text(),
        ).save()
        InstallSettings(database_url=self.database_field.text().strip(),
                        documents_folder=self.documents_field.text().strip(),
                        language=self.language_box.currentData()).save()
        self._say("Saved. They take effect when Certline next starts on this workstation.", "ok")
        self.saved.emit()

    @Slot()
    def _on_connection_button_clicked(self) -> None:
        dialog = ConnectionDialog(self.database_field.text().strip(), self)
        if dialog.exec() == ConnectionDialog.DialogCode.Accepted:
            self.database_field.setText(dialog.url())

    @Slot()
    def _on_test_button_clicked(self) -> None:
        self.connection_label.show_message("Testing…", "info")
        self.database.submit(db.test_connection, self.database_field.text().strip() or None, owner=self,
                             on_done=self._on_connection_ok, on_failed=self._on_connection_failed)

    def _on_connection_ok(self, text: str) -> None:
        self.connection_label.show_message(text, "ok")
        self.connection_tested.emit(True, text)

    def _on_connection_failed(self, failure: Failure) -> None:
        self.connection_label.show_message(failure.message, "error")
        self.connection_tested.emit(False, failure.message)

    @Slot()
    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Document folder", self.documents_field.text())
        if folder:
            self.documents_field.setText(folder)

    def _on_policies_loaded(self, values: dict) -> None:
        self._policies = dict(values)
        self.approved_box.setChecked(bool(values["require_approved"]))
        self.badge_pin_box.setChecked(bool(values["require_badge_and_pin"]))
        self.pin_attempts_box.setValue(values["pin_attempts"])
        self.pin_lock_box.setValue(values["pin_lock_minutes"])
        self.min_pin_digits_box.setValue(values["min_pin_digits_privileged"])
        self.clock_box.setValue(values["clock_tolerance_seconds"])
        self.macro_box.setChecked(bool(values["allow_macro_documents"]))
        for widget in self._policy_widgets:
            widget.setEnabled(True)

    def _ask_reason(self) -> str | None:
        reason, ok = QInputDialog.getText(self, "Plant rule", "Why is this rule changed? (recorded in the audit trail)")
        return reason if ok and reason.strip() else None

    @Slot(bool)
    def _on_approved_box_clicked(self, checked: bool) -> None:
        reason = self._ask_reason()
        if reason is None:
            self.approved_box.setChecked(not checked)
            return
        self.change_policy(checked, reason)

    @Slot(bool)
    def _on_badge_pin_box_clicked(self, checked: bool) -> None:
        reason = self._ask_reason()
        if reason is None:
            self.badge_pin_box.setChecked(not checked)
            return
        self.change_policy(checked, reason, "require_badge_and_pin")

    @Slot(bool)
    def _on_macro_box_clicked(self, checked: bool) -> None:
        reason = self._ask_reason()
        if reason is None:
            self.macro_box.setChecked(not checked)
            return
        self.change_policy(checked, reason, "allow_macro_documents")

    @Slot()
    def _on_min_pin_digits_button_clicked(self) -> None:
        value = self.min_pin_digits_box.value()
        self._change_number("min_pin_digits_privileged", value,
                            f"Supervisors' and administrators' PINs already need {value} digits.")

    @Slot()
    def _on_clock_button_clicked(self) -> None:
        value = self.clock_box.value()
        self._change_number("clock_tolerance_seconds", value, f"Clocks may already differ by {value} s.")

    def _change_number(self, key: str, value: int, unchanged: str) -> None:
        """A one-number plant rule: asked why, then set; nothing asked when it holds that value already."""
        if value == self._policies.get(key):
            self._say(unchanged, "info")
            return
        reason = self._ask_reason()
        if reason is not None:
            self.change_policy(value, reason, key)

    @Slot()
    def _on_pin_lock_button_clicked(self) -> None:
        wanted = {"pin_attempts": self.pin_attempts_box.value(), "pin_lock_minutes": self.pin_lock_box.value()}
        changed = {key: value for key, value in wanted.items() if value != self._policies.get(key)}
        if not changed:
            self._say("The PIN lock is already set so.", "info")
            return
        reason = self._ask_reason()
        if reason is None:
            return
        for key, value in changed.items():
            self.change_policy(value, reason, key)

    def change_policy(self, value: object, reason: str, key: str = "require_approved") -> None:
        self.database.submit(policy.set_policy, key, value, self.user.id, reason, owner=self,
                             on_done=lambda v: self._on_policy_set(key, v), on_failed=self._on_policy_failed)

    def _on_policy_set(self, key: str, value: object) -> None:
        self._policies[key] = value
        if key == "require_approved":
            self.approved_box.setChecked(bool(value))
            self._say("Only approved certificates may be attached now." if value
                                 else "Any valid certificate may be attached now.")
            self.policy_changed.emit(bool(value))
        elif key == "require_badge_and_pin":
            self.badge_pin_box.setChecked(bool(value))
            self._say(SIGN_IN_MESSAGES[key][0 if value else 1])
        elif key == "allow_macro_documents":
            self.macro_box.setChecked(bool(value))
            self._say("Word documents with macros may be added now." if value
                                 else "Word documents with macros are refused now.")
        elif key == "clock_tolerance_seconds":
            self.clock_box.setValue(value)
            self._say(f"Clocks may differ by {value} s before verify or a station says so.")
        elif key == "min_pin_digits_privileged":
            self.min_pin_digits_box.setValue(value)
            self._say(f"Supervisors' and administrators' PINs need {value} digits from now on, "
                                 "when one is set; PINs set before keep working.")
        else:
            self._say(f"PIN lock: after {self._policies['pin_attempts']} wrong PINs in a row, "
                                 f"{self._policies['pin_lock_minutes']} min.")
        self.plant_policy_changed.emit(key, value)

    def _on_policy_failed(self, failure: Failure) -> None:
        """Refused (not an administrator any more, a bad value): the boxes show what the database holds."""
        self._on_failed(failure)
        self.database.submit(policy.get_policies, owner=self, on_done=self._on_policies_loaded,
                             on_failed=self._on_failed)

    def _on_failed(self, failure: Failure) -> None:
        self._say(failure.message, "error")

    def _say(self, text: str, state: str = "ok") -> None:
        self.message.show_message(text, state)


def _breakable(path: str) -> str:
    """A long path that may wrap after each separator rather than run past the edge as one word."""
    return path.replace("/", "/\u200b").replace("\\", "\\\u200b")


@office_view("Settings", roles=("admin",), order=90, group=ADMINISTRATION)
def build(database: DatabaseWorker, user) -> QWidget:
    return SettingsView(database, user)
