"""Certline's core: the rules, the database and the command line. No Qt below here."""
