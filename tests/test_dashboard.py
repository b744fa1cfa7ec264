"""The dashboard under every role, with Streamlit's AppTest (server side, no browser).

Every view is opened by every role allowed on it; every view refuses the roles not allowed even when
its script is run directly (hidden navigation is not access control); an institution cannot reach
another signatory's submission, nor a reviewer an unassigned one, by link or through the data layer.
"""

from __future__ import annotations

import csv
import io
import os
import stat

import polars as pl
import pytest
from dashboard_support import APP, COOKIES, EXAMPLE, INSTITUTION, OTHER_INSTITUTION, PASSWORD, signed_in
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards.session import SIGNED_IN_KEY, VIEWS, views_for
from pipeline.benchmarks.export import FORMULA_START
from pipeline.store.snapshot import published

USERS = {"steering": "steer", "reviewer": "rev", "institution": "inst"}
VIEWS_DIR = APP.parent / "views"


@pytest.fixture
def home(dashboard_home, monkeypatch):
    monkeypatch.setenv("TECHBENCH_HOME", str(dashboard_home.paths.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    return dashboard_home


def open_page(role: str, key: str, query: dict[str, str] | None = None, user: str | None = None) -> AppTest:
    signed_in(user or USERS[role])
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(f"views/{key}.py")
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def run_view_directly(user: str, key: str) -> AppTest:
    """The view's script on its own, as if reached without the navigation."""
    signed_in(user)
    at = AppTest.from_file(str(VIEWS_DIR / f"{key}.py"), default_timeout=120)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.success, at.subheader)
             for e in kind]
    return "\n".join(map(str, parts))


