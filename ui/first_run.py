"""First run: a database with nobody in it asks how to begin — the demo plant, or a first administrator."""
from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app import users
from app.errors import CertlineError


class FirstRunDialog(QDialog):
    """Start with the demo plant, or empty with a first administrator (name, badge, PIN)."""

    def __init__(self, description: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Certline — first start")
        self.setMinimumWidth(560)
        self.choice: str | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(f"The database {description} is new. How do you want to begin?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.demo_button = QPushButton("Start with the demo plant (to try Certline)", objectName="demoButton")
        self.demo_button.clicked.connect(self._on_demo_button_clicked)
        layout.addWidget(self.demo_button)
        layout.addWidget(QLabel("Or start empty, with the first administrator:"))
        form = QFormLayout()
        self.name_field = QLineEdit(objectName="nameField")
        self.user_field = QLineEdit("admin", objectName="userIdField")
        self.badge_field = QLineEdit(objectName="badgeField")
        self.pin_field = QLineEdit(objectName="pinField")
        self.pin_field.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Name", self.name_field)
        form.addRow("User id", self.user_field)
        form.addRow("Badge code", self.badge_field)
        form.addRow("PIN (6–12 digits)", self.pin_field)
        layout.addLayout(form)
        self.error_label = QLabel("", objectName="errorLabel")
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton("Create administrator", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("createButton")
        self.create_button.clicked.connect(self._on_create_button_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name_field.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def _on_demo_button_clicked(self) -> None:
        from app import demo  # the demo plant's data and rules: only when asked for

        try:
            demo.fill_demo()
        except CertlineError as error:
            self.error_label.setText(error.message)
            return
        self.choice = "demo"
        self.accept()

    def _on_create_button_clicked(self) -> None:
        try:
            users.create_user(self.user_field.text().strip(), self.name_field.text(), "admin",
                              self.badge_field.text().strip(), pin=self.pin_field.text() or None)
        except CertlineError as error:
            self.error_label.setText(error.message)
            return
        self.choice = "admin"
        self.accept()
