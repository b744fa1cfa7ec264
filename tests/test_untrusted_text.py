"""Text that comes from returns, the register, file names and links is shown as text, never read as
Markdown or HTML (issue 10, "Content from returns and links").

Streamlit renders the body of ``st.markdown``/``st.write``/``st.caption``/``st.error``… and the
labels of expanders, tabs and metrics as Markdown with its own extensions (``$…$`` LaTeX,
``:red[…]`` colours, ``:material/…:`` icons, emoji shortcodes). A return or a link that could put
Markdown there could make the steering group's browser load an image from a server of its choosing
(a beacon), or show its own links ("sign in again") and headings as part of the page. ``ui.plain``
escapes such text; these tests put hostile text everywhere a return, the register, a file name or
a link reaches a page and check that each rendered body carries it escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import string
from pathlib import Path

import pytest
from dashboard_support import INSTITUTION, PASSWORD
from hypothesis import given
from hypothesis import strategies as hs
from markdown_it import MarkdownIt
from test_dashboard import open_page

from dashboards import ui
from dashboards.accounts import AccountStore
from dashboards.session import VIEWS
from pipeline.handin import landing
from pipeline.run import run_pipeline
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot

SAMPLE = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples" / \
    "synthetic_hartmoor_stage1.json"

# Each piece is what a hostile return would write; each must reach the page as these very characters.
BEACON = "![x](http://attacker.example/beacon.png)"
LINK = "[sign in again](http://attacker.example)"
HEADING = "# Heading"
IMG = "<img src=x onerror=alert(1)>"
MATH = "$x$"
COLOUR = ":red[alert]"
PIECES = (BEACON, LINK, HEADING, IMG, MATH, COLOUR)
HOSTILE = f"{BEACON} {LINK}\n{HEADING}\n{IMG} {MATH} {COLOUR}"
ONE_LINE = f"{BEACON} {LINK} {IMG} {MATH} {COLOUR}"  # for the register (one line per field)
MARKER = "attacker"  # in every hostile text, and left as it is by escaping
# Sequences that, unescaped, Streamlit reads as an image, a link, raw HTML, LaTeX, a colour directive.
ACTIVE = ("![", "](", "<img", "$x$", ":red[")

WORD_JOINER = "\u2060"  # invisible; ui.plain puts it inside what Streamlit would replace (":smile:")
# Streamlit's frontend replaces these in the text itself (after Markdown parsing): emoji shortcodes
# and its logo; its \w is ASCII.
SHORTCODE = re.compile(r":[\w+-]+:", re.ASCII)
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


# --- reading what a page would render ----------------------------------------------------------------

def markdown_bodies(at) -> list[str]:
    """Every string on the page that Streamlit renders as Markdown: element bodies and labels."""
    bodies = [e.value for kind in (at.markdown, at.caption, at.error, at.warning, at.info, at.success,
                                   at.title, at.header, at.subheader) for e in kind]
    bodies += [e.label for kind in (at.expander, at.tabs, at.metric) for e in kind]
    return [b for b in bodies if isinstance(b, str)]


def active_text(body: str) -> str:
    """``body`` with every backslash escape (and hard line break) blanked out: what is left is read as
    Markdown."""
    return re.sub(r"\\[\n" + re.escape(string.punctuation) + "]", "\x00\x00", body)


def shown_text(body: str) -> tuple[str, set[str]]:
    """The text a CommonMark reader shows for ``body`` and the kinds of token it made."""
    kinds, parts = set(), []
    for token in MD.parse(body):
        kinds.add(token.type)
        for child in token.children or ():
            kinds.add(child.type)
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("\n")
    return "".join(parts), kinds


# What the hostile text would make if read as Markdown (the pages' own Markdown makes bullet lists).
FORBIDDEN_TOKENS = {"link_open", "image", "html_inline", "html_block", "heading_open", "code_inline", "fence",
                    "code_block", "hr", "table_open", "s_open", "ordered_list_open", "blockquote_open"}


def assert_shown_as_text(body: str, pieces=PIECES) -> None:
    active = active_text(body)
    for seq in ACTIVE:
        assert seq not in active, f"unescaped {seq!r} in {body!r}"
    assert not re.search(r"(?m)^\s*#", active), f"a heading in {body!r}"
    text, kinds = shown_text(body)
    assert not kinds & FORBIDDEN_TOKENS, f"{kinds & FORBIDDEN_TOKENS} from {body!r}"
    flat = " ".join(text.replace(WORD_JOINER, "").split())
    for piece in pieces:
        assert piece in flat, f"{piece!r} not shown literally: {flat!r}"


def hostile_bodies(at, marker: str = MARKER) -> list[str]:
    assert not at.exception, at.exception
    return [b for b in markdown_bodies(at) if marker in b]


# --- a published sector with a hostile return and register entry -------------------------------------

def hostile_return() -> dict:
    ret = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ret["signatory_name"] = "Imperial College London"
    for key in ("profile", "technician_definition", "technicians_narrative", "technician_voice"):
        ret[key] = f"Answer {HOSTILE}"
    ret["lead"]["name"] = f"Lead {HOSTILE}"
    for action in ret["action_plan"]:
        action.update(action=f"Action {HOSTILE}", owner=f"Owner {HOSTILE}")
        action["due"]["text"] = f"Due {ONE_LINE}"
    for initiative in ret["initiatives_since"]:
        initiative["text"] = f"Initiative {HOSTILE}"
    return ret


@pytest.fixture(scope="module")
def hostile_home(dashboard_home, tmp_path_factory) -> Paths:
    """A copy of the shared sector in which Imperial's register entry is hostile and Imperial has
    handed in a hostile return (stage 1, the latest)."""
    root = tmp_path_factory.mktemp("hostile")
    paths = Paths.from_env(root / "home")
    shutil.copytree(dashboard_home.paths.home, paths.home, ignore=shutil.ignore_patterns("app.sqlite3*"))
    register = paths.home / "register.csv"
    with register.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["slug"] == INSTITUTION:
            row.update(name=f"Imperial {ONE_LINE}", mission_group=f"Group {ONE_LINE}", cohort=f"Cohort {ONE_LINE}")
    with register.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    file = root / "hostile.json"
    file.write_text(json.dumps(hostile_return()), encoding="utf-8")
    landing.land_file(file, INSTITUTION, 1, paths.landing, "test", received=dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC))
    assert run_pipeline(paths, quality=True).success
    store = AccountStore.for_paths(paths)
    store.add_user("steer", PASSWORD, "steering")
    store.add_user("inst", PASSWORD, "institution", INSTITUTION)
    store.add_user("rev", PASSWORD, "reviewer", "essex")
    with open_snapshot(paths) as con:
        hostile_id = con.sql("SELECT submission_id FROM submissions WHERE signatory = ? AND stage = 1 "
                             "AND is_latest_valid", params=[INSTITUTION]).fetchall()[0][0]
    store.assign("rev", hostile_id)
    return paths


@pytest.fixture
def hostile(hostile_home, monkeypatch) -> Paths:
    monkeypatch.setenv("TECHBENCH_HOME", str(hostile_home.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    return hostile_home


def imperial_submissions(paths: Paths) -> list[str]:
    """Imperial's latest accepted submissions, the hostile stage 1 first."""
    with open_snapshot(paths) as con:
        return [r[0] for r in con.sql("SELECT submission_id FROM submissions WHERE signatory = ? AND is_latest_valid "
                                      "ORDER BY stage", params=[INSTITUTION]).fetchall()]


