"""Writing a canonical return as an HR export zip (for the synthetic sector, samples and tests).

Every field is written as it is, blanks included, so that ``reader.read`` gives the same return
back. The zip is built in memory and written once; its members carry a fixed timestamp, so the
same return always gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from pipeline.schema import CanonicalReturn
from plugins.hr_export import codes as C

_STAMP = (1980, 1, 1, 0, 0, 0)
_HEADING_LIKE = re.compile(r"^( {0,3})(\\*#)")



def _num(value: int | float | None) -> str:
    """Numbers as plain decimals that read back to the same value (393.9, 17 for 17.0)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text or "n" in text:  # very large or small; nan and inf cannot be counts
        text = f"{value:.17f}".rstrip("0").rstrip(".")
    return text[:-2] if text.endswith(".0") else text


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")  # with a BOM, so Excel shows accents and '£' right


def _text(value: str | None) -> str:
    return value or ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _markdown(ret: CanonicalReturn) -> bytes:
    out = [f"# Technician Commitment return: {ret.signatory_name or ''}".rstrip()]
    if ret.synthetic:
        out += ["", f"<!-- {C.SYNTHETIC_MARK} -->"]
    for pointer, title in C.NARRATIVE_SECTIONS.items():
        out += ["", f"## {title}", ""]
        text = getattr(ret, pointer.lstrip("/"))
        if text:
            # A line that would read as a heading is escaped (\#), and unescaped by the reader.
            out += [_HEADING_LIKE.sub(r"\1\\\2", line) for line in text.split("\n")]
    return ("\n".join(out) + "\n").encode("utf-8")


def _readme(ret: CanonicalReturn) -> bytes:
    lines = [C.SYNTHETIC_MARK, ""] if ret.synthetic else []
    lines += [
        f"Technician Commitment self-assessment return: {ret.signatory_name or '(organisation not given)'}",
        f"Export format: {C.EXPORT_FORMAT}. Files: {', '.join(C.MEMBERS)}.",
        "Codes and columns are described in techbench's plugins/hr_export/README.md.",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def members(ret: CanonicalReturn) -> list[tuple[str, bytes]]:
    """The export's files for ``ret``, in the order they go into the zip."""
    sub, lead, signed = ret.submission_date, ret.lead, ret.sign_off
    submission = [
        ["key", "value"],
        ["export_format", C.EXPORT_FORMAT],
        ["source_system", "techbench synthetic sector" if ret.synthetic else "techbench"],
        ["exported_at", f"{sub.isoformat()}T09:00:00" if sub else ""],
        *([[C.SYNTHETIC_KEY, C.SYNTHETIC_MARK]] if ret.synthetic else []),
        ["institution_name", _text(ret.signatory_name)],
        [C.STAGE_KEY, str(ret.stage) if ret.stage else ""],
        ["submission_date", _date(sub)],
        ["lead_name", _text(lead.name)],
        ["lead_email", _text(lead.email)],
        ["lead_phone", _text(lead.phone)],
        ["published_url", _text(ret.published_url)],
        ["lead_signoff_name", _text(signed.lead.name)],
        ["lead_signoff_date", _date(signed.lead.date)],
        ["head_signoff_name", _text(signed.head.name)],
        ["head_signoff_date", _date(signed.head.date)],
    ]
    t = ret.technicians
    dept = C.dept_codes([a.name for a in t.areas])
    departments = [["dept_code", "dept_name"], *([code, a.name] for code, a in zip(dept, t.areas))]
    staff = [["dept_code", "headcount", "fte"],
             *([code, _num(a.headcount), _num(a.fte)] for code, a in zip(dept, t.areas)),
             [C.TOTAL, _num(t.headcount), _num(t.fte)]]
    registrations = [["reg_code", "label", "count"],
                     *([C.code_of(C.REGISTERS, r.name), _text(r.label), str(r.count)] for r in ret.registrations)]
    by_name = {name: code for code, name in C.MEASURE_CODES.items() if name}
    measures = [["measure_code", "label", "value"],
                *([by_name.get(m.name, "OTHER"), m.name, _num(m.count)] for m in ret.other_metrics)]
    initiatives = [["phase", "theme_code", "text"]]
    for phase, items in (("B", ret.initiatives_before), ("S", ret.initiatives_since)):
        initiatives += [[phase, C.code_of(C.THEMES, i.theme) if i.theme else "", i.text] for i in items]
    actions = [["action_id", "theme_code", "description", "owner", "due", "due_text", "impact_evidence",
                "status_code"]]
    for n, a in enumerate(ret.action_plan, start=1):
        code = C.due_code(a.due) if a.due else ""
        actions.append([
            f"A{n:02d}", C.code_of(C.THEMES, a.theme) if a.theme else "", _text(a.action), _text(a.owner),
            code, a.due.text if a.due and a.due.text != code else "", _text(a.evidence),
            C.code_of(C.STATUSES, a.status) if a.status else "",
        ])
    return [
        (C.README, _readme(ret)),
        (C.SUBMISSION, _csv(submission)),
        (C.DEPARTMENTS, _csv(departments)),
        (C.STAFF, _csv(staff)),
        (C.REGISTRATIONS, _csv(registrations)),
        (C.MEASURES, _csv(measures)),
        (C.INITIATIVES, _csv(initiatives)),
        (C.ACTIONS, _csv(actions)),
        (C.NARRATIVE, _markdown(ret)),
    ]


def to_bytes(ret: CanonicalReturn) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members(ret):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def write(ret: CanonicalReturn, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(ret))
    return path
