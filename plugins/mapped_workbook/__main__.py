"""Checking mapping files and writing the samples, from the command line.

    python -m plugins.mapped_workbook check [FILE_OR_FOLDER ...]
        Load mapping files (default: the shipped ones and $TECHBENCH_MAPPINGS) and print every
        problem with its file, line and column; for each valid mapping, list its sheets and the
        canonical fields it leaves out, and write a synthetic return in its layout and read it back
        to show that nothing is lost. Exit status 1 if anything is wrong.

    python -m plugins.mapped_workbook example MAPPING_FILE OUT.xlsx
        Write a synthetic return in the layout of MAPPING_FILE: what a workbook in that layout looks like.

    python -m plugins.mapped_workbook read MAPPING_FILE WORKBOOK.xlsx
        Read one of your institution's workbooks with MAPPING_FILE (before installing it): every
        finding with its cell, then the return as JSON. Exit status 1 if there are errors.

    python -m plugins.mapped_workbook samples
        Rewrite samples/<slug>.xlsx from the synthetic returns, one per shipped mapping.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pipeline.kit.intake import Limits, Rejected, read_source, screen
from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.synthetic import stable_bytes
from plugins.mapped_workbook import plugin, reader, synthetic, writer
from plugins.mapped_workbook.mapping import SHIPPED_MAPPINGS, Mapping, MappingSet, load_mappings

EXCLUDE = {"provenance"}


def round_trip(mapping: Mapping) -> list[str]:
    """Write the synthetic example in ``mapping``'s layout, read it back; what differs (apart from the
    fields the mapping leaves out)."""
    original = synthetic.example(mapping.spec.signatories[0])
    with tempfile.TemporaryDirectory() as tmp:
        path = writer.write(original, Path(tmp) / "check.xlsx", mapping)
        source = SourceFile(name=path.name, data=path.read_bytes())
    result = plugin.parse(source, ParseContext(), MappingSet([mapping], []))
    if result.return_ is None:
        return [str(i) for i in result.issues]
    want = original.model_dump(mode="json", exclude=EXCLUDE)
    got = result.return_.model_dump(mode="json", exclude=EXCLUDE)
    skipped = {p.strip("/").split("/")[0] for p in ("/" + n.replace(".", "/") for n in mapping.unmapped())}
    return [f"{k}: wrote {want[k]!r}, read {got.get(k)!r}" for k in want
            if k not in skipped and want[k] != got.get(k)]


def check(paths: list[str]) -> int:
    found = load_mappings(*paths)
    for problem in found.problems:
        print(f"PROBLEM  {problem}")
    failed = bool(found.problems)
    for m in found.mappings:
        print(f"ok       {m.path}: serves {', '.join(m.spec.signatories)}; sheets: {', '.join(m.sheets)}")
        if m.unmapped():
            print(f"         not mapped (always empty when read): {', '.join(m.unmapped())}")
        differences = round_trip(m)
        for d in differences:
            print(f"PROBLEM  {m.path}: round trip: {d}")
        failed |= bool(differences)
        if not differences:
            print("         round trip: a synthetic return written in this layout reads back the same")
    if not found.mappings and not found.problems:
        print("no mapping files found")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "check":
        return check(rest)
    if command == "example" and len(rest) == 2:
        found = load_mappings(rest[0])
        for problem in found.problems:
            print(f"PROBLEM  {problem}")
        if not found.mappings:
            return 1
        m = found.mappings[0]
        print(writer.write(synthetic.example(m.spec.signatories[0]), Path(rest[1]), m))
        return 0
    if command == "read" and len(rest) == 2:
        found = load_mappings(rest[0])
        for problem in found.problems:
            print(f"PROBLEM  {problem}")
        if not found.mappings:
            return 1
        path = Path(rest[1])
        try:  # the same intake checks as every other way in (size, zip and XML bombs)
            limits = Limits.from_env()
            source = read_source(path, limits)
            screen(source, limits)
        except Rejected as rejected:
            print(f"ERROR    {rejected.issue.location}: {rejected.issue.message}")
            return 1
        mapping = found.mappings[0]  # read with this layout even if the sheets do not match
        result = reader.read(source, mapping, plugin.info(MappingSet([mapping], [])), ParseContext())
        for issue in result.issues:
            print(f"{issue.severity.upper():8} {issue.location}: {issue.message}")
        if result.return_ is not None:
            print(result.return_.model_dump_json(indent=2, exclude={"provenance"}))
        return 1 if result.return_ is None or any(i.severity == "error" for i in result.issues) else 0
    if command == "samples":
        found = load_mappings(SHIPPED_MAPPINGS)
        for m in found.mappings:
            slug = m.spec.signatories[0]
            path = writer.write(synthetic.example(slug), plugin.SAMPLES / f"{slug}.xlsx", m)
            stable_bytes(path)
            print(path)
        return 1 if found.problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
