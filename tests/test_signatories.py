"""The signatory register: the shipped real register, dates as precisely as sources state them, the
UKPRN checks, and adding and correcting signatories from the command line and the dashboard's data
layer (steering group only), each change in the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from typer.testing import CliRunner

from dashboards import data
from dashboards.accounts import AccountStore
from pipeline.programme import audit
from pipeline.cli import app
from pipeline.programme.changes import ChangeRejected, check_register
from pipeline.settings import Paths
from pipeline.programme.signatories import (
    DEFAULT_REGISTER,
    RegisterError,
    Signatory,
    load_register,
    parse_register,
    parse_register_lines,
    write_register,
)
from pipeline.programme.ukprn import REFERENCE, providers, ukprn_problem, ukprn_problems

runner = CliRunner()
HEADER = "slug,name,type,nation,ukprn,signed,plugin\n"


def row(**values: object) -> Signatory:
    base = {"slug": "essex", "name": "University of Essex", "type": "university", "nation": "England",
            "plugin": "official_form"}
    return Signatory.model_validate(base | values)


# --- the shipped register -------------------------------------------------------------------------

def test_the_shipped_register_is_the_real_signatories_each_with_its_page():
    register = {s.slug: s for s in load_register()}
    assert len(register) >= 45
    assert not any(s.synthetic for s in register.values())
    assert all(s.source_url and s.source_url.startswith("https://") for s in register.values())
    assert register["imperial"].ukprn == "10003270" and register["essex"].ukprn == "10007791"
    assert register["imperial"].signed == dt.date(2017, 5, 1) and register["imperial"].signed_precision == "month"
    assert "seed 000" in register["imperial"].source and "seed 004" in register["essex"].source
    assert [s.slug for s in register.values()].count("imperial") == 1  # merged with the seeds, not duplicated
    assert {s.nation for s in register.values() if s.slug in ("cardiff", "cardiff-met", "swansea")} == {"Wales"}
    assert register["queens-belfast"].nation == "Northern Ireland" and register["glasgow"].region == "Scotland"
    assert register["sydney"].nation == "international" and register["sydney"].ukprn is None
    assert register["exeter"].signed is None and register["exeter"].signed_precision is None  # not stated: blank
    earlham = register["earlham"]
    assert earlham.signed_approximate and earlham.signed_text == "2022-11" and earlham.signed_precision == "month"


def test_every_shipped_ukprn_is_a_known_provider_under_its_name():
    lines = parse_register_lines(DEFAULT_REGISTER.read_text(encoding="utf-8"))
    assert ukprn_problems(lines) == []
    known = providers()
    assert len(known) == 308 and known["10007791"].name == "University of Essex"
    assert known["10007143"].name == "Durham University"
    assert (REFERENCE.parent / "README-ukprn_providers.md").read_text(encoding="utf-8").count("MIT") >= 1


def test_the_register_command_checks_the_shipped_register(tmp_path):
    result = runner.invoke(app, ["signatories", "--home", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    listed = {r["slug"]: r for r in json.loads(result.stdout)}
    assert listed["essex"]["signed_precision"] == "month" and listed["essex"]["source_url"].startswith("https://")


# --- signing dates as precisely as stated ---------------------------------------------------------

@pytest.mark.parametrize(("text", "day", "precision", "written"), [
    ("2017-05-31", dt.date(2017, 5, 31), "day", "2017-05-31"),
    ("2017-05", dt.date(2017, 5, 1), "month", "2017-05"),
    ("2017", dt.date(2017, 1, 1), "year", "2017"),
    ("", None, None, ""),
])
def test_signed_keeps_the_stated_precision_and_is_written_back_as_stated(tmp_path, text, day, precision, written):
    [s] = parse_register(HEADER + f"york,University of York,university,England,10007167,{text},official_form\n")
    assert (s.signed, s.signed_precision, s.signed_text) == (day, precision, written)
    write_register([s], tmp_path / "r.csv")
    assert load_register(tmp_path / "r.csv") == [s]


def test_a_period_s_date_must_be_its_first_day():
    with pytest.raises(ValueError, match="first day of its month"):
        row(signed=dt.date(2017, 5, 12), signed_precision="month")
    assert row(signed=dt.date(2017, 5, 12)).signed_precision == "day"  # a date given in code is a day


def test_a_bad_row_names_its_line_and_column():
    text = (HEADER + "essex,University of Essex,university,England,10007791,2017-05,official_form\n"
            "york,University of York,university,England,10007167,May 2017,official_form\n"
            "essex,Again,university,Atlantis,,2017,official_form\n")
    with pytest.raises(RegisterError) as caught:
        parse_register(text, "reg.csv")
    problems = caught.value.problems
    assert any(p.startswith("reg.csv, line 3, column 'signed'") and "YYYY-MM" in p for p in problems)
    assert any(p.startswith("reg.csv, line 4, column 'nation'") for p in problems)


# --- UKPRN checks ---------------------------------------------------------------------------------

def test_a_ukprn_must_be_the_provider_the_name_says():
    assert ukprn_problem(row(ukprn="10007791", name="The University of Essex")) is None  # loosely the same name
    wrong = ukprn_problem(row(ukprn="10007143"))
    assert "Durham University" in wrong and "10007791" in wrong
    assert "not a UK provider" in ukprn_problem(row(ukprn="19999999"))
    alias = row(slug="imperial", ukprn="10003270", name="Imperial College of Science, Technology and Medicine")
    assert ukprn_problem(alias) is None  # a documented alias
    assert ukprn_problem(row(ukprn="10003270", name="Imperial College")) is not None  # no fuzzy matching


def test_the_register_command_reports_each_ukprn_problem_with_its_line(tmp_path):
    bad = tmp_path / "reg.csv"
    bad.write_text(HEADER + "essex,University of Essex,university,England,10007143,2017-05,official_form\n"
                   "york,University of York,university,England,10007167,2017,official_form\n"
                   "york2,University of York,university,England,10007167,2017,official_form\n"
                   "x,Nowhere University,university,England,19999999,,official_form\n", encoding="utf-8")
    result = runner.invoke(app, ["signatories", "--register", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}, line 2, column 'ukprn': 10007143 is 'Durham University'" in result.stderr
    assert f"{bad}, line 4, column 'ukprn': 10007167 is already given on line 3" in result.stderr
    assert f"{bad}, line 5, column 'ukprn': 19999999 is not a UK provider" in result.stderr
    assert check_register(tmp_path / "missing.csv")[1][0].endswith("cannot be read ([Errno 2] No such file or "
                                                                    f"directory: '{tmp_path / 'missing.csv'}')")


# --- adding and correcting from the command line --------------------------------------------------

def test_correct_on_the_command_line_checks_writes_the_home_s_register_and_the_audit_trail(tmp_path):
    paths = Paths(tmp_path)
    refused = runner.invoke(app, ["signatories", "correct", "essex", "--ukprn", "10007143", "--home", str(tmp_path)])
    assert refused.exit_code == 1 and "ukprn: 10007143 is 'Durham University'" in refused.stderr
    assert paths.register == DEFAULT_REGISTER and audit.entries(paths) == []  # nothing written

    done = runner.invoke(app, ["signatories", "correct", "essex", "--signed", "2017-05-31", "--signed-as-stated",
                               "31 May 2017", "--reason", "launch day", "--by", "ops", "--home", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert paths.register == tmp_path / "register.csv"
    essex = next(s for s in load_register(paths.register) if s.slug == "essex")
    assert (essex.signed, essex.signed_precision, essex.ukprn) == (dt.date(2017, 5, 31), "day", "10007791")
    [entry] = audit.entries(paths, subject="essex")
    assert (entry.actor, entry.action) == ("ops", "signatory.correct")
    assert entry.details == {"before": {"signed": "2017-05", "signed_as_stated": "May 2017"},
                             "after": {"signed": "2017-05-31", "signed_as_stated": "31 May 2017"},
                             "reason": "launch day"}
    assert len(load_register(paths.register)) == len(load_register())  # every other row kept


def test_add_on_the_command_line_uses_the_same_checks(tmp_path):
    base = ["signatories", "add", "--home", str(tmp_path), "--slug", "aberystwyth", "--name", "Aberystwyth University",
            "--type", "university", "--nation", "Wales", "--ukprn", "10007856"]
    bad = runner.invoke(app, [*base, "--signed", "spring 2019", "--colour", "red"])
    assert bad.exit_code == 1 and "colour: not a column of the register" in bad.stderr
    bad = runner.invoke(app, [*base, "--signed", "spring 2019"])
    assert bad.exit_code == 1 and "signed: give a day as YYYY-MM-DD" in bad.stderr
    again = runner.invoke(app, [*base[:4], "--slug", "essex", *base[6:], "--signed", ""])
    assert again.exit_code == 1 and "'essex' is already in the register" in again.stderr
    assert audit.entries(Paths(tmp_path)) == []
    done = runner.invoke(app, [*base, "--signed", "2019", "--signed-as-stated", "2019"])
    assert done.exit_code == 0, done.output
    added = next(s for s in load_register(Paths(tmp_path).register) if s.slug == "aberystwyth")
    assert (added.plugin, added.synthetic, added.signed_precision) == ("official_form", False, "year")
    [entry] = audit.entries(Paths(tmp_path))
    assert entry.action == "signatory.add" and entry.details["after"]["ukprn"] == "10007856"
    assert runner.invoke(app, ["signatories", "correct", "essex", "--slug", "x", "--home", str(tmp_path)]).exit_code == 1


# --- the dashboard's data layer -------------------------------------------------------------------

@pytest.fixture
def accounts(tmp_path):
    store = AccountStore.for_paths(Paths(tmp_path), hasher=PasswordHasher.from_parameters(CHEAPEST))
    for name, role, signatory in (("steer", "steering", None), ("rev", "reviewer", "essex"),
                                  ("inst", "institution", "imperial")):
        store.add_user(name, "correct horse battery", role, signatory)
    return store


@pytest.mark.parametrize("username", ["rev", "inst"])
def test_the_register_data_layer_refuses_all_but_the_steering_group(tmp_path, accounts, username):
    paths, viewer = Paths(tmp_path), data.Viewer.load(accounts, username)
    for read in (data.register_rows, data.register_problems, data.register_trail):
        with pytest.raises(data.Denied):
            read(paths, viewer)
    with pytest.raises(data.Denied):
        data.correct_signatory(paths, viewer, "essex", {"signed": "2017"})
    with pytest.raises(data.Denied):
        data.add_signatory(paths, viewer, {"slug": "x", "name": "X University", "type": "university",
                                           "nation": "England"})
    assert not (tmp_path / "register.csv").exists() and audit.entries(paths) == []


def test_the_steering_group_corrects_through_the_data_layer_under_its_own_name(tmp_path, accounts):
    paths, steer = Paths(tmp_path), data.Viewer.load(accounts, "steer")
    rows = data.register_rows(paths, steer)
    assert rows.height == len(load_register()) and "source_url" in rows.columns
    with pytest.raises(ChangeRejected) as refused:
        data.correct_signatory(paths, steer, "york", {"region": "Atlantis"})
    assert list(refused.value.problems) == ["region"]
    data.correct_signatory(paths, steer, "york", {"region": "Yorkshire and The Humber"}, "from the UKRLP")
    trail = data.register_trail(paths, steer)
    assert trail.row(0, named=True) | {"at": ""} == {
        "at": "", "by": "steer", "action": "correct", "signatory": "york", "before": "region: (blank)",
        "after": "region: Yorkshire and The Humber", "reason": "from the UKRLP"}
    accounts.disable("steer")
    with pytest.raises(data.Denied):
        data.register_rows(paths, steer)  # asked again at every read
