"""The identifiers every layer shares, each defined once: signatory slugs, stages, submission ids, roles."""

from __future__ import annotations

import re
from typing import NamedTuple

#: A signatory's slug: lowercase letters, digits and hyphens, as in URLs and folder names.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")

#: Stages 1, 2, 3, then the submissions after Stage 3 numbered 4, 5, ... (every two years).
MAX_STAGE = 9
STAGES = range(1, MAX_STAGE + 1)
STAGE_CHOICES = "1, 2 or 3 (4 and later for the submissions after Stage 3)"

#: Who uses the dashboard: the sector steering group, the peer review panel, an institution.
ROLES = ("steering", "reviewer", "institution")

SEPARATOR = "|"
SUBMISSION_RE = re.compile(rf"^({SLUG_RE.pattern.strip('^$')})\|(\d+)\|([0-9a-f]{{64}})$")


class SubmissionId(NamedTuple):
    """A submission: one file (by its SHA-256) for one signatory and stage, written ``slug|stage|sha256``."""

    signatory: str
    stage: int
    sha256: str

    def __str__(self) -> str:
        return SEPARATOR.join((self.signatory, str(self.stage), self.sha256))


def is_slug(text: str | None) -> bool:
    return isinstance(text, str) and SLUG_RE.match(text) is not None


def submission_id(signatory: str, stage: int, sha256: str) -> str:
    return str(SubmissionId(signatory, stage, sha256))


def parse_submission_id(text: str) -> SubmissionId | None:
    """The parts of a well-formed submission id, or None."""
    m = SUBMISSION_RE.match(text or "")
    return SubmissionId(m.group(1), int(m.group(2)), m.group(3)) if m else None


def submission_signatory(text: str) -> str:
    """The signatory part of any ``signatory|stage|...`` id (also the ids tests and peers' pseudonyms use)."""
    return text.split(SEPARATOR, 1)[0]


def submission_stage(text: str) -> str:
    """The stage part of any ``signatory|stage|...`` id, as written."""
    parts = text.split(SEPARATOR)
    return parts[1] if len(parts) > 1 else ""