def table_with(at: AppTest, column: str):
    """The first table on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def viewer(home, username: str) -> data.Viewer:
    v = data.Viewer.load(home.store, username)
    assert v is not None
    return v


def snap(home) -> data.Snapshot:
    return data.Snapshot(home.paths, published(home.paths))


# --- signing in -------------------------------------------------------------------------------

def test_a_sign_in_session_builds_the_role_s_navigation(home):
    signed_in("inst")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Sector overview"  # the first view of the role's navigation
    at.switch_page("views/upload.py").run()  # registered for institutions
    assert at.title[0].value == "Upload a return"


def test_without_a_live_sign_in_every_address_says_so_and_shows_nothing(home):
    signed_in(None)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert "You are not signed in" in texts(at) and not at.dataframe and not at.metric
    COOKIES["techbench_session"] = "forged-token"
    at.run()
    assert "You are not signed in" in texts(at) and not at.dataframe and not at.metric


@pytest.mark.parametrize("role", ["steering", "reviewer"])
def test_upload_is_not_in_the_navigation_of_other_roles(home, role):
    signed_in(USERS[role])
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/upload.py")


def test_navigation_per_role():
    steering_only = ["register", "rounds", "calibration"]
    assert [v.key for v in VIEWS if v.key not in {x.key for x in views_for("institution")}] == \
        ["register", "reviews", *steering_only[1:]]
    assert "upload" not in {v.key for v in views_for("steering")} | {v.key for v in views_for("reviewer")}
    assert [v.key for v in VIEWS if v.key not in {x.key for x in views_for("reviewer")}] == ["upload", *steering_only]
    assert [v.key for v in VIEWS if v.key not in {x.key for x in views_for("steering")}] == ["upload", "reviews"]


def test_a_disabled_account_is_signed_out_at_its_next_step(home):
    home.store.add_user("leaver", PASSWORD, "steering")
    at = open_page("steering", "overview", user="leaver")
    assert at.title[0].value == "Sector overview"
    at.session_state["kept"] = "what the signed-in session held"
    home.store.disable("leaver")
    at.run()
    assert SIGNED_IN_KEY not in at.session_state and "kept" not in at.session_state
    assert "You are not signed in" in texts(at) and not at.dataframe and not at.metric


# --- every view under every role ----------------------------------------------------------------

CASES = [(role, v.key) for v in VIEWS for role in v.roles]


@pytest.mark.parametrize(("role", "key"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_every_view_renders_for_every_role_allowed(home, role, key):
    at = open_page(role, key)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == next(v.title for v in VIEWS if v.key == key)
    assert not errors(at)
    shown = texts(at)
    if key != "upload" and key != "methodology":
        assert "Data as of" in shown and "SYNTHETIC RETURNS" in shown and "HESA figures are real" in shown


DENIED = [(role, v.key) for v in VIEWS for role in USERS if role not in v.roles]


@pytest.mark.parametrize(("role", "key"), DENIED, ids=[f"{r}-{k}" for r, k in DENIED])
def test_a_view_refuses_a_role_not_allowed_even_when_reached_directly(home, role, key):
    at = run_view_directly(USERS[role], key)
    assert not at.exception
    assert errors(at) and "not available" in errors(at)[0]
    assert not at.dataframe and not at.metric


@pytest.mark.parametrize("key", [v.key for v in VIEWS])
def test_a_view_asks_to_sign_in_when_nobody_is_signed_in(home, key):
    signed_in(None)
    at = AppTest.from_file(str(VIEWS_DIR / f"{key}.py"), default_timeout=60).run()
    assert [w.value for w in at.warning] == ["Please sign in to continue."]
    assert not at.dataframe


# --- what each role sees ------------------------------------------------------------------------

def test_steering_sees_exact_sector_figures_and_every_signatory(home):
    at = open_page("steering", "overview")
    n = len(snap(home).query("SELECT slug FROM signatories"))
    assert at.metric[0].label == "Signatories" and at.metric[0].value == str(n)
    at = open_page("steering", "tracker")
    table = table_with(at, "signatory_name")
    assert "rounded" not in texts(at)
    at.multiselect[0].set_value(sorted(snap(home).query("SELECT DISTINCT status FROM bench_tracker")["status"])).run()
    assert table_with(at, "signatory_name")["signatory_name"].nunique() == n
    assert len(table) <= len(table_with(at, "signatory_name"))


def test_an_institution_sees_only_its_own_rows_in_the_tracker(home):
    at = open_page("institution", "tracker")
    at.multiselect[0].set_value(at.multiselect[0].options).run()
    names = set(table_with(at, "signatory_name")["signatory_name"])
    assert names == {"Imperial College London"}
    assert "rounded to the nearest 5" in texts(at)


def test_the_status_counts_are_given_in_figures_exact_for_steering_and_rounded_for_others(home):
    exact = snap(home).query("SELECT stage, status, count(*) AS n FROM bench_tracker GROUP BY ALL")
    at = open_page("steering", "tracker")
    figures = table_with(at, "stage")
    assert any(e.label == "Signatories in figures" for e in at.expander)
    for stage, status, n in exact.iter_rows():
        assert figures.loc[figures["stage"] == stage, status].item() == str(n)
    assert exact.filter(pl.col("n") < 5).height and exact.filter(pl.col("n") >= 5).height  # both kinds to check
    at = open_page("institution", "tracker")
    rounded = table_with(at, "stage")
    for stage, status, n in exact.iter_rows():
        shown = rounded.loc[rounded["stage"] == stage, status].item()
        assert shown == ("<5" if n < 5 else str(5 * round(n / 5))), (stage, status, n, shown)


def test_a_reviewer_sees_the_signatories_assigned_only(home):
    at = open_page("reviewer", "tracker")
    at.multiselect[0].set_value(at.multiselect[0].options).run()
    slugs = {s.split("|")[0] for s in home.assigned}
    expected = set(snap(home).query("SELECT name FROM signatories").filter(
        pl.Series(snap(home).query("SELECT slug FROM signatories")["slug"]).is_in(sorted(slugs)))["name"])
    assert set(table_with(at, "signatory_name")["signatory_name"]) == expected


def test_institution_profile_shows_its_own_benchmarks_and_refuses_another_signatory(home):
    at = open_page("institution", "profile")
    assert not errors(at)
    assert at.selectbox[0].value == INSTITUTION and at.selectbox[0].options == ["Imperial College London"]
    table = at.dataframe[0].value
    assert {"Metric", "Peer group", "Group median [95% interval]", "Quintile", "Reading"} <= set(table.columns)
    assert "Imperial" not in " ".join(map(str, table.to_numpy().ravel()))  # peers named nowhere either
    at = open_page("institution", "profile", {"signatory": OTHER_INSTITUTION})
    assert errors(at) == ["You do not have access to this signatory's profile."]
    assert not at.dataframe


def test_reviewer_profile_refuses_a_signatory_without_an_assigned_submission(home):
    unassigned = home.unassigned[-1].split("|")[0]
    assert unassigned not in {s.split("|")[0] for s in home.assigned}
    at = open_page("reviewer", "profile", {"signatory": unassigned})
    assert errors(at) == ["You do not have access to this signatory's profile."]
    at = open_page("reviewer", "profile", {"signatory": home.assigned[0].split("|")[0]})
    assert not errors(at) and at.dataframe


def test_institution_compares_its_own_submissions_side_by_side(home):
    own = home.own_institution
    at = open_page("institution", "compare", {"submissions": ",".join(own[:2])})
    assert not errors(at) and not at.exception
    assert at.multiselect[0].value == own[:2]
    figures = at.dataframe[0].value
    assert list(figures.columns) == ["Figure", "Imperial College London · stage 1", "Imperial College London · stage 2"]
    assert "Answers, question by question" in texts(at)
    assert any(e.label.startswith("Contact details (personal data)") for e in at.expander)  # its own: in full


def test_institution_cannot_reach_another_signatory_s_submission_by_link(home):
    at = open_page("institution", "compare", {"submissions": f"{home.own_institution[0]},{home.other_institution[0]}"})
    assert errors(at) and errors(at)[0].startswith("You do not have access to submission essex stage 1")
    assert not at.dataframe and not [e for e in at.expander if "Contact" in e.label]


def test_reviewer_cannot_reach_an_unassigned_submission_by_link(home):
    at = open_page("reviewer", "compare", {"submissions": f"{home.assigned[0]},{home.unassigned[0]}"})
    assert errors(at) and errors(at)[0].startswith("You do not have access to submission")
    assert not at.dataframe


def test_reviewer_compares_assigned_submissions_with_contact_details(home):
    at = open_page("reviewer", "compare", {"submissions": ",".join(home.assigned)})
    assert not errors(at)
    assert any(e.label.startswith("Contact details (personal data)") for e in at.expander)


def test_data_quality_shows_great_expectations_to_steering_only(home):
    at = open_page("steering", "quality")
    assert "Great Expectations on the published snapshot" in texts(at)
    assert any(b.proto.label.startswith("Download the Data Docs") for b in at.get("link_button"))
    at = open_page("institution", "quality")
    assert "Great Expectations" not in texts(at)
    table = at.dataframe[0].value if at.dataframe else None
    assert table is None or set(table["signatory_name"]) <= {"Imperial College London"}


def test_methodology_is_the_rendered_document(home):
    from pipeline.benchmarks.methodology import render

    at = open_page("reviewer", "methodology")
    shown = at.markdown[0].value
    assert "## Metrics" in shown and "# techbench methodology" not in shown
    assert [line for line in render().splitlines()[3:] if line.strip()] == [line for line in shown.splitlines() if line.strip()]


def test_downloads_are_disclosure_controlled_for_an_institution(home):
    at = open_page("institution", "downloads")
    table = at.dataframe[0].value
    names = set(table["signatory_name"])
    assert "Imperial College London" in names
    others = names - {"Imperial College London"}
    assert others and all(n.startswith("Peer ") for n in others)
    assert {b.proto.label for b in at.get("link_button")} == {"Download CSV", "Download Excel"}
    at = open_page("steering", "downloads")
    assert not any(n.startswith("Peer ") for n in at.dataframe[0].value["signatory_name"])


# --- the data layer: access is checked where data is read ---------------------------------------

def test_submission_content_is_released_only_to_those_allowed(home):
    s = snap(home)
    with pytest.raises(data.Denied):
        data.submission(s, viewer(home, "inst"), home.other_institution[0])
    with pytest.raises(data.Denied):
        data.submission(s, viewer(home, "rev"), home.unassigned[0])
    with pytest.raises(data.Denied):  # the reviewer's own institution is never theirs to review
        data.submission(s, viewer(home, "rev"), home.other_institution[-1])
    for username, sid in (("steer", home.unassigned[0]), ("rev", home.assigned[0]), ("inst", home.own_institution[0])):
        detail = data.submission(s, viewer(home, username), sid)
        assert detail.contact is not None and "@" in (detail.contact["lead_email"] or "@")
        assert "lead_email" not in (detail.answers or {})


def test_sector_tables_hide_peers_and_personal_data_from_all_but_steering(home):
    s = snap(home)
    for username in ("inst", "rev"):
        positions = data.sector_table(s, viewer(home, username), "positions")
        peers = set(positions["signatory_name"]) - {"Imperial College London" if username == "inst" else ""}
        assert peers and all(p.startswith("Peer ") for p in peers)
        assert positions["n"].dtype == pl.String  # group sizes rounded for publication
    steering = data.sector_table(s, viewer(home, "steer"), "positions")
    assert "Imperial College London" in set(steering["signatory_name"])
    from pipeline.benchmarks.disclosure import is_personal

    assert not any(is_personal(c) for t in data.SECTOR_TABLES for c in
                   data.sector_table(s, viewer(home, "inst"), t).columns)


def test_a_reviewer_cannot_read_positions_of_a_signatory_not_assigned(home):
    with pytest.raises(data.Denied):
        data.signatory_positions(snap(home), viewer(home, "rev"), home.unassigned[-1].split("|")[0])
    assert data.signatory_positions(snap(home), viewer(home, "rev"), home.assigned[0].split("|")[0]).height


def test_uploads_are_validated_then_landed_only_when_valid(home, tmp_path):
    from pipeline.settings import Paths

    paths = Paths.from_env(tmp_path)  # a separate landing zone: the shared sector stays as it is
    inst = viewer(home, "inst")
    bad = data.check_upload(inst, "broken.docx", b"PK\x03\x04 not really a Word file", 1, paths)
    assert not bad.report.ok and bad.landed is None
    assert all(i.location for i in bad.report.issues)
    assert not (paths.landing / INSTITUTION).exists()
    good = data.check_upload(inst, EXAMPLE.name, EXAMPLE.read_bytes(), 1, paths)
    assert good.report.ok and good.landed is not None and good.landed.signatory == INSTITUTION
    status = data.upload_status(paths, inst)
    assert status.select("original_name", "stage", "state").rows() == [(EXAMPLE.name, 1, "waiting for the pipeline")]
    with pytest.raises(data.Denied):
        data.check_upload(viewer(home, "steer"), EXAMPLE.name, EXAMPLE.read_bytes(), 1, paths)


def test_csv_downloads_cannot_run_as_formulas(home):
    from pipeline.benchmarks.export import to_bytes_csv

    table = data.sector_table(snap(home), viewer(home, "steer"), "appendix_a_adoption")
    poisoned = table.with_columns(pl.lit("=HYPERLINK(\"http://x\")").alias("text"))
    rows = list(csv.reader(io.StringIO(to_bytes_csv(poisoned).decode("utf-8-sig"))))
    assert all(not cell.startswith(FORMULA_START) for row in rows[1:] for cell in row)
    assert {row[rows[0].index("text")] for row in rows[1:]} == {"'=HYPERLINK(\"http://x\")"}


# --- demo accounts and serving ----------------------------------------------------------------------

def test_demo_accounts_sign_in_with_the_printed_passwords(tmp_path, dashboard_home):
    import shutil

    from dashboards.accounts import AccountStore
    from dashboards.demo import create_demo_accounts, saved_logins
    from pipeline.settings import Paths

    paths = Paths.from_env(tmp_path)
    paths.snapshot_dir.mkdir(parents=True)
    shutil.copyfile(dashboard_home.paths.snapshot, paths.snapshot)
    logins = create_demo_accounts(paths)
    store = AccountStore.for_paths(paths)
    assert {login.role for login in logins} == {"steering", "reviewer", "institution"}
    for login in logins:
        assert store.authenticate(login.username, login.password) is not None
    reviewer = store.get_user("reviewer")
    assigned = store.assignments("reviewer")
    assert assigned and all(not s.startswith(f"{reviewer.signatory}|") for s in assigned)
    assert saved_logins(paths) == logins
    assert stat.S_IMODE(os.stat(paths.home / "demo-logins.txt").st_mode) == 0o600
    again = create_demo_accounts(paths)  # a second demo: new passwords, old ones no longer work
    assert store.authenticate("steering", logins[0].password) is None
    assert store.authenticate("steering", again[0].password) is not None


def test_the_disclosure_salt_is_kept_private_and_stable(tmp_path, monkeypatch):
    from dashboards.serve import disclosure_salt
    from pipeline.settings import Paths

    monkeypatch.delenv("TECHBENCH_DISCLOSURE_SALT", raising=False)
    paths = Paths.from_env(tmp_path)
    first = disclosure_salt(paths)
    assert len(first) == 64 and disclosure_salt(paths) == first
    assert stat.S_IMODE(os.stat(tmp_path / "disclosure_salt").st_mode) == 0o600
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "from the environment")
    assert disclosure_salt(paths) == "from the environment"


def test_the_upload_limit_is_set_in_the_streamlit_config_and_matches_intake():
    import tomllib

    from pipeline.kit.intake import MB, Limits

    config = tomllib.loads((APP.parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MB == Limits().max_file_bytes


def test_a_running_dashboard_reads_each_new_publication(tmp_path):
    """DuckDB shares one database per path in a process: the dashboard follows the pointer to each
    publication's own file, so a connection still open on the last one cannot hide the new one."""
    import duckdb

    from pipeline.settings import Paths
    from pipeline.store.snapshot import KEEP_VERSIONS, publish

    paths = Paths.from_env(tmp_path)
    paths.home.mkdir(parents=True, exist_ok=True)
    versions = []
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("CREATE TABLE signatories (synthetic BOOLEAN)")
        con.execute("INSERT INTO signatories VALUES (true)")
        versions.append(publish(con, paths, "run-1").version)
        first = data.Snapshot(paths, published(paths))
        assert first.query("SELECT version FROM snapshot_meta")["version"].to_list() == versions  # connection kept
        versions.append(publish(con, paths, "run-2").version)
        second = data.Snapshot(paths, published(paths))
        assert second.info.version == versions[1] and second.info.synthetic
        assert second.query("SELECT version, run_id FROM snapshot_meta").rows() == [(versions[1], "run-2")]
        for run in range(3, 7):
            versions.append(publish(con, paths, f"run-{run}").version)
    kept = sorted(p.name for p in paths.snapshot_dir.glob("techbench-*.duckdb"))
    assert kept == sorted(f"techbench-{v}.duckdb" for v in versions[-KEEP_VERSIONS:])
    with duckdb.connect(str(paths.snapshot), read_only=True) as con:  # the plain name stays the current one
        assert con.sql("SELECT version FROM snapshot_meta").fetchall() == [(versions[-1],)]


