"""What the office's Packs view and pack dialog ask besides app.pack and app.queries.packs, Qt-free: the jobs
to choose from with the plant the last pack named, a pasted or scanned list read as serial ids, and a file
checked against the packs made here ("is this the pack we sent?")."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from app import jobs
from app.jobs import JobRecord
from app.pack.store import PackRecord, file_sha256
from app.queries.packs import list_packs, packs_of_digest


@dataclass(frozen=True)
class PackChoices:
    jobs: list[JobRecord]
    plant: str  # as the last pack made printed it, so it is typed once per plant; "" before the first


def pack_choices() -> PackChoices:
    last = list_packs(limit=1)
    return PackChoices(jobs.list_jobs(include_closed=True), last[0].plant if last else "")


def listed_serials(text: str) -> list[str]:
    """A scanned or pasted list as serial ids: one a line, or separated by spaces, commas or semicolons;
    repeats once, in the order first given."""
    return list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text or "") if part))


@dataclass(frozen=True)
class FileCheck:
    path: str
    sha256: str
    packs: list[PackRecord]  # made here with exactly this file, oldest first


def check_file(path: str | os.PathLike) -> FileCheck:
    """The sha256 of the file at ``path`` and the packs made here whose file it is, byte for byte."""
    sha = file_sha256(path)
    return FileCheck(str(path), sha, packs_of_digest(sha))
