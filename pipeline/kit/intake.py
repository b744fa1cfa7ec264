"""Taking a file in safely: size limits before reading, zip limits before inflating, XML entity
declarations refused before any XML parser sees them.

Everything a user hands in passes through ``screen`` before any plugin sees it, whether it came
from disk, the upload page or the pipeline, so the checks that protect memory (file size, zip
bombs, XML bombs) and the plain-language rejections of files that are not returns at all (empty,
encrypted, damaged) live in one place.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.kit.hooks import WHOLE_FILE, Issue, SourceFile

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_CENTRAL_MAGIC = b"PK\x01\x02"
UTF8_BOM = b"\xef\xbb\xbf"
PDF_MAGIC = b"%PDF-"
ZIP_EXTENSIONS = frozenset({"docx", "xlsx", "zip", "odt", "ods"})
#: The first part of every OpenDocument package, stored: "mimetype" holding one of these.
ODF_MIMETYPES = {b"application/vnd.oasis.opendocument.text": "odt",
                 b"application/vnd.oasis.opendocument.spreadsheet": "ods"}
ODF_MANIFEST = "META-INF/manifest.xml"


@dataclass(frozen=True)
class Limits:
    """Bounds on what is read. Defaults suit a Word or Excel return; override by environment:
    ``TECHBENCH_MAX_FILE_MB``, ``TECHBENCH_MAX_UNZIPPED_MB``, ``TECHBENCH_MAX_ZIP_RATIO``."""

    max_file_bytes: int = 20 * MB
    max_unzipped_bytes: int = 100 * MB
    max_zip_ratio: float = 100.0
    max_zip_members: int = 2_000

    @classmethod
    def from_env(cls) -> Limits:
        def number(var: str, default: float) -> float:
            raw = os.environ.get(var)
            try:
                return float(raw) if raw else default
            except ValueError:
                return default

        d = cls()
        return cls(
            max_file_bytes=int(number("TECHBENCH_MAX_FILE_MB", d.max_file_bytes / MB) * MB),
            max_unzipped_bytes=int(number("TECHBENCH_MAX_UNZIPPED_MB", d.max_unzipped_bytes / MB) * MB),
            max_zip_ratio=number("TECHBENCH_MAX_ZIP_RATIO", d.max_zip_ratio),
        )


class Rejected(Exception):
    """The file cannot be read at all. Carries one issue that says why."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.issue = Issue(rule=rule, severity="error", location=WHOLE_FILE, message=message)


def _human(n: float) -> str:
    return f"{n / MB:.1f} MB" if n >= MB / 10 else f"{int(n)} bytes"


def read_source(path: Path, limits: Limits) -> SourceFile:
    """Read ``path`` into memory if it is within the size limit; raise ``Rejected`` otherwise."""
    try:
        if path.is_dir():
            raise Rejected("file.unreadable", f"'{path}' is a folder, not a file.")
        size = path.stat().st_size
    except FileNotFoundError:
        raise Rejected("file.unreadable", f"There is no file at '{path}'.") from None
    except OSError as exc:
        raise Rejected("file.unreadable", f"The file could not be opened ({exc.strerror}).") from None
    if size > limits.max_file_bytes:
        raise too_large(size, limits)
    try:
        with path.open("rb") as fh:
            # read(n) sets aside n bytes up front: ask for the file's size, not for the limit
            data = fh.read(min(size, limits.max_file_bytes) + 1)
            if len(data) > size:  # it grew since stat (or stat cannot tell): read on, to the limit
                data += fh.read(limits.max_file_bytes + 1 - len(data))
    except OSError as exc:
        raise Rejected("file.unreadable", f"The file could not be read ({exc.strerror}).") from None
    if len(data) > limits.max_file_bytes:  # grew while we looked
        raise Rejected("file.too_large", f"The file is over the limit of {_human(limits.max_file_bytes)}.")
    return SourceFile(name=path.name, data=data)


def too_large(size: int, limits: Limits) -> Rejected:
    return Rejected(
        "file.too_large",
        f"The file is {_human(size)}; the limit is {_human(limits.max_file_bytes)}. "
        "Remove embedded images or attachments and try again.",
    )


