"""The export's narrative.md: the free-text answers, one ``## `` section each."""

from __future__ import annotations

import re

from pipeline.kit import ReturnBuilder, normalise
from plugins.hr_export import codes as C

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


def _section(title: str) -> str | None:
    key = normalise.match_key(title)
    for pointer, words in SECTION_WORDS.items():
        if any(w in key for w in words):
            return pointer
    return None


def read_narrative(b: ReturnBuilder, member: str, text: str) -> None:
    """Each section's text into its canonical field; sections not read and stray text are reported."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sections: dict[str, tuple[int, list[tuple[int, str]]]] = {}
    current: list[tuple[int, str]] | None = None
    stray = None
    headed = False
    for n, line in enumerate(lines, start=1):
        if m := HEADING.match(line):
            headed = True
            title = (m[1] or "").strip().rstrip("#").strip()
            pointer = _section(title)
            current = None
            if pointer is None:
                b.issue("export.narrative", "warning", None, f"{member}, line {n}",
                        f"The section '{title}' is not one techbench reads ({EXPECTED}); its text is ignored.")
            elif pointer in sections:
                b.issue("export.narrative", "warning", None, f"{member}, line {n}",
                        f"A second '{title}' section; only the first (line {sections[pointer][0]}) is read.")
            else:
                current = []
                sections[pointer] = (n, current)
            continue
        if current is not None:
            current.append((n, ESCAPED.sub(r"\1\2", line)))
        elif not headed and stray is None and line.strip() and not line.lstrip().startswith(("#", "<!--")) \
                and not line.strip().startswith(C.SYNTHETIC_PREFIX):
            stray = n
    if stray is not None:
        b.issue("export.narrative", "warning", None, f"{member}, line {stray}",
                f"Text before the first '## ' section heading is not read; put it under its heading ({EXPECTED}).")
    for pointer, title in C.NARRATIVE_SECTIONS.items():
        if pointer not in sections:
            b.at(pointer, f"{member} (no '## {title}' section)")
            continue
        heading_line, body = sections[pointer]
        filled = [n for n, line in body if line.strip()]
        if not filled:
            b.at(pointer, f"{member}, line {heading_line} (the section is empty)")
            continue
        kept = [line for n, line in body if filled[0] <= n <= filled[-1]]
        b.text(pointer, "\n".join(kept), f"{member}, line {filled[0]}")
