"""The three ways a request can be refused, each carrying the message shown to people."""


class CertlineError(Exception):
    """Base of every refusal; ``str(error)`` is the exact message for the person."""

    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(CertlineError):
    status = 404


class Invalid(CertlineError):
    """A bad request; ``field`` names the input at fault where there is one, for forms."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Forbidden(CertlineError):
    status = 403


class DatabaseUnavailable(CertlineError):
    """The database could not be reached or opened; nothing was changed."""

    status = 503


class DatabaseBusy(DatabaseUnavailable):
    """Another program held the write lock for longer than a writer waits; nothing was saved."""


class SchemaTooNew(DatabaseUnavailable):
    """The database was made by a newer Certline; it is left untouched."""


class DatabaseUnreachable(DatabaseUnavailable):
    """The server, the network or the share holding the file went away; trying again later may work.

    Said apart from the other reasons a database cannot be used (a schema too new, a missing grant),
    which no retry mends: the station shows an outage and reconnects by itself, certline-cli exits 5.
    """
