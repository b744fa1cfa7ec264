"""Adding and correcting signatories: the one write path the command line and the dashboard share.

A change is checked exactly as the file is (every column's rule, a slug used once, the UKPRN known
and matching the name), then written atomically to the home's ``register.csv`` (made from the
repository's register the first time) and recorded in the audit trail with the values before and
after. A lock file keeps two writers (the dashboard and a command) from losing each other's change.
The pipeline reads the new register at its next run.
"""

from __future__ import annotations

import csv
import fcntl
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.programme import audit
from pipeline.settings import Paths
from pipeline.programme.signatories import (COLUMNS, Problem, RegisterError, Signatory, read_register_lines, read_text,
                                  row_problems, write_rows)
from pipeline.programme.ukprn import ukprn_problem, ukprn_problems

#: Columns a correction may change: all but the slug, which every other record keys on.
CORRECTABLE = tuple(c for c in COLUMNS if c != "slug")
ROW = ""  # the key of a problem that concerns the whole row, not one column


class ChangeRejected(Exception):
    """The change was not made; ``problems`` maps each column (``ROW``: the row) to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{c}: {m}" if c else m for c, m in problems.items()))


def check_text(text: str) -> tuple[list[tuple[int, Signatory]], list[Problem]]:
    """Every problem in a register's text, the file's own and its UKPRNs', each with its line."""
    rows, problems = read_register_lines(text)
    return rows, sorted(problems + ukprn_problems(rows), key=lambda p: (p.line or 0))


def check_register(path: Path) -> tuple[list[Signatory], list[str]]:
    """The register at ``path`` (its readable rows) and each of its problems as text
    ('<file>, line N, column 'c': ...'); unreadable: no rows and one problem."""
    try:
        text = read_text(path)
    except RegisterError as exc:
        return [], exc.problems
    rows, problems = check_text(text)
    return [s for _, s in rows], [p.text(str(path)) for p in problems]


def rows(paths: Paths) -> list[dict[str, str]]:
    """The register in use as the file holds it: one dict of column -> text per signatory."""
    reader = csv.DictReader(io.StringIO(read_text(paths.register).lstrip("\ufeff")))
    return [{c: (row.get(c) or "").strip() for c in COLUMNS} for row in reader]


@contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    paths.home.mkdir(parents=True, exist_ok=True)
    with (paths.home / "register.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _commit(paths: Paths, table: list[dict[str, str]], index: int) -> Signatory:
    """Check row ``index`` of the changed register as the file check would (its columns, then its
    UKPRN, which no other row may have) and write the register; its problems are the rejection.
    Problems already on other rows do not block a change (one of them may be the fix)."""
    line = index + 2  # the header is line 1
    signatory, problems = row_problems(table[index], line)
    if signatory is not None:
        others = {r["ukprn"]: r["slug"] for i, r in enumerate(table)
                  if i != index and r["ukprn"] and r["synthetic"] != "true"}
        message = ukprn_problem(signatory)
        if message is None and signatory.ukprn in others and not signatory.synthetic:
            message = f"{signatory.ukprn} is already given to '{others[signatory.ukprn]}'"
        problems += [Problem(line, "ukprn", message)] if message else []
    if problems:
        raise ChangeRejected({p.column or ROW: p.message for p in problems})
    write_rows(table, paths.home / "register.csv")
    return signatory


def _clean(values: dict[str, str | None], allowed: tuple[str, ...]) -> dict[str, str]:
    unknown = {k: "not a column of the register" for k in values if k not in allowed}
    if "slug" in unknown and allowed is CORRECTABLE:
        unknown["slug"] = "the slug cannot be corrected: submissions, accounts and the audit trail key on it"
    if unknown:
        raise ChangeRejected(unknown)
    return {k: (v or "").strip() for k, v in values.items()}


def add(paths: Paths, actor: str, values: dict[str, str | None]) -> Signatory:
    """Add a signatory (column -> text, as in the file); ``plugin`` defaults to the official form and
    ``synthetic`` to false."""
    given = _clean(values, COLUMNS)
    new = {c: "" for c in COLUMNS} | {"plugin": "official_form", "synthetic": "false"} | given
    with _locked(paths):
        table = rows(paths)
        if any(r["slug"] == new["slug"] for r in table):
            raise ChangeRejected({"slug": f"'{new['slug']}' is already in the register"})
        table.append(new)
        signatory = _commit(paths, table, len(table) - 1)
        audit.record(paths, actor, "signatory.add", signatory.slug,
                     {"after": {c: v for c, v in new.items() if v}})
    return signatory


def correct(paths: Paths, actor: str, slug: str, changes: dict[str, str | None], reason: str = "") -> Signatory:
    """Correct columns of one signatory (column -> new text; blank clears an optional column)."""
    given = _clean(changes, CORRECTABLE)
    with _locked(paths):
        table = rows(paths)
        index = next((i for i, r in enumerate(table) if r["slug"] == slug), None)
        if index is None:
            raise ChangeRejected({"slug": f"'{slug}' is not in the register"})
        before = table[index]
        changed = {c: v for c, v in given.items() if before[c] != v}
        if not changed:
            raise ChangeRejected({ROW: "nothing to change: every value given is already in the register"})
        table[index] = before | changed
        signatory = _commit(paths, table, index)
        details = {"before": {c: before[c] for c in changed}, "after": changed}
        audit.record(paths, actor, "signatory.correct", slug, details | ({"reason": reason} if reason else {}))
    return signatory


def trail(paths: Paths) -> list[audit.Entry]:
    """The register's changes, newest first."""
    return list(reversed(audit.entries(paths, action_prefix="signatory.")))
