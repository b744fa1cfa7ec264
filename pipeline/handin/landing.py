"""The landing zone: every file handed in, kept as it came, named by its content.

``landing/<signatory>/<stage>/<sha256>.<ext>`` holds the bytes, written atomically (``*.part``
then rename, so the sensor never sees half a file), and ``<sha256>.sidecar.json`` beside it (written
last: a file counts as landed only once its sidecar exists) says who sent
it, when and under what name. The same bytes sent twice are one submission. Nothing here is ever
modified or deleted by the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath

from pipeline.ids import MAX_STAGE, STAGES, is_slug
from pipeline.kit.intake import Limits, read_source
from pipeline.kit.hooks import SourceFile

EXT_RE = re.compile(r"^[a-z0-9]{1,8}$")
SIDECAR = ".sidecar.json"


class LandingError(Exception):
    """The file cannot be landed; the message says why, for the person handing it in."""


@dataclass(frozen=True)
class Landed:
    sha256: str
    signatory: str
    stage: int
    path: Path
    original_name: str
    sender: str
    received_at: str  # ISO 8601, UTC
    size: int
    new: bool = True

    @property
    def received(self) -> dt.date:
        return dt.datetime.fromisoformat(self.received_at).date()


def write_atomically(path: Path, data: bytes) -> None:
    """Write to ``<name>.part``, sync, then rename into place: readers see all of it or none."""
    part = path.with_name(path.name + ".part")
    with part.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)


def land_source(source: SourceFile, signatory: str, stage: int, landing: Path, sender: str,
                now: dt.datetime | None = None) -> Landed:
    if not is_slug(signatory):
        raise LandingError(f"'{signatory}' is not a signatory slug (lowercase letters, digits, hyphens)")
    if stage not in STAGES:
        raise LandingError(f"stage must be 1 to {MAX_STAGE}, not {stage}")
    ext = PurePath(source.name).suffix.lower().lstrip(".")
    ext = ext if EXT_RE.match(ext) else "bin"
    folder = landing / signatory / str(stage)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source.sha256}.{ext}"
    sidecar = folder / f"{source.sha256}{SIDECAR}"
    if sidecar.exists():  # the same bytes again: one submission
        return read_sidecar(sidecar, new=False)
    received = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    landed = Landed(source.sha256, signatory, stage, path, PurePath(source.name).name[:200], sender[:200],
                    received, len(source.data))
    write_atomically(path, source.data)
    record = {k: v for k, v in asdict(landed).items() if k not in ("path", "new")}
    record["file"] = path.name
    write_atomically(sidecar, json.dumps(record, indent=2).encode())  # last: marks the file complete
    return landed


def land_file(path: Path, signatory: str, stage: int, landing: Path, sender: str, limits: Limits | None = None,
              received: dt.datetime | None = None) -> Landed:
    """Land a file from disk; its size is checked before it is read. ``received`` back-dates a
    file that arrived earlier (historical returns, the synthetic sector); by default, now."""
    from pipeline.kit.intake import Rejected

    try:
        source = read_source(path, limits or Limits.from_env())
    except Rejected as rejected:
        raise LandingError(rejected.issue.message) from None
    return land_source(source, signatory, stage, landing, sender, now=received)


def read_sidecar(sidecar: Path, new: bool = True) -> Landed:
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    return Landed(record["sha256"], record["signatory"], int(record["stage"]), sidecar.with_name(record["file"]),
                  record["original_name"], record["sender"], record["received_at"], int(record["size"]), new)


def scan(landing: Path, signatory: str | None = None) -> list[Landed]:
    """Every complete landed file (its sidecar written), oldest first; only ``signatory``'s if given.
    Unreadable sidecars are skipped here and reported by the pipeline's run log."""
    found = []
    if not landing.is_dir():
        return found
    for sidecar in landing.glob(f"{signatory or '*'}/*/*{SIDECAR}"):
        try:
            found.append(read_sidecar(sidecar))
        except (OSError, ValueError, KeyError):
            continue
    return sorted(found, key=lambda f: (f.received_at, f.sha256))
