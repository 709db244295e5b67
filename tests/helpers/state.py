"""What the database holds, read back for the tests' "nothing was written" checks."""
from __future__ import annotations

from app.models import ALL_MODELS, AuditEntry


def row_counts() -> dict[str, int]:
    """Rows per table, every table of the schema."""
    return {model._meta.table_name: model.select().count() for model in ALL_MODELS}


def entries(type: str | None = None) -> list[AuditEntry]:
    """Audit entries in chain order, optionally of one type."""
    query = AuditEntry.select().order_by(AuditEntry.seq)
    if type is not None:
        query = query.where(AuditEntry.type == type)
    return list(query)
