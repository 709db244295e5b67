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


def offset_warning(offset: float, tolerance: float) -> str:
    """The sentence for a workstation whose clock is ``offset`` seconds behind the database server's
    (negative: ahead of it), as ``app.db.clock_offset`` measures it; "" within ``tolerance`` (the
    plant's ``clock_tolerance_seconds``)."""
    if abs(offset) <= tolerance:
        return ""
    way = "behind" if offset > 0 else "ahead of"
    return f"This workstation's clock is {span(abs(offset))} {way} the database server's. Ask IT to set the time."


def span(seconds: float) -> str:
    """``3 min 12 s``, ``2 h 5 min``, ``1 day 3 h``: the two largest units that are not zero."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} day{'s' if days != 1 else ''}"] * bool(days) + [f"{hours} h"] * bool(hours) \
        + [f"{minutes} min"] * bool(minutes) + [f"{secs} s"] * bool(secs)
    return " ".join(parts[:2]) or "0 s"