# --- the pages ---------------------------------------------------------------------------------------

def test_compare_shows_actions_answers_initiatives_and_lead_as_text(hostile):
    at = open_page("steering", "compare", {"submissions": ",".join(imperial_submissions(hostile)[:2])})
    bodies = hostile_bodies(at)
    where = {"Action ", "Answer ", "Initiative ", "Lead ", "Imperial "}
    assert all(any(w in b for b in bodies) for w in where), bodies  # every kind of text is on the page
    for body in bodies:
        assert_shown_as_text(body, pieces=(BEACON, LINK, IMG, MATH, COLOUR))
    for body in bodies:
        if "Heading" in body:
            assert_shown_as_text(body)


def test_a_compare_link_s_submission_ids_are_shown_as_text(hostile):
    first, second = f"{BEACON} {LINK} {IMG}", f"{MATH} {COLOUR}\n{HEADING}"
    at = open_page("steering", "compare", {"submissions": f"{first}|{second}"})
    assert not at.exception
    bodies = [e.value for e in at.error]
    assert len(bodies) == 1 and MARKER in bodies[0], bodies
    assert_shown_as_text(bodies[0])


def test_profile_shows_register_fields_submission_labels_and_lead_as_text(hostile):
    at = open_page("steering", "profile", {"signatory": INSTITUTION})
    at.selectbox(key="plan_submission").set_value(imperial_submissions(hostile)[0]).run()  # the hostile return
    bodies = hostile_bodies(at)
    assert any("Group " in b for b in bodies) and any("Lead " in b for b in bodies), bodies
    assert any(e.label in bodies for e in at.expander), bodies  # the validation expanders' labels
    for body in bodies:
        assert_shown_as_text(body, pieces=(BEACON, LINK, IMG, MATH, COLOUR))


