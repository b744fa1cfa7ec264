"""Reading an HR export: one zip of coded CSV files and a Markdown narrative, in memory only.

Members are found by file name wherever they sit in the zip (``members``); columns by header name,
not position (``tables``). Every value goes through the ``ReturnBuilder``'s typed setters with its
place in the export (``actions.csv, line 5, column 'due'``), so whatever cannot be read becomes an
issue at that place and the rest of the return is still read. This module reads the submission,
the staff, registrations and measures; ``plan`` the initiatives and actions; ``narrative`` the text.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.kit import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, ReturnBuilder, SourceFile, normalise
from plugins.hr_export import codes as C
from plugins.hr_export.members import Members
from plugins.hr_export.narrative import read_narrative
from plugins.hr_export.plan import read_actions, read_initiatives
from plugins.hr_export.tables import Table, header_key, read_table

ZIP_MAGIC = b"PK\x03\x04"
LAYOUT = ", ".join(C.MEMBERS)


class HrExportReader:
    def __init__(self, source: SourceFile, info: PluginInfo, context: ParseContext) -> None:
        self.source, self.context = source, context
        self.b = ReturnBuilder(source, info)
        self.members: Members | None = None

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
                self.members = Members(zf, self.b)
                if not self.members.found.keys() & set(C.MEMBERS):
                    self.issue("form.not_a_return", "error", WHOLE_FILE,
                               "This zip is not an HR export of a Technician Commitment return: it holds "
                               f"none of the export's files ({LAYOUT}). See the hr_export README for the layout.")
                    return ParseResult(None, self.b.issues)
                self._synthetic_readme()
                self._submission(self._table(C.SUBMISSION))
                self._staff(self._table(C.STAFF), self._table(C.DEPARTMENTS))
                self._registrations(self._table(C.REGISTRATIONS))
                self._measures(self._table(C.MEASURES))
                self._initiatives(self._table(C.INITIATIVES))
                self._actions(self._table(C.ACTIONS))
                self._narrative()
        except (zipfile.BadZipFile, EOFError):  # a directory entry that leads nowhere
            self.issue("file.corrupt", "error", WHOLE_FILE,
                       "The zip file is damaged or incomplete (it may have been cut short while uploading). "
                       "Make the export again and resend it.")
            return ParseResult(None, self.b.issues)
        return self.b.build(self.context)

    def _missing(self, name: str, pointer: str | None, what: str) -> None:
        if name in self.members.refused:
            return
        self.issue("required", "error", name,
                   f"The export has no {name} ({what}). Add {name} to the zip; the hr_export README "
                   "lists its columns.", pointer)

    def _table(self, name: str) -> Table | None:
        found = self.members.text(name)
        return None if found is None else read_table(self.b, name, *found)

    def _synthetic_readme(self) -> None:
        found = self.members.text(C.README.lower())
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


    # --- initiatives.csv, actions.csv and narrative.md -------------------------------------------
    def _initiatives(self, table: Table | None) -> None:
        if table is None:
            self._missing(C.INITIATIVES, "/initiatives_since", "the initiatives before and since becoming a signatory")
            for pointer in C.PHASES.values():
                self.b.at(pointer, f"{C.INITIATIVES} (missing from the zip)")
            return
        read_initiatives(self.b, table)

    def _actions(self, table: Table | None) -> None:
        if table is None:
            self._missing(C.ACTIONS, "/action_plan", "the action plan")
            self.b.at("/action_plan", f"{C.ACTIONS} (missing from the zip)")
            return
        read_actions(self.b, table)

    def _narrative(self) -> None:
        found = self.members.text(C.NARRATIVE)
        if found is None:
            self._missing(C.NARRATIVE, None, "the profile, the technician definition, where technicians are based "
                                             "and the technician voice")
            for pointer in C.NARRATIVE_SECTIONS:
                self.b.at(pointer, f"{C.NARRATIVE} (missing from the zip)")
            return
        read_narrative(self.b, *found)


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    return HrExportReader(source, info, context).read()

