"""The audit trail: who changed the programme's records (the register, extensions), when, and what.

One JSON object per line in ``<home>/audit.jsonl``, appended and synced, never rewritten: the
steering group can always see how a record came to be as it is. Lines are small, so appends from
the dashboard and the command line at once do not interleave.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.settings import Paths

FILE_NAME = "audit.jsonl"


@dataclass(frozen=True)
class Entry:
    at: str  # ISO 8601, UTC, seconds
    actor: str  # the account or operator who made the change
    action: str  # e.g. "signatory.add", "signatory.correct", "extension.grant"
    subject: str  # what it is about: a signatory's slug
    details: dict[str, Any] = field(default_factory=dict)  # before/after values, reasons


def record(paths: Paths, actor: str, action: str, subject: str, details: dict[str, Any] | None = None,
           now: dt.datetime | None = None) -> Entry:
    return record_many(paths, actor, [(action, subject, details)], now)[0]


def record_many(paths: Paths, actor: str, changes: list[tuple[str, str, dict[str, Any] | None]],
                now: dt.datetime | None = None) -> list[Entry]:
    """Append one entry per (action, subject, details), in one write and one sync (a batch, such as
    confirming a round's teams, costs one disk flush, not one per entry)."""
    at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    made = [Entry(at, actor, action, subject, dict(details or {})) for action, subject, details in changes]
    if not made:
        return []
    data = "".join(json.dumps(asdict(e), ensure_ascii=False, default=str) + "\n" for e in made).encode("utf-8")
    paths.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.home / FILE_NAME, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a line torn by a crash: start afresh
            data = b"\n" + data
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return made


def entries(paths: Paths, subject: str | None = None, action_prefix: str | None = None) -> list[Entry]:
    """The trail, oldest first; only ``subject``'s and actions starting with ``action_prefix`` if given.
    A damaged line (a crash mid-write) is skipped, never fatal."""
    try:
        text = (paths.home / FILE_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            entry = Entry(**json.loads(line))
        except (ValueError, TypeError):
            continue
        if (subject is None or entry.subject == subject) and (
                action_prefix is None or entry.action.startswith(action_prefix)):
            out.append(entry)
    return out
