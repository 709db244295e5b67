"""Certline's core: the rules, the database and the command line. No Qt below here."""

__version__ = "0.1.0"
