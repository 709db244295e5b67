"""Certline's screens: PySide6 widgets that call app/ and hold no rule and no SQL."""
