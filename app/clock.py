"""The one source of "now" and "today", so tests can move time."""
import datetime as dt


def now_utc() -> dt.datetime:
    """Naive UTC, truncated to milliseconds: the precision every record keeps."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def today() -> dt.date:
    """The workstation's local calendar date, which is what expiry dates mean on the floor."""
    return dt.date.today()


def iso_utc(value: dt.datetime) -> str:
    """``2024-01-15T10:30:00.000Z`` from a naive UTC datetime."""
    return value.isoformat(timespec="milliseconds") + "Z"