def test_a_snapshot_published_before_pointers_is_still_read(tmp_path):
    import duckdb

    from pipeline.settings import Paths
    from pipeline.store.snapshot import POINTER, publish, published

    paths = Paths.from_env(tmp_path)
    paths.home.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("CREATE TABLE signatories (synthetic BOOLEAN)")
        con.execute("INSERT INTO signatories VALUES (false)")
        info = publish(con, paths, "run-1")
    (paths.snapshot_dir / POINTER).unlink()
    legacy = published(paths)
    assert legacy is not None and legacy.info.version == info.version and legacy.file == paths.snapshot


def test_an_upload_naming_another_institution_is_warned_about_at_the_name(home, tmp_path):
    from pipeline.settings import Paths

    result = data.check_upload(viewer(home, "inst"), EXAMPLE.name, EXAMPLE.read_bytes(), 1, Paths.from_env(tmp_path))
    assert result.report.ok  # a warning: the file is handed in
    [issue] = [i for i in result.report.issues if i.rule == "signatory.name_mismatch"]
    assert issue.location == "table 1, row 1, column 2"  # the organisation's name in the Word form
    assert "University of Northgate" in issue.message and "Imperial College London" in issue.message


def test_the_server_s_watcher_runs_the_pipeline_when_a_file_is_handed_in(tmp_path):
    from dashboards.serve import watch
    from pipeline.handin.submit import pending
    from pipeline.handin.landing import land_file
    from pipeline.settings import Paths
    from pipeline.store.snapshot import open_snapshot

    paths = Paths.from_env(tmp_path)
    landed = land_file(EXAMPLE, INSTITUTION, 1, paths.landing, "test")
    submission_id = f"{INSTITUTION}|1|{landed.sha256}"
    assert pending(paths) == [submission_id]
    ticks, messages = iter([True, True, False]), []
    watch(paths, lambda: next(ticks), interval=0, report=messages.append)
    assert pending(paths) == []
    assert messages[0] == "pipeline: 1 new file(s) in the landing zone, running"
    assert messages[1].endswith("succeeded: 1 accepted, 0 rejected") and len(messages) == 2  # nothing run twice
    with open_snapshot(paths) as con:
        assert con.sql("SELECT submission_id, status FROM submissions").fetchall() == [(submission_id, "accepted")]