def test_upload_shows_the_register_name_and_the_file_name_as_text(hostile):
    at = open_page("institution", "upload")
    assert any("Imperial " in b for b in hostile_bodies(at))
    in_name = tuple(piece.replace("/", "_") for piece in (BEACON, LINK, IMG, MATH, COLOUR))  # a file name has no "/"
    name = " ".join(in_name) + ".json"
    at.file_uploader[0].upload(name, b"{not a return").run()
    bodies = hostile_bodies(at)
    named = [b for b in bodies if "json" in b]  # the file's name: in the error
    assert named, bodies
    for body in bodies:
        assert_shown_as_text(body, pieces=in_name if body in named else (BEACON, LINK, IMG, MATH, COLOUR))


@pytest.mark.parametrize(("role", "key"), [(role, v.key) for v in VIEWS for role in v.roles])
def test_every_view_shows_hostile_text_as_text(hostile, role, key):
    at = open_page(role, key)
    for body in hostile_bodies(at):
        assert_shown_as_text(body, pieces=(BEACON, LINK, IMG, MATH, COLOUR))


# --- the helper ----------------------------------------------------------------------------------------

def expected(text: str) -> str:
    """What ``ui.plain`` keeps of ``text``: its characters, lines trimmed of the whitespace a browser
    would not show, without blank lines at either end (NUL as U+FFFD, as CommonMark reads it)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n").replace("\x00", "\ufffd").replace(WORD_JOINER, "")


@given(hs.text())
def test_plain_text_reads_back_as_exactly_its_characters(text):
    out = ui.plain(text)
    tokens = MD.parse(out)
    if not expected(text):
        assert tokens == [] or [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    else:
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], (out, tokens)
    shown, kinds = shown_text(out)
    assert kinds <= {"paragraph_open", "inline", "paragraph_close", "text", "softbreak", "hardbreak"}, kinds
    assert shown.replace(WORD_JOINER, "") == expected(text)


@given(hs.text(alphabet=string.printable + "\u00a0\u2028é"))
def test_plain_leaves_nothing_streamlit_reads_as_markup(text):
    active = active_text(ui.plain(text))
    assert not re.search(r"[" + re.escape(string.punctuation) + "]", active)  # every ASCII punctuation escaped
    shown, _ = shown_text(ui.plain(text))
    assert not SHORTCODE.search(shown)  # what Streamlit's emoji and logo plugins look for in the text


@pytest.mark.parametrize("text", [BEACON, LINK, HEADING, IMG, MATH, COLOUR, ":material/lock:", ":streamlit:",
                                  ":smile:", "- item\n1. item\n> quote\n    code\n---", "a | b\n--|--", "&amp; &lt;",
                                  "**bold** _it_ ~~gone~~ `code`", "<!-- c -->", "www.attacker.example",
                                  "mail@attacker.example", "\\", "line  \nbreak"])
def test_plain_on_each_kind_of_markup(text):
    out = ui.plain(text)
    shown, kinds = shown_text(out)
    assert kinds <= {"paragraph_open", "inline", "paragraph_close", "text", "softbreak", "hardbreak"}, (out, kinds)
    assert shown.replace(WORD_JOINER, "") == expected(text)
    assert ":material/" not in out  # Streamlit turns this into an icon before parsing
    assert not SHORTCODE.search(shown)  # emoji shortcodes and :streamlit: are broken


def test_plain_keeps_ordinary_text_readable():
    assert ui.plain("Technicians in the School of Physics") == "Technicians in the School of Physics"
    assert ui.plain(None) == ""
    assert ui.plain(42) == "42"
