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
from pipeline.review import assignment, calibration
from pipeline.review.rubric import DEFAULT_RUBRIC, load_rubric

METHODS = (
    ("Peer groups", groups),
    ("Position against peers", position),
    ("Trends and plan lineage", lineage),
    ("HESA reconciliation", hesa_reconciliation),
    ("Submission tracker", tracker),
    ("Appendix A adoption", (appendix_a_wording, tagging)),  # the rules, then tagging with them
    ("Disclosure control", disclosure),
    ("Exports", export),
    ("Peer review teams", assignment),
    ("Reviewer agreement and calibration", calibration),
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
    return "\n".join(out + rubric_section()) + "\n"


def rubric_section() -> list[str]:
    """The shipped rubric, as the configuration file says it (``pipeline/config/rubric.yaml``)."""
    rubric = load_rubric(DEFAULT_RUBRIC)
    out = ["", "### Peer review rubric", "",
           f"**{rubric.source}.** The programme publishes no rubric, scale or outcome words: its feedback is a "
           "written narrative of strengths and areas to develop. This default is techbench's own; a steering "
           "group replaces it by editing `pipeline/config/rubric.yaml` or pointing `TECHBENCH_RUBRIC` at its own "
           "file, and the dashboard and the feedback reports then show its words.", "",
           "| level | label | descriptor |", "| --- | --- | --- |"]
    out += [f"| {s.level} | {s.label} | {s.descriptor} |" for s in rubric.scale]
    out += ["", "Themes scored, each with a level and a narrative ("
            + " and ".join(rubric.narrative) + ", both required):", ""]
    out += [f"- **{t.label}**: {t.descriptor}" for t in rubric.themes]
    out += ["", "Outcomes a consensus can reach: " + "; ".join(f"“{o}”" for o in rubric.outcomes) + ".",
            "A reviewer sees the other reviewers' scores: "
            + {"never": "never (the lead, once their own review is in)",
               "after_own": "only after submitting their own (the lead likewise, to reach consensus)",
               "always": "at any time"}[rubric.show_others] + ".",
            "Themes whose submitted levels are two or more apart are flagged to the lead."]
    return out
