"""Settings, for administrators: this workstation's database, documents, scanner, sounds, sign-out, language,
and the plant-wide rules: only approved certificates may be attached, badge and PIN for everyone, the PIN lock,
the digits a supervisor's or administrator's PIN needs, Word documents with macros.

Workstation settings live in QSettings (they take effect at the next start); the plant-wide
rules live in the database, so every station and the CLI obey them alike, each change with a reason.
"""
from __future__ import annotations

import socket

from PySide6.QtCore import Signal, Slot
from PySide6.QtSerialPort import QSerialPortInfo
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import db, policy
from ui.office import office_view
from ui.settings import BAUD_RATES, STATION_NAME_LENGTH, TERMINATORS, InstallSettings, StationSettings
from ui.worker import DatabaseWorker, Failure

LANGUAGES = {"en": "English"}
TERMINATOR_NAMES = {"enter_or_tab": "Enter or Tab", "enter": "Enter", "tab": "Tab"}

SIGN_IN_MESSAGES = {
    "require_badge_and_pin": ("Everyone signs in with badge and PIN now; names cannot be picked.",
                              "A name picked from the list signs in with the PIN now; badge-only users scan."),
}


class SettingsView(QScrollArea):
    """The settings as one form that scrolls: at 1024x768 in the station's large type they are taller than the tab."""

    saved = Signal()
    connection_tested = Signal(bool, str)
    policy_changed = Signal(bool)
    plant_policy_changed = Signal(str, object)  # any plant-wide policy: its key and new value

    def __init__(self, database: DatabaseWorker, user, parent: QWidget | None = None):
        super().__init__(parent)
        self.database, self.user = database, user
        station, install = StationSettings.load(), InstallSettings.load()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        self.setWidget(content)
        layout = QVBoxLayout(content)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # a long label above its field, not beside
        layout.addLayout(form)

        self.station_name_field = QLineEdit(station.station_name, objectName="stationNameField",
                                            maxLength=STATION_NAME_LENGTH)
        self.station_name_field.setPlaceholderText(f"e.g. Line 3 – Saw; empty: {socket.gethostname()}")
        form.addRow("Station name (shown in the header)", self.station_name_field)

        self.database_field = QLineEdit(install.database_url, objectName="databaseField")
        self.database_field.setPlaceholderText(f"default: {db.data_dir() / db.DEFAULT_FILE_NAME}")
        self.test_button = QPushButton("Test connection", objectName="testButton")
        self.test_button.clicked.connect(self._on_test_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.database_field, 1)
        row.addWidget(self.test_button)
        form.addRow("Database (SQLite file or postgresql:// URL)", row)
        self.connection_label = QLabel("", objectName="connectionLabel")
        self.connection_label.setWordWrap(True)
        form.addRow("", self.connection_label)

        self.documents_field = QLineEdit(install.documents_folder, objectName="documentsField")
        self.documents_field.setPlaceholderText(f"default: {db.data_dir() / 'documents'}")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.documents_field, 1)
        row.addWidget(browse)
        form.addRow("Document folder", row)

        self.terminator_box = QComboBox(objectName="terminatorBox")
        for key in TERMINATORS:
            self.terminator_box.addItem(TERMINATOR_NAMES[key], key)
        self.terminator_box.setCurrentIndex(TERMINATORS.index(station.scan_terminator))
        form.addRow("A scan ends with", self.terminator_box)
        self.attach_on_scan = QCheckBox("Attach as soon as a certificate is scanned (no Enter)",
                                        objectName="attachOnScan")
        self.attach_on_scan.setChecked(station.attach_on_certificate_scan)
        form.addRow("Scanner", self.attach_on_scan)
        self.separator_field = QLineEdit(station.gs1_separator, objectName="separatorField", maxLength=1)
        form.addRow("GS1 separator stand-in", self.separator_field)
        # A scanner in USB serial (CDC) mode: its port, typed or picked from those present now.
        self.serial_port_box = QComboBox(objectName="serialPortBox", editable=True)
        self.serial_port_box.addItem("")
        self.serial_port_box.addItems([port.systemLocation() for port in QSerialPortInfo.availablePorts()])
        self.serial_port_box.setCurrentText(station.serial_port)
        self.serial_port_box.lineEdit().setPlaceholderText("none (keyboard scanner only)")
        self.baud_box = QComboBox(objectName="baudBox")
        for rate in BAUD_RATES:
            self.baud_box.addItem(f"{rate} baud", rate)
        self.baud_box.setCurrentIndex(BAUD_RATES.index(station.serial_baud))
        row = QHBoxLayout()
        row.addWidget(self.serial_port_box, 1)
        row.addWidget(self.baud_box)
        form.addRow("Serial-port scanner", row)
        self.sounds_box = QCheckBox("Success and failure sounds", objectName="soundsBox")
        self.sounds_box.setChecked(station.sounds)
        form.addRow("Sounds", self.sounds_box)
        self.idle_box = QSpinBox(objectName="idleBox", minimum=0, maximum=24 * 60, suffix=" min")
        self.idle_box.setSpecialValueText("never")
        self.idle_box.setValue(station.idle_sign_out_minutes)
        form.addRow("Sign out when idle for", self.idle_box)
        self.language_box = QComboBox(objectName="languageBox")
        for code, name in LANGUAGES.items():
            self.language_box.addItem(name, code)
        form.addRow("Language", self.language_box)
        self.approved_box = QCheckBox("Only approved certificates may be attached (all stations)",
                                      objectName="approvedBox")
        self.approved_box.setEnabled(False)
        self.approved_box.clicked.connect(self._on_approved_box_clicked)
        form.addRow("Plant rule", self.approved_box)
        # How people sign in, at every station (app/sign_in.py, app/users.py read these).
        self.badge_pin_box = QCheckBox("Everyone signs in with badge and PIN; names cannot be picked "
                                       "(all stations)", objectName="badgePinBox")
        self.badge_pin_box.clicked.connect(self._on_badge_pin_box_clicked)
        form.addRow("Sign-in", self.badge_pin_box)
        self.pin_attempts_box = QSpinBox(objectName="pinAttemptsBox", suffix=" wrong PINs in a row")
        self.pin_attempts_box.setRange(*policy.BOUNDS["pin_attempts"])
        self.pin_lock_box = QSpinBox(objectName="pinLockBox", suffix=" min")
        self.pin_lock_box.setRange(*policy.BOUNDS["pin_lock_minutes"])
        self.pin_lock_button = QPushButton("Change…", objectName="pinLockButton")
        self.pin_lock_button.clicked.connect(self._on_pin_lock_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.pin_attempts_box)
        row.addWidget(QLabel("lock the user for"))
        row.addWidget(self.pin_lock_box)
        row.addWidget(self.pin_lock_button)
        row.addStretch(1)
        form.addRow("PIN lock (all stations)", row)
        # Checked when a PIN is set (app/users.py); PINs already set keep working.
        self.min_pin_digits_box = QSpinBox(objectName="minPinDigitsBox", suffix=" digits at least")
        self.min_pin_digits_box.setRange(*policy.BOUNDS["min_pin_digits_privileged"])
        self.min_pin_digits_button = QPushButton("Change…", objectName="minPinDigitsButton")
        self.min_pin_digits_button.clicked.connect(self._on_min_pin_digits_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.min_pin_digits_box)
        row.addWidget(self.min_pin_digits_button)
        row.addStretch(1)
        form.addRow("Supervisors' and administrators' PINs", row)
        # How far clocks may disagree before verify (record times) or a station (its own clock) says so.
        self.clock_box = QSpinBox(objectName="clockToleranceBox", suffix=" s")
        self.clock_box.setRange(*policy.BOUNDS["clock_tolerance_seconds"])
        self.clock_button = QPushButton("Change…", objectName="clockToleranceButton")
        self.clock_button.clicked.connect(self._on_clock_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.clock_box)
        row.addWidget(self.clock_button)
        row.addStretch(1)
        form.addRow("Clocks may differ by", row)
        self.macro_box = QCheckBox("Word documents (DOC, DOCX) with macros may be added (all stations)",
                                   objectName="macroBox")
        self.macro_box.clicked.connect(self._on_macro_box_clicked)
        form.addRow("Documents", self.macro_box)
        self._policies: dict[str, object] = {}
        self._policy_widgets = (self.approved_box, self.badge_pin_box, self.pin_attempts_box, self.pin_lock_box,
                                self.pin_lock_button, self.min_pin_digits_box, self.min_pin_digits_button,
                                self.clock_box, self.clock_button, self.macro_box)
        for widget in self._policy_widgets:
            widget.setEnabled(False)  # until the database has said what they are

        self.save_button = QPushButton("Save workstation settings", objectName="saveButton")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("", objectName="settingsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.database.submit(policy.get_policies, on_done=self._on_policies_loaded, on_failed=self._on_failed)

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
        self.message.setText("Saved. They take effect when Certline next starts on this workstation.")
        self.saved.emit()

    @Slot()
    def _on_test_button_clicked(self) -> None:
        self.connection_label.setText("Testing…")
        self.database.submit(db.test_connection, self.database_field.text().strip() or None,
                             on_done=self._on_connection_ok, on_failed=self._on_connection_failed)

    def _on_connection_ok(self, text: str) -> None:
        self.connection_label.setText(text)
        self.connection_tested.emit(True, text)

    def _on_connection_failed(self, failure: Failure) -> None:
        self.connection_label.setText(failure.message)
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
            self.message.setText(unchanged)
            return
        reason = self._ask_reason()
        if reason is not None:
            self.change_policy(value, reason, key)

    @Slot()
    def _on_pin_lock_button_clicked(self) -> None:
        wanted = {"pin_attempts": self.pin_attempts_box.value(), "pin_lock_minutes": self.pin_lock_box.value()}
        changed = {key: value for key, value in wanted.items() if value != self._policies.get(key)}
        if not changed:
            self.message.setText("The PIN lock is already set so.")
            return
        reason = self._ask_reason()
        if reason is None:
            return
        for key, value in changed.items():
            self.change_policy(value, reason, key)

    def change_policy(self, value: object, reason: str, key: str = "require_approved") -> None:
        self.database.submit(policy.set_policy, key, value, self.user.id, reason,
                             on_done=lambda v: self._on_policy_set(key, v), on_failed=self._on_policy_failed)

    def _on_policy_set(self, key: str, value: object) -> None:
        self._policies[key] = value
        if key == "require_approved":
            self.approved_box.setChecked(bool(value))
            self.message.setText("Only approved certificates may be attached now." if value
                                 else "Any valid certificate may be attached now.")
            self.policy_changed.emit(bool(value))
        elif key == "require_badge_and_pin":
            self.badge_pin_box.setChecked(bool(value))
            self.message.setText(SIGN_IN_MESSAGES[key][0 if value else 1])
        elif key == "allow_macro_documents":
            self.macro_box.setChecked(bool(value))
            self.message.setText("Word documents with macros may be added now." if value
                                 else "Word documents with macros are refused now.")
        elif key == "clock_tolerance_seconds":
            self.clock_box.setValue(value)
            self.message.setText(f"Clocks may differ by {value} s before verify or a station says so.")
        elif key == "min_pin_digits_privileged":
            self.min_pin_digits_box.setValue(value)
            self.message.setText(f"Supervisors' and administrators' PINs need {value} digits from now on, "
                                 "when one is set; PINs set before keep working.")
        else:
            self.message.setText(f"PIN lock: after {self._policies['pin_attempts']} wrong PINs in a row, "
                                 f"{self._policies['pin_lock_minutes']} min.")
        self.plant_policy_changed.emit(key, value)

    def _on_policy_failed(self, failure: Failure) -> None:
        """Refused (not an administrator any more, a bad value): the boxes show what the database holds."""
        self._on_failed(failure)
        self.database.submit(policy.get_policies, on_done=self._on_policies_loaded, on_failed=self._on_failed)

    def _on_failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)


@office_view("Settings", roles=("admin",), order=90)
def build(database: DatabaseWorker, user) -> QWidget:
    return SettingsView(database, user)
