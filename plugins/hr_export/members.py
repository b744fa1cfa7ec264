"""The export's zip: its members found by file name wherever they sit, and their text decoded.

Exports are often zipped as a folder, so a member is known by its file name in any folder and any
case; paths that climb out of the export are never followed. What stops a member being read (too
large, damaged) is reported once and remembered in ``refused``.
"""

from __future__ import annotations

import codecs
import re
import zipfile

from pipeline.kit import ReturnBuilder
from plugins.hr_export import codes as C

MB = 1024 * 1024


def _parts(name: str) -> list[str]:
    return name.replace("\\", "/").split("/")


def unsafe(name: str) -> bool:
    """A member path that is absolute or climbs out of the export (never followed, never extracted)."""
    norm = name.replace("\\", "/")
    return norm.startswith("/") or bool(re.match(r"^[A-Za-z]:", norm)) or ".." in norm.split("/")


def _ignored(name: str) -> bool:
    """Folders and the clutter zip tools add (macOS resource forks)."""
    parts = _parts(name)
    return name.endswith(("/", "\\")) or parts[0] == "__MACOSX" or parts[-1].startswith("._")


def member_names(names: list[str]) -> set[str]:
    """Which of the export's files a zip's name list holds (by file name, any folder, any case)."""
    return {_parts(n)[-1].lower() for n in names if not _ignored(n) and not unsafe(n)} & set(C.MEMBERS)


def _shown(name: str) -> str:
    """A member name fit for a message: printable and not too long."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name)
    return clean if len(clean) <= 80 else clean[:77] + "..."


def decode(data: bytes) -> str:
    """Text as HR systems and Excel save it: UTF-8 with or without a BOM, UTF-16 with a BOM
    ("Unicode text"), else Windows-1252. Line endings become plain newlines later."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    body = data.removeprefix(codecs.BOM_UTF8)
    for encoding in ("utf-8", "cp1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")  # never fails: cp1252 leaves five bytes undefined


class Members:
    """The export's files in one open zip: file name (lower case) -> its zip entry."""

    def __init__(self, zf: zipfile.ZipFile, b: ReturnBuilder) -> None:
        self.zf, self.b = zf, b
        self.found: dict[str, zipfile.ZipInfo] = {}
        self.refused: set[str] = set()
        self._index()

    def issue(self, rule: str, severity: str, location: str, message: str) -> None:
        self.b.issue(rule, severity, None, location, message)

    def _index(self) -> None:
        for info in self.zf.infolist():
            name = info.filename
            if _ignored(name) or info.is_dir():
                continue
            if unsafe(name):
                self.issue("export.unsafe_path", "warning", f"zip member '{_shown(name)}'",
                           f"The zip holds '{_shown(name)}', whose path points outside the export folder; "
                           "it is ignored. Zip the export's files themselves.")
                continue
            base = _parts(name)[-1].lower()
            if base not in C.MEMBERS and base != C.README.lower():
                continue  # other attachments are allowed and not read
            if base in self.found:  # the one nearest the top of the zip is read
                kept, ignored = self.found[base], info
                if len(_parts(name)) < len(_parts(kept.filename)):
                    kept, ignored = info, kept
                    self.found[base] = info
                self.issue("export.duplicate_file", "warning", f"zip member '{_shown(ignored.filename)}'",
                           f"The zip holds two files named {base}; '{_shown(kept.filename)}' is read and "
                           f"'{_shown(ignored.filename)}' is ignored.")
                continue
            self.found[base] = info

    def read(self, name: str) -> bytes | None:
        """A member's content, or None (with an issue) if it is missing, too large or damaged."""
        info = self.found.get(name)
        if info is None:
            return None
        where = info.filename
        if info.file_size > C.MAX_MEMBER_BYTES:
            self.refused.add(name)
            self.issue("file.too_large", "error", where,
                       f"The file {name} is {info.file_size / MB:.1f} MB; files in the export may be at most "
                       f"{C.MAX_MEMBER_BYTES // MB} MB each. It was not read.")
            return None
        try:
            return self.zf.read(info)
        except Exception:  # bad CRC, unsupported compression, encryption: all mean "damaged" to a lead
            self.refused.add(name)
            self.issue("file.corrupt", "error", where,
                       f"The file {name} could not be taken out of the zip; it is damaged or password-protected. "
                       "Make the export again and resend it.")
            return None

    def text(self, name: str) -> tuple[str, str] | None:
        """A member's (path in the zip, decoded text), or None as for ``read``."""
        data = self.read(name)
        if data is None:
            return None
        return self.found[name].filename, decode(data)