def screen(source: SourceFile, limits: Limits) -> None:
    """Reject files no plugin should be given: too large, empty, encrypted, damaged, bomb-like
    zips, and XML that declares entities. The one check every path into the readers goes through:
    bytes from an upload are checked here exactly as a file read from disk is."""
    data = source.data
    if len(data) > limits.max_file_bytes:
        raise too_large(len(data), limits)
    if not data.removeprefix(UTF8_BOM).strip():  # Notepad's "empty" UTF-8 file is just a BOM
        raise Rejected("file.empty", "The file is empty.")
    if data.startswith(OLE_MAGIC):
        raise Rejected(
            "file.encrypted_or_legacy",
            "This is either a password-protected Office file or an old .doc/.xls file. "
            "Remove the password (File > Info > Protect) and save it as .docx or .xlsx.",
        )
    if data.startswith(ZIP_MAGIC) or source.extension in ZIP_EXTENSIONS:
        check_zip(data, limits)
        check_odf(data)
    elif data.startswith(PDF_MAGIC) or source.extension == "pdf":
        from pipeline.kit import pdf  # PDF structure is the PDF reader's business; imported only for PDFs

        pdf.screen(data, limits)
    elif _looks_like_xml(data):
        scanner = _EntityScanner("The file")
        for pos in range(0, len(data), MB):
            scanner.feed(memoryview(data)[pos:pos + MB])


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse zip bombs: too many parts, too large or too compressed by the central directory,
    and parts that inflate to more than their declared size; and XML bombs: any part that
    declares XML entities or a document type (see ``_EntityScanner``).

    Declared sizes alone are not enough: ``ZipFile.read`` inflates a member's whole compressed
    data in one go and only then cuts it to the declared size, so a part declared as 5 KB can
    still cost hundreds of MB. Each part is therefore inflated once here, in small steps and
    never kept, and refused as soon as it gives more than it declared.
    """
    if not data.startswith(ZIP_MAGIC):
        raise Rejected(
            "file.corrupt",
            "The file's name says it is a Word/Excel/OpenDocument/zip file but its content is not. "
            "Save it again from Word or Excel, or check that it is the right file.",
        )
    # Every part costs memory while the directory is read, so count them first (an upper bound:
    # each directory entry starts with this signature).
    parts = data.count(ZIP_CENTRAL_MAGIC)
    if parts > limits.max_zip_members:
        raise Rejected("file.zip_limits", f"The file contains about {parts} parts; at most "
                       f"{limits.max_zip_members} are accepted.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise Rejected("file.corrupt", DAMAGED) from None
    # No second count of ``members``: zipfile refuses a directory entry without the signature, so
    # there are never more of them than the count above.
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise Rejected(
            "file.zip_limits",
            f"The file would expand to {_human(total)} when opened; the limit is "
            f"{_human(limits.max_unzipped_bytes)}. It is not a normal return.",
        )
    worst = max((m.file_size / max(m.compress_size, 1) for m in members), default=0.0)
    if worst > limits.max_zip_ratio and total > MB:
        raise Rejected(
            "file.zip_limits",
            f"Part of the file is compressed {worst:.0f} to 1 (limit {limits.max_zip_ratio:.0f} to 1); "
            "this is how harmful 'zip bombs' look, so the file is refused.",
        )
    if any(m.flag_bits & 0x1 for m in members):
        raise Rejected("file.encrypted_or_legacy", "The file is password-protected; remove the password and resend it.")
    for member in members:
        _check_part(data, member)


def odf_kind(data: bytes) -> str | None:
    """'odt' or 'ods' for an OpenDocument text or spreadsheet package, by its stored ``mimetype``
    part (the first, uncompressed, as the standard requires); None for anything else. Never raises."""
    if data[30:38] != b"mimetype":
        return None
    for mimetype, kind in ODF_MIMETYPES.items():
        if data[38:38 + len(mimetype)] == mimetype:
            return kind
    return None


def check_odf(data: bytes) -> None:
    """Refuse a password-protected OpenDocument file: its manifest gives the parts' encryption
    data (the zip itself is not encrypted, so ``check_zip`` does not see it). Call after
    ``check_zip``, which has checked that every part inflates to no more than it declares."""
    if odf_kind(data) is None:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = zf.read(ODF_MANIFEST) if ODF_MANIFEST in zf.namelist() else b""
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error):
        raise Rejected("file.corrupt", DAMAGED) from None
    if b"encryption-data" in manifest:
        raise Rejected("file.encrypted_or_legacy",
                       "The file is password-protected. Open it in LibreOffice, save it again without a "
                       "password (File > Save As, untick 'Save with password') and resend it.")


DAMAGED = ("The file is damaged or incomplete (it may have been cut short while uploading "
           "or copying). Save it again and resend it.")


# Entities are how XML is made to explode while parsed: ten nested entities of ten references
# each ("billion laughs") turn 20 KB into gigabytes, one large entity referenced many times does
# the same quadratically, and an external entity (SYSTEM "file:///etc/passwd") reads the server's
# files. Entities can only be declared inside a document type declaration, and Word, Excel and
# LibreOffice never write either in a document's parts, so both are refused on sight, in every
# part whatever its name (a reader parses a part by what the package says it is, not by its name),
# in every encoding an XML parser accepts, before any parser is given the file. The parsers are
# hardened as well (openpyxl parses through defusedxml; python-docx's lxml parser does not resolve
# entities), but the refusal here does not depend on them and names the part.
_DECLARATIONS = tuple(
    (pattern.encode(encoding), what)
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037")
    for pattern, what in (("<!ENTITY", "entities"), ("<!DOCTYPE", "doctype"))
)
_LONGEST = max(len(p) for p, _ in _DECLARATIONS)
_XML_STARTS = tuple(b.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be") for b in ("<?xml", "<!"))


def _looks_like_xml(data: bytes) -> bool:
    """Whether a file outside a zip is XML a reader might parse (HTML and the like are not)."""
    head = data[:64]
    for bom in (UTF8_BOM, b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    return head.lstrip(b" \t\r\n\x00").startswith(_XML_STARTS)


class _EntityScanner:
    """Streams through a part in chunks (keeping only the last few bytes of the previous one) and
    refuses it on the first entity or document type declaration."""

    def __init__(self, where: str) -> None:
        self.where, self.tail = where, b""

    def feed(self, chunk) -> None:
        window = self.tail + bytes(chunk)
        for pattern, what in _DECLARATIONS:
            if pattern in window:
                raise Rejected("file.xml_entities", self._message(what))
        self.tail = window[-(_LONGEST - 1):]

    def _message(self, what: str) -> str:
        declares = ("declares XML entities" if what == "entities"
                    else "contains an XML document type declaration (DOCTYPE)")
        return (f"{self.where} {declares}, which Word and Excel never write; this is how harmful "
                "'XML bombs' look (and how they read files on the server), so the file is refused. "
                "Open it in Word or Excel, save it again and resend it.")


def _check_part(data: bytes, member: zipfile.ZipInfo) -> None:
    """Read one part in steps of at most 1 MB, never keeping it: refuse it if it inflates to more
    than it declares, or if it declares XML entities or a document type."""
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Rejected("file.corrupt", "The file uses a kind of compression Word and Excel never use. "
                       "Open it in Word or Excel, save it again and resend it.")
    offset = member.header_offset
    if data[offset:offset + 4] != ZIP_MAGIC or offset + 30 > len(data):
        raise Rejected("file.corrupt", DAMAGED)
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    scanner = _EntityScanner(f"The part '{member.filename[:80]}'")
    if member.compress_type == zipfile.ZIP_STORED:
        # read as stored bytes, cut to the declared size: it cannot grow
        stored = memoryview(data)[start:start + member.compress_size]
        for pos in range(0, len(stored), MB):
            scanner.feed(stored[pos:pos + MB])
        return
    compressed = memoryview(data)[start:start + member.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced, step = 0, 64 * 1024

    def count(chunk: bytes) -> None:
        nonlocal produced
        produced += len(chunk)
        if produced > member.file_size:
            raise Rejected(
                "file.zip_limits",
                f"The part '{member.filename[:80]}' says it holds {_human(member.file_size)} but holds "
                "more; this is how harmful 'zip bombs' look, so the file is refused.",
            )
        if chunk:
            scanner.feed(chunk)

    try:
        for pos in range(0, len(compressed), step):
            pending = compressed[pos:pos + step]
            while pending and not inflater.eof:
                count(inflater.decompress(pending, MB))
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        count(inflater.flush())
    except zlib.error:
        raise Rejected("file.corrupt", DAMAGED) from None
