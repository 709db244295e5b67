"""Settings, for administrators: this workstation's database, documents, scanner, sounds, sign-out, language,
and the plant-wide rule that only approved certificates may be attached.

Workstation settings live in QSettings (they take effect at the next start); the plant-wide
rule lives in the database, so every station and the CLI obey it alike.
"""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import db, policy
from ui.office import office_view
from ui.settings import TERMINATORS, InstallSettings, StationSettings
from ui.worker import OPERATIONS, DatabaseWorker, Failure

LANGUAGES = {"en": "English"}
TERMINATOR_NAMES = {"enter_or_tab": "Enter or Tab", "enter": "Enter", "tab": "Tab"}

OPERATIONS["test_connection"] = db.test_connection
OPERATIONS["get_policy"] = policy.get_policy
OPERATIONS["set_policy"] = policy.set_policy


class SettingsView(QWidget):
    saved = Signal()
    connection_tested = Signal(bool, str)
    policy_changed = Signal(bool)

    def __init__(self, database: DatabaseWorker, user, parent: QWidget | None = None):
        super().__init__(parent)
        self.database, self.user = database, user
        station, install = StationSettings.load(), InstallSettings.load()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

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

        self.save_button = QPushButton("Save workstation settings", objectName="saveButton")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("", objectName="settingsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.database.submit("get_policy", "require_approved", on_done=self._on_policy_loaded,
                             on_failed=self._on_failed)

    @Slot()
    def save(self) -> None:
        StationSettings(
            idle_sign_out_minutes=self.idle_box.value(),
            scan_terminator=self.terminator_box.currentData(),
            attach_on_certificate_scan=self.attach_on_scan.isChecked(),
            sounds=self.sounds_box.isChecked(),
            gs1_separator=self.separator_field.text(),
            result_seconds=StationSettings.load().result_seconds,
        ).save()
        InstallSettings(database_url=self.database_field.text().strip(),
                        documents_folder=self.documents_field.text().strip(),
                        language=self.language_box.currentData()).save()
        self.message.setText("Saved. They take effect when Certline next starts on this workstation.")
        self.saved.emit()

    @Slot()
    def _on_test_button_clicked(self) -> None:
        self.connection_label.setText("Testing…")
        self.database.submit("test_connection", self.database_field.text().strip() or None,
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

    def _on_policy_loaded(self, value: bool) -> None:
        self.approved_box.setChecked(bool(value))
        self.approved_box.setEnabled(True)

    @Slot(bool)
    def _on_approved_box_clicked(self, checked: bool) -> None:
        reason, ok = QInputDialog.getText(self, "Plant rule", "Why is this rule changed? (recorded in the audit trail)")
        if not ok or not reason.strip():
            self.approved_box.setChecked(not checked)
            return
        self.change_policy(checked, reason)

    def change_policy(self, value: bool, reason: str) -> None:
        self.database.submit("set_policy", "require_approved", value, self.user.id, reason,
                             on_done=lambda v: self._on_policy_set(bool(v)), on_failed=self._on_failed)

    def _on_policy_set(self, value: bool) -> None:
        self.approved_box.setChecked(value)
        self.message.setText("Only approved certificates may be attached now." if value
                             else "Any valid certificate may be attached now.")
        self.policy_changed.emit(value)

    def _on_failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)


@office_view("Settings", roles=("admin",), order=90)
def build(database: DatabaseWorker, user) -> QWidget:
    return SettingsView(database, user)
