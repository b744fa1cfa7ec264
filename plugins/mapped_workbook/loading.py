"""Loading mapping files: each checked on its own, a broken one left out and reported, never the others."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from plugins.mapped_workbook.layout import Mapping, MappingSet
from plugins.mapped_workbook.places import MAX_NODES, Broken, Nodes, yaml_data
from plugins.mapped_workbook.problems import MappingProblem, cross_checks, explain, yaml_error
from plugins.mapped_workbook.spec import MappingSpec

SHIPPED_MAPPINGS = Path(__file__).parent / "mappings"
#: Extra folders of mapping files (separated like PATH), read after the shipped ones.
MAPPINGS_ENV = "TECHBENCH_MAPPINGS"


def parse_mapping(text: str, path: Path) -> tuple[Mapping | None, list[MappingProblem]]:
    """Read one mapping file's text: the mapping, or None and what is wrong (with lines)."""
    name = str(path)

    def problem(mark: yaml.Mark | None, message: str) -> MappingProblem:
        return MappingProblem(name, mark.line + 1 if mark else None, mark.column + 1 if mark else None, message)

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "flow" in (exc.context or ""):
            mark = exc.context_mark  # an unclosed { or [: point at where it opens
        return None, [problem(mark, yaml_error(exc, text))]
    except yaml.YAMLError as exc:
        return None, [MappingProblem(name, None, None, f"this is not valid YAML: {exc}")]
    if root is None:
        return None, [MappingProblem(name, 1, 1, "the file is empty; see the README for what a mapping holds")]
    if not isinstance(root, yaml.MappingNode):
        return None, [problem(root.start_mark, "a mapping file holds 'name: value' lines (signatories, fields, "
                              "tables ...), not a single value or a list")]
    nodes = Nodes()
    nodes.at[()] = (None, root)
    try:
        data = yaml_data(root, (), nodes, [MAX_NODES])
    except Broken as broken:
        return None, [problem(broken.node.start_mark, broken.message)]
    try:
        spec = MappingSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc, prefer_key, message = explain(err)
            problems.append(problem(nodes.mark(loc, prefer_key), message))
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return None, list(dict.fromkeys(problems))
    cross = cross_checks(spec, nodes)
    if cross:
        found = [problem(nodes.mark(loc, prefer_key=True), message) for loc, message in cross]
        return None, sorted(found, key=lambda p: (p.line or 0, p.column or 0))
    lines = {loc: nodes.place(loc) for loc in nodes.at}
    return Mapping(path=path, spec=spec, lines=lines), []


def mapping_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
    except OSError:
        return []


def load_mappings(*directories: Path | str) -> MappingSet:
    """Every mapping file (``*.yaml``, ``*.yml``) of ``directories`` (default: the shipped mappings and
    the folders in ``$TECHBENCH_MAPPINGS``), in file-name order within each folder; a file given
    instead of a folder is read as it is.

    Returns the mappings that are valid and the problems of those that are not; a broken file is
    left out, never the others. A signatory may be served by one mapping only: a later file that
    claims a signatory already served is left out."""
    if not directories:
        extra = [d for d in os.environ.get(MAPPINGS_ENV, "").split(os.pathsep) if d.strip()]
        directories = (SHIPPED_MAPPINGS, *extra)
    mappings: list[Mapping] = []
    problems: list[MappingProblem] = []
    served: dict[str, Mapping] = {}
    for directory in directories:
        directory = Path(directory)
        if directory.is_file():
            paths = [directory]
        elif directory.is_dir():
            paths = mapping_files(directory)
        else:
            problems.append(MappingProblem(str(directory), None, None, "there is no such folder or file"))
            continue
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                problems.append(MappingProblem(str(path), None, None, "the file is not UTF-8 text; save it as "
                                               "UTF-8 (plain text) in your editor"))
                continue
            except OSError as exc:
                problems.append(MappingProblem(str(path), None, None, f"the file cannot be read ({exc.strerror})"))
                continue
            mapping, found = parse_mapping(text, path)
            problems.extend(found)
            if mapping is None:
                continue
            clash = [(i, s) for i, s in enumerate(mapping.spec.signatories) if s in served]
            if clash:
                i, slug = clash[0]
                other = served[slug]
                line, column = mapping.lines.get(("signatories", i), (None, None))
                first = other.lines.get(("signatories", other.spec.signatories.index(slug)), (0, 0))[0]
                problems.append(MappingProblem(
                    str(path), line, column,
                    f"the signatory '{slug}' is already served by {other.path} (line {first}); a signatory "
                    "has one layout, so this file is not used"))
                continue
            for slug in mapping.spec.signatories:
                served[slug] = mapping
            mappings.append(mapping)
    return MappingSet(mappings, problems)
