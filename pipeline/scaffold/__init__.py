"""`techbench plugin new SLUG`: a new signatory plugin that passes the contract tests as generated.

The generated plugin reads and writes the simplest faithful layout (a CSV of JSON pointer and
value, see ``pipeline.kit.flat``); its author then replaces reader and writer with the institution's
own layout, keeping the tests green.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"
ENTRY_POINTS_HEADER = '[project.entry-points."techbench.plugins"]'


class ScaffoldError(Exception):
    pass


def plugin_name(slug: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", slug):
        raise ScaffoldError(f"'{slug}' is not a signatory slug (lowercase letters, digits and hyphens)")
    return slug.replace("-", "_")


def scaffold(slug: str, plugins_dir: Path, tests_dir: Path | None = None, pyproject: Path | None = None) -> list[Path]:
    """Write the plugin folder (and its test, and its entry point if a pyproject is given)."""
    name = plugin_name(slug)
    folder = plugins_dir / name
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists")
    values = {"slug": slug, "name": name, "package": plugins_dir.name}
    written = []
    for template, target in (("plugin.py.tmpl", folder / "plugin.py"), ("README.md.tmpl", folder / "README.md")):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template((TEMPLATES / template).read_text()).substitute(values), encoding="utf-8")
        written.append(target)
    written.append(_sample(slug, name, folder / "samples" / f"{name}_sample.csv"))
    (folder / "__init__.py").write_text("", encoding="utf-8")
    written.append(folder / "__init__.py")
    if tests_dir is not None:
        test = tests_dir / f"test_plugin_{name}.py"
        test.write_text(Template((TEMPLATES / "test_plugin.py.tmpl").read_text()).substitute(values), encoding="utf-8")
        written.append(test)
    if pyproject is not None:
        add_entry_point(pyproject, name, f"{plugins_dir.name}.{name}.plugin")
        written.append(pyproject)
    return written


def _sample(slug: str, name: str, path: Path) -> Path:
    """A synthetic return in the scaffold's layout, so the new plugin has a sample from day one."""
    import csv
    import datetime as dt
    import io
    import random

    from pipeline.kit.flat import flatten
    from pipeline.programme.signatories import Nation, Signatory, SignatoryType
    from pipeline.synthetic import Member, make_return

    member = Member(Signatory(slug=slug, name=f"{slug.replace('-', ' ').title()} (synthetic)",
                              type=SignatoryType.UNIVERSITY, nation=Nation.ENGLAND, signed=dt.date(2019, 1, 1),
                              cohort="2019", plugin=name, synthetic=True))
    ret = make_return(member, 1, dt.date(2020, 3, 2), None, random.Random(slug))
    out = io.StringIO()
    out.write(f"# {name} return\n")
    csv.writer(out, lineterminator="\n").writerows(flatten(ret))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def add_entry_point(pyproject: Path, name: str, target: str) -> None:
    text = pyproject.read_text(encoding="utf-8")
    line = f'{name} = "{target}"'
    if line in text:
        return
    if ENTRY_POINTS_HEADER not in text:
        text = text.rstrip("\n") + f"\n\n{ENTRY_POINTS_HEADER}\n"
    head, _, tail = text.partition(ENTRY_POINTS_HEADER + "\n")
    pyproject.write_text(f"{head}{ENTRY_POINTS_HEADER}\n{line}\n{tail}", encoding="utf-8")
