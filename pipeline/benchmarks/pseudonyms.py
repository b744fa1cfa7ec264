"""Pseudonyms for peers under disclosure control: "Peer k", numbered by a keyed hash so that the
numbers follow neither the alphabet nor another viewer's numbering (the rules:
``pipeline.benchmarks.disclosure``)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable

import polars as pl

SALT_VARIABLE = "TECHBENCH_DISCLOSURE_SALT"
_PROCESS_SALT = secrets.token_hex(16)


def salt_bytes(salt: str | bytes | None) -> bytes:
    """The salt given, else ``TECHBENCH_DISCLOSURE_SALT``, else one made for this process."""
    if salt is None:
        salt = os.environ.get(SALT_VARIABLE) or _PROCESS_SALT
    return salt if isinstance(salt, bytes) else salt.encode()


def pseudonyms(values: Iterable[str | None], keep: Iterable[str] = (), *,
               salt: str | bytes | None = None) -> dict[str, str]:
    """{value: "Peer k"} for every distinct value not in ``keep``, numbered in the order of
    HMAC-SHA256(salt, value): deterministic for a salt and a set of values, unrelated to the alphabet."""
    key = salt_bytes(salt)
    kept = set(keep)
    others = {v for v in values if v is not None and v not in kept}
    ordered = sorted(others, key=lambda v: (hmac.new(key, v.encode(), hashlib.sha256).digest(), v))
    return {v: f"Peer {i}" for i, v in enumerate(ordered, 1)}


def anonymise(frame: pl.DataFrame, column: str, keep: set[str], *, salt: str | bytes | None = None,
              universe: Iterable[str] | None = None) -> pl.DataFrame:
    """Replace every value of ``column`` not in ``keep`` by its pseudonym ("Peer 1", …).

    Numbering is over ``universe`` (e.g. every slug of the register, so that a peer has the same
    number in every table) or, by default, over the column's own values. Nulls stay null.
    """
    values = frame[column].cast(pl.String)
    mapping = pseudonyms(universe if universe is not None else values.unique().to_list(), keep, salt=salt)
    missing = set(values.drop_nulls().unique().to_list()) - set(mapping) - set(keep)
    if missing:
        raise ValueError(f"{len(missing)} value(s) of {column!r} are not in the universe given")
    return frame.with_columns(pl.col(column).cast(pl.String).replace(mapping))


def view_key(salt: str | bytes | None, role: str, viewer: str | None, account: str | None) -> bytes:
    """The key of one view's numbering: per reviewer account, else per viewer, so that the same
    peer has unrelated numbers in two views and one viewer who recognises a peer cannot tell the
    others its number."""
    key = salt_bytes(salt)
    if role == "reviewer" and account:
        return hmac.new(key, b"reviewer\x00" + account.encode(), hashlib.sha256).digest()
    if viewer:
        return hmac.new(key, b"viewer\x00" + viewer.encode(), hashlib.sha256).digest()
    return key


def token(key: bytes, value: str) -> str:
    """A short keyed token standing for ``value`` (a file hash could be matched against a published plan)."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:12]
