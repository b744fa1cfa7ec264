"""docs/methodology.md, generated from the code that does the work, so the two never disagree.

Every metric comes from the catalogue (its plain-English definition and its exact formula); every
method from its module's docstring, which explains it in plain English and then technically.
`techbench methodology --out docs/methodology.md` rewrites the file; a test checks it is current.
"""

from __future__ import annotations

import inspect

from pipeline import appendix_a_wording
from pipeline.benchmarks import disclosure, export, groups, hesa_reconciliation, lineage, position, tagging, tracker
from pipeline.benchmarks.catalogue import CATALOGUE

METHODS = (
    ("Peer groups", groups),
    ("Position against peers", position),
    ("Trends and plan lineage", lineage),
    ("HESA reconciliation", hesa_reconciliation),
    ("Submission tracker", tracker),
    ("Appendix A adoption", (appendix_a_wording, tagging)),  # the rules, then tagging with them
    ("Disclosure control", disclosure),
    ("Exports", export),
)

DIRECTION = {"higher": "higher is better", "lower": "lower is better", "neither": "neither higher nor lower is better"}


def render() -> str:
    out = [
        "# techbench methodology",
        "",
        "_Generated from the code by `techbench methodology`; do not edit by hand._",
        "",
        "Benchmarks use each signatory's latest valid submission for each stage (a return accepted by",
        "the validation rules; when a signatory resends, the newest accepted version counts). Positions",
        "compare each signatory's most recent stage with its peers; trends use every stage.",
        "",
        "## Metrics",
        "",
        "| id | name | unit | direction |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| `{m.id}` | {m.name} | {m.unit} | {DIRECTION[m.direction]} |" for m in CATALOGUE]
    for m in CATALOGUE:
        out += ["", f"### {m.name} (`{m.id}`)", "", f"**In plain English.** {m.definition}", "",
                f"**Technically.** {m.formula} Unit: {m.unit}; {DIRECTION[m.direction]}. "
                f"Fields: {', '.join(f'`{f}`' for f in m.fields)}.", "",
                f"**Disclosure.** {m.disclosure}"
                + (f" Computed with HESA figures: {hesa_reconciliation.ATTRIBUTION}" if m.hesa else "")]
    out += ["", "## Methods"]
    for title, modules in METHODS:
        out += ["", f"### {title}"]
        for module in modules if isinstance(modules, tuple) else (modules,):
            out += ["", inspect.cleandoc(module.__doc__ or "").strip()]
    return "\n".join(out) + "\n"
