"""Reading an HR export: one zip of coded CSV files and a Markdown narrative, in memory only.

Members are found by file name wherever they sit in the zip (exports are often zipped as a
folder); columns by header name, not position. Every value goes through the ``ReturnBuilder``'s
typed setters with its place in the export (``actions.csv, line 5, column 'due'``), so whatever
cannot be read becomes an issue at that place and the rest of the return is still read.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field

from pipeline.kit import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, ReturnBuilder, SourceFile, normalise
from pipeline.schema import DueDate
from plugins.hr_export import codes as C

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024
LAYOUT = ", ".join(C.MEMBERS)


# --- the zip ----------------------------------------------------------------------------------

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


# --- text and CSV -------------------------------------------------------------------------------

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


def header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


@dataclass
class Table:
    """One CSV member: where each column is, and its rows with their line numbers."""

    member: str
    header_line: int = 1
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)  # column -> (index, heading as written)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.columns

    def get(self, cells: list[str], column: str) -> str:
        if column not in self.columns:
            return ""
        i = self.columns[column][0]
        return cells[i] if i < len(cells) else ""

    def place(self, line: int, column: str | None = None) -> str:
        if column is None or column not in self.columns:
            return f"{self.member}, line {line}"
        return f"{self.member}, line {line}, column '{self.columns[column][1]}'"


class _records:
    """Non-blank CSV records with the line each starts on; ``failed_at`` is the line where the
    records stopped being readable (None if they never did)."""

    def __init__(self, text: str, delimiter: str, strict: bool) -> None:
        self.text, self.delimiter, self.strict = text, delimiter, strict
        self.failed_at: int | None = None
        self.unclosed = False  # the text ended inside a quoted value

    def __iter__(self):
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter, strict=self.strict)
        previous = 0
        try:
            for cells in reader:
                line, previous = previous + 1, reader.line_num
                if any(c.strip() for c in cells):
                    yield line, cells
        except csv.Error as exc:
            self.failed_at = previous + 1
            self.unclosed = "end of data" in str(exc)


# --- the reader ---------------------------------------------------------------------------------

class HrExportReader:
    def __init__(self, source: SourceFile, info: PluginInfo, context: ParseContext) -> None:
        self.source, self.context = source, context
        self.b = ReturnBuilder(source, info)
        self.members: dict[str, zipfile.ZipInfo] = {}  # file name (lower case) -> member
        self.refused: set[str] = set()

    def issue(self, rule: str, severity: str, location: str, message: str, pointer: str | None = None) -> None:
        self.b.issue(rule, severity, pointer, location, message)

    # --- whole export -----------------------------------------------------------------------
    def read(self) -> ParseResult:
        data = self.source.data
        if not data.startswith(ZIP_MAGIC):
            self.issue("file.corrupt", "error", WHOLE_FILE,
                       "This is not a zip file. An HR export is handed in as one .zip holding "
                       f"{LAYOUT}.")
            return ParseResult(None, self.b.issues)
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except Exception:  # BadZipFile, and NotImplementedError for versions or features zipfile lacks
            self.issue("file.corrupt", "error", WHOLE_FILE,
                       "The zip file is damaged, incomplete or made in a way techbench cannot open. "
                       "Make the export again (a plain .zip) and resend it.")
            return ParseResult(None, self.b.issues)
        try:
            with zf:
                self._index(zf)
                if not self.members.keys() & set(C.MEMBERS):
                    self.issue("form.not_a_return", "error", WHOLE_FILE,
                               "This zip is not an HR export of a Technician Commitment return: it holds "
                               f"none of the export's files ({LAYOUT}). See the hr_export README for the layout.")
                    return ParseResult(None, self.b.issues)
                self._synthetic_readme(zf)
                self._submission(self._table(zf, C.SUBMISSION))
                self._staff(self._table(zf, C.STAFF), self._table(zf, C.DEPARTMENTS))
                self._registrations(self._table(zf, C.REGISTRATIONS))
                self._measures(self._table(zf, C.MEASURES))
                self._initiatives(self._table(zf, C.INITIATIVES))
                self._actions(self._table(zf, C.ACTIONS))
                self._narrative(self._text(zf, C.NARRATIVE))
        except (zipfile.BadZipFile, EOFError):  # a directory entry that leads nowhere
            self.issue("file.corrupt", "error", WHOLE_FILE,
                       "The zip file is damaged or incomplete (it may have been cut short while uploading). "
                       "Make the export again and resend it.")
            return ParseResult(None, self.b.issues)
        return self.b.build(self.context)

    def _index(self, zf: zipfile.ZipFile) -> None:
        for info in zf.infolist():
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
            if base in self.members:  # the one nearest the top of the zip is read
                kept, ignored = self.members[base], info
                if len(_parts(name)) < len(_parts(kept.filename)):
                    kept, ignored = info, kept
                    self.members[base] = info
                self.issue("export.duplicate_file", "warning", f"zip member '{_shown(ignored.filename)}'",
                           f"The zip holds two files named {base}; '{_shown(kept.filename)}' is read and "
                           f"'{_shown(ignored.filename)}' is ignored.")
                continue
            self.members[base] = info

    def _bytes(self, zf: zipfile.ZipFile, name: str) -> bytes | None:
        """A member's content, or None (with an issue) if it is missing, too large or damaged."""
        info = self.members.get(name)
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
            return zf.read(info)
        except Exception:  # bad CRC, unsupported compression, encryption: all mean "damaged" to a lead
            self.refused.add(name)
            self.issue("file.corrupt", "error", where,
                       f"The file {name} could not be taken out of the zip; it is damaged or password-protected. "
                       "Make the export again and resend it.")
            return None

    def _missing(self, name: str, pointer: str | None, what: str) -> None:
        if name in self.refused:
            return
        self.issue("required", "error", name,
                   f"The export has no {name} ({what}). Add {name} to the zip; the hr_export README "
                   "lists its columns.", pointer)

    def _text(self, zf: zipfile.ZipFile, name: str) -> tuple[str, str] | None:
        data = self._bytes(zf, name)
        if data is None:
            return None
        return self.members[name].filename, decode(data)

    def _table(self, zf: zipfile.ZipFile, name: str) -> Table | None:
        found = self._text(zf, name)
        if found is None:
            return None
        member, text = found
        table = Table(member)
        text = text.lstrip("\ufeff")
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        header: list[str] | None = None
        lenient = _records(text, delimiter, strict=False)
        for line, cells in lenient:
            if header is None:
                header, table.header_line = cells, line
            else:
                table.rows.append((line, cells))
        if lenient.failed_at is not None:
            self.issue("file.corrupt", "error", f"{member}, line {lenient.failed_at}",
                       f"The file {name} cannot be read as CSV from line {lenient.failed_at} on (a value is "
                       "too long or holds binary data). Lines before it were read.")
        else:  # read again strictly, only to point at quotes that would shift every value after them
            strict = _records(text, delimiter, strict=True)
            for _ in strict:
                pass
            if strict.unclosed:  # every later row was swallowed into one value
                self.issue("export.quotes", "error", f"{member}, line {strict.failed_at}",
                           f"The file {name} has a quote that is never closed in the row that starts on line "
                           f"{strict.failed_at}, so the rest of the file was read as one value. Put quotes round "
                           'the whole value and double any quote inside it ("").')
            elif strict.failed_at is not None:
                self.issue("export.quotes", "warning", f"{member}, line {strict.failed_at}",
                           f"The file {name} has a stray quote in the row that starts on line {strict.failed_at}; "
                           "check that row's values. Put quotes round the whole value and double any quote "
                           'inside it ("").')
        for i, heading in enumerate(header or []):
            key = header_key(heading)
            for column in C.COLUMNS[name]:
                if column.name not in table.columns and (key == column.name or key in column.aliases):
                    table.columns[column.name] = (i, heading.strip())
                    break
        lacking = [c.name for c in C.COLUMNS[name] if c.required and c.name not in table.columns]
        if lacking:
            expected = ", ".join(c.name for c in C.COLUMNS[name])
            self.issue("export.columns", "error", f"{member}, line {table.header_line}",
                       f"The file {name} has no {' or '.join(repr(c) for c in lacking)} column. Its first line "
                       f"should name the columns: {expected}.")
        return table

    def _synthetic_readme(self, zf: zipfile.ZipFile) -> None:
        found = self._text(zf, C.README.lower())
        if found is None:
            return
        member, text = found
        for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
            if line.strip().startswith(C.SYNTHETIC_PREFIX):
                self.b.set("/synthetic", True, f"{member}, line {n}")
                return

    # --- submission.csv -----------------------------------------------------------------------
    def _submission(self, table: Table | None) -> None:
        name = C.SUBMISSION
        keys = [*C.TEXT_KEYS, *C.DATE_KEYS, C.STAGE_KEY]
        pointers = {k: v[0] for k, v in {**C.TEXT_KEYS, **C.DATE_KEYS}.items()} | {C.STAGE_KEY: "/stage"}
        if table is None:
            self._missing(name, None, "the organisation's name, the stage, the lead's contact details and the sign-off")
            for key in keys:
                self.b.at(pointers[key], f"{name} (missing from the zip)")
            return
        values: dict[str, tuple[int, str]] = {}
        for line, cells in table.rows:
            key = header_key(table.get(cells, "key"))
            if not key:
                continue
            if key in values:
                self.issue("export.duplicate_key", "warning", table.place(line, "key"),
                           f"The key '{key}' appears twice in {name}; the first (line {values[key][0]}) is used.")
                continue
            values[key] = (line, table.get(cells, "value"))
        for key in keys:
            if key not in values:
                self.b.at(pointers[key], f"{table.member} (no '{key}' row)")
        for key, (pointer, _) in C.TEXT_KEYS.items():
            if key in values:
                line, value = values[key]
                self.b.text(pointer, value, table.place(line, "value"))
        for key, (pointer, what) in C.DATE_KEYS.items():
            if key in values:
                line, value = values[key]
                self.b.parsed(pointer, value, table.place(line, "value"), normalise.parse_day_value,
                              f"{what} must be a day written 2018-11-14 (or 14/11/2018); found '{{raw}}'.",
                              rule="parse.date", store=lambda d: d.isoformat())
        if C.STAGE_KEY in values:
            line, value = values[C.STAGE_KEY]
            self.b.parsed("/stage", value, table.place(line, "value"), normalise.parse_stage,
                          f"The stage must be {normalise.STAGE_CHOICES}; found '{{raw}}'.", rule="parse.stage")
        if C.SYNTHETIC_KEY in values:
            line, value = values[C.SYNTHETIC_KEY]
            if value.strip().startswith(C.SYNTHETIC_PREFIX):
                self.b.set("/synthetic", True, table.place(line, "value"))
        if "export_format" in values:
            line, value = values["export_format"]
            if value.strip() and not value.strip().lower().startswith("techbench hr export 1."):
                self.issue("export.version", "warning", table.place(line, "value"),
                           f"This export says it is '{value.strip()}'; techbench reads '{C.EXPORT_FORMAT}'. "
                           "Check that the columns and codes follow the hr_export README.")

    # --- technical_staff.csv and departments.csv ------------------------------------------------
    def _departments(self, table: Table | None) -> dict[str, tuple[str, str]] | None:
        """dept_code -> (name, its place), or None when there is no lookup to check against."""
        if table is None:
            return None
        lookup: dict[str, tuple[str, str]] = {}
        for line, cells in table.rows:
            code = table.get(cells, "dept_code").strip().upper()
            name = table.get(cells, "dept_name").strip()
            if not code:
                self.issue("export.code", "error", table.place(line, "dept_code"),
                           f"This row of {C.DEPARTMENTS} has no dept_code; give each department its code.")
                continue
            if code in lookup:
                if lookup[code][0] != name:
                    self.issue("export.duplicate_key", "warning", table.place(line, "dept_code"),
                               f"The department code '{code}' is listed twice in {C.DEPARTMENTS} with different "
                               f"names; the first ('{lookup[code][0]}') is used.")
                continue
            lookup[code] = (name, table.place(line, "dept_name"))
        return lookup

    def _staff(self, table: Table | None, departments: Table | None) -> None:
        name = C.STAFF
        if table is None:
            self._missing(name, "/technicians/headcount", "the number of technicians in each department and in total")
            self.b.at("/technicians", f"{name} (missing from the zip)")
            return
        lookup = self._departments(departments)
        if departments is None and table.rows:
            self._missing(C.DEPARTMENTS, None, "the names behind the department codes in technical_staff.csv")
        total_line = None
        seen: dict[str, int] = {}
        i = 0
        counts: list[int | None] = []
        for line, cells in table.rows:
            code = table.get(cells, "dept_code").strip().upper()
            if code == C.TOTAL:
                if total_line is not None:
                    self.issue("export.duplicate_key", "warning", table.place(line, "dept_code"),
                               f"The file {name} has a second TOTAL row; the first (line {total_line}) is used.")
                    continue
                total_line = line
                self.b.integer("/technicians/headcount", table.get(cells, "headcount"),
                               table.place(line, "headcount"), "The total number of technicians")
                self.b.number("/technicians/fte", table.get(cells, "fte"), table.place(line, "fte"), "The total FTE")
                continue
            prefix = f"/technicians/areas/{i}"
            where = table.place(line, "dept_code")
            if not code:
                area = f"(line {line})"
                self.issue("export.code", "error", where,
                           f"This row of {name} has no dept_code; give the department's code from "
                           f"{C.DEPARTMENTS}.", f"{prefix}/name")
            elif lookup is not None and code not in lookup:
                area = code
                self.issue("export.dept_code", "error", where,
                           f"The department code '{code}' is not in {C.DEPARTMENTS}; add a row for it there "
                           "with the department's name (the code stands in for the name meanwhile).",
                           f"{prefix}/name")
            elif lookup is not None and not lookup[code][0]:
                area = code
                self.issue("export.dept_code", "warning", lookup[code][1],
                           f"The department '{code}' has no name in {C.DEPARTMENTS}; the code is used as its name.")
            else:
                area = lookup[code][0] if lookup is not None else code
            if code and code in seen:
                self.issue("export.duplicate_key", "warning", where,
                           f"The department '{code}' has two rows in {name} (lines {seen[code]} and {line}); "
                           "both are counted. Give each department one row.")
            seen.setdefault(code, line)
            self.b.set(f"{prefix}/name", area, where)
            counts.append(self.b.integer(f"{prefix}/headcount", table.get(cells, "headcount"),
                                         table.place(line, "headcount"), f"The headcount for '{area}'"))
            if table.has("fte"):
                self.b.number(f"{prefix}/fte", table.get(cells, "fte"), table.place(line, "fte"), f"The FTE for '{area}'")
            else:
                self.b.at(f"{prefix}/fte", table.place(line))
            i += 1
        if total_line is None:
            where = f"{table.member} (no {C.TOTAL} row)"
            self.b.at("/technicians/headcount", where)
            self.b.at("/technicians/fte", where)
            if i:
                known = [c for c in counts if c is not None]
                self.issue("required", "error", table.member,
                           f"The file {name} has no {C.TOTAL} row, so the total number of technicians is "
                           f"missing. Add a row with dept_code {C.TOTAL} and the total headcount and FTE of "
                           f"technical staff (the departments listed add up to {sum(known)}).",
                           "/technicians/headcount")
        self.b.at("/technicians", table.member)

    # --- registrations.csv and measures.csv -----------------------------------------------------
    def _registrations(self, table: Table | None) -> None:
        if table is None:
            self.b.at("/registrations", f"{C.REGISTRATIONS} (not in the zip)")
            return
        self.b.at("/registrations", table.member)
        i = 0
        for line, cells in table.rows:
            raw_code, label, raw_count = (table.get(cells, c).strip() for c in ("reg_code", "label", "count"))
            if raw_code.upper() == C.TOTAL:
                continue  # a total row some systems add: registrations are counted per register
            register = C.lookup(C.REGISTERS, raw_code) if raw_code else None
            if register is None:
                found = f"'{raw_code}' is not a register code" if raw_code else "This row has no reg_code"
                self.issue("export.code", "error", table.place(line, "reg_code"),
                           f"{found}; use one of: {C.choices(C.REGISTERS, C.REGISTER_NAMES)}. "
                           "The row is not counted until it is corrected.")
                continue
            shown = label or register.value
            count = normalise.parse_int(raw_count)
            if count is None:
                complaint = "is missing" if not raw_count else f"must be a whole number; found '{raw_count}'"
                self.issue("parse.number", "error", table.place(line, "count"),
                           f"The number registered as {shown} {complaint}. The row is not counted until it is "
                           "corrected.")
                continue
            prefix = f"/registrations/{i}"
            self.b.set(f"{prefix}/name", register.value, table.place(line, "reg_code"))
            self.b.text(f"{prefix}/label", label, table.place(line, "label"))
            self.b.set(f"{prefix}/count", count, table.place(line, "count"))
            if register.value == "other" and not label:
                self.issue("export.label", "warning", table.place(line, "label"),
                           "This registration has the code OTHER but no label; give the register's name in the "
                           "label column.", f"{prefix}/label")
            i += 1

    def _measures(self, table: Table | None) -> None:
        if table is None:
            self.b.at("/other_metrics", f"{C.MEASURES} (not in the zip)")
            return
        self.b.at("/other_metrics", table.member)
        i = 0
        for line, cells in table.rows:
            raw_code, label, raw_value = (table.get(cells, c).strip() for c in ("measure_code", "label", "value"))
            code = raw_code.upper()
            if code == C.TOTAL:
                continue
            if raw_code and code not in C.MEASURE_CODES:
                self.issue("export.code", "warning", table.place(line, "measure_code"),
                           f"'{raw_code}' is not a measure code; use one of: {C.choices(C.MEASURE_CODES)} "
                           "(OTHER with a label for anything else).")
            name = label or C.MEASURE_CODES.get(code) or (raw_code if code not in C.MEASURE_CODES else "")
            if not name:
                self.issue("export.label", "error", table.place(line, "label"),
                           f"This measure has {'the code OTHER' if raw_code else 'no code'} and no label, so it "
                           "is not known what it counts; give its name in the label column.")
                continue
            value = normalise.parse_float(raw_value)
            if value is None:
                complaint = "is missing" if not raw_value else f"must be a number; found '{raw_value}'"
                self.issue("parse.number", "error", table.place(line, "value"),
                           f"The value for '{name}' {complaint}. The row is not counted until it is corrected.")
                continue
            where = table.place(line, "label" if label else "measure_code")
            self.b.set(f"/other_metrics/{i}/name", name, where)
            self.b.set(f"/other_metrics/{i}/count", value, table.place(line, "value"))
            i += 1

    # --- initiatives.csv --------------------------------------------------------------------------
    def _initiatives(self, table: Table | None) -> None:
        name = C.INITIATIVES
        if table is None:
            self._missing(name, "/initiatives_since", "the initiatives before and since becoming a signatory")
            for pointer in C.PHASES.values():
                self.b.at(pointer, f"{name} (missing from the zip)")
            return
        counters = dict.fromkeys(C.PHASES, 0)
        for line, cells in table.rows:
            raw_phase, raw_theme, text = (table.get(cells, c).strip() for c in ("phase", "theme_code", "text"))
            phase = raw_phase.upper()
            if phase not in C.PHASES:
                found = f"'{raw_phase}' is not a phase code" if raw_phase else "This initiative has no phase"
                self.issue("export.code", "error", table.place(line, "phase"),
                           f"{found}; use one of: {C.choices(C.PHASE_NAMES)}. The initiative is left out until "
                           "it is corrected.")
                continue
            if not text:
                self.issue("export.blank", "warning", table.place(line, "text"),
                           "This initiative has no text; the row is left out.")
                continue
            prefix = f"{C.PHASES[phase]}/{counters[phase]}"
            self.b.text(f"{prefix}/text", text, table.place(line, "text"))
            if raw_theme:
                self._theme(f"{prefix}/theme", raw_theme, table.place(line, "theme_code"))
            else:
                self.b.at(f"{prefix}/theme", table.place(line, "theme_code"))
            counters[phase] += 1
        for phase, pointer in C.PHASES.items():
            self.b.at(pointer, table.member if counters[phase] else f"{table.member} (no rows with phase {phase})")

    def _theme(self, pointer: str, raw: str, where: str) -> None:
        self.b.parsed(pointer, raw, where, lambda v: C.lookup(C.THEMES, v),
                      f"'{{raw}}' is not a theme code; use one of: {C.choices(C.THEMES)}.",
                      rule="parse.theme", severity="warning", store=lambda t: t.value)

    # --- actions.csv ------------------------------------------------------------------------------
    def _actions(self, table: Table | None) -> None:
        name = C.ACTIONS
        if table is None:
            self._missing(name, "/action_plan", "the action plan")
            self.b.at("/action_plan", f"{name} (missing from the zip)")
            return
        self.b.at("/action_plan", table.member if table.rows else f"{table.member} (no actions listed)")
        ids: dict[str, int] = {}
        for i, (line, cells) in enumerate(table.rows):
            prefix = f"/action_plan/{i}"
            self.b.set(prefix, {}, table.place(line))
            action_id = table.get(cells, "action_id").strip()
            if action_id and action_id.upper() in ids:
                self.issue("export.duplicate_key", "warning", table.place(line, "action_id"),
                           f"The action_id '{action_id}' is used twice (lines {ids[action_id.upper()]} and {line}); "
                           "both actions are read.")
            ids.setdefault(action_id.upper(), line)
            raw_theme = table.get(cells, "theme_code").strip()
            if raw_theme:
                self._theme(f"{prefix}/theme", raw_theme, table.place(line, "theme_code"))
            else:
                self.b.at(f"{prefix}/theme", table.place(line, "theme_code"))
            for column, attr in (("description", "action"), ("owner", "owner"), ("impact_evidence", "evidence")):
                self.b.text(f"{prefix}/{attr}", table.get(cells, column), table.place(line, column))
            self._due(table, line, cells, f"{prefix}/due")
            self.b.enum(f"{prefix}/status", table.get(cells, "status_code"), table.place(line, "status_code"),
                        lambda v: C.lookup(C.STATUSES, str(v)), "status code", C.choices(C.STATUSES))

    def _due(self, table: Table, line: int, cells: list[str], pointer: str) -> None:
        raw = table.get(cells, "due").strip()
        written = table.get(cells, "due_text").strip()
        if not raw:
            if written:  # only the date as people wrote it: read it the way every plugin does
                self.b.due(pointer, written, table.place(line, "due_text"))
            else:
                self.b.at(pointer, table.place(line, "due"))
            return

        def read(value: str) -> DueDate | None:
            due = C.parse_due_code(value) or normalise.parse_due(value)
            if due is not None and written:
                due = DueDate(precision=due.precision, end=due.end, text=written)
            return due

        due = self.b.parsed(pointer, raw, table.place(line, "due"), read,
                            f"'{{raw}}' is not a due date techbench can read; use {C.DUE_CODES}.",
                            rule="parse.date", severity="warning", store=lambda d: d.model_dump(mode="json"))
        if due is not None and written and (as_written := normalise.parse_due(written)) is not None \
                and (as_written.precision, as_written.end) != (due.precision, due.end):
            self.issue("export.due_mismatch", "warning", table.place(line, "due_text"),
                       f"The due date '{raw}' and its text '{written}' disagree; techbench uses '{raw}'. "
                       "Correct whichever is wrong.")

    # --- narrative.md -----------------------------------------------------------------------------
    #: Words that identify a section's heading, checked in this order.
    SECTION_WORDS = {
        "/technician_voice": ("voice",),
        "/technician_definition": ("definition", "define"),
        "/technicians_narrative": ("based", "where", "how many"),
        "/profile": ("profile",),
    }
    EXPECTED = ", ".join(f"'## {t}'" for t in C.NARRATIVE_SECTIONS.values())
    HEADING = re.compile(r"^ {0,3}##(?!#)(?:[ \t]+(.*))?$")
    ESCAPED = re.compile(r"^( {0,3})\\(\\*#)")

    def _section(self, title: str) -> str | None:
        key = normalise.match_key(title)
        for pointer, words in self.SECTION_WORDS.items():
            if any(w in key for w in words):
                return pointer
        return None

    def _narrative(self, found: tuple[str, str] | None) -> None:
        name = C.NARRATIVE
        if found is None:
            self._missing(name, None, "the profile, the technician definition, where technicians are based "
                                      "and the technician voice")
            for pointer in C.NARRATIVE_SECTIONS:
                self.b.at(pointer, f"{name} (missing from the zip)")
            return
        member, text = found
        lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        sections: dict[str, tuple[int, list[tuple[int, str]]]] = {}
        current: list[tuple[int, str]] | None = None
        stray = None
        headed = False
        for n, line in enumerate(lines, start=1):
            if m := self.HEADING.match(line):
                headed = True
                title = (m[1] or "").strip().rstrip("#").strip()
                pointer = self._section(title)
                current = None
                if pointer is None:
                    self.issue("export.narrative", "warning", f"{member}, line {n}",
                               f"The section '{title}' is not one techbench reads ({self.EXPECTED}); "
                               "its text is ignored.")
                elif pointer in sections:
                    self.issue("export.narrative", "warning", f"{member}, line {n}",
                               f"A second '{title}' section; only the first (line {sections[pointer][0]}) is read.")
                else:
                    current = []
                    sections[pointer] = (n, current)
                continue
            if current is not None:
                current.append((n, self.ESCAPED.sub(r"\1\2", line)))
            elif not headed and stray is None and line.strip() and not line.lstrip().startswith(("#", "<!--")) \
                    and not line.strip().startswith(C.SYNTHETIC_PREFIX):
                stray = n
        if stray is not None:
            self.issue("export.narrative", "warning", f"{member}, line {stray}",
                       f"Text before the first '## ' section heading is not read; put it under its heading "
                       f"({self.EXPECTED}).")
        for pointer, title in C.NARRATIVE_SECTIONS.items():
            if pointer not in sections:
                self.b.at(pointer, f"{member} (no '## {title}' section)")
                continue
            heading_line, body = sections[pointer]
            filled = [n for n, line in body if line.strip()]
            if not filled:
                self.b.at(pointer, f"{member}, line {heading_line} (the section is empty)")
                continue
            kept = [line for n, line in body if filled[0] <= n <= filled[-1]]
            self.b.text(pointer, "\n".join(kept), f"{member}, line {filled[0]}")


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    return HrExportReader(source, info, context).read()
