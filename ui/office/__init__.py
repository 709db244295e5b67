"""The office views beside the station: what supervisors and administrators see, operators never.

Each module of this package registers its views with ``@office_view``; the station
finds them here and shows those the signed-in user's role allows as tabs. A view is a
QWidget built from the station's database worker and the user. Views with a ``group`` share
one tab of that name, as tabs of their own inside it: an administrator's fifteen views do
not fit one row of tabs on a 1024-pixel screen, and the ones used at set-up can wait a click.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtWidgets import QWidget

from app.users import UserRecord

OFFICE_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class OfficeView:
    title: str
    roles: tuple[str, ...]
    order: int
    build: Callable[..., QWidget]  # (DatabaseWorker, UserRecord) -> QWidget
    group: str | None = None


_VIEWS: list[OfficeView] = []


ADMINISTRATION = "Administration"
PLANT_SET_UP = "Plant set-up"


def office_view(title: str, roles: tuple[str, ...] = OFFICE_ROLES, order: int = 50, group: str | None = None):
    """Register a factory ``(database, user) -> QWidget`` as a tab for these roles (inside ``group``'s tab)."""
    def register(factory: Callable[..., QWidget]) -> Callable[..., QWidget]:
        _VIEWS.append(OfficeView(title, roles, order, factory, group))
        return factory
    return register


_loaded = False


def _load() -> None:
    # Named, not discovered: the bundle carries only what an import statement names.
    global _loaded
    from ui.office import (attachments, audit_trail, certificate_detail, certificate_list,  # noqa: F401
                           certificates, coverage, jobs, needs_supervisor, other_systems, packs, routes, serial,
                           serial_batches, settings, users)
    _loaded = True


def views_for(user: UserRecord) -> list[OfficeView]:
    """The views ``user`` may see, in their order; none for an operator."""
    if not _loaded:
        _load()
    return sorted((v for v in _VIEWS if user.role in v.roles), key=lambda v: (v.order, v.title))