def test_long_messages_get_rows_tall_enough_to_be_read_whole():
    from dashboards.ui import row_height

    assert row_height(pl.Series(["Please give the action plan."]), chars_per_line=60) is None  # one line
    three = row_height(pl.Series(["short", "x" * 150, None]), chars_per_line=60)
    five = row_height(pl.Series(["x" * 290]), chars_per_line=60)
    assert three is not None and five is not None and three < five
    assert row_height(pl.Series(["x" * 5000]), chars_per_line=60) == five  # capped at five lines


def test_theme_coverage_is_the_share_of_plans_with_an_action_on_each_core_theme(home):
    from pipeline.benchmarks.disclosure import round_count
    from pipeline.schema import CORE_THEMES

    s = snap(home)
    coverage = data.theme_coverage(s, viewer(home, "steer"))
    plans = s.query("SELECT submission_id, stage FROM submissions WHERE is_latest_valid")
    actions = s.query("SELECT DISTINCT submission_id, theme FROM return_actions")
    assert set(coverage["theme"]) == {t.value for t in CORE_THEMES}
    counts = {}
    for stage, theme, share in coverage.iter_rows():
        in_stage = plans.filter(pl.col("stage") == stage)["submission_id"]
        with_theme = actions.filter((pl.col("theme") == theme) & pl.col("submission_id").is_in(in_stage.implode()))
        counts[stage, theme] = (with_theme.height, in_stage.len())
        assert share == pytest.approx(100 * with_theme.height / in_stage.len()), (stage, theme)
    assert coverage.height == 4 * plans["stage"].n_unique()
    # Others see shares of the rounded counts, withheld where fewer than 5 plans are behind them or cover the theme.
    for stage, theme, share in data.theme_coverage(s, viewer(home, "inst")).iter_rows():
        covered, n = counts[stage, theme]
        if n < 5 or 0 < covered < 5:
            assert share is None, (stage, theme)
        else:
            assert share == pytest.approx(100 * round_count(covered) / round_count(n) if covered else 0.0)


