"""The PostgreSQL connection's settings as fields: TLS, where the password comes from, timeouts, keepalives.

They are the URL's query parameters (app/connection.py), so the dialog reads them from the URL in
the Settings tab's Database field and writes them back into it: one string holds them, the same that
``--db`` and ``CERTLINE_DB`` take. An empty field leaves the parameter out, and its default applies.
The password itself is never a field: it stays in a file or the OS keyring.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import connection

SSL_MODES = {"": "default (prefer: TLS when the server offers it, unchecked)",
             "disable": "disable: never TLS", "require": "require: TLS, the server not checked",
             "verify-ca": "verify-ca: TLS, the server's certificate signed by the CA file",
             "verify-full": "verify-full: TLS, signed by the CA file and naming the host (recommended)"}
# (parameter, label, unit, maximum): 0 in the box leaves the parameter out, so the default applies.
NUMBERS = (("connect_timeout", "Connect timeout", " s", 120),
           ("keepalives_idle", "Keepalive after idle", " s", 3600),
           ("keepalives_interval", "Keepalive interval", " s", 600),
           ("keepalives_count", "Keepalives lost before giving up", "", 100),
           ("tcp_user_timeout", "Unacknowledged data timeout", " ms", 600_000))
PASSWORD_IN_URL = ("This URL holds a password, which would be kept in the settings file: take it out and use a "
                   "password file or the OS keyring.")


class ConnectionDialog(QDialog):
    def __init__(self, url: str, parent: QWidget | None = None):
        super().__init__(parent, objectName="connectionDialog")
        self.setWindowTitle("PostgreSQL connection")
        self._base, self._options = connection.split_options(url)
        column = QVBoxLayout(self)
        form = QFormLayout()
        column.addLayout(form)
        self.ssl_box = QComboBox(objectName="sslModeBox")
        for mode, words in SSL_MODES.items():
            self.ssl_box.addItem(words, mode)
        self.ssl_box.setCurrentIndex(max(0, self.ssl_box.findData(self._options.get("sslmode", ""))))
        form.addRow("TLS", self.ssl_box)
        self.ca_field = self._file_row(form, "CA file (sslrootcert)", "sslrootcert", "caField")
        self.password_file_field = self._file_row(form, "Password file", "password_file", "passwordFileField")
        self.keyring_field = QLineEdit(self._options.get("keyring", ""), objectName="keyringField")
        self.keyring_field.setPlaceholderText("e.g. certline; needs the keyring package")
        form.addRow("OS keyring service", self.keyring_field)
        self.statement_field = QLineEdit(self._options.get("statement_timeout", ""), objectName="statementTimeout")
        self.statement_field.setPlaceholderText(f"default {connection.DEFAULT_STATEMENT_TIMEOUT}; e.g. 60s, 0 for none")
        form.addRow("Statement timeout", self.statement_field)
        defaults = connection.defaults()
        self.numbers: dict[str, QSpinBox] = {}
        for name, label, unit, maximum in NUMBERS:
            box = QSpinBox(objectName=name, minimum=0, maximum=maximum, suffix=unit)
            box.setSpecialValueText(f"default ({defaults[name]}{unit})")
            value = self._options.get(name, "")
            box.setValue(int(value) if value.isdigit() else 0)
            self.numbers[name] = box
            form.addRow(label, box)
        warning = QLabel(PASSWORD_IN_URL, objectName="passwordInUrl", wordWrap=True)
        warning.setVisible(bool(self._options.get("password")) or ":" in self._base.partition("://")[2]
                           .rpartition("@")[0])
        column.addWidget(warning)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)

    def _file_row(self, form: QFormLayout, label: str, option: str, name: str) -> QLineEdit:
        field = QLineEdit(self._options.get(option, ""), objectName=name)
        browse = QPushButton("Choose…", objectName=f"{name}Browse")
        browse.clicked.connect(lambda: self._choose_file(field, label))
        line = QHBoxLayout()
        line.addWidget(field, 1)
        line.addWidget(browse)
        form.addRow(label, line)
        return field

    def _choose_file(self, field: QLineEdit, label: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, label, field.text())
        if path:
            field.setText(path)

    def url(self) -> str:
        """The URL with the fields as its query parameters; parameters the dialog does not show are kept."""
        options = dict(self._options)
        options["sslmode"] = self.ssl_box.currentData()
        options["sslrootcert"] = self.ca_field.text().strip()
        options["password_file"] = self.password_file_field.text().strip()
        options["keyring"] = self.keyring_field.text().strip()
        options["statement_timeout"] = self.statement_field.text().strip()
        for name, box in self.numbers.items():
            options[name] = str(box.value()) if box.value() else ""
        return connection.join_options(self._base, options)