def test_the_steering_group_corrects_the_register_on_its_page_and_sees_why_a_value_is_refused(tmp_path, monkeypatch):
    from dashboards.accounts import AccountStore
    from pipeline.programme import audit
    from pipeline.settings import Paths

    paths = Paths(tmp_path)  # a home of its own: the shared one's register stays as it is
    monkeypatch.setenv("TECHBENCH_HOME", str(tmp_path))
    AccountStore.for_paths(paths).add_user("steer", PASSWORD, "steering")
    at = open_page("steering", "register")
    assert not at.exception and "pipeline uses the changed register from its next run" in texts(at)
    at.selectbox(key="register_correct_slug").set_value("essex").run()
    save = next(b for b in at.button if b.label == "Save the correction")
    at.text_input(key="register_correct_essex_ukprn").set_value("10007143")
    save.click().run()
    assert any("10007143 is" in e and "Durham University" in e for e in errors(at))  # under the UKPRN field
    assert not (tmp_path / "register.csv").exists() and audit.entries(paths) == []
    at.text_input(key="register_correct_essex_ukprn").set_value("10007791")
    at.text_input(key="register_correct_essex_signed").set_value("2017-05-31")
    next(b for b in at.button if b.label == "Save the correction").click().run()
    assert not errors(at) and "essex corrected" in texts(at)
    [entry] = audit.entries(paths)
    assert (entry.actor, entry.subject, entry.details["after"]) == ("steer", "essex", {"signed": "2017-05-31"})
    assert table_with(at, "by")["signatory"].to_list() == ["essex"]  # the trail on the page


def test_downloads_from_a_synthetic_sector_say_so_in_the_file_and_its_name(home):
    import io as _io

    import openpyxl

    from dashboards import exports

    content, name, _ = exports.sector_table(viewer(home, "steer"), "hesa_reconciliation", "csv")
    assert "-SYNTHETIC-" in name
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("signatory,")  # the header stays first
    assert any(line.startswith("# SYNTHETIC DATA") and "register and the HESA figures are real" in line
               for line in lines[-2:])
    assert lines[-1].startswith("# Contains HESA Data")
    content, name, _ = exports.sector_table(viewer(home, "steer"), "positions", "xlsx")
    wb = openpyxl.load_workbook(_io.BytesIO(content))
    notes = [row[1] for row in wb[wb.sheetnames[-1]].iter_rows(min_row=2, values_only=True)]
    assert wb.sheetnames[-1] == "Attribution" and notes[0].startswith("SYNTHETIC DATA")
